// The CLI's second thread for a capture: a worker reads the pcap or pcapng file and decodes its
// packets (plain TCP segments as fields, the rest as tcpdump text, as Ingest does) while the
// main thread analyses the packets decoded before. The worker runs this same script.
//
// The worker posts batches, their buffers transferred: the text printed so far, and a row of
// numbers per segment taken as fields, each saying how much of the text comes before it. It
// waits (Atomics.wait) while MAX_IN_FLIGHT batches are unread, so it never runs far ahead of
// the analysis. If it cannot start or fails, the main thread reads the file itself, with a new
// builder: the result is the same either way.

import { closeSync, openSync, readSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { PcapPrinter, TcpFields, type PcapSummary } from '../pcap';
import { plainTail, toRecord } from '../ingest/ingest';
import type { TraceBuilder } from '../trace';
import { joinBytes } from '../trace/bytes';
import { LineRecord } from '../trace/scan';
import { messages, WorkerFailure } from './scanThread';

/** Segments per batch. */
const BATCH = 1 << 13;
/** Batches posted and not yet analysed, at most. */
const MAX_IN_FLIGHT = 4;
const CHUNK = 1 << 20;

// A segment's numbers in a batch's row.
const enum Col {
  /** Bytes of the batch's text before the segment. */
  TEXT,
  TIME,
  FLAGS,
  SEQ,
  SEQ_END,
  ACK,
  WIN,
  LEN,
  MSS,
  WSCALE,
  SACK,
  /** v6 | sackOK << 1 | timestamps << 2 */
  BITS,
  SRC_IP,
  DST_IP,
  SRC_PORT,
  DST_PORT,
  /** IPv6: where the endpoints' names start in the batch's names, and their offsets from there. */
  NAMES,
  SRC_DOT,
  SRC_END,
  DST_DOT,
  DST_END,
  STRIDE,
}

interface Setup {
  tcpTraceCapture: true;
  file: string;
  /** Interface names by index, for Linux cooked v2 captures (see cli.ts). */
  interfaces: [number, string][];
  /** One Int32: batches posted and not yet analysed. */
  inFlight: SharedArrayBuffer;
}

interface Batch {
  text: Uint8Array;
  rows: Float64Array;
  count: number;
  /** IPv6 endpoints' names, as printed. */
  names: Uint8Array;
  /** Bytes of the file read so far. */
  read: number;
  /** What the capture reader found; in the last batch only. */
  summary: PcapSummary | null;
}

/** True in the capture worker. */
export function isCaptureWorker(): boolean {
  return !isMainThread && (workerData as Setup | null)?.tcpTraceCapture === true;
}

/**
 * Feeds the capture `file` to the builder (new, taking records), decoded by a worker thread.
 * Returns what the capture reader found, or null if the worker could not do it: the builder is
 * then unusable.
 */
export async function readCaptureWithThread(file: string, builder: TraceBuilder, interfaces: Map<number, string>, onRead: (bytes: number) => void): Promise<PcapSummary | null> {
  let worker: Worker | null = null;
  try {
    const setup: Setup = { tcpTraceCapture: true, file, interfaces: [...interfaces], inFlight: new SharedArrayBuffer(4) };
    const inFlight = new Int32Array(setup.inFlight);
    worker = new Worker(__filename, { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    const f = new TcpFields();
    const r = new LineRecord();
    for await (const m of messages<Batch>(worker)) {
      feed(builder, m, f, r);
      Atomics.sub(inFlight, 0, 1);
      Atomics.notify(inFlight, 0);
      onRead(m.read);
      if (m.summary) return m.summary;
    }
  } catch (e) {
    // No shared memory, no worker, or the worker failed: the caller reads the file itself. A
    // failure of the analysis itself is not the worker's and goes on up.
    if (worker && !(e instanceof WorkerFailure)) throw e;
  } finally {
    void worker?.terminate();
  }
  return null;
}

/** One batch to the builder: its text and its segments in their order. */
function feed(builder: TraceBuilder, m: Batch, f: TcpFields, r: LineRecord): void {
  const rows = m.rows;
  let at = 0;
  for (let k = 0; k < m.count; k++) {
    const o = k * Col.STRIDE;
    const textEnd = rows[o + Col.TEXT];
    if (textEnd > at) builder.push(m.text.subarray(at, textEnd));
    at = textEnd;
    f.time = rows[o + Col.TIME];
    f.flags = rows[o + Col.FLAGS];
    f.seq = rows[o + Col.SEQ];
    f.seqEnd = rows[o + Col.SEQ_END];
    f.ack = rows[o + Col.ACK];
    f.win = rows[o + Col.WIN];
    f.len = rows[o + Col.LEN];
    f.mss = rows[o + Col.MSS];
    f.wscale = rows[o + Col.WSCALE];
    f.sackBytes = rows[o + Col.SACK];
    const bits = rows[o + Col.BITS];
    f.v6 = (bits & 1) !== 0;
    f.sackOK = (bits & 2) !== 0;
    f.timestamps = (bits & 4) !== 0;
    f.srcIp = rows[o + Col.SRC_IP];
    f.dstIp = rows[o + Col.DST_IP];
    f.srcPort = rows[o + Col.SRC_PORT];
    f.dstPort = rows[o + Col.DST_PORT];
    f.names.pos = 0;
    f.srcDot = f.srcEnd = f.dstDot = f.dstEnd = 0;
    if (f.v6) {
      const s = rows[o + Col.NAMES];
      f.names.bytes(m.names, s, s + rows[o + Col.DST_END]);
      f.srcDot = rows[o + Col.SRC_DOT];
      f.srcEnd = rows[o + Col.SRC_END];
      f.dstDot = rows[o + Col.DST_DOT];
      f.dstEnd = rows[o + Col.DST_END];
    }
    builder.pushRecord(toRecord(f, r));
  }
  if (at < m.text.length) builder.push(m.text.subarray(at));
}

/** The worker's side: decodes the capture into batches until its end. */
export function runCaptureWorker(): void {
  const setup = workerData as Setup;
  const inFlight = new Int32Array(setup.inFlight);
  const interfaces = new Map(setup.interfaces);
  let text: Uint8Array[] = [];
  let textBytes = 0;
  let rows = new Float64Array(BATCH * Col.STRIDE);
  let count = 0;
  let names: Uint8Array[] = [];
  let nameBytes = 0;
  let read = 0;
  const post = (summary: PcapSummary | null) => {
    // Wait while the analysis is MAX_IN_FLIGHT batches behind.
    for (let n = Atomics.load(inFlight, 0); n >= MAX_IN_FLIGHT; n = Atomics.load(inFlight, 0)) Atomics.wait(inFlight, 0, n);
    Atomics.add(inFlight, 0, 1);
    const t = text.length === 1 ? text[0] : joinBytes(text);
    const nm = joinBytes(names);
    const batch: Batch = { text: t, rows, count, names: nm, read, summary };
    parentPort!.postMessage(batch, [t.buffer as ArrayBuffer, rows.buffer]);
    text = [];
    textBytes = 0;
    rows = new Float64Array(BATCH * Col.STRIDE);
    count = 0;
    names = [];
    nameBytes = 0;
  };
  const printer = new PcapPrinter({
    // Each part is a copy the printer does not keep.
    onData: (b) => {
      text.push(b);
      textBytes += b.length;
    },
    onSegment: (f) => {
      const o = count * Col.STRIDE;
      rows[o + Col.TEXT] = textBytes;
      rows[o + Col.TIME] = f.time;
      rows[o + Col.FLAGS] = f.flags;
      rows[o + Col.SEQ] = f.seq;
      rows[o + Col.SEQ_END] = f.seqEnd;
      rows[o + Col.ACK] = f.ack;
      rows[o + Col.WIN] = f.win;
      rows[o + Col.LEN] = f.len;
      rows[o + Col.MSS] = f.mss;
      rows[o + Col.WSCALE] = f.wscale;
      rows[o + Col.SACK] = f.sackBytes;
      rows[o + Col.BITS] = (f.v6 ? 1 : 0) | (f.sackOK ? 2 : 0) | (f.timestamps ? 4 : 0);
      rows[o + Col.SRC_IP] = f.srcIp;
      rows[o + Col.DST_IP] = f.dstIp;
      rows[o + Col.SRC_PORT] = f.srcPort;
      rows[o + Col.DST_PORT] = f.dstPort;
      if (f.v6) {
        rows[o + Col.NAMES] = nameBytes;
        rows[o + Col.SRC_DOT] = f.srcDot;
        rows[o + Col.SRC_END] = f.srcEnd;
        rows[o + Col.DST_DOT] = f.dstDot;
        rows[o + Col.DST_END] = f.dstEnd;
        names.push(f.names.buf.slice(0, f.dstEnd));
        nameBytes += f.dstEnd;
      }
      if (++count === BATCH) post(null);
    },
    plainTail,
    interfaceName: (i) => interfaces.get(i),
    chunkSize: CHUNK,
  });
  const fd = openSync(setup.file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const got = readSync(fd, buf, 0, CHUNK, read);
      if (got === 0) break;
      read += got;
      printer.push(buf.subarray(0, got));
      // Text alone (a capture of other protocols) goes in batches too.
      if (textBytes >= CHUNK) post(null);
    }
  } finally {
    closeSync(fd);
  }
  const summary = printer.finish();
  post(summary);
}
