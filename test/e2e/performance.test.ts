// Why a connection was slow, in the real VS Code, on two loopback captures with the kernel's
// verdict (test/fixtures/limits): one held back by loss (an RTO stall), one by the server's
// 400 ms think time. The tree's Performance node and its tooltips, the hover of a packet inside
// a stall, the stall and the verdict in the Problems panel with its threshold setting, and
// Next Problem stopping at a stall.
import * as assert from 'assert';
import { copyFileSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as vscode from 'vscode';
import { limitsOf, type Limits } from '../../src/trace/limits';
import type { ConnectionSummary, Trace } from '../../src/trace/model';
import { formatMs } from '../../src/trace/report';
import { activateExtension, TestApi, hoverText, runCommand, sleep, waitFor } from './util';

const fixtures = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'limits');
const realworld = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'realworld');

describe('Performance: why a connection was slow', function () {
  let api: TestApi;
  let dir: string;

  before(async function () {
    this.timeout(60_000);
    api = await activateExtension();
    dir = mkdtempSync(join(tmpdir(), 'tcp-trace-performance-'));
    await runCommand('workbench.view.extension.tcpTrace');
  });

  after(async function () {
    this.timeout(30_000);
    await runCommand('workbench.action.closeAllEditors');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens a copy of a scenario's capture text and waits for its trace. */
  async function open(scenario: string): Promise<{ doc: vscode.TextDocument; editor: vscode.TextEditor; trace: Trace; c: ConnectionSummary; limits: Limits }> {
    const file = join(dir, `${scenario}.tcpdump`);
    copyFileSync(join(fixtures, scenario, 'nn.tcpdump'), file);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    const trace = await waitFor(`the trace of ${scenario}`, () => api.traceFor(doc.uri), 20_000);
    // The connection that carries the data.
    const c = [...trace.connections].sort((a, b) => b.packets - a.packets)[0];
    return { doc, editor, trace, c, limits: limitsOf(trace, c) };
  }

  async function hoverAt(doc: vscode.TextDocument, line: number): Promise<string> {
    const col = Math.max(0, doc.lineAt(line - 1).text.indexOf('Flags')) + 1;
    return waitFor(`a hover on line ${line}`, async () => {
      const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line - 1, col));
      const text = h ? hoverText(h) : '';
      return text.trim() ? text : undefined;
    });
  }

  it('shows a Performance node with the verdict and the figures, each explained', async function () {
    this.timeout(60_000);
    const { c, limits } = await open('limit-loss');
    assert.equal(limits.verdict, 'loss', 'the capture was held back by loss');
    const texts = await waitFor('the Performance node', () => {
      const all = api.treeTexts();
      return all.includes('Performance') && all.includes('Verdict') ? all : undefined;
    }, 20_000);
    assert.ok(texts.some((s) => /^loss · \d+% of /.test(s)), `a verdict of loss: ${texts.filter((s) => s.includes('loss')).slice(0, 5).join(' | ')}`);
    const rtt = c.performance.rtt.client;
    assert.ok(rtt.p50Ms !== null && rtt.p95Ms !== null);
    assert.ok(texts.some((s) => s.startsWith(`p50 ${formatMs(rtt.p50Ms!)} · p95 ${formatMs(rtt.p95Ms!)}`)), 'the RTT of the client\'s data');
    assert.ok(texts.includes('Throughput, client → server'));
    // Tooltips say what a figure means; the verdict's lists every cause.
    assert.ok(texts.some((s) => s.includes('the cause with the most time is the verdict')), 'the verdict explained');
    assert.ok(texts.some((s) => s.includes('p50 is the median')), 'the RTT explained');
    assert.ok(texts.some((s) => s.includes('Longest stall:')), 'the longest stall in the verdict\'s tooltip');
  });

  it('the hover of a packet inside a stall names the stall and its cause', async function () {
    this.timeout(60_000);
    const { doc, limits } = await open('limit-loss');
    const stall = limits.stalls.reduce((a, b) => (b.seconds > a.seconds ? b : a));
    assert.equal(stall.cause, 'loss');
    const text = await hoverAt(doc, stall.endLine);
    assert.ok(text.includes('Stall'), text);
    assert.ok(text.includes(`${formatMs(stall.seconds * 1000)} waiting on loss, lines ${stall.startLine}–${stall.endLine}`), text);
    assert.ok(text.includes('waiting for retransmissions'), `what loss means:\n${text}`);
    // A packet's own figures, as flight.ts gives them.
    assert.match(text, /ACK RTT|in flight|window /);
  });

  it('puts the stall and the verdict in the Problems panel, from the stallMs setting up', async function () {
    this.timeout(60_000);
    const { doc, limits } = await open('limit-loss');
    const stall = limits.stalls.reduce((a, b) => (b.seconds > a.seconds ? b : a));
    assert.ok(stall.seconds >= 0.2, `an RTO stall at Linux's 200 ms minimum: ${stall.seconds}`);
    const diagnostics = () => vscode.languages.getDiagnostics(doc.uri);
    const stallAt = () => diagnostics().find((d) => d.code === 'stall' && d.range.start.line === stall.startLine - 1);
    const found = await waitFor('the stall in the Problems panel', stallAt, 20_000);
    assert.match(found.message, /stalled \d+ ms waiting on loss, until line \d+\./);
    assert.equal(found.severity, vscode.DiagnosticSeverity.Warning);
    assert.ok(diagnostics().some((d) => d.code === 'limit' && /limited by loss/.test(d.message)), 'the verdict');
    const cfg = vscode.workspace.getConfiguration('tcpTrace');
    await cfg.update('diagnostics.stallMs', Math.ceil(stall.seconds * 1000) + 1, vscode.ConfigurationTarget.Global);
    try {
      await waitFor('no stall over the threshold', () => !diagnostics().some((d) => d.code === 'stall'), 10_000);
    } finally {
      await cfg.update('diagnostics.stallMs', undefined, vscode.ConfigurationTarget.Global);
    }
    await waitFor('the stall again', stallAt, 10_000);
  });

  it('sorts the tree by RTT p95, throughput and stall time, picked in the quick pick, in the order of the engine\'s figures', async function () {
    this.timeout(120_000);
    // A real capture of many connections (nDPI's alexa-app, see test/fixtures/realworld/SOURCES.md).
    const file = join(dir, 'alexa-app.tcpdump');
    copyFileSync(join(realworld, 'ndpi-alexa-app.tcpdump'), file);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc, { preview: false });
    const trace = await waitFor('the trace of alexa-app', () => api.traceFor(doc.uri), 20_000);
    const figures: Array<[string, number, (c: ConnectionSummary) => number]> = [
      // Name in the quick pick, its place in the list, and the figure, largest first (none last).
      ['RTT p95', 5, (c) => Math.max(c.performance.rtt.client.p95Ms ?? -1, c.performance.rtt.server.p95Ms ?? -1)],
      ['Throughput', 6, (c) => {
        const x = c.performance.throughput;
        return x.client.bitsPerSecond === null && x.server.bitsPerSecond === null ? -1 : (x.client.bitsPerSecond ?? 0) + (x.server.bitsPerSecond ?? 0);
      }],
      ['Stall time', 7, (c) => c.performance.stallSeconds ?? -1],
    ];
    const ordered = (f: (c: ConnectionSummary) => number) => [...trace.connections].sort((a, b) => f(b) - f(a) || a.firstLine - b.firstLine).map((c) => c.id);
    const byLine = trace.connections.map((c) => c.id);
    const orders = figures.map(([, , f]) => ordered(f).join(' '));
    assert.ok(trace.connections.length >= 20, `${trace.connections.length} connections`);
    assert.equal(new Set([byLine.join(' '), ...orders]).size, 4, 'each key orders the connections its own way');
    const shown = async () => (await api.treeItems()).map((i) => Number(/c:(\d+)$/.exec(i.id ?? '')?.[1]));
    // The command waits for its quick pick; it is answered as a user would, from the keyboard.
    const sortBy = async (place: number) => {
      const picked = vscode.commands.executeCommand('tcpTrace.sort');
      await sleep(400);
      for (let k = 0; k < place; k++) await vscode.commands.executeCommand('workbench.action.quickOpenSelectNext');
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await picked;
    };
    const byId = new Map(trace.connections.map((c) => [c.id, c]));
    try {
      for (const [name, place, f] of figures) {
        await sortBy(place);
        const want = ordered(f);
        const got = await waitFor(`the tree sorted by ${name}`, async () => {
          const ids = await shown();
          return ids.join(' ') === want.join(' ') ? ids : undefined;
        }, 10_000).catch(async () => shown());
        assert.deepEqual(got, want, `sorted by ${name}: ${got.slice(0, 8).map((id) => f(byId.get(id)!)).join(', ')}…`);
        // The first connection has the largest figure of all.
        assert.equal(f(byId.get(got[0])!), Math.max(...trace.connections.map(f)));
      }
    } finally {
      await sortBy(0);
    }
  });

  it('TCP: Next Problem stops at a stall', async function () {
    this.timeout(60_000);
    const { editor, limits } = await open('limit-think');
    const first = limits.stalls.filter((s) => s.seconds >= 0.2)[0];
    assert.ok(first && first.cause === 'server_think', 'the 400 ms the server thought');
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    await sleep(300);
    await runCommand('tcpTrace.nextProblem');
    await waitFor(`the cursor on line ${first.startLine} (at ${editor.selection.active.line + 1})`, () => vscode.window.activeTextEditor?.selection.active.line === first.startLine - 1, 10_000);
  });
});
