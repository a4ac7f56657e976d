// A log that tcpdump is still writing (`tcpdump -l -nn … | tee x.tcpdump`), open in an editor:
// each time the file grows on disk, VS Code reloads the document and the trace follows it.
import * as assert from 'assert';
import * as vscode from 'vscode';
import { activateExtension, TestApi, waitFor } from './util';

describe('A capture file that grows while open', function () {
  let api: TestApi;

  before(async function () {
    this.timeout(60_000);
    api = await activateExtension();
  });

  it('is analysed again each time lines are appended on disk', async function () {
    this.timeout(90_000);
    const [sample] = await vscode.workspace.findFiles('sample.tcpdump');
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const growing = vscode.Uri.joinPath(folder, 'growing.tcpdump');
    const lines = new TextDecoder().decode(await vscode.workspace.fs.readFile(sample)).split('\n').filter(Boolean);
    const half = Math.floor(lines.length / 2);
    const write = (n: number) => vscode.workspace.fs.writeFile(growing, new TextEncoder().encode(lines.slice(0, n).join('\n') + '\n'));
    await write(half);
    try {
      const doc = await vscode.workspace.openTextDocument(growing);
      await vscode.window.showTextDocument(doc, { preview: false });
      const first = await waitFor('the first half analysed', () => {
        const t = api.traceFor(growing);
        return t && t.lines === half ? t : undefined;
      }, 20_000);
      // The writer appends the rest; nothing is typed in the editor.
      await write(lines.length);
      const second = await waitFor('the whole file analysed', () => {
        const t = api.traceFor(growing);
        return t && t.lines === lines.length ? t : undefined;
      }, 30_000);
      assert.ok(second.packetCount > first.packetCount, `${second.packetCount} packets after growing, ${first.packetCount} before`);
      assert.strictEqual(doc.isDirty, false, 'the document is only reloaded, never edited');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      await vscode.workspace.fs.delete(growing).then(undefined, () => undefined);
    }
  });
});
