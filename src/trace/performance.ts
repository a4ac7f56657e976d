// A connection's performance figures (the summary's `performance`), from its packets and their
// per-packet figures (flight.ts): RTT per direction, where the handshake's time went, time to
// the first response byte, and throughput. What the text cannot support is said, not guessed:
// `performance.unknown` (UNKNOWN_KINDS).
//
// The scalars are stored with the connection (CONNECTION_FIELDS, written by writePerformance);
// the throughput series is computed on demand (throughputSeries), from the packet columns.

import type { PacketColumns } from './columns';
import { COLUMN, type RowWriter } from './connectionColumns';
import type { Connection } from './connection';
import { EVENT_BIT } from './expert';
import { windowShift } from './flight';
import { connectionLimits, stallSeconds, type Limits } from './limits';
import { Flag, UNKNOWN_KINDS, type UnknownKind } from './model';
import type { PacketTable } from './packets';
import { mod32 } from './seqspace';

/** Most points a throughput series has: enough to draw its shape, few enough for every connection's JSON. */
export const SERIES_BUCKETS = 32;

/** x rounded to 1/k (k a power of ten): a difference of two times carries floating-point noise below it. */
const round = (x: number, k: number): number => Math.round(x * k) / k;
/** Seconds as milliseconds to the nanosecond, or null where unknown or negative (times that go back). */
const ms = (seconds: number): number | null => (seconds >= 0 ? round(seconds * 1000, 1e6) : null);

const RTT_COLUMNS = (['client', 'server'] as const).map((side) => ({
  samples: COLUMN[`performance.rtt.${side}.samples`],
  min: COLUMN[`performance.rtt.${side}.minMs`],
  p50: COLUMN[`performance.rtt.${side}.p50Ms`],
  p95: COLUMN[`performance.rtt.${side}.p95Ms`],
  max: COLUMN[`performance.rtt.${side}.maxMs`],
}));

const THROUGHPUT_COLUMNS = (['client', 'server'] as const).map((side) => ({
  bytes: COLUMN[`performance.throughput.${side}.bytes`],
  seconds: COLUMN[`performance.throughput.${side}.seconds`],
  bps: COLUMN[`performance.throughput.${side}.bitsPerSecond`],
}));

/** The objects of `performance` (present fields in CONNECTION_FIELDS): always there. */
const OBJECTS = [
  'performance.rtt', 'performance.rtt.client', 'performance.rtt.server', 'performance.handshakeSplit',
  'performance.throughput', 'performance.throughput.client', 'performance.throughput.server',
] as const;

/** The value at quantile q of a sorted list (nearest rank). */
function quantile(a: Float64Array, n: number, q: number): number {
  return a[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
}

/**
 * What one look at a connection's packets finds, for writePerformance. One serves every
 * connection, so a connection costs no arrays of its own.
 */
class Gathered {
  /** RTT samples by the side whose data was acknowledged, and how many of each. */
  samples = [new Float64Array(256), new Float64Array(256)];
  readonly count = new Int32Array(2);
  /** Each side's first and last segment with data, and its bytes. */
  readonly first = new Float64Array(2);
  readonly last = new Float64Array(2);
  readonly bytes = new Float64Array(2);
  /** Handshake: the last SYN before the first SYN,ACK, that SYN,ACK, and the last SYN,ACK before the ACK that completes it. */
  syn = NaN;
  synAck = NaN;
  lastSynAck = NaN;
  ack = NaN;
  /** When the server acknowledged all the client's data sent before the server's first. */
  requestAcked = NaN;
  /** UNKNOWN_KINDS bits. */
  unknown = 0;
}

const gathered = new Gathered();
const UNKNOWN_BIT = Object.fromEntries(UNKNOWN_KINDS.map((k, i) => [k, 1 << i])) as Record<UnknownKind, number>;

/**
 * Looks at the packets of the connection whose first is `firstPacket`, into g. A function of
 * its own with nothing after its loop but stores (ARCHITECTURE.md, "How to write a pass over
 * packets").
 */
function gather(t: PacketTable, firstPacket: number, g: Gathered): void {
  const { count, first, last, bytes } = g;
  count.fill(0);
  first.fill(NaN);
  last.fill(NaN);
  bytes.fill(0);
  let syn = NaN;
  let synAck = NaN;
  let lastSynAck = NaN;
  let ack = NaN;
  let requestEnd = NaN;
  let requestAcked = NaN;
  let unknown = 0;
  for (let p = firstPacket; p >= 0; p = t.next[p]) {
    const f = t.flags[p];
    const d = t.dir[p];
    const time = t.time[p];
    if (time !== time) unknown |= UNKNOWN_BIT.time;
    if (t.events[p] & EVENT_BIT.duplicate_capture) continue;
    const len = t.len[p];
    // The server's first packet acknowledging the whole request, up to its first response byte.
    if (d === 1 && f & Flag.ACK && first[1] !== first[1] && requestAcked !== requestAcked && requestEnd === requestEnd) {
      const a = t.ack[p];
      if (a === a && ((a - requestEnd) | 0) >= 0) requestAcked = time;
    }
    if (len > 0) {
      if (first[d] !== first[d]) first[d] = time;
      last[d] = time;
      bytes[d] += len;
      if (d === 0 && first[1] !== first[1]) {
        const seq = t.seq[p];
        requestEnd = seq === seq ? mod32(seq + len) : NaN;
        requestAcked = NaN;
      }
    }
    if (f & Flag.UNKNOWN) {
      unknown |= UNKNOWN_BIT.flags;
      continue;
    }
    const rtt = t.ackRtt[p];
    if (rtt === rtt) {
      // An ACK from side d measures the RTT of the other side's data.
      const s = 1 - d;
      let a = g.samples[s];
      if (count[s] === a.length) {
        a = new Float64Array(count[s] * 2);
        a.set(g.samples[s]);
        g.samples[s] = a;
      }
      a[count[s]++] = round(rtt, 1e6);
    }
    if (f & Flag.SYN) {
      if (!(f & Flag.ACK) && synAck !== synAck) syn = time;
      else if (f & Flag.ACK && syn === syn && ack !== ack) {
        if (synAck !== synAck) synAck = time;
        lastSynAck = time;
      }
    } else if (f & Flag.ACK && d === 0 && synAck === synAck && ack !== ack) ack = time;
  }
  g.syn = syn;
  g.synAck = synAck;
  g.lastSynAck = lastSynAck;
  g.ack = ack;
  g.requestAcked = requestAcked;
  g.unknown = unknown;
}

/** Writes connection `conn`'s performance fields into its row (`packets`: its packet indexes); returns its limits, worked out for the verdict. */
export function writePerformance(w: RowWriter, t: PacketTable, conn: Connection, packets: Int32Array): Limits {
  const g = gathered;
  gather(t, conn.firstPacket, g);
  const { count, first, last, bytes, syn, synAck, lastSynAck, ack, requestAcked } = g;
  let unknown = g.unknown;
  const flag = (k: UnknownKind) => (unknown |= UNKNOWN_BIT[k]);

  const shift = windowShift(conn.clientOpts, conn.serverOpts, 0);
  w.bool(COLUMN['performance.windowScaleKnown'], shift === shift);
  if (shift !== shift && !conn.flagsUnknown) flag('window_scale');
  if (syn !== syn && !conn.flagsUnknown) flag('handshake');
  if (conn.flight?.overflowed) flag('unacknowledged');

  for (const path of OBJECTS) w.bool(COLUMN[path], true);
  for (let s = 0; s < 2; s++) {
    const col = RTT_COLUMNS[s];
    const n = count[s];
    const a = g.samples[s].subarray(0, n).sort();
    w.int(col.samples, n);
    w.float(col.min, n ? a[0] : null);
    w.float(col.p50, n ? quantile(a, n, 0.5) : null);
    w.float(col.p95, n ? quantile(a, n, 0.95) : null);
    w.float(col.max, n ? a[n - 1] : null);
  }
  w.float(COLUMN['performance.handshakeSplit.synToSynAckMs'], ms(synAck - syn));
  w.float(COLUMN['performance.handshakeSplit.synAckToAckMs'], ms(ack - lastSynAck));
  // Request (the client's first data) to response (the server's first data); null when the server spoke first.
  w.float(COLUMN['performance.timeToFirstByteMs'], first[0] <= first[1] ? ms(first[1] - first[0]) : null);
  w.float(COLUMN['performance.serverResponseMs'], first[0] <= first[1] ? ms(first[1] - requestAcked) : null);
  for (let s = 0; s < 2; s++) {
    const col = THROUGHPUT_COLUMNS[s];
    const seconds = last[s] - first[s];
    w.float(col.bytes, bytes[s]);
    w.float(col.seconds, seconds >= 0 ? round(seconds, 1e9) : null);
    w.float(col.bps, seconds > 0 ? Math.round((bytes[s] * 8) / seconds) : null);
  }
  const limits = connectionLimits(t, packets);
  if (limits.limits.some((l) => l.kind === 'unknown')) flag('acks');
  w.int(COLUMN['performance.unknown'], unknown);
  w.limitKind(COLUMN['performance.verdict'], limits.verdict);
  w.float(COLUMN['performance.stallSeconds'], stallSeconds(limits));
  return limits;
}

/**
 * One side's throughput over time: [time, bits per second] at the start of each of up to
 * `buckets` equal spans between its first and last segment with data. Empty with fewer than
 * two such segments at different times.
 */
export function throughputSeries(t: PacketColumns, packets: ArrayLike<number>, side: 0 | 1, buckets = SERIES_BUCKETS): Array<[number, number]> {
  let start = NaN;
  let end = NaN;
  let segments = 0;
  for (let i = 0; i < packets.length; i++) {
    const p = packets[i];
    if (t.dir[p] !== side || t.len[p] <= 0 || t.time[p] !== t.time[p] || t.events[p] & EVENT_BIT.duplicate_capture) continue;
    if (start !== start) start = t.time[p];
    end = t.time[p];
    segments++;
  }
  if (!(end > start)) return [];
  const n = Math.min(buckets, segments);
  const width = (end - start) / n;
  const sums = new Float64Array(n);
  for (let i = 0; i < packets.length; i++) {
    const p = packets[i];
    if (t.dir[p] !== side || t.len[p] <= 0 || t.time[p] !== t.time[p] || t.events[p] & EVENT_BIT.duplicate_capture) continue;
    sums[Math.min(n - 1, Math.floor((t.time[p] - start) / width))] += t.len[p];
  }
  return Array.from(sums, (b, k) => [round(start + k * width, 1e6), Math.round((b * 8) / width)] as [number, number]);
}
