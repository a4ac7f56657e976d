// Lines already scanned, kept in typed arrays: what scanLine found for each line of a block
// of text, with the packet lines' endpoints and 4-tuples numbered (PacketKeys), in a form one
// thread can fill and another read. The CLI scans in a worker thread while the main thread
// analyses (TraceBuilder.pushScanned).

import type { PacketKeys } from './keys';
import { LineKind, type LineRecord, MAX_SACK_BLOCKS, scanLine } from './scan';

/** A line the reader scans again itself: a problem, whose reason is a string. */
export const RESCAN = 255;

// Numbers per line.
const enum Num {
  TIME,
  SEQ,
  SEQ_END,
  ACK,
  WIN,
  // Numbers that can be NaN or out of 32-bit range on odd lines.
  LEN,
  MSS,
  WSCALE,
  SACK,
  TSVAL,
  /** SACK blocks read, then their edges (left, right, ...). */
  SACK_COUNT,
  SACK_EDGES,
  STRIDE = SACK_EDGES + 2 * MAX_SACK_BLOCKS,
}

const enum Field {
  /** Offset of the line's end (its newline, or the end of the input) in the block. */
  END,
  KIND,
  /** timeKind | indented << 2 | sackOK << 3 | timestamps << 4 | fastOpen << 5 | open << 6 | odd << 7 */
  BITS,
  FLAGS,
  /** Endpoint and tuple ids (PacketKeys). */
  SRC,
  DST,
  TUPLE,
  /** LineRecord.link and .tail. */
  LINK,
  TAIL,
  STRIDE,
}

/** Endpoints first seen in a block, in id order (see Endpoints). */
export interface NewEndpoints {
  names: string[];
  dots: number[];
  ports: number[];
}

export class ScannedLines {
  /** Lines held. */
  count = 0;
  /** Endpoints numbered for the first time in these lines. */
  endpoints: NewEndpoints = { names: [], dots: [], ports: [] };
  private readonly f: Float64Array;
  private readonly i: Int32Array;

  /** Room for `capacity` lines, in the given buffers (shared between threads) or new ones. */
  constructor(
    readonly capacity: number,
    buffers: { f: ArrayBufferLike; i: ArrayBufferLike } = ScannedLines.buffers(capacity, false),
  ) {
    this.f = new Float64Array(buffers.f, 0, capacity * Num.STRIDE);
    this.i = new Int32Array(buffers.i, 0, capacity * Field.STRIDE);
  }

  /** Buffers for `capacity` lines; SharedArrayBuffers when `shared`. */
  static buffers(capacity: number, shared: boolean): { f: ArrayBufferLike; i: ArrayBufferLike } {
    const make = (n: number) => (shared ? new SharedArrayBuffer(n) : new ArrayBuffer(n));
    return { f: make(capacity * Num.STRIDE * 8), i: make(capacity * Field.STRIDE * 4) };
  }

  /**
   * Scans the lines of b[start..end) that end with a newline, until `capacity` lines are held,
   * numbering endpoints and tuples with `keys`. At the end of the input (`last`) a line without
   * newline is read too. Returns the offset after the last line scanned. `ends` holds the same
   * bytes and is only searched for newlines (a Node Buffer's indexOf is native).
   */
  scan(b: Uint8Array, ends: Uint8Array, start: number, end: number, last: boolean, r: LineRecord, keys: PacketKeys): number {
    const seen = keys.endpoints.names.length;
    let s = start;
    while (this.count < this.capacity && s < end) {
      let nl = ends.indexOf(10, s);
      if (nl < 0 || nl >= end) {
        if (!last) break;
        nl = end;
      }
      scanLine(b, s, nl, r);
      if (r.kind === LineKind.Packet) keys.key(r);
      this.add(r, nl, keys);
      s = nl + 1;
    }
    const ep = keys.endpoints;
    this.endpoints = { names: ep.names.slice(seen), dots: ep.dots.slice(seen), ports: ep.ports.slice(seen) };
    return s > end ? end : s;
  }

  /**
   * Adds a packet record made without text (a capture's segment, see Ingest), its endpoints and
   * tuple numbered by `keys` already. `end`: where its line would end, one before the next
   * line's first byte.
   */
  record(r: LineRecord, end: number, keys: PacketKeys): void {
    this.add(r, end, keys);
  }

  private add(r: LineRecord, end: number, keys: PacketKeys): void {
    const k = this.count++;
    const i = this.i;
    const o = k * Field.STRIDE;
    i[o + Field.END] = end;
    if (r.kind === LineKind.Problem) {
      i[o + Field.KIND] = RESCAN;
      return;
    }
    i[o + Field.KIND] = r.kind;
    i[o + Field.BITS] = r.timeKind | (r.indented ? 4 : 0) | (r.sackOK ? 8 : 0) | (r.timestamps ? 16 : 0) | (r.fastOpen ? 32 : 0) | (r.open ? 64 : 0) | (r.odd ? 128 : 0);
    const f = this.f;
    const q = k * Num.STRIDE;
    f[q + Num.TIME] = r.time;
    if (r.kind !== LineKind.Packet) return;
    f[q + Num.SEQ] = r.seq;
    f[q + Num.SEQ_END] = r.seqEnd;
    f[q + Num.ACK] = r.ack;
    f[q + Num.WIN] = r.win;
    f[q + Num.LEN] = r.len;
    f[q + Num.MSS] = r.mss;
    f[q + Num.WSCALE] = r.wscale;
    f[q + Num.SACK] = r.sackBytes;
    f[q + Num.TSVAL] = r.tsval;
    f[q + Num.SACK_COUNT] = r.sackCount;
    for (let k = 0; k < 2 * r.sackCount; k++) f[q + Num.SACK_EDGES + k] = r.sackEdges[k];
    i[o + Field.FLAGS] = r.flags;
    i[o + Field.LINK] = r.link;
    i[o + Field.TAIL] = r.tail;
    i[o + Field.SRC] = keys.src;
    i[o + Field.DST] = keys.dst;
    i[o + Field.TUPLE] = keys.tuple;
  }

  /** The end offset of line k. */
  end(k: number): number {
    return this.i[k * Field.STRIDE + Field.END];
  }

  /** The kind of line k: a LineKind, or RESCAN. */
  kind(k: number): number {
    return this.i[k * Field.STRIDE + Field.KIND];
  }

  /**
   * Sets r to what scanLine found for line k (RESCAN lines excepted), without the endpoints'
   * text: src(k), dst(k) and tuple(k) number them.
   */
  load(k: number, r: LineRecord): void {
    const i = this.i;
    const o = k * Field.STRIDE;
    const f = this.f;
    const q = k * Num.STRIDE;
    r.reset();
    r.kind = i[o + Field.KIND];
    const bits = i[o + Field.BITS];
    r.time = f[q + Num.TIME];
    r.timeKind = bits & 3;
    r.indented = (bits & 4) !== 0;
    if (r.kind !== LineKind.Packet) return;
    r.sackOK = (bits & 8) !== 0;
    r.timestamps = (bits & 16) !== 0;
    r.fastOpen = (bits & 32) !== 0;
    r.open = (bits & 64) !== 0;
    r.odd = (bits & 128) !== 0;
    r.link = i[o + Field.LINK];
    r.tail = i[o + Field.TAIL];
    r.seq = f[q + Num.SEQ];
    r.seqEnd = f[q + Num.SEQ_END];
    r.ack = f[q + Num.ACK];
    r.win = f[q + Num.WIN];
    r.len = f[q + Num.LEN];
    r.mss = f[q + Num.MSS];
    r.wscale = f[q + Num.WSCALE];
    r.sackBytes = f[q + Num.SACK];
    r.tsval = f[q + Num.TSVAL];
    r.sackCount = f[q + Num.SACK_COUNT];
    for (let k = 0; k < 2 * r.sackCount; k++) r.sackEdges[k] = f[q + Num.SACK_EDGES + k];
    r.flags = i[o + Field.FLAGS];
  }

  src(k: number): number {
    return this.i[k * Field.STRIDE + Field.SRC];
  }

  dst(k: number): number {
    return this.i[k * Field.STRIDE + Field.DST];
  }

  tuple(k: number): number {
    return this.i[k * Field.STRIDE + Field.TUPLE];
  }
}
