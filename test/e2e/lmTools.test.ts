// The language model tools as a chat assistant calls them: through vscode.lm.invokeTool, which
// runs them in the extension host with no model involved. Their answers are checked against
// the trace the extension made of sample.tcpdump, and their line citations against the document.
import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Trace } from '../../src/trace/model';
import { explainPacket } from '../../src/trace/explain';
import { activateExtension, waitFor } from './util';

const TOOLS = ['tcp_trace_summary', 'tcp_trace_connections', 'tcp_trace_explain', 'tcp_trace_slow'];

async function call(name: string, input: object): Promise<string> {
  const result = await vscode.lm.invokeTool(name, { input, toolInvocationToken: undefined });
  return result.content.map((p) => (p instanceof vscode.LanguageModelTextPart ? p.value : '')).join('');
}

describe('language model tools', function () {
  this.timeout(60_000);
  let doc: vscode.TextDocument;
  let trace: Trace;

  before(async function () {
    const [file] = await vscode.workspace.findFiles('sample.tcpdump');
    doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc, { preview: false });
    const api = await activateExtension();
    trace = await waitFor('the sample\'s trace', () => api.traceFor(doc.uri), 20_000);
  });

  it('are contributed and registered under their names', function () {
    const names = vscode.lm.tools.map((t) => t.name);
    for (const n of TOOLS) assert.ok(names.includes(n), `${n} in vscode.lm.tools (${names.join(', ')})`);
    const summary = vscode.lm.tools.find((t) => t.name === 'tcp_trace_summary')!;
    assert.match(summary.description, /Summarise a tcpdump trace/);
  });

  it('summarise the trace the editor shows, with lines as links to the document', async function () {
    const text = await call('tcp_trace_summary', {});
    assert.ok(text.startsWith(`${trace.lines} lines, ${trace.packetCount} TCP packets, ${trace.connections.length} connections`), text.slice(0, 200));
    const links = [...text.matchAll(/\[line (\d+)\]\(([^)#]+)#L(\d+)\)/g)];
    assert.ok(links.length > 0, 'the answer cites lines');
    for (const [, shown, uri, target] of links) {
      assert.strictEqual(shown, target, 'a link goes to the line it names');
      assert.strictEqual(vscode.Uri.parse(uri).toString(), doc.uri.toString(), 'a link goes to the document');
      assert.ok(Number(target) >= 1 && Number(target) <= doc.lineCount, `line ${target} is in the document`);
    }
  });

  it('list the connections a filter matches, from a path', async function () {
    const refused = trace.connections.filter((c) => c.connState === 'REJ');
    const text = await call('tcp_trace_connections', { file: doc.uri.fsPath, filter: 'connState == REJ' });
    assert.ok(text.startsWith(`${refused.length} of ${trace.connections.length} connections match connState == REJ`), text.slice(0, 200));
    for (const c of refused.slice(0, 20)) assert.ok(text.includes(`#${c.id} ${c.client} > ${c.server}`), `#${c.id} listed`);
    const bad = await call('tcp_trace_connections', { filter: 'rttMs >' });
    assert.match(bad, /^Error: filter: .*\(column 8\)/);
  });

  it('explain the packet on a line in the engine\'s words', async function () {
    const c = trace.connections.find((x) => x.handshake.synLine !== null)!;
    const line = c.handshake.synLine!;
    const text = await call('tcp_trace_explain', { line });
    // In the language the extension is set to.
    const said = (['en', 'zh'] as const).map((lang) => explainPacket(trace, trace.packetAtLine(line), lang));
    assert.ok(said.some((s) => text.includes(s)), text.slice(0, 300));
    assert.ok(text.includes(`#${c.id}`), 'names its connection');
  });

  it('say which connections look slow, citing their lines', async function () {
    const text = await call('tcp_trace_slow', {});
    assert.match(text, /^\d+ connections? of \d+ show signs of slowness/);
  });

  it('refuse what is not a file', async function () {
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const text = await call('tcp_trace_summary', { file: folder.fsPath });
    assert.match(text, /is not a file/);
    const missing = await call('tcp_trace_summary', { file: vscode.Uri.joinPath(folder, 'no-such-trace.tcpdump').fsPath });
    assert.match(missing, /no such file/);
  });
});
