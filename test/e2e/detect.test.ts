// Language detection in the real VS Code: tcpdump text that opens as Plain Text (an untitled
// document, a paste, a .txt or .log file) becomes a tcpdump document; prose stays as it is,
// and so does everything once tcpTrace.detectLanguage is off. The text is never touched.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { sniff } from '../../src/editor/detect';
import { EXTENSION_ID, LANGUAGE_ID, sleep, waitFor } from './util';

const root = vscode.Uri.joinPath(vscode.Uri.file(__dirname), '..', '..', '..');
const fixtures = vscode.Uri.joinPath(root, 'test', 'fixtures');

async function read(uri: vscode.Uri): Promise<string> {
  return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
}

function fixture(...path: string[]): Promise<string> {
  return read(vscode.Uri.joinPath(fixtures, ...path));
}

/** The open document at this URI, whatever its language now (a language change opens it anew). */
function current(uri: vscode.Uri): vscode.TextDocument | undefined {
  return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
}

async function becomesTcpdump(uri: vscode.Uri): Promise<vscode.TextDocument> {
  return waitFor(`${uri.toString(true)} as tcpdump`, () => {
    const d = current(uri);
    return d?.languageId === LANGUAGE_ID ? d : undefined;
  }, 10_000);
}

/** The command line before tcpdump's output in a terminal. */
const COMMAND = '$ sudo tcpdump -nn -i lo tcp port 8080\n';

/** Longer than the detection's delay after an edit: if it were to switch, it would have. */
const SETTLE_MS = 2000;

/** Closes a document's editor without saving it. */
async function close(uri: vscode.Uri): Promise<void> {
  const doc = current(uri);
  if (!doc) return;
  await vscode.window.showTextDocument(doc, { preview: false });
  await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
}

/** Pastes text into a new, empty untitled document, as a person would. */
async function pasteIntoUntitled(text: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: '' });
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  await sleep(300);
  assert.notStrictEqual(current(doc.uri)?.languageId, LANGUAGE_ID, 'an empty document stays as it is');
  assert.ok(await editor.edit((b) => b.insert(new vscode.Position(0, 0), text)));
  return doc;
}

describe('Language detection: tcpdump text in Plain Text documents', function () {
  this.timeout(60_000);
  let nn: string;
  const config = () => vscode.workspace.getConfiguration('tcpTrace');

  before(async function () {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    nn = await fixture('captures', 'normal-client-close', 'nn.tcpdump');
  });

  // The workspace is as it was: later steps take screenshots of it.
  after(async function () {
    assert.deepStrictEqual((await vscode.workspace.findFiles('e2e-detect-*')).map((u) => u.toString(true)), []);
  });

  it('every rendering of the captures reads as tcpdump; pastes with TCP packets at least as maybe; prose as not', async function () {
    const captures = vscode.Uri.joinPath(fixtures, 'captures');
    let renderings = 0;
    for (const [dir, type] of await vscode.workspace.fs.readDirectory(captures)) {
      if (type !== vscode.FileType.Directory) continue;
      for (const [name] of await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(captures, dir))) {
        if (!name.endsWith('.tcpdump')) continue;
        const s = sniff(await fixture('captures', dir, name));
        assert.strictEqual(s.verdict, 'tcpdump', `${dir}/${name}: ${JSON.stringify(s)}`);
        renderings++;
      }
    }
    assert.ok(renderings >= 100, `${renderings} renderings`);
    let sure = 0;
    for (const [name] of await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(fixtures, 'pastes'))) {
      if (!name.endsWith('.txt')) continue;
      const s = sniff(await fixture('pastes', name));
      if (s.packets === 0) assert.strictEqual(s.verdict, 'no', name);
      else assert.notStrictEqual(s.verdict, 'no', `${name}: ${JSON.stringify(s)}`);
      if (s.verdict === 'tcpdump') sure++;
    }
    assert.ok(sure >= 35, `${sure} pastes read as tcpdump`);
    for (const name of ['README.md', 'CHANGELOG.md']) assert.strictEqual(sniff(await read(vscode.Uri.joinPath(root, name))).verdict, 'no', name);
  });

  it('an untitled Plain Text document with tcpdump -nn lines becomes tcpdump, its text untouched', async function () {
    // The command line first, as pasted from a terminal: VS Code's own firstLine rule, which
    // it applies to untitled documents, does not match it.
    const text = COMMAND + nn;
    const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: text });
    await vscode.window.showTextDocument(doc, { preview: false });
    try {
      const now = await becomesTcpdump(doc.uri);
      assert.strictEqual(now.getText(), text);

      // Someone who turns it back to Plain Text is left alone, even as they type.
      await vscode.languages.setTextDocumentLanguage(now, 'plaintext');
      const editor = await vscode.window.showTextDocument(current(doc.uri)!, { preview: false });
      assert.ok(await editor.edit((b) => b.insert(new vscode.Position(0, 0), '# a note\n')));
      await sleep(SETTLE_MS);
      assert.strictEqual(current(doc.uri)?.languageId, 'plaintext', 'the language someone chose stays');
    } finally {
      await close(doc.uri);
    }
  });

  it('a prompt, tcpdump banner and packets glued on one line, pasted into an untitled document, becomes tcpdump', async function () {
    const packets = nn.split('\n').filter((l) => l.trim()).slice(0, 5);
    const pasted =
      '[root@localhost ~]# tcpdump -i lo -nn tcp port 8080 tcpdump: verbose output suppressed, use -v[v]... for full protocol decode ' +
      'listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes ' + packets.join(' ') + '\n';
    const doc = await pasteIntoUntitled(pasted);
    try {
      const now = await becomesTcpdump(doc.uri);
      assert.strictEqual(now.getText(), pasted);
    } finally {
      await close(doc.uri);
    }
  });

  it('.txt and .log files in the workspace with tcpdump text become tcpdump, unchanged on disk', async function () {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    assert.ok(folder, 'a workspace folder');
    const files: Array<[string, string]> = [
      ['e2e-detect-capture.txt', nn],
      // As posted: a shell prompt and tcpdump's banner before the packets.
      ['e2e-detect-capture.log', await fixture('pastes', '07-mubi-baidu-fin-then-rst.txt')],
    ];
    const uris: vscode.Uri[] = [];
    try {
      for (const [name, text] of files) {
        const uri = vscode.Uri.joinPath(folder, name);
        uris.push(uri);
        const bytes = new TextEncoder().encode(text);
        await vscode.workspace.fs.writeFile(uri, bytes);
        const doc = await vscode.workspace.openTextDocument(uri);
        assert.notStrictEqual(doc.languageId, LANGUAGE_ID, `${name} opens as ${doc.languageId}, by its extension`);
        await vscode.window.showTextDocument(doc, { preview: false });
        const now = await becomesTcpdump(uri);
        assert.strictEqual(now.getText(), text);
        assert.strictEqual(now.isDirty, false, 'not dirty');
        assert.ok(Buffer.from(await vscode.workspace.fs.readFile(uri)).equals(Buffer.from(bytes)), 'the file on disk is as written');
      }
    } finally {
      for (const uri of uris) {
        await close(uri);
        await vscode.workspace.fs.delete(uri).then(undefined, () => undefined);
      }
    }
  });

  it('plain prose stays Plain Text, opened or typed', async function () {
    const prose =
      'Notes from the outage on 2024-05-01\n\n' +
      'At 10:09:11 the client sent a SYN and the load balancer (10.0.0.1 > 10.0.0.2) dropped it.\n' +
      'Next: run tcpdump -nn -i eth0 port 80 on both hosts and compare the handshakes.\n';
    const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: prose });
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    try {
      await sleep(SETTLE_MS);
      assert.notStrictEqual(current(doc.uri)?.languageId, LANGUAGE_ID);
      assert.ok(await editor.edit((b) => b.insert(new vscode.Position(doc.lineCount - 1, 0), 'The SYN was retransmitted 3 times > the limit.\n')));
      await sleep(SETTLE_MS);
      assert.notStrictEqual(current(doc.uri)?.languageId, LANGUAGE_ID);
    } finally {
      await close(doc.uri);
    }
  });

  it('a few packets among mostly prose are not switched (a notice asks)', async function () {
    const packets = nn.split('\n').filter((l) => l.trim()).slice(0, 2);
    const prose = Array.from({ length: 12 }, (_, i) => `Step ${i + 1}: the client waits, then checks the server's reply against its notes.`);
    const text = [...prose.slice(0, 6), ...packets, ...prose.slice(6)].join('\n') + '\n';
    assert.strictEqual(sniff(text).verdict, 'maybe');
    const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content: text });
    await vscode.window.showTextDocument(doc, { preview: false });
    try {
      await sleep(SETTLE_MS);
      assert.notStrictEqual(current(doc.uri)?.languageId, LANGUAGE_ID, 'the notice asks first');
    } finally {
      await close(doc.uri);
    }
  });

  it('with tcpTrace.detectLanguage off, tcpdump text stays as it opened', async function () {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    assert.ok(folder, 'a workspace folder');
    const file = vscode.Uri.joinPath(folder, 'e2e-detect-off.txt');
    await config().update('detectLanguage', false, vscode.ConfigurationTarget.Global);
    const docs: vscode.Uri[] = [];
    try {
      await waitFor('the setting off', () => config().get('detectLanguage') === false);
      const opened = await vscode.workspace.openTextDocument({ language: 'plaintext', content: COMMAND + nn });
      docs.push(opened.uri);
      await vscode.window.showTextDocument(opened, { preview: false });
      docs.push((await pasteIntoUntitled(nn)).uri);
      await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(nn));
      docs.push(file);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file), { preview: false });
      await sleep(SETTLE_MS);
      const langs = docs.map((u) => `${u.toString(true)}: ${current(u)?.languageId}`).join(', ');
      for (const uri of docs) assert.notStrictEqual(current(uri)?.languageId, LANGUAGE_ID, langs);
    } finally {
      for (const uri of docs) await close(uri);
      await vscode.workspace.fs.delete(file).then(undefined, () => undefined);
      await config().update('detectLanguage', undefined, vscode.ConfigurationTarget.Global);
    }
  });
});
