// The CLI's second thread: a worker reads the file and scans its lines (ScannedLines) while the
// main thread analyses the lines scanned before. The worker runs scanWorker.js, next to this
// script.
//
// The text goes through a few slots of shared memory. The worker fills a free slot with the
// next bytes of the file, scans the whole lines in it, numbers their endpoints and tuples, and
// posts which lines it holds; the part of a line at the slot's end is carried to the next
// slot. A line longer than a slot gets a shared buffer of its own. The main thread marks a
// slot free (Atomics) when it is done with it; the worker waits (Atomics.wait) when none is.
//
// A capture goes the same way: the worker reads it with the capture reader (PcapPrinter), and
// a slot holds its plain TCP segments as records (with no text of their own) among the lines it
// printed for everything else, in the order the one-thread reading gives them (Ingest).
//
// If the worker cannot start or fails, the main thread reads the file itself from the start,
// with a new builder: the result is the same either way.

import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { plainTail, toRecord } from '../ingest/records';
import { isCapture, PcapPrinter, type PcapSummary } from '../pcap';
import type { TraceBuilder } from '../trace';
import { PacketKeys } from '../trace/keys';
import { LineRecord } from '../trace/scan';
import { ScannedLines, type NewEndpoints } from '../trace/scanned';
import { hostInterfaceName } from './interfaces';

const SLOTS = 4;
const SLOT_BYTES = 1 << 20;
/** Bytes in the first slot; the next ones hold twice as much each, up to SLOT_BYTES. */
const FIRST_BYTES = 64 << 10;
/** Lines a slot holds at most (tcpdump lines are about 100 to 200 bytes). */
const SLOT_LINES = 1 << 14;
/** Below this size a second thread saves less than its start and hand-overs cost. */
const MIN_BYTES = 16 << 20;

const FREE = 0;
const FULL = 1;

interface Setup {
  file: string;
  bytes: SharedArrayBuffer[];
  lines: { f: SharedArrayBuffer; i: SharedArrayBuffer }[];
  /** One Int32 per slot: FREE or FULL. */
  state: SharedArrayBuffer;
}

/** The worker's message when a slot is full. */
interface Filled {
  slot: number;
  /** Lines in the slot's ScannedLines, and the endpoints they numbered first. */
  count: number;
  endpoints: NewEndpoints;
  /** The bytes of a line longer than a slot, when that is what the slot's lines hold. */
  long: SharedArrayBuffer | null;
  /** The end of the file is in this slot. */
  last: boolean;
  /** Bytes of the file read so far. */
  read: number;
  /** With the last slot of a capture: what the capture reader found. */
  capture?: PcapSummary;
}

/** What the worker read: for a capture, what the capture reader found. */
export interface ScanResult {
  capture: PcapSummary | null;
}

/**
 * Whether to read `size` bytes with the second thread: TCP_TRACE_THREADS=1 says never, =2
 * always (even for a small file), otherwise files of MIN_BYTES and more.
 */
export function useScanThread(size: number): boolean {
  const v = process.env.TCP_TRACE_THREADS;
  if (v === '1') return false;
  return v === '2' || size >= MIN_BYTES;
}

/**
 * Feeds the file to the builder, read and scanned by a worker thread: a capture, or UTF-8 text
 * without a byte-order mark. The builder must be new. `suits` is asked once the worker is
 * starting (so that its start and the caller's look at the file's first bytes overlap): false
 * stops the worker. `onRead` hears how many bytes have been read. Returns null if the worker
 * could not do it or `suits` said no: the builder is then unusable.
 */
export async function readWithScanThread(file: string, builder: TraceBuilder, suits: () => boolean, onRead: (bytes: number) => void = () => undefined): Promise<ScanResult | null> {
  let worker: Worker | null = null;
  try {
    const { setup, bytes, lines } = makeSlots(file);
    const state = new Int32Array(setup.state);
    // The worker keeps little: a small young generation holds its garbage in less memory.
    worker = new Worker(join(__dirname, 'scanWorker.js'), { workerData: setup, resourceLimits: { maxYoungGenerationSizeMb: 4 } });
    if (!suits()) return null;
    for await (const m of messages(worker)) {
      const sl = lines[m.slot];
      sl.count = m.count;
      sl.endpoints = m.endpoints;
      builder.pushScanned(m.long ? new Uint8Array(m.long) : bytes[m.slot], 0, sl);
      Atomics.store(state, m.slot, FREE);
      Atomics.notify(state, m.slot);
      onRead(m.read);
      if (m.last) return { capture: m.capture ?? null };
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

/** The shared slots, as the worker gets them and as the main thread reads them. */
function makeSlots(file: string): { setup: Setup; bytes: Uint8Array[]; lines: ScannedLines[] } {
  const setup: Setup = { file, bytes: [], lines: [], state: new SharedArrayBuffer(4 * SLOTS) };
  const bytes: Uint8Array[] = [];
  const lines: ScannedLines[] = [];
  for (let s = 0; s < SLOTS; s++) {
    setup.bytes.push(new SharedArrayBuffer(SLOT_BYTES));
    bytes.push(new Uint8Array(setup.bytes[s]));
    const buffers = ScannedLines.buffers(SLOT_LINES, true) as { f: SharedArrayBuffer; i: SharedArrayBuffer };
    setup.lines.push(buffers);
    lines.push(new ScannedLines(SLOT_LINES, buffers));
  }
  return { setup, bytes, lines };
}

class WorkerFailure extends Error {}

/** The worker's messages until it ends; throws a WorkerFailure if it fails or ends early. */
async function* messages(worker: Worker): AsyncGenerator<Filled> {
  const queue: Filled[] = [];
  let failure: unknown = null;
  let ended = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    wake?.();
    wake = null;
  };
  worker.on('message', (m: Filled) => {
    queue.push(m);
    poke();
  });
  worker.on('error', (e) => {
    failure = e;
    poke();
  });
  worker.on('exit', () => {
    ended = true;
    poke();
  });
  for (;;) {
    while (queue.length) yield queue.shift()!;
    if (failure || ended) throw new WorkerFailure();
    await new Promise<void>((resolve) => (wake = resolve));
  }
}

/** The worker's side: fills slots until the end of the file. */
export function runScanWorker(): void {
  const setup = workerData as Setup;
  const state = new Int32Array(setup.state);
  const slots = setup.bytes.map((sab) => ({
    bytes: new Uint8Array(sab),
    // The same bytes as a Buffer, only searched for newlines (native indexOf).
    ends: Buffer.from(sab),
  }));
  const lines = setup.lines.map((buffers) => new ScannedLines(SLOT_LINES, buffers));
  const fd = openSync(setup.file, 'r');
  try {
    const head = Buffer.alloc(4);
    readSync(fd, head, 0, head.length, 0);
    if (isCapture(head)) scanCapture(fd, state, slots, lines);
    else scanText(fd, state, slots, lines);
  } finally {
    closeSync(fd);
  }
}

interface Slot {
  bytes: Uint8Array;
  ends: Buffer;
}

/** Fills slots with the lines of a text file. */
function scanText(fd: number, state: Int32Array, slots: Slot[], lines: ScannedLines[]): void {
  const r = new LineRecord();
  const keys = new PacketKeys();
  const carry = Buffer.allocUnsafe(SLOT_BYTES);
  let carried = 0;
  let room = FIRST_BYTES;
  let pos = 0;
  let eof = false;
  /** Reads into b[at..) until it is full or the file ends; returns the end of what b holds. */
  const fill = (b: Buffer, at: number): number => {
    while (!eof && at < b.length) {
      const got = readSync(fd, b, at, b.length - at, pos);
      if (got === 0) eof = true;
      at += got;
      pos += got;
    }
    return at;
  };
  for (let slot = 0; ; slot = (slot + 1) % SLOTS) {
    Atomics.wait(state, slot, FULL);
    const sl = lines[slot];
    sl.count = 0;
    let { bytes, ends } = slots[slot];
    carry.copy(ends, 0, 0, carried);
    // The first slots are filled only in part (64 kB, then twice as much each time, up to a
    // whole slot): the main thread has lines to analyse sooner, while this thread's code is
    // still being compiled.
    let n = fill(room < SLOT_BYTES ? ends.subarray(0, room) : ends, carried);
    room = Math.min(SLOT_BYTES, 2 * room);
    let long: SharedArrayBuffer | null = null;
    if (n === SLOT_BYTES && ends.indexOf(10) < 0) {
      // A line longer than a slot: read on to its end, into a buffer of its own.
      const parts: Buffer[] = [Buffer.from(ends)];
      let nl = -1;
      while (nl < 0 && !eof) {
        const part = Buffer.allocUnsafe(SLOT_BYTES);
        const got = fill(part, 0);
        nl = part.subarray(0, got).indexOf(10);
        parts.push(part.subarray(0, got));
      }
      const all = Buffer.concat(parts);
      n = nl < 0 ? all.length : all.length - parts[parts.length - 1].length + nl + 1;
      long = new SharedArrayBuffer(n);
      bytes = new Uint8Array(long);
      ends = Buffer.from(long);
      all.copy(ends, 0, 0, n);
      carried = all.copy(carry, 0, n);
      // What the line's end left of its last read is scanned with the next slot.
      const scanned = sl.scan(bytes, ends, 0, n, eof && carried === 0, r, keys);
      if (scanned !== n) throw new Error('long line not scanned');
    } else {
      const scanned = sl.scan(bytes, ends, 0, n, eof, r, keys);
      carried = ends.copy(carry, 0, scanned, n);
    }
    const last = eof && carried === 0;
    Atomics.store(state, slot, FULL);
    const m: Filled = { slot, count: sl.count, endpoints: sl.endpoints, long, last, read: pos };
    parentPort!.postMessage(m);
    if (last) return;
  }
}

/**
 * Fills slots from a capture, as Ingest feeds the builder on one thread: each plain TCP segment
 * a record, every other packet the lines printed for it.
 */
function scanCapture(fd: number, state: Int32Array, slots: Slot[], lines: ScannedLines[]): void {
  const record = new LineRecord();
  const r = new LineRecord();
  const keys = new PacketKeys();
  let slot = 0;
  /** Bytes of printed text in the slot. */
  let used = 0;
  /** Endpoints numbered before the slot. */
  let seen = 0;
  let pos = 0;
  const take = () => {
    Atomics.wait(state, slot, FULL);
    lines[slot].count = 0;
    used = 0;
  };
  const post = (capture?: PcapSummary) => {
    const sl = lines[slot];
    const ep = keys.endpoints;
    sl.endpoints = { names: ep.names.slice(seen), dots: ep.dots.slice(seen), ports: ep.ports.slice(seen) };
    seen = ep.names.length;
    Atomics.store(state, slot, FULL);
    const m: Filled = { slot, count: sl.count, endpoints: sl.endpoints, long: null, last: capture !== undefined, read: pos, capture };
    parentPort!.postMessage(m);
    if (capture) return;
    slot = (slot + 1) % SLOTS;
    take();
  };
  const printer = new PcapPrinter({
    interfaceName: hostInterfaceName,
    plainTail,
    onSegment: (f) => {
      if (lines[slot].count === SLOT_LINES) post();
      toRecord(f, record);
      keys.key(record);
      // No text of its own: the line "ends" just before the next line's first byte.
      lines[slot].record(record, used - 1, keys);
    },
    onData: (text) => {
      let count = 0;
      for (let i = text.indexOf(10); i >= 0; i = text.indexOf(10, i + 1)) count++;
      if (text.length > SLOT_BYTES || count > SLOT_LINES) throw new Error('printed text longer than a slot');
      if (used + text.length > SLOT_BYTES || lines[slot].count + count > SLOT_LINES) post();
      const { bytes, ends } = slots[slot];
      bytes.set(text, used);
      // Whole lines (PcapPrinter's onData): all of them are scanned.
      used = lines[slot].scan(bytes, ends, used, used + text.length, true, r, keys);
    },
  });
  take();
  const chunk = Buffer.allocUnsafe(SLOT_BYTES);
  for (;;) {
    const got = readSync(fd, chunk, 0, chunk.length, pos);
    if (got === 0) break;
    pos += got;
    printer.push(chunk.subarray(0, got));
  }
  post(printer.finish());
}
