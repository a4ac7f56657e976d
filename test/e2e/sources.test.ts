// The Connections view's sources in the real VS Code: a tcpdump document over 50 MB, which
// VS Code never shares with extensions, is read from its file in the worker and shown, named,
// while its tab is active (never another document's connections); a file analysed with
// "Analyze Capture File…" stays in the list of sources when another tab is clicked, can be
// shown again, and leaves the list when closed.
import * as assert from 'assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as vscode from 'vscode';
import { analyzeBytes, analyzeText } from '../../src/trace';
import { activateExtension, TestApi, runCommand, sleep, waitFor } from './util';

interface SourceInfo {
  uri: string;
  kind: 'document' | 'large' | 'file';
  name: string;
  shown: boolean;
  packets?: number;
  connections?: number;
}

interface SourcesApi extends TestApi {
  treeItems(): Promise<Array<{ label: string; description?: string; id?: string }>>;
  sources(): SourceInfo[];
  treeHeader(): { description?: string; message?: string };
}

const fixtures = join(__dirname, '..', '..', '..', 'test', 'fixtures');
/** VS Code does not share a text model longer than this with extensions. */
const SHARE_LIMIT = 50 * 1024 * 1024;

describe('Sources of the Connections view', function () {
  let api: SourcesApi;
  let sample: vscode.Uri;
  let dir: string;

  before(async function () {
    this.timeout(60_000);
    api = await activateExtension<SourcesApi>();
    [sample] = await vscode.workspace.findFiles('sample.tcpdump');
    dir = mkdtempSync(join(tmpdir(), 'tcp-trace-sources-'));
    await runCommand('workbench.view.extension.tcpTrace');
  });

  after(async function () {
    this.timeout(30_000);
    await runCommand('workbench.action.closeAllEditors');
    await vscode.workspace.getConfiguration('workbench').update('editorLargeFileConfirmation', undefined, vscode.ConfigurationTarget.Global);
    rmSync(dir, { recursive: true, force: true });
  });

  const header = () => api.treeHeader().description ?? '';

  /** Shows a tcpdump document in its editor and waits for the tree to describe it. */
  async function show(uri: vscode.Uri): Promise<void> {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
    const name = uri.path.slice(uri.path.lastIndexOf('/') + 1);
    await waitFor(`the tree to show ${name}`, async () => header().startsWith(`${name} ·`) && (await api.treeItems()).length > 0, 20_000);
  }
  const showSample = () => show(sample);

  /** A copy of the sample in the temporary folder, as another document. */
  function copyOfSample(name: string): vscode.Uri {
    const path = join(dir, name);
    writeFileSync(path, readFileSync(sample.fsPath));
    return vscode.Uri.file(path);
  }

  it('analyses a tcpdump document over 50 MB from its file, names it, and never shows another document meanwhile', async function () {
    this.timeout(240_000);
    // Real loopback captures (tcpdump -nn), one after another, repeated past VS Code's limit.
    const captures = join(fixtures, 'captures');
    const block = readdirSync(captures).sort().map((d) => readFileSync(join(captures, d, 'nn.tcpdump'), 'utf8')).join('');
    const text = block.repeat(Math.ceil((SHARE_LIMIT + (2 << 20)) / block.length));
    const file = join(dir, 'loopback-captures.txt');
    writeFileSync(file, text);
    const want = analyzeBytes(readFileSync(file));
    assert.ok(want.connections.length > 300, `many connections (${want.connections.length})`);
    const uri = vscode.Uri.file(file);

    // Local VS Code opens files up to 1 GB without asking; code-server asks from 10 MB.
    await vscode.workspace.getConfiguration('workbench').update('editorLargeFileConfirmation', 1024, vscode.ConfigurationTarget.Global);
    await showSample();
    // What the view says from the moment the tab opens, sampled while the editor loads.
    const seen = new Set<string>();
    let progress = false;
    const sample20ms = setInterval(() => {
      const h = api.treeHeader();
      const active = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      if (active instanceof vscode.TabInputText && active.uri.toString() === uri.toString()) seen.add(h.description ?? '');
      if (/^Analyzing loopback-captures\.txt… \d+%/.test(h.message ?? '')) progress = true;
    }, 20);
    let shown: SourceInfo;
    try {
      await vscode.commands.executeCommand('vscode.open', uri);
      shown = await waitFor('the large document in the tree', () => {
        const src = api.sources().find((s) => s.uri === uri.toString());
        return src?.shown && src.connections === want.connections.length ? src : undefined;
      }, 180_000);
    } finally {
      clearInterval(sample20ms);
    }
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString()), 'VS Code did not share the document with the extension');
    assert.strictEqual(shown.kind, 'large');
    assert.strictEqual(shown.packets, want.packetCount);
    for (const d of seen) assert.ok(!d.startsWith('sample.tcpdump'), `while the large document was active the tree described "${d}"`);
    assert.ok(progress, 'the view said how far the analysis had got');
    assert.match(header(), /^loopback-captures\.txt · [\d,]+ packets/);
    const items = await api.treeItems();
    assert.deepStrictEqual(items.map((i) => i.label), want.connections.slice(0, 300).map((c) => `${c.client} → ${c.server}`));

    // Another tab: its own connections; back again: the large document's, kept.
    await showSample();
    await vscode.commands.executeCommand('vscode.open', uri);
    await waitFor('the large document shown again', () => header().startsWith('loopback-captures.txt ·'), 20_000);

    // Closing its tab closes the source.
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await waitFor('the large document gone from the sources', () => !api.sources().some((s) => s.uri === uri.toString()), 20_000);
    assert.ok(!header().startsWith('loopback-captures.txt'), `the tree still describes it: ${header()}`);
  });

  it('keeps a file analysed from disk when another tab is clicked, shows it again, and closes it', async function () {
    this.timeout(120_000);
    const pcap = vscode.Uri.file(join(fixtures, 'captures', 'sample', 'capture.pcap'));
    const want = analyzeText(readFileSync(join(fixtures, 'captures', 'sample', 'nn.tcpdump'), 'utf8'));
    await showSample();
    const sampleIds = (await api.treeItems()).map((i) => i.id);

    const r = (await vscode.commands.executeCommand('tcpTrace.analyzeFile', pcap)) as { packets: number; connections: number };
    assert.deepStrictEqual({ packets: r.packets, connections: r.connections }, { packets: want.packetCount, connections: want.connections.length });
    await waitFor('the tree to name the file', () => header().startsWith('capture.pcap ·'), 10_000);
    const fileItems = await api.treeItems();
    assert.deepStrictEqual(fileItems.map((i) => i.label), want.connections.map((c) => `${c.client} → ${c.server}`));
    // A new source's nodes are new to the view, so none of them opens expanded.
    assert.ok(!fileItems.some((i) => sampleIds.includes(i.id)), 'the file\'s items have ids of their own');

    // Another editor tab: the tree follows it, and the file stays among the sources.
    const other = copyOfSample('other.tcpdump');
    await show(other);
    const file = () => api.sources().find((s) => s.kind === 'file' && s.uri === pcap.toString());
    assert.ok(file(), 'the file is still a source');
    assert.strictEqual(file()!.shown, false);
    assert.strictEqual(file()!.name, 'capture.pcap');

    await vscode.commands.executeCommand('tcpTrace.chooseSource', pcap.toString(), 'file');
    await waitFor('the file shown again', () => header().startsWith('capture.pcap ·') && file()?.shown, 10_000);
    assert.strictEqual((await api.treeItems()).length, want.connections.length);

    await vscode.commands.executeCommand('tcpTrace.closeSource', pcap.toString(), 'file');
    assert.strictEqual(file(), undefined, 'closed, the file leaves the sources');
    await waitFor('the tree to leave the file', () => !header().startsWith('capture.pcap'), 10_000);
    assert.ok(header().startsWith('other.tcpdump ·'), `the tree shows the active document again: ${header()}`);
  });

  it('closing a document\'s source closes its editor', async function () {
    this.timeout(60_000);
    const uri = copyOfSample('copy.tcpdump');
    await show(uri);
    assert.ok(api.sources().some((s) => s.uri === uri.toString() && s.kind === 'document' && s.shown));
    await vscode.commands.executeCommand('tcpTrace.closeSource');
    await waitFor('its tab closed', () => !vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === uri.toString())), 10_000);
    await sleep(200);
    assert.ok(!header().startsWith('copy.tcpdump'), `the tree still describes the closed document: ${header()}`);
  });
});
