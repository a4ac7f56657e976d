// The editor benchmark's measurements inside VS Code's extension host (code-server), run by
// scripts/bench-editor.mjs as the extensionTestsPath. Everything is timed here, in the same
// thread as the extension: the event-loop monitor sees exactly what blocks the extension host.
// Settings come from TCP_TRACE_BENCH (JSON); the figures go to its `results` file.
import type { RenderTiming } from '../../src/editor/panel';
import * as fs from 'fs';
import * as inspector from 'inspector';
import * as path from 'path';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'perf_hooks';
import * as vscode from 'vscode';
import type { Trace } from '../../src/trace/model';

interface Settings {
  /** The big trace, analysed with "TCP: Analyze Capture File…". */
  big: string;
  /** A document small enough for VS Code to give extensions (at most 50 MB). */
  doc: string;
  results: string;
  hovers: number;
  moves: number;
  /** A folder to write a CPU profile of each phase to (for finding what blocks). */
  profiles?: string;
  /** Only these phases (the document is opened whenever a later phase needs it). */
  phases?: string[];
  /** A document whose one connection has 500,000 packets, for the Graphs tab. */
  graphsDoc?: string;
}

/** since: when the extension heard of the selection change, before the listeners here. */
type Timing = RenderTiming;

interface Api {
  traceFor(uri: vscode.Uri): Trace | undefined;
  analysisInfo(uri: vscode.Uri): { version: number; reanalysed: boolean; touched?: { connections: number; packets: number }; inWorker: boolean; ms: number } | undefined;
  onPanelRendered: vscode.Event<Timing>;
  panelPing(): Promise<{ toWebviewMs: number; backMs: number; totalMs: number } | undefined>;
  panelMeasure(on: boolean): void;
  hoverAt(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined;
}

/** The pause after one cursor move's panel update before the next move. */
const MOVE_GAP_MS = 200;

const say = (line: string) => process.stdout.write(`[bench] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

function quantiles(xs: number[]): { n: number; p50: number; p90: number; p99: number; max: number; mean: number } {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? NaN;
  return { n: s.length, p50: round(q(0.5)), p90: round(q(0.9)), p99: round(q(0.99)), max: round(s[s.length - 1] ?? NaN), mean: round(s.reduce((a, b) => a + b, 0) / Math.max(1, s.length)) };
}

/** CPU time of the calling thread in µs (Node 23.9 and later), or undefined. */
const threadCpu: () => number | undefined = (() => {
  const f = (process as unknown as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage;
  return f ? () => { const u = f.call(process); return u.user + u.system; } : () => undefined;
})();

/**
 * Linux: how long the calling thread has waited for a core so far (runnable but not running),
 * in µs, from /proc/thread-self/schedstat ("on-cpu ns, run-queue wait ns, slices"); undefined
 * elsewhere. The file stays open and is read again from its start.
 */
const threadRunWait: () => number | undefined = (() => {
  let fd: number;
  try {
    fd = fs.openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    return () => undefined;
  }
  const buf = Buffer.alloc(128);
  return () => {
    try {
      const n = fs.readSync(fd, buf, 0, buf.length, 0);
      const wait = Number(buf.toString('latin1', 0, n).split(' ')[1]);
      return wait === wait ? wait / 1000 : undefined;
    } catch {
      return undefined;
    }
  };
})();

/**
 * How long the event loop was held: a 2 ms interval timer notes each late tick (what the
 * extension host could not run meanwhile), and Node's own delay histogram as a second opinion.
 * With each gap go the extension host thread's own CPU time in it and, on Linux, the time it
 * waited for a core: on a machine whose cores are all busy (the worker, code-server,
 * Chromium), part of a gap is only that wait. What is neither is the thread sleeping: waiting
 * on a lock or for the disk.
 */
class BlockMonitor {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private lastCpu: number | undefined;
  private lastWait: number | undefined;
  private readonly gaps: number[] = [];
  /** The thread's CPU time in each gap, in ms (NaN when not known). */
  private readonly gapCpu: number[] = [];
  /** How long the thread waited for a core in each gap, in ms (NaN when not known). */
  private readonly gapWait: number[] = [];
  private readonly histogram = monitorEventLoopDelay({ resolution: 10 });
  /** Garbage-collection pauses of the extension host's heap (kind: 1 minor, 4 major, 8 incremental, 16 weak callbacks). */
  private readonly gcs: Array<{ ms: number; kind: number }> = [];
  private readonly gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.gcs.push({ ms: e.duration, kind: (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0 });
  });

  start(): this {
    this.gcObserver.observe({ entryTypes: ['gc'] });
    this.last = performance.now();
    this.lastCpu = threadCpu();
    this.lastWait = threadRunWait();
    this.histogram.reset();
    this.histogram.enable();
    this.timer = setInterval(() => {
      const now = performance.now();
      const cpu = threadCpu();
      const wait = threadRunWait();
      this.gaps.push(now - this.last - 2);
      this.gapCpu.push(cpu !== undefined && this.lastCpu !== undefined ? (cpu - this.lastCpu) / 1000 : NaN);
      this.gapWait.push(wait !== undefined && this.lastWait !== undefined ? (wait - this.lastWait) / 1000 : NaN);
      this.last = now;
      this.lastCpu = cpu;
      this.lastWait = wait;
    }, 2);
    return this;
  }

  stop(): { maxMs: number; cpu: { inLongestMs: number; maxMs: number; over50: number } | null; runWait: { inLongestMs: number; maxMs: number } | null; p99Ms: number; over50: number; histogramMaxMs: number; samples: number; gc: { over20: number; maxMs: number; totalMs: number; majorMaxMs: number } } {
    clearInterval(this.timer);
    this.histogram.disable();
    this.gcObserver.disconnect();
    const s = [...this.gaps].sort((a, b) => a - b);
    let longest = 0;
    for (let i = 1; i < this.gaps.length; i++) if (this.gaps[i] > this.gaps[longest]) longest = i;
    const known = this.gapCpu.length > 0 && this.gapCpu.every((c) => c === c);
    const waitKnown = this.gapWait.length > 0 && this.gapWait.every((c) => c === c);
    const gc = {
      over20: this.gcs.filter((g) => g.ms > 20).length,
      maxMs: round(Math.max(0, ...this.gcs.map((g) => g.ms)), 1),
      totalMs: round(this.gcs.reduce((a, g) => a + g.ms, 0), 0),
      majorMaxMs: round(Math.max(0, ...this.gcs.filter((g) => g.kind === 4).map((g) => g.ms)), 1),
    };
    return {
      gc,
      maxMs: round(s[s.length - 1] ?? 0, 1),
      // The thread's own CPU time: in the longest gap, the most in any gap, and how many gaps
      // held over 50 ms of it.
      cpu: known ? { inLongestMs: round(this.gapCpu[longest], 1), maxMs: round(this.gapCpu.reduce((a, c) => Math.max(a, c), 0), 1), over50: this.gapCpu.filter((c) => c > 50).length } : null,
      // The time the thread waited for a core: in the longest gap, and the most in any gap.
      runWait: waitKnown ? { inLongestMs: round(this.gapWait[longest], 1), maxMs: round(this.gapWait.reduce((a, c) => Math.max(a, c), 0), 1) } : null,
      p99Ms: round(s[Math.floor(s.length * 0.99)] ?? 0, 1),
      over50: s.filter((g) => g > 50).length,
      histogramMaxMs: round(this.histogram.max / 1e6, 1),
      samples: s.length,
    };
  }
}

async function waitFor<T>(what: string, fn: () => T | undefined | null | false, timeoutMs: number, everyMs = 2): Promise<T> {
  const until = performance.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (performance.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A deterministic generator, so runs pick the same lines. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

async function analyzeFile(api: Api, s: Settings, out: Record<string, unknown>): Promise<Trace> {
  const uri = vscode.Uri.file(s.big);
  const mon = new BlockMonitor().start();
  const t0 = performance.now();
  let firstAt: number | undefined;
  let firstConnections = 0;
  let partials = 0;
  let seen: Trace | undefined;
  const watch = setInterval(() => {
    const t = api.traceFor(uri);
    if (t && t !== seen) {
      seen = t;
      partials++;
      if (firstAt === undefined && t.connections.length > 0) {
        firstAt = performance.now() - t0;
        firstConnections = t.connections.length;
      }
    }
  }, 1);
  await vscode.commands.executeCommand('tcpTrace.analyzeFile', uri);
  const total = performance.now() - t0;
  clearInterval(watch);
  await sleep(300); // what the tree and the other views do with the final trace
  const block = mon.stop();
  const trace = api.traceFor(uri);
  if (!trace) throw new Error('no trace for the big file');
  out.analyzeFile = {
    file: s.big.split('/').pop(),
    bytes: fs.statSync(s.big).size,
    packets: trace.packetCount,
    connections: trace.connections.length,
    firstConnectionsMs: round(firstAt ?? NaN, 0),
    firstConnectionsCount: firstConnections,
    tracesShown: partials,
    totalMs: round(total, 0),
    hostBlock: block,
  };
  say(`analyzeFile: first connections after ${round(firstAt ?? NaN, 0)} ms, all after ${round(total, 0)} ms; host max block ${block.maxMs} ms`);
  return trace;
}

function lookups(trace: Trace, out: Record<string, unknown>): void {
  const rnd = random(7);
  const n = 1_000_000;
  const lines = new Int32Array(n);
  for (let i = 0; i < n; i++) lines[i] = 1 + Math.floor(rnd() * trace.lines);
  let hits = 0;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) if (trace.packetAtLine(lines[i]) >= 0) hits++;
  const lineNs = ((performance.now() - t0) * 1e6) / n;
  const m = 100_000;
  t0 = performance.now();
  for (let i = 0; i < m; i++) trace.packet(Math.floor(rnd() * trace.packetCount));
  const packetUs = ((performance.now() - t0) * 1e3) / m;
  const k = 200;
  t0 = performance.now();
  for (let i = 0; i < k; i++) trace.census(lines[i]);
  const censusMs = (performance.now() - t0) / k;
  out.lookup = {
    packets: trace.packetCount,
    packetAtLineNs: round(lineNs, 0),
    hitRate: round(hits / n, 3),
    packetUs: round(packetUs, 2),
    censusMs: round(censusMs, 2),
    method: 'binary search over the packets\' line array (O(log n)); packet(i) builds one PacketInfo from typed arrays',
  };
  say(`lookup: packetAtLine ${round(lineNs, 0)} ns, packet() ${round(packetUs, 2)} µs, census ${round(censusMs, 2)} ms over ${trace.packetCount} packets`);
}

async function openDocument(api: Api, s: Settings, out: Record<string, unknown>): Promise<{ doc: vscode.TextDocument; editor: vscode.TextEditor }> {
  const uri = vscode.Uri.file(s.doc);
  const t0 = performance.now();
  const doc = await vscode.workspace.openTextDocument(uri);
  const opened = performance.now() - t0;
  const mon = new BlockMonitor().start();
  const t1 = performance.now();
  const editor = await vscode.window.showTextDocument(doc, { preview: false });
  const first = await waitFor('a trace of the document', () => api.traceFor(uri) && performance.now(), 60_000, 1);
  await waitFor('the final analysis', () => api.analysisInfo(uri)?.version === doc.version, 120_000, 5);
  const total = performance.now() - t1;
  await sleep(500);
  const block = mon.stop();
  const trace = api.traceFor(uri)!;
  out.document = {
    file: s.doc.split('/').pop(),
    bytes: fs.statSync(s.doc).size,
    lines: doc.lineCount,
    packets: trace.packetCount,
    connections: trace.connections.length,
    vscodeOpenMs: round(opened, 0),
    firstTraceMs: round(first - t1, 0),
    analysedMs: round(total, 0),
    hostBlock: block,
  };
  say(`document: open ${round(opened, 0)} ms (VS Code), first trace ${round(first - t1, 0)} ms, analysed ${round(total, 0)} ms; host max block ${block.maxMs} ms`);
  return { doc, editor };
}

async function hovers(api: Api, s: Settings, doc: vscode.TextDocument, out: Record<string, unknown>): Promise<void> {
  const trace = api.traceFor(doc.uri)!;
  const rnd = random(11);
  const positions: vscode.Position[] = [];
  for (let i = 0; i < s.hovers; i++) {
    const p = trace.packet(Math.floor(rnd() * trace.packetCount));
    const text = doc.lineAt(p.line - 1).text;
    positions.push(new vscode.Position(p.line - 1, Math.max(0, text.indexOf('Flags')) + 1));
  }
  // The provider itself, called in the extension host as VS Code calls it.
  const direct: number[] = [];
  let empty = 0;
  let mon = new BlockMonitor().start();
  for (const pos of positions) {
    const t0 = performance.now();
    const h = api.hoverAt(doc, pos);
    direct.push(performance.now() - t0);
    if (!h) empty++;
    if (direct.length % 50 === 0) await sleep(1);
  }
  const directBlock = mon.stop();
  // The same through VS Code: extension host -> workbench -> provider -> workbench -> here.
  const trip: number[] = [];
  mon = new BlockMonitor().start();
  for (const pos of positions) {
    const t0 = performance.now();
    const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos);
    trip.push(performance.now() - t0);
    if (!h?.length) empty++;
  }
  const block = mon.stop();
  out.hover = {
    provider: { ...quantiles(direct), via: 'the hover provider called directly in the extension host' },
    roundTrip: { ...quantiles(trip), via: 'vscode.executeHoverProvider from the extension host (through the workbench in Chromium and back)' },
    empty,
    hostBlock: block,
    providerBlock: directBlock,
  };
  say(`hover: provider p50 ${quantiles(direct).p50} ms p99 ${quantiles(direct).p99} ms; round trip p50 ${quantiles(trip).p50} ms p99 ${quantiles(trip).p99} ms (${empty} empty)`);
}

async function panelMoves(api: Api, s: Settings, doc: vscode.TextDocument, editor: vscode.TextEditor, out: Record<string, unknown>): Promise<void> {
  const trace = api.traceFor(doc.uri)!;
  const rendered: Array<Timing & { at: number }> = [];
  const sub = api.onPanelRendered((r) => rendered.push({ ...r, at: performance.now() }));
  await vscode.commands.executeCommand('tcpTrace.showStateDiagram');
  await waitFor('the panel to draw', () => rendered.length > 0, 30_000, 5);
  await sleep(500);
  editor = await vscode.window.showTextDocument(doc, { viewColumn: editor.viewColumn, preserveFocus: false });
  api.panelMeasure(true);
  // The trip through the workbench to the webview and back with nothing to draw: what any
  // panel update costs at least, and what the extension cannot change.
  const pings: Array<{ toWebviewMs: number; backMs: number; totalMs: number }> = [];
  for (let i = 0; i < 30; i++) {
    const p = await api.panelPing();
    if (p) pings.push(p);
    await sleep(20);
  }
  const rnd = random(23);
  const times: number[] = [];
  const drawnTimes: number[] = [];
  const loop: number[] = [];
  const draw: number[] = [];
  const big: number[] = [];
  const hostMs: number[] = [];
  const toWebview: number[] = [];
  const back: number[] = [];
  let missed = 0;
  // When the host hears of the selection change (what the extension reacts to).
  let selectedAt = 0;
  let want: vscode.Position | undefined;
  const sel = vscode.window.onDidChangeTextEditorSelection((e) => {
    if (want && e.textEditor.document === doc && e.selections[0].active.isEqual(want)) selectedAt = performance.now();
  });
  const mon = new BlockMonitor().start();
  for (let i = 0; i < s.moves; i++) {
    // Any packet: in this capture most belong to the one bulk transfer.
    const index = Math.floor(rnd() * trace.packetCount);
    const p = trace.packet(index);
    const pos = new vscode.Position(p.line - 1, 0);
    rendered.length = 0;
    selectedAt = 0;
    want = pos;
    const t0 = performance.now();
    editor.selection = new vscode.Selection(pos, pos);
    try {
      const r = await waitFor('the panel to draw the packet', () => rendered.find((x) => x.index === index), 5000, 1);
      // The extension's own listener runs before this module's: start from when it heard.
      const heard = r.since !== undefined ? r.since - performance.timeOrigin : undefined;
      const from = heard !== undefined && selectedAt ? Math.min(heard, selectedAt) : selectedAt || t0;
      const dt = r.at - from;
      times.push(dt);
      // The same start to the moment the webview had drawn the packet, by the two processes'
      // wall clocks (epochMs() in both): the update as the user sees it, without the answer's
      // trip back to the extension host that \`dt\` also waits for.
      if (r.drawnAt !== undefined) drawnTimes.push(r.drawnAt - (performance.timeOrigin + from));
      loop.push(r.at - t0);
      draw.push(r.ms);
      if (r.postedAt !== undefined) hostMs.push(r.postedAt - (performance.timeOrigin + from));
      if (r.toWebviewMs !== undefined) toWebview.push(r.toWebviewMs);
      if (r.backMs !== undefined) back.push(r.backMs);
      if (trace.connections[p.connection].packets > 10000) big.push(dt);
    } catch {
      missed++;
    }
    // Moves some 200 ms apart, as clicks and single key presses come: what one move sets off in
    // the workbench (the editor drawn at its new place, the tree's reveal) is over by the next.
    await sleep(MOVE_GAP_MS);
  }
  const block = mon.stop();
  api.panelMeasure(false);
  sub.dispose();
  sel.dispose();
  out.panel = {
    ...quantiles(times),
    missed,
    fullLoop: quantiles(loop),
    drawn: drawnTimes.length ? quantiles(drawnTimes) : null,
    webviewDrawMs: quantiles(draw),
    legs: { hostMs: quantiles(hostMs), toWebviewMs: quantiles(toWebview), drawMs: quantiles(draw), backMs: quantiles(back) },
    ping: pings.length ? { totalMs: quantiles(pings.map((x) => x.totalMs)), toWebviewMs: quantiles(pings.map((x) => x.toWebviewMs)), backMs: quantiles(pings.map((x) => x.backMs)) } : null,
    inLargeConnection: big.length ? quantiles(big) : null,
    gapMs: MOVE_GAP_MS,
    hostBlock: block,
    via: 'from the selection-change event in the extension host until the webview acknowledges drawing that packet (fullLoop: from setting editor.selection, through the workbench and back)',
  };
  say(`panel: p50 ${quantiles(times).p50} ms, p99 ${quantiles(times).p99} ms over ${times.length} (${missed} missed); legs p50: host ${quantiles(hostMs).p50}, to webview ${quantiles(toWebview).p50}, draw ${quantiles(draw).p50}, back ${quantiles(back).p50}; ping p50 ${pings.length ? quantiles(pings.map((x) => x.totalMs)).p50 : 'n/a'} ms`);
}

/**
 * "TCP: Show Graphs" on a connection of 500,000 packets: from the command until the webview has
 * drawn the graphs (the host builds the series, posts them as typed arrays, the webview decimates
 * and draws), then cursor moves within the connection, each drawing the graphs again.
 */
async function graphsTab(api: Api, s: Settings, out: Record<string, unknown>): Promise<void> {
  if (!s.graphsDoc) throw new Error('no graphs document');
  const uri = vscode.Uri.file(s.graphsDoc);
  const doc = await vscode.workspace.openTextDocument(uri);
  let editor = await vscode.window.showTextDocument(doc, { preview: false });
  await waitFor('the analysis of the graphs document', () => api.traceFor(uri) && api.analysisInfo(uri)?.version === doc.version, 300_000, 20);
  const trace = api.traceFor(uri)!;
  const c = trace.connections.reduce((a, b) => (b.packets > a.packets ? b : a));
  const list = trace.packetIndexes(c.id);
  const at = (k: number) => {
    const p = trace.packet(list[k]);
    return new vscode.Position(p.line - 1, 0);
  };
  editor.selection = new vscode.Selection(at(list.length >> 1), at(list.length >> 1));
  await sleep(1000);
  const rendered: Array<Timing & { at: number }> = [];
  const sub = api.onPanelRendered((r) => rendered.push({ ...r, at: performance.now() }));
  const mon = new BlockMonitor().start();
  const t0 = performance.now();
  await vscode.commands.executeCommand('tcpTrace.showGraphs');
  const first = await waitFor('the graphs drawn', () => rendered.find((r) => r.graphs?.packets === c.packets), 120_000, 1);
  const openBlock = mon.stop();
  await sleep(1000);
  editor = await vscode.window.showTextDocument(doc, { viewColumn: editor.viewColumn, preserveFocus: false });
  const rnd = random(31);
  const moves: number[] = [];
  const draws: number[] = [];
  for (let i = 0; i < 20; i++) {
    const k = Math.floor(rnd() * list.length);
    rendered.length = 0;
    const t1 = performance.now();
    editor.selection = new vscode.Selection(at(k), at(k));
    const r = await waitFor('the graphs to mark the packet', () => rendered.find((x) => x.index === list[k] && x.graphs), 10_000, 1).catch(() => undefined);
    if (r) {
      moves.push(r.at - t1);
      draws.push(r.graphs!.ms);
    }
    await sleep(MOVE_GAP_MS);
  }
  sub.dispose();
  out.graphs = {
    packets: c.packets,
    openMs: round(first.at - t0, 0),
    buildMs: round(first.graphs!.buildMs ?? NaN, 1),
    drawMs: first.graphs!.ms,
    points: first.graphs!.points,
    openBlock,
    moves: quantiles(moves),
    moveDrawMs: quantiles(draws),
    via: '"TCP: Show Graphs" until the webview reports the graphs drawn; moves: editor selection to the webview acknowledging the redrawn graphs',
  };
  say(`graphs: ${c.packets} packets, open ${round(first.at - t0, 0)} ms (host build ${round(first.graphs!.buildMs ?? NaN, 1)} ms, longest host block ${openBlock.maxMs} ms, draw ${first.graphs!.ms} ms, ${first.graphs!.points} points); moves p50 ${quantiles(moves).p50} ms, draw p50 ${quantiles(draws).p50} ms`);
  await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
}

async function edits(api: Api, doc: vscode.TextDocument, editor: vscode.TextEditor, out: Record<string, unknown>): Promise<void> {
  const trace = () => api.traceFor(doc.uri)!;
  const cases: Array<{ name: string; edit: (b: vscode.TextEditorEdit) => void }> = [
    {
      name: 'insert a comment line above a packet line mid-file',
      edit: (b) => b.insert(new vscode.Position(trace().packet(Math.floor(trace().packetCount / 2)).line - 1, 0), '# note: looked at this\n'),
    },
    { name: 'append a blank line at the end', edit: (b) => b.insert(doc.lineAt(doc.lineCount - 1).range.end, '\n') },
    {
      name: 'type a digit into the window of the packet a third of the way in',
      edit: (b) => typeIntoWindow(b, trace().packet(Math.floor(trace().packetCount / 3)).line - 1),
    },
    {
      name: 'type a digit into the window of a packet of a short connection mid-file',
      edit: (b) => {
        const t = trace();
        const c = t.connections.find((x) => x.packets >= 4 && x.packets <= 20 && x.firstLine > t.lines / 2);
        if (!c) throw new Error('no short connection in the second half of the document');
        typeIntoWindow(b, t.packet(t.packetsOf(c.id)[2]).line - 1);
      },
    },
  ];
  function typeIntoWindow(b: vscode.TextEditorEdit, line: number): void {
    const win = doc.lineAt(line).text.indexOf('win ');
    b.insert(new vscode.Position(line, win >= 0 ? win + 4 : 0), '1');
  }
  const results: unknown[] = [];
  const mon = new BlockMonitor().start();
  for (const c of cases) {
    const t0 = performance.now();
    const ok = await editor.edit(c.edit, { undoStopBefore: true, undoStopAfter: true });
    if (!ok) throw new Error(`edit failed: ${c.name}`);
    const version = doc.version;
    await waitFor(`analysis of version ${version}`, () => api.analysisInfo(doc.uri)?.version === version, 120_000, 1);
    const info = api.analysisInfo(doc.uri)!;
    const ms = round(performance.now() - t0, 0);
    results.push({ edit: c.name, ms, reanalysed: info.reanalysed, touched: info.touched ?? null });
    say(`edit: ${c.name}: ${ms} ms, ${info.touched ? `${info.touched.connections} connection(s) re-analysed` : info.reanalysed ? 're-analysed' : 'lines moved, no re-analysis'}`);
    await sleep(300);
  }
  const block = mon.stop();
  out.edits = { cases: results, hostBlock: block };
  await vscode.commands.executeCommand('workbench.action.files.revert');
}

/** Runs a phase under the V8 CPU profiler when asked to, writing <name>.cpuprofile. */
async function profiled<T>(s: Settings, name: string, fn: () => Promise<T>): Promise<T> {
  if (!s.profiles) return fn();
  const session = new inspector.Session();
  session.connect();
  const post = (method: string, params?: object) => new Promise<any>((resolve, reject) => session.post(method, params ?? {}, (e, r) => (e ? reject(e) : resolve(r))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await post('Profiler.stop');
    fs.mkdirSync(s.profiles, { recursive: true });
    fs.writeFileSync(path.join(s.profiles, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

export async function run(): Promise<void> {
  const s = JSON.parse(process.env.TCP_TRACE_BENCH ?? '{}') as Settings;
  const out: Record<string, unknown> = { started: new Date().toISOString() };
  const write = () => fs.writeFileSync(s.results, JSON.stringify(out, null, 2));
  try {
    const ext = vscode.extensions.getExtension<Api>('tcp-trace-inspector.tcp-trace-inspector');
    if (!ext) throw new Error('extension not installed');
    const api = await ext.activate();
    // VS Code's TypeScript extension starts when a JSON-with-comments model opens (the
    // workbench opens settings files on its own some seconds after the window), and loads its
    // modules in this thread for 140 to 190 ms at a stretch. Started now, before anything is
    // timed, that load is not counted as a block of a phase.
    await vscode.extensions.getExtension('vscode.typescript-language-features')?.activate().then(undefined, () => undefined);
    await sleep(1000);
    const want = (phase: string) => !s.phases?.length || s.phases.includes(phase);
    if (want('analyzeFile')) {
      const trace = await profiled(s, 'analyzeFile', () => analyzeFile(api, s, out));
      write();
      lookups(trace, out);
      write();
    }
    if (want('document') || want('hover') || want('panel') || want('edits')) {
      const { doc, editor } = await profiled(s, 'document', () => openDocument(api, s, out));
      write();
      lookups(api.traceFor(doc.uri)!, (out.documentLookup = {}) as Record<string, unknown>);
      if (want('hover')) await hovers(api, s, doc, out);
      write();
      if (want('panel')) await profiled(s, 'panel', () => panelMoves(api, s, doc, editor, out));
      write();
      if (want('edits')) await profiled(s, 'edits', () => edits(api, doc, vscode.window.activeTextEditor ?? editor, out));
    }
    write();
    if (want('graphs') && s.graphsDoc) await profiled(s, 'graphs', () => graphsTab(api, s, out));
  } catch (e) {
    out.error = e instanceof Error ? e.stack : String(e);
    say(`error: ${String(out.error)}`);
  }
  out.done = true;
  write();
}
