// The Graphs tab's data: one connection's packets as typed arrays (GraphsMessage), read from the
// trace's columns without a PacketInfo per packet. Numbers are made relative here, as tshark
// makes them (seq and ack to each side's first seq, time to the connection's start), so the
// webview only scales and draws.
import { EVENT_KINDS, type Trace } from '../trace/model';
import type { PacketColumns } from '../trace/columns';
import { Flag } from '../trace/flags';
import { GRAPH_SERIES, GRAPH_SLICE, graphColumns, GraphMark, type GraphsMessage } from '../protocol/protocol';
import { lowerBound, pointOf } from '../protocol/decimate';

const U32 = 4294967296;
const bit = (kind: (typeof EVENT_KINDS)[number]) => 1 << EVENT_KINDS.indexOf(kind);
const RETRANSMITTED = bit('retransmission') | bit('fast_retransmission') | bit('spurious_retransmission');
const ZERO_WINDOW = bit('zero_window');

/**
 * Each side's base, as tshark takes it: the seq of the first packet it sent (its ISN when the
 * SYN is there). tcpdump prints no seq on a bare ACK; where a side's first packet is one, the
 * first number that tells its seq stands in: a seq it printed later, or an ack of the peer's,
 * whichever comes first. NaN where neither is in the trace.
 */
function bases(cols: Readonly<PacketColumns>, list: Int32Array): [number, number] {
  const out: [number, number] = [NaN, NaN];
  const printed = (q: number) => !(cols.flags[q] & Flag.SEQ_RELATIVE) && cols.seq[q] === cols.seq[q];
  const started = [false, false];
  for (let i = 0; i < list.length && (out[0] !== out[0] || out[1] !== out[1]); i++) {
    const q = list[i];
    const d = cols.dir[q];
    const f = cols.flags[q];
    if (out[d] !== out[d] && printed(q)) out[d] = cols.seq[q];
    started[d] = true;
    // The peer's ack stands in only once the peer's first packet turned out to be a bare ACK.
    if (started[1 - d] && out[1 - d] !== out[1 - d] && f & Flag.ACK && !(f & Flag.ACK_RELATIVE) && cols.ack[q] === cols.ack[q]) out[1 - d] = cols.ack[q];
  }
  // A side that only sent bare ACKs after the peer's acks told nothing: its first ack seen stands in.
  for (let i = 0; i < list.length && (out[0] !== out[0] || out[1] !== out[1]); i++) {
    const q = list[i];
    const d = cols.dir[q];
    const f = cols.flags[q];
    if (out[1 - d] !== out[1 - d] && f & Flag.ACK && !(f & Flag.ACK_RELATIVE) && cols.ack[q] === cols.ack[q]) out[1 - d] = cols.ack[q];
  }
  return out;
}

/**
 * Relative numbers that go past 2^32 on a long transfer keep counting up: a step back of more
 * than 2^31 is a wrap, not a retransmission.
 */
class Unwrap {
  private last = NaN;
  private add = 0;

  next(v: number): number {
    if (v !== v) return v;
    if (this.last === this.last) {
      if (v - this.last < -U32 / 2) this.add += U32;
      else if (v - this.last > U32 / 2 && this.add > 0) this.add -= U32;
    }
    this.last = v;
    return v + this.add;
  }
}

const summary = (trace: Trace, id: number) => (trace.connections[id]?.id === id ? trace.connections[id] : trace.connections.find((c) => c.id === id));

export function graphData(trace: Trace, connection: number, key: string): GraphsMessage {
  const steps = graphDataInSteps(trace, connection, key, Infinity);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** graphData a part at a time: it yields after each `step` packets, so its caller can let others run. */
export function* graphDataInSteps(trace: Trace, connection: number, key: string, step = 1 << 17): Generator<void, GraphsMessage> {
  const list = trace.packetIndexes(connection);
  const n = list.length;
  const cols = trace.columns;
  const base = bases(cols, list);
  const out: GraphsMessage = {
    type: 'graphs',
    key,
    connection,
    start: 0,
    total: n,
    ...graphColumns(n),
    sack: new Float64Array(0),
    thinned: null,
    unknown: [...(summary(trace, connection)?.performance.unknown ?? [])],
  };
  out.index.set(list);
  let t0 = NaN;
  for (let i = 0; i < n && t0 !== t0; i++) t0 = cols.time[list[i]];
  const seqs = [new Unwrap(), new Unwrap()];
  const acks = [new Unwrap(), new Unwrap()];
  const sack: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && i % step === 0) yield;
    const q = list[i];
    const d = cols.dir[q];
    const f = cols.flags[q];
    out.dir[i] = d;
    out.time[i] = cols.time[q] - t0;
    out.len[i] = cols.len[q];
    out.bytes[i] = cols.len[q];
    // A relative number tcpdump printed is kept; an absolute one is taken from the side's ISN.
    const seq = cols.seq[q];
    out.seq[i] = seqs[d].next(f & Flag.SEQ_RELATIVE ? seq : (seq - base[d] + U32) % U32);
    const ack = cols.ack[q];
    out.ack[i] = f & Flag.ACK ? acks[d].next(f & Flag.ACK_RELATIVE ? ack : (ack - base[1 - d] + U32) % U32) : NaN;
    // A SACK edge is numbered as the ack is: it keeps its distance from the ack (and the ack's wraps).
    const at = cols.sackAt[q];
    if (at >= 0 && out.ack[i] === out.ack[i]) {
      for (let k = 0, e = cols.sackEdges; k < e[at]; k++) sack.push(i, out.ack[i] + ((e[at + 1 + 2 * k] - ack) | 0), out.ack[i] + ((e[at + 2 + 2 * k] - ack) | 0));
    }
    out.win[i] = cols.winBytes[q];
    out.rtt[i] = cols.ackRtt[q];
    out.inFlight[i] = cols.inFlight[q];
    const e = cols.events[q];
    out.marks[i] =
      (e & RETRANSMITTED ? GraphMark.RETRANSMISSION : 0) |
      (f & Flag.SYN ? GraphMark.SYN : 0) |
      (f & Flag.FIN ? GraphMark.FIN : 0) |
      (f & Flag.RST ? GraphMark.RST : 0) |
      (e & ZERO_WINDOW ? GraphMark.ZERO_WINDOW : 0);
  }
  out.sack = Float64Array.from(sack);
  return out;
}

/** The series in slices of GRAPH_SLICE packets, each with arrays of its own (copies, so only its bytes are sent). */
export function* graphSlices(m: GraphsMessage): Generator<GraphsMessage> {
  for (let start = 0; start === 0 || start < m.total; start += GRAPH_SLICE) {
    const slice = { ...m, start };
    for (const k of GRAPH_SERIES) (slice as unknown as Record<string, unknown>)[k] = m[k].slice(start, start + GRAPH_SLICE);
    slice.sack = sackBetween(m.sack, start, start + GRAPH_SLICE);
    yield slice;
  }
}

/** The SACK triples whose point lies in [from, to): points ascend, so one range. */
function sackBetween(sack: Float64Array, from: number, to: number): Float64Array {
  let a = 0;
  while (a < sack.length && sack[a] < from) a += 3;
  let b = a;
  while (b < sack.length && sack[b] < to) b += 3;
  return sack.slice(a, b);
}

/** A connection with more packets than this goes to the webview thinned (thinGraphs), not whole. */
export const GRAPH_WHOLE_MAX = 65536;
/** Columns the host thins to: a few per pixel column of the widest plot. */
export const GRAPH_THIN_COLUMNS = 4096;

// The series the webview draws (webview/graphs.ts, prepare): segments, retransmissions, ACKs,
// window edges, RTTs, windows, bytes in flight and SACK blocks. A kept point is the lowest or the
// highest of one series in one column and one direction.
const SERIES = 8;

/**
 * The points of `full` (a whole connection's series) that the webview needs to draw the time
 * range [x0, x1] over `columns` columns as it would draw every point: per column, direction and
 * series (segments, retransmissions, ACKs, window edges, RTTs, windows, bytes in flight, SACK
 * blocks), the point with the lowest value and the one with the highest; the first and last
 * point; and `keep` (the cursor's packet). Each kept data segment carries in `bytes` the bytes of
 * the segments of its column and direction that were left out, so throughput sums the same.
 * O(points in the connection), no allocation per point.
 */
export function thinGraphs(full: GraphsMessage, x0: number, x1: number, columns: number, keep = -1): GraphsMessage {
  const steps = thinGraphsInSteps(full, x0, x1, columns, keep, Infinity);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** thinGraphs a part at a time: it yields after each `step` points, so its caller can let others run. */
export function* thinGraphsInSteps(full: GraphsMessage, x0: number, x1: number, columns: number, keep = -1, step = 1 << 17): Generator<void, GraphsMessage> {
  const n = full.index.length;
  const cols = Math.max(1, Math.floor(columns));
  const per = cols / (x1 - x0 || 1);
  const { time, dir, seq, len, ack, win, rtt, inFlight, marks } = full;
  // Per (series, direction, column): the lowest and highest value, and their points.
  const slots = SERIES * 2 * cols;
  const lo = new Float64Array(slots).fill(Infinity);
  const hi = new Float64Array(slots).fill(-Infinity);
  const loAt = new Int32Array(slots).fill(-1);
  const hiAt = new Int32Array(slots).fill(-1);
  // Per (direction, column): the data bytes, and the segment that carries them.
  const bytes = new Float64Array(2 * cols);
  const carrier = new Int32Array(2 * cols).fill(-1);
  const put = (o: number, i: number, a: number, b: number) => {
    if (a < lo[o]) {
      lo[o] = a;
      loAt[o] = i;
    }
    if (b > hi[o]) {
      hi[o] = b;
      hiAt[o] = i;
    }
  };
  const column = (t: number) => {
    const c = ((t - x0) * per) | 0;
    return c >= cols ? cols - 1 : c;
  };
  // Times ascend in a capture (a -ttt trace may step back): the points in range are then one run.
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = !(time[i] < time[i - 1]);
  const first = sorted ? lowerBound(time, x0) : 0;
  const last = sorted ? lowerBound(time, x1 + Number.EPSILON * Math.abs(x1)) + 1 : n;
  let next = first + step;
  for (let i = first; i < last && i < n; i++) {
    if (i === next) {
      yield;
      next += step;
    }
    const t = time[i];
    if (!(t >= x0 && t <= x1)) continue;
    const c = column(t);
    const base = dir[i] * cols + c;
    const s = seq[i];
    const l = len[i];
    if (l > 0 && s === s) {
      put(base, i, s, s + l);
      if (marks[i] & GraphMark.RETRANSMISSION) put(2 * cols + base, i, s, s + l);
      bytes[base] += l;
      if (carrier[base] < 0) carrier[base] = i;
    }
    const a = ack[i];
    if (a === a) {
      put(4 * cols + base, i, a, a);
      const e = a + win[i];
      if (e === e) put(6 * cols + base, i, e, e);
    }
    const r = rtt[i];
    if (r === r) put(8 * cols + base, i, r, r);
    const w = win[i];
    if (w === w) put(10 * cols + base, i, w, w);
    const f = inFlight[i];
    if (f === f) put(12 * cols + base, i, f, f);
  }
  for (let k = 0; k < full.sack.length; k += 3) {
    const i = full.sack[k];
    const t = time[i];
    if (t >= x0 && t <= x1) put(14 * cols + dir[i] * cols + column(t), i, full.sack[k + 1], full.sack[k + 2]);
  }
  yield;

  // The points kept, in order, without a pass over every point.
  const marked = new Int32Array(2 * slots + 2 * cols + 3);
  let k = 0;
  for (let o = 0; o < slots; o++) {
    if (loAt[o] >= 0) marked[k++] = loAt[o];
    if (hiAt[o] >= 0) marked[k++] = hiAt[o];
  }
  for (let b = 0; b < 2 * cols; b++) if (carrier[b] >= 0) marked[k++] = carrier[b];
  if (n) {
    marked[k++] = 0;
    marked[k++] = n - 1;
  }
  const cursor = keep >= 0 ? pointOf(full.index, keep) : -1;
  if (cursor >= 0) marked[k++] = cursor;
  const sortedMarks = marked.subarray(0, k).sort();
  let m = 0;
  for (let j = 0; j < k; j++) if (j === 0 || sortedMarks[j] !== sortedMarks[j - 1]) sortedMarks[m++] = sortedMarks[j];
  const kept = sortedMarks.subarray(0, m);
  const out: GraphsMessage = { ...full, start: 0, total: m, ...graphColumns(m), sack: new Float64Array(0), thinned: { x0, x1, columns: cols, packets: n } };
  for (const key of GRAPH_SERIES) {
    const from = full[key] as Float64Array;
    const to = out[key] as Float64Array;
    for (let j = 0; j < m; j++) to[j] = from[kept[j]];
  }
  // A segment in range stands for its column's bytes (on its carrier); one out of range for its own.
  for (let j = 0; j < m; j++) {
    const i = kept[j];
    const t = time[i];
    if (len[i] > 0 && seq[i] === seq[i] && t >= x0 && t <= x1) out.bytes[j] = 0;
  }
  for (let b = 0; b < 2 * cols; b++) if (carrier[b] >= 0) out.bytes[lowerBound(kept, carrier[b])] = bytes[b];
  const sack: number[] = [];
  for (let q = 0; q < full.sack.length; q += 3) {
    const j = lowerBound(kept, full.sack[q]);
    if (kept[j] === full.sack[q]) sack.push(j, full.sack[q + 1], full.sack[q + 2]);
  }
  out.sack = Float64Array.from(sack);
  return out;
}
