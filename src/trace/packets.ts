// Packets stored by column in growable typed arrays: a few dozen bytes per packet and no
// object per packet, so millions of packets fit in memory next to the text.

import type { PacketColumns } from './columns';

function grow<T extends Float64Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Int8Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

// The columns (PacketColumns, documented in columns.ts) are declared by the interface of the
// same name and made in the constructor.
export interface PacketTable extends PacketColumns {}

export class PacketTable {
  length = 0;
  private capacity: number;
  /** Neighbours within the same connection, -1 at the ends. */
  next: Int32Array;
  prev: Int32Array;

  constructor(capacity = 1024) {
    this.capacity = capacity;
    this.line = new Int32Array(capacity);
    this.headLine = new Int32Array(capacity);
    this.conn = new Int32Array(capacity);
    this.dir = new Uint8Array(capacity);
    this.flags = new Uint16Array(capacity);
    this.seq = new Float64Array(capacity);
    this.ack = new Float64Array(capacity);
    this.win = new Float64Array(capacity);
    this.len = new Int32Array(capacity);
    this.time = new Float64Array(capacity);
    this.cState = new Uint8Array(capacity);
    this.sState = new Uint8Array(capacity);
    this.cT1 = new Int8Array(capacity);
    this.cT2 = new Int8Array(capacity);
    this.sT1 = new Int8Array(capacity);
    this.sT2 = new Int8Array(capacity);
    this.events = new Uint32Array(capacity);
    this.ackRtt = new Float64Array(capacity);
    this.inFlight = new Float64Array(capacity);
    this.winBytes = new Float64Array(capacity);
    this.sackAt = new Int32Array(capacity);
    this.sackEdges = new Float64Array(64);
    this.next = new Int32Array(capacity);
    this.prev = new Int32Array(capacity);
  }

  /** Makes room for `rows` rows in all, at once (one copy instead of a doubling per power of two). */
  reserve(rows: number): void {
    if (rows > this.capacity) this.resize(rows);
  }

  /**
   * Reserves the next row and returns its index. Rows are set to their defaults here rather
   * than when the columns are made: the spare capacity is then never written, and memory the
   * process never writes costs no resident memory.
   */
  add(): number {
    if (this.length === this.capacity) this.resize(this.capacity * 2);
    const p = this.length++;
    this.cT1[p] = this.cT2[p] = this.sT1[p] = this.sT2[p] = -1;
    this.next[p] = this.prev[p] = -1;
    this.ackRtt[p] = this.inFlight[p] = this.winBytes[p] = NaN;
    this.sackAt[p] = -1;
    return p;
  }

  /** The sackEdges in use. */
  sackLength = 0;

  /**
   * Stores packet p's SACK blocks: `count` pairs of `edges`, each moved by `shift` (mod 2^32) into
   * the numbering of p's ack column.
   */
  addSack(p: number, edges: ArrayLike<number>, count: number, shift: number): void {
    const need = this.sackLength + 1 + 2 * count;
    if (need > this.sackEdges.length) this.sackEdges = grow(this.sackEdges, Math.max(need, 2 * this.sackEdges.length));
    const e = this.sackEdges;
    const at = this.sackLength;
    e[at] = count;
    for (let k = 0; k < 2 * count; k++) e[at + 1 + k] = (edges[k] + shift + 4294967296) % 4294967296;
    this.sackAt[p] = at;
    this.sackLength = need;
  }

  private resize(n: number): void {
    this.line = grow(this.line, n);
    this.headLine = grow(this.headLine, n);
    this.conn = grow(this.conn, n);
    this.dir = grow(this.dir, n);
    this.flags = grow(this.flags, n);
    this.seq = grow(this.seq, n);
    this.ack = grow(this.ack, n);
    this.win = grow(this.win, n);
    this.len = grow(this.len, n);
    this.time = grow(this.time, n);
    this.cState = grow(this.cState, n);
    this.sState = grow(this.sState, n);
    this.cT1 = grow(this.cT1, n);
    this.cT2 = grow(this.cT2, n);
    this.sT1 = grow(this.sT1, n);
    this.sT2 = grow(this.sT2, n);
    this.events = grow(this.events, n);
    this.ackRtt = grow(this.ackRtt, n);
    this.inFlight = grow(this.inFlight, n);
    this.winBytes = grow(this.winBytes, n);
    this.sackAt = grow(this.sackAt, n);
    this.next = grow(this.next, n);
    this.prev = grow(this.prev, n);
    this.capacity = n;
  }
}
