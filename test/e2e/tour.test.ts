// The TCP tour in the real VS Code: the walkthrough is contributed and opens; "TCP: Open Example"
// opens every example as a read-only tcpdump document at the lesson's line, the engine analyses
// it and the Connections view lists its connections; nothing is written into the workspace.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { EXTENSION_ID, LANGUAGE_ID, TestApi, norm, runCommand, waitFor } from './util';

interface Walkthrough {
  id: string;
  steps: Array<{ id: string; description: string }>;
}

describe('TCP tour and examples', function () {
  this.timeout(60_000);
  let api: TestApi;
  let ext: vscode.Extension<TestApi>;
  let workspaceFiles: string[];

  const listWorkspace = async () => (await vscode.workspace.findFiles('**/*')).map((u) => u.toString()).sort();

  before(async function () {
    const found = vscode.extensions.getExtension<TestApi>(EXTENSION_ID);
    assert.ok(found, 'extension is installed');
    ext = found;
    api = await ext.activate();
    workspaceFiles = await listWorkspace();
  });

  after(async function () {
    // Leave the sample in front for the suites after this one.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const files = await vscode.workspace.findFiles('sample.tcpdump');
    if (files.length) await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(files[0]));
  });

  it('contributes the walkthrough, nine lessons, each with a button that opens an example', function () {
    const walkthroughs = ext.packageJSON.contributes.walkthroughs as Walkthrough[];
    const tour = walkthroughs.find((w) => w.id === 'tcpTour');
    assert.ok(tour, 'tcpTour is contributed');
    assert.strictEqual(tour.steps.length, 9);
    // Descriptions arrive localised (package.nls.json): each holds an openExample command link.
    for (const s of tour.steps) assert.match(s.description, /\(command:tcpTrace\.openExample\?/, `${s.id}: ${s.description}`);
  });

  it('TCP: Start the TCP Tour opens the walkthrough in an editor tab', async function () {
    const tabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    const before = tabs().length;
    await runCommand('tcpTrace.openTour');
    const tab = await waitFor('a walkthrough tab', () => tabs().find((t) => !(t.input instanceof vscode.TabInputText) && /welcome|walkthrough|TCP/i.test(t.label)), 10_000);
    assert.ok(tabs().length > before, 'a tab was opened');
    await vscode.window.tabGroups.close(tab);
  });

  const examples = ['client-close', 'close-wait-leak', 'half-close', 'rst-client', 'refused', 'syn-flood', 'simultaneous-open', 'simultaneous-close', 'retransmission'];
  for (const id of examples) {
    it(`TCP: Open Example opens ${id} read-only as tcpdump, analysed, its connections in the tree`, async function () {
      const line = id === 'syn-flood' ? 121 : 2;
      const doc = (await runCommand('tcpTrace.openExample', id, line)) as vscode.TextDocument;
      assert.ok(doc && typeof doc.getText === 'function', `openExample returned ${String(doc)}`);
      assert.strictEqual(doc.languageId, LANGUAGE_ID);
      assert.strictEqual(doc.uri.scheme, 'tcpdump-example');
      assert.strictEqual(doc.isUntitled, false);
      const shipped = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(ext.extensionUri, 'examples', `${id}.tcpdump`)));
      assert.strictEqual(doc.getText(), shipped);
      const editor = vscode.window.activeTextEditor;
      assert.strictEqual(editor?.document.uri.toString(), doc.uri.toString(), 'the example is the active editor');
      assert.strictEqual(editor.selection.active.line, line - 1, "the cursor is on the lesson's line");
      const trace = await waitFor('the analysis', () => api.traceFor(doc.uri), 15_000);
      assert.strictEqual(trace.problems.length, 0);
      assert.ok(trace.connections.length >= 1);
      await runCommand('workbench.view.extension.tcpTrace');
      const items = await waitFor('tree items', async () => {
        const list = await api.treeItems();
        const texts = list.map((i) => norm(`${i.label} ${i.description ?? ''}`));
        const port = (ep: string) => ep.slice(ep.lastIndexOf('.') + 1);
        return trace.connections.slice(0, 5).every((c) => texts.some((t) => t.includes(port(c.client)) && t.includes(port(c.server)))) ? list : undefined;
      }, 15_000);
      assert.ok(items.length >= Math.min(trace.connections.length, 1));
      // Not untitled and not dirty: closing it asks nothing, and there is nothing to save.
      assert.strictEqual(doc.isDirty, false);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });
  }

  it('an unknown example gets a message, not a document', async function () {
    assert.strictEqual(await runCommand('tcpTrace.openExample', 'no-such-example'), undefined);
  });

  it('writes nothing into the workspace', async function () {
    assert.deepStrictEqual(await listWorkspace(), workspaceFiles);
  });
});
