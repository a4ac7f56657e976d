// Worker entry: runs the engine off the extension host's event loop. Built twice by
// esbuild.mjs: dist/worker.js (Node worker_threads) and dist/web/worker.js (a Web Worker).
//
// Results go back as snapshots (src/trace/snapshot.ts) whose buffers are transferred. While a
// long analysis runs, the worker also posts the results so far: first after FIRST_PARTIAL_MS,
// then each time its running time has doubled, so the host rebuilds at most about twice the
// final amount in all. Editor documents stay here between requests, so an edit arrives as an
// edit: one that touches no packet line is applied without running the engine again, and one
// inside packet lines re-analyses only those packets' connections (src/trace/incremental.ts).
import { TraceBuilder } from '../trace';
import { Ingest } from './ingest';
import type { TraceOptions } from '../trace/model';
import { applyChange, shiftSnapshot, type LineShift, type TextChange } from '../trace/edits';
import { cloneSnapshot, snapshotTransferList, type TraceSnapshot } from '../trace/snapshot';
import { reanalyseTouched, touchedPacket, type SeqNumbering } from '../trace/incremental';
import { rebuildPcap } from './toPcap';
import { joinBytes } from '../trace/bytes';
import { CHUNK_BYTES, FIRST_PARTIAL_MS, FIRST_PIECE_BYTES, WORKER_NICE, type WorkerReply, type WorkerRequest } from '../protocol/workerProtocol';

interface Port {
  post(m: WorkerReply, transfer?: ArrayBuffer[]): void;
  listen(handler: (m: WorkerRequest) => void): void;
}

// `require` is looked up at run time so the browser bundle does not try to include Node modules.
declare const require: ((id: string) => any) | undefined;
const nodeRequire = typeof require === 'function' && typeof process !== 'undefined' ? require : undefined;

function port(): Port {
  if (nodeRequire) {
    const { parentPort } = nodeRequire('worker_threads');
    return {
      post: (m, t) => parentPort.postMessage(m, t ?? []),
      listen: (h) => parentPort.on('message', h),
    };
  }
  const scope = globalThis as unknown as { postMessage(m: unknown, t?: unknown[]): void; onmessage: ((e: { data: WorkerRequest }) => void) | null };
  return {
    post: (m, t) => scope.postMessage(m, t ?? []),
    listen: (h) => {
      scope.onmessage = (e) => h(e.data);
    },
  };
}

const out = port();
lowerPriority();

/**
 * On Linux, gives this thread the lowest scheduling priority (WORKER_NICE), below the extension
 * host's: when the cores are busy (the editor drawing, other extensions), the host thread and
 * the workbench get a core first and the analysis waits, instead of the other way round. Only
 * Linux keeps a nice value per thread; elsewhere setPriority(0) would lower the whole extension
 * host, so it is left alone.
 */
function lowerPriority(): void {
  if (!nodeRequire || process.platform !== 'linux' || nodeRequire('worker_threads').isMainThread) return;
  try {
    nodeRequire('os').setPriority(0, WORKER_NICE);
  } catch {
    // Not allowed here (a sandbox): run at the usual priority.
  }
}

const now = () => performance.now();
const encoder = new TextEncoder();

class Cancelled extends Error {}
const cancelled = new Set<number>();

/** Lets messages in (a cancel, more text) between steps; every 20 ms of work at most. */
const pause = typeof setImmediate === 'function' ? () => new Promise<void>((r) => setImmediate(r)) : () => new Promise<void>((r) => setTimeout(r, 0));

/** One analysis: feeds the builder, reports progress, posts results so far on a doubling schedule. */
class Run {
  private readonly builder: TraceBuilder;
  private readonly start = now();
  private lastPause = now();
  private nextPartial = FIRST_PARTIAL_MS;
  private partialConnections = 0;
  private reported = 0;

  constructor(
    private readonly id: number,
    options: TraceOptions,
    private readonly partials: boolean,
    private readonly total: number,
  ) {
    this.builder = new TraceBuilder(options);
    this.ingest = new Ingest(this.builder);
  }

  async push(bytes: Uint8Array, done: number): Promise<void> {
    for (let at = 0; at < bytes.length; ) {
      this.check();
      // The input's first FIRST_PIECE_BYTES go as one piece; the first results follow it.
      const end = Math.min(bytes.length, at + (done + at < FIRST_PIECE_BYTES ? FIRST_PIECE_BYTES - done - at : CHUNK_BYTES));
      this.input(bytes.subarray(at, end));
      at = end;
      // Progress once a megabyte or so: a document arrives in much smaller slices.
      const read = Math.min(this.total, done + end);
      if (read - this.reported >= CHUNK_BYTES || read === this.total) {
        this.reported = read;
        out.post({ type: 'progress', id: this.id, done: read, total: this.total });
      }
      this.maybePartial(read);
      if (now() - this.lastPause > 20) {
        await pause();
        this.lastPause = now();
      }
    }
  }

  /** pcap and pcapng files (told by their first bytes) reach the builder as packet records and text (see Ingest). */
  private readonly ingest: Ingest;

  private input(chunk: Uint8Array): void {
    this.ingest.push(chunk);
  }

  private check(): void {
    if (cancelled.has(this.id)) throw new Cancelled();
  }

  /** Posts the results so far when due: `read` bytes of the input have been analysed. */
  private maybePartial(read: number): void {
    if (!this.partials) return;
    const elapsed = now() - this.start;
    // The first results go as soon as the first piece has been analysed, if that is sooner.
    if (elapsed < this.nextPartial && (this.partialConnections > 0 || read < FIRST_PIECE_BYTES)) return;
    if (this.builder.connectionCount === this.partialConnections) return;
    this.partialConnections = this.builder.connectionCount;
    post(this.id, this.builder.peek().snapshot, true);
    this.nextPartial = 2 * (now() - this.start);
  }

  finish(): TraceSnapshot {
    this.check();
    this.ingest.end();
    return this.builder.finish().snapshot;
  }

  get numbering(): SeqNumbering {
    return this.builder.seqNumbering;
  }
}

/** What an analysis ran: the whole engine, nothing, or `touched` connections again. */
type Scope = boolean | { connections: number; packets: number };

function post(id: number, snapshot: TraceSnapshot, scope: Scope): void {
  const reanalysed = scope !== false;
  const touched = typeof scope === 'object' ? scope : undefined;
  out.post({ type: 'snapshot', id, snapshot, reanalysed, touched }, snapshotTransferList(snapshot));
}

async function analyzeBytes(id: number, bytes: Uint8Array, options: TraceOptions, partials: boolean): Promise<void> {
  const run = new Run(id, options, partials, bytes.length);
  await run.push(bytes, 0);
  post(id, run.finish(), true);
}

async function analyzePath(id: number, path: string, options: TraceOptions, partials: boolean): Promise<void> {
  if (!nodeRequire) throw new Error('Reading a path needs Node');
  const fs = nodeRequire('fs');
  const total: number = fs.statSync(path).size;
  const run = new Run(id, options, partials, total);
  let done = 0;
  for await (const chunk of fs.createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
    await run.push(chunk as Uint8Array, done);
    done += (chunk as Uint8Array).length;
  }
  post(id, run.finish(), true);
}

// --- editor documents ---

interface Doc {
  version: number;
  text: string;
  /** The last analysis, of version snapshotVersion, with the options it used (as JSON)... */
  snapshot?: TraceSnapshot;
  snapshotVersion: number;
  options: string;
  /** ...how that analysis read seq/ack numbers... */
  numbering: SeqNumbering;
  /** ...and the shifts that bring it to `version`, while every edit since touched no packet... */
  shifts: LineShift[];
  /** ...or only the text of these packets (indexes in the snapshot). */
  touched: Set<number>;
}

const docs = new Map<string, Doc>();

/** Text of openDocument requests as it arrives, before and while the request runs. */
interface Inbox {
  /** Not yet fed to the engine. */
  chunks: string[];
  /** All of it, to keep. */
  parts: string[];
  last: boolean;
  wake?: () => void;
}
const inboxes = new Map<number, Inbox>();
/** openDocument requests that have ended: text still on its way to them is dropped. */
const closed = new Set<number>();

function inbox(id: number): Inbox {
  let b = inboxes.get(id);
  if (!b) inboxes.set(id, (b = { chunks: [], parts: [], last: false }));
  return b;
}

/** Takes a slice of a document's text; the last one makes the document known under its key. */
function receiveText(m: Extract<WorkerRequest, { type: 'documentText' }>): void {
  if (closed.has(m.id)) return;
  const box = inbox(m.id);
  box.chunks.push(m.text);
  box.parts.push(m.text);
  if (m.last) {
    box.last = true;
    docs.set(m.key, { version: m.version, text: box.parts.join(''), snapshotVersion: -1, options: '', numbering: { absolute: undefined, decidedAtLine: 0 }, shifts: [], touched: new Set() });
    box.parts = [];
  }
  box.wake?.();
}

/** Applies edits as they arrive; an edit the worker cannot follow makes it forget the document. */
function receiveEdit(m: Extract<WorkerRequest, { type: 'editDocument' }>): void {
  const doc = docs.get(m.key);
  if (!doc || doc.version !== m.fromVersion) {
    docs.delete(m.key);
    return;
  }
  for (const change of m.changes) {
    const r = applyChange(doc.text, change);
    if (r.shift && !doc.snapshot?.repairs.length) doc.shifts.push(r.shift);
    else if (r.shift) {
      // Repaired text is read as a whole (see reanalyseTouched).
      doc.snapshot = undefined;
      doc.touched.clear();
    } else noteTouched(doc, change);
    doc.text = r.text;
  }
  doc.version = m.version;
}

/** Marks the packet an edit changed, or drops the snapshot if the edit did more than that. */
function noteTouched(doc: Doc, change: TextChange): void {
  if (!doc.snapshot) return;
  if (doc.shifts.length) {
    // Lines moved since the snapshot: move them in it first, so its lines are the text's.
    doc.snapshot = shiftSnapshot(doc.snapshot, doc.shifts);
    doc.shifts = [];
  }
  const p = touchedPacket(doc.snapshot, doc.text, change);
  if (p >= 0) doc.touched.add(p);
  else {
    doc.snapshot = undefined;
    doc.touched.clear();
  }
}

/** Hands a document's text to the engine in slices that end on a line. */
async function analyzeText(run: Run, text: string): Promise<void> {
  const step = 1 << 20;
  for (let i = 0; i < text.length; ) {
    let j = Math.min(text.length, i + step);
    const nl = text.indexOf('\n', j);
    j = nl < 0 ? text.length : nl + 1;
    await run.push(encoder.encode(text.slice(i, j)), i);
    i = j;
  }
}

/** Keeps a finished analysis with its document, unless the document has moved on since. */
function keep(key: string, version: number, options: TraceOptions, snapshot: TraceSnapshot, numbering: SeqNumbering): void {
  const doc = docs.get(key);
  if (!doc || doc.version !== version) return;
  doc.snapshot = snapshot;
  doc.snapshotVersion = version;
  doc.options = JSON.stringify(options);
  doc.numbering = numbering;
  doc.shifts = [];
  doc.touched = new Set();
}

async function openDocument(m: Extract<WorkerRequest, { type: 'openDocument' }>): Promise<void> {
  const box = inbox(m.id);
  const run = new Run(m.id, m.options, m.partials, m.total);
  let done = 0;
  for (;;) {
    while (box.chunks.length) {
      const text = box.chunks.shift()!;
      await run.push(encoder.encode(text), done);
      done += text.length;
    }
    if (box.last) break;
    if (cancelled.has(m.id)) throw new Cancelled();
    await new Promise<void>((resolve) => (box.wake = resolve));
    box.wake = undefined;
  }
  const snapshot = run.finish();
  keep(m.key, m.version, m.options, snapshot, run.numbering);
  post(m.id, cloneSnapshot(snapshot), true);
}

async function analyzeDocument(m: Extract<WorkerRequest, { type: 'analyzeDocument' }>): Promise<void> {
  const doc = docs.get(m.key);
  if (!doc || doc.version !== m.version) {
    out.post({ type: 'error', id: m.id, message: `the worker has version ${doc?.version ?? 'none'}, not ${m.version}`, stale: true });
    return;
  }
  if (doc.snapshot && doc.options === JSON.stringify(m.options)) {
    // Edits since the last analysis moved lines, and changed at most some packets' text.
    const numbering = doc.numbering;
    const shifted = doc.shifts.length ? shiftSnapshot(doc.snapshot, doc.shifts) : doc.snapshot;
    if (!doc.touched.size) {
      keep(m.key, m.version, m.options, shifted, numbering);
      post(m.id, cloneSnapshot(shifted), false);
      return;
    }
    const r = reanalyseTouched(shifted, doc.text, doc.touched, m.options, numbering);
    if (r) {
      keep(m.key, m.version, m.options, r.snapshot, numbering);
      post(m.id, cloneSnapshot(r.snapshot), { connections: r.connections.length, packets: r.packets });
      return;
    }
  }
  const run = new Run(m.id, m.options, false, doc.text.length);
  await analyzeText(run, doc.text);
  const snapshot = run.finish();
  keep(m.key, m.version, m.options, snapshot, run.numbering);
  post(m.id, cloneSnapshot(snapshot), true);
}

/** "Save as pcap": the text sent, or the document held at the version asked for. */
function rebuild(m: Extract<WorkerRequest, { type: 'rebuildPcap' }>): void {
  const doc = docs.get(m.key);
  const text = m.text ?? (doc?.version === m.version ? doc.text : undefined);
  if (text === undefined) {
    out.post({ type: 'error', id: m.id, message: `the worker has version ${doc?.version ?? 'none'}, not ${m.version}`, stale: true });
    return;
  }
  const parts: Uint8Array[] = [];
  const report = rebuildPcap(text, (chunk) => parts.push(chunk), m.options);
  // Its own buffer, to transfer (a single chunk may be a view of a larger one).
  const joined = joinBytes(parts);
  const bytes = joined.byteOffset === 0 && joined.byteLength === joined.buffer.byteLength ? joined : joined.slice();
  out.post({ type: 'pcap', id: m.id, bytes, report: { ...report } }, [bytes.buffer as ArrayBuffer]);
}

async function handle(m: WorkerRequest): Promise<void> {
  try {
    if (cancelled.has(m.id)) throw new Cancelled();
    switch (m.type) {
      case 'analyzeBytes': return await analyzeBytes(m.id, m.bytes, m.options, m.partials);
      case 'analyzePath': return await analyzePath(m.id, m.path, m.options, m.partials);
      case 'openDocument': return await openDocument(m);
      case 'analyzeDocument': return await analyzeDocument(m);
      case 'rebuildPcap': return rebuild(m);
    }
  } catch (e) {
    const message = e instanceof Cancelled ? 'cancelled' : e instanceof Error ? e.message : String(e);
    out.post({ type: 'error', id: m.id, message });
  } finally {
    cancelled.delete(m.id);
    if (m.type === 'openDocument') {
      inboxes.delete(m.id);
      closed.add(m.id);
    }
  }
}

// Requests run one at a time, in arrival order; text, edits and cancellations are taken as
// they come, in the order they were sent.
let queue = Promise.resolve();
out.listen((m) => {
  if (typeof m !== 'object' || m === null || typeof (m as { id?: unknown }).id !== 'number') return;
  switch (m.type) {
    case 'cancel':
      cancelled.add(m.id);
      inboxes.get(m.id)?.wake?.();
      return;
    case 'documentText':
      return receiveText(m);
    case 'editDocument':
      return receiveEdit(m);
    case 'forgetDocument':
      docs.delete(m.key);
      return;
    default:
      queue = queue.then(() => handle(m));
  }
});
out.post({ type: 'ready', id: 0 });
