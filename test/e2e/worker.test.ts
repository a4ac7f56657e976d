// The worker path in the real VS Code: a document analysed in the worker thread (its text sent
// in slices, then only its edits) must give the same trace as the engine on the same text, and
// "TCP: Analyze Capture File…" must fill the tree from a file it streams from disk.
import * as assert from 'assert';
import { readdirSync, readFileSync } from 'fs';
import * as vscode from 'vscode';
import { analyzeText } from '../../src/trace';
import { WORKER_NICE } from '../../src/protocol/workerProtocol';
import { EXTENSION_ID, TestApi, runCommand, sleep, waitFor } from './util';

interface WorkerApi extends TestApi {
  analysisInfo(uri: vscode.Uri): AnalysisInfo | undefined;
  treeCensus(): string | undefined;
}

interface AnalysisInfo {
  version: number;
  reanalysed: boolean;
  touched?: { connections: number; packets: number };
  inWorker: boolean;
}

const plain = (v: unknown) => JSON.parse(JSON.stringify(v));

describe('Analysis in the worker thread', function () {
  let api: WorkerApi;
  let sample: vscode.Uri;
  const config = () => vscode.workspace.getConfiguration('tcpTrace');

  before(async function () {
    this.timeout(60_000);
    const ext = vscode.extensions.getExtension<WorkerApi>(EXTENSION_ID);
    assert.ok(ext);
    api = await ext.activate();
    [sample] = await vscode.workspace.findFiles('sample.tcpdump');
    // Every document goes to the worker, however small.
    await config().update('workerThresholdKB', 0, vscode.ConfigurationTarget.Global);
    await config().update('analysisDelayMs', 0, vscode.ConfigurationTarget.Global);
  });

  after(async function () {
    await config().update('workerThresholdKB', undefined, vscode.ConfigurationTarget.Global);
    await config().update('analysisDelayMs', undefined, vscode.ConfigurationTarget.Global);
  });

  /** Waits for the analysis of the document's current version, and checks it against the engine. */
  async function analysed(doc: vscode.TextDocument): Promise<AnalysisInfo> {
    const info = await waitFor(`analysis of version ${doc.version}`, () => {
      const i = api.analysisInfo(doc.uri);
      return i && i.version === doc.version ? i : undefined;
    }, 20_000);
    assert.ok(info.inWorker, 'analysed in the worker');
    const trace = api.traceFor(doc.uri);
    assert.ok(trace, 'a trace');
    assert.deepStrictEqual(plain(trace.toJSON(true)), plain(analyzeText(doc.getText()).toJSON(true)), `the worker's trace of version ${doc.version} is the engine's`);
    return info;
  }

  it('follows a document and its edits, re-analysing only edits that touch packets', async function () {
    this.timeout(60_000);
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(sample));
    const doc = await vscode.workspace.openTextDocument({ language: 'tcpdump', content: text });
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    try {
      await analysed(doc);
      const trace = api.traceFor(doc.uri)!;
      const packetLine = trace.packet(Math.min(2, trace.packetCount - 1)).line;

      // A comment line above a packet line: the worker moves lines, no engine run.
      assert.ok(await editor.edit((b) => b.insert(new vscode.Position(packetLine - 1, 0), '# the interesting part starts here\n')));
      assert.strictEqual((await analysed(doc)).reanalysed, false, 'a comment line needs no re-analysis');
      assert.strictEqual(api.traceFor(doc.uri)!.packetAtLine(packetLine + 1), trace.packetAtLine(packetLine), 'the packet moved down a line');

      // Trailing white space after the last line: no re-analysis either.
      assert.ok(await editor.edit((b) => b.insert(doc.lineAt(doc.lineCount - 1).range.end, '\n\n')));
      assert.strictEqual((await analysed(doc)).reanalysed, false);

      // A changed window on a packet line: its connection is analysed again, and only it.
      const line = doc.lineAt(packetLine);
      const win = line.text.indexOf('win ');
      assert.ok(win > 0, 'the packet line has a window');
      assert.ok(await editor.edit((b) => b.insert(new vscode.Position(line.lineNumber, win + 4), '9')));
      const info = await analysed(doc);
      assert.strictEqual(info.reanalysed, true, 'an edit of a packet line is analysed again');
      const conn = trace.connections[trace.packet(trace.packetAtLine(packetLine)).connection];
      assert.deepStrictEqual(info.touched, { connections: 1, packets: conn.packets }, 'only the connection of that packet');
      assert.ok(conn.packets < trace.packetCount, 'the sample has other connections');

      // A time changed: the whole document is analysed again.
      assert.ok(await editor.edit((b) => b.replace(new vscode.Range(line.lineNumber, 7, line.lineNumber, 8), '9')));
      const whole = await analysed(doc);
      assert.strictEqual(whole.reanalysed, true);
      assert.strictEqual(whole.touched, undefined, 'a changed time may move other packets');

      // Several edits before the analysis runs, undone again.
      await vscode.commands.executeCommand('undo');
      await vscode.commands.executeCommand('undo');
      await vscode.commands.executeCommand('undo');
      await analysed(doc);
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });

  it('runs at the lowest priority, below the extension host thread (Linux)', function () {
    if (process.platform !== 'linux') this.skip();
    // Field 19 of a thread's stat is its nice value; the name before it may hold spaces.
    const nice = (stat: string) => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    const host = nice(readFileSync('/proc/thread-self/stat', 'utf8'));
    if (host >= WORKER_NICE) this.skip(); // started at the lowest priority already: nothing to lower
    // The test above started the worker, and it stays for later documents.
    const threads = readdirSync('/proc/self/task').map((t) => nice(readFileSync(`/proc/self/task/${t}/stat`, 'utf8')));
    assert.ok(threads.includes(WORKER_NICE), `a thread at nice ${WORKER_NICE} among the extension host's threads (${threads.join(' ')})`);
  });

  it("the tree's census is at the cursor's line for a document opened with its cursor placed", async function () {
    this.timeout(60_000);
    // 2 MB, so the editor usually shows its cursor at line 5 before the worker's first trace
    // arrives: the tree then meets a focus for a trace it does not show yet.
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(sample)).repeat(500);
    await runCommand('workbench.view.extension.tcpTrace');
    const doc = await vscode.workspace.openTextDocument({ language: 'tcpdump', content: text });
    const line = 5;
    await vscode.window.showTextDocument(doc, { preview: false, selection: new vscode.Range(line - 1, 0, line - 1, 0) });
    try {
      await analysed(doc);
      await waitFor('the tree to show the new trace', () => api.treeCensus(), 10_000);
      // The census follows the cursor a moment after it moves (with the reveal); it must not
      // stay at the line it had before the trace arrived.
      let census: string | undefined;
      await waitFor(`the census at line ${line}`, () => (census = api.treeCensus()) === `States at line ${line}`, 2000).catch(() => undefined);
      assert.strictEqual(census, `States at line ${line}`);
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });

  it('"Analyze Capture File…" streams a file in the worker and lists its connections', async function () {
    this.timeout(60_000);
    const result = (await vscode.commands.executeCommand('tcpTrace.analyzeFile', sample)) as { packets: number; connections: number } | undefined;
    const want = analyzeText(new TextDecoder().decode(await vscode.workspace.fs.readFile(sample)));
    assert.ok(result, 'the command returns a summary');
    assert.strictEqual(result.packets, want.packetCount);
    assert.strictEqual(result.connections, want.connections.length);
    const items = await waitFor('tree items', async () => {
      const list = await api.treeItems();
      return list.length === want.connections.length ? list : undefined;
    });
    assert.strictEqual(items.length, want.connections.length);
    await sleep(100);
  });
});
