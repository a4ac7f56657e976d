// The Graphs tab's data: one connection's packets as typed arrays (GraphsMessage), read from the
// trace's columns without a PacketInfo per packet. Numbers are made relative here, as tshark
// makes them (seq and ack to each side's first seq, time to the connection's start), so the
// webview only scales and draws.
import { EVENT_KINDS, type Trace } from '../trace/model';
import type { PacketColumns } from '../trace/columns';
import { Flag } from '../trace/flags';
import { GRAPH_SERIES, GRAPH_SLICE, graphColumns, GraphMark, type GraphsMessage } from '../protocol/protocol';

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
    unknown: [...(summary(trace, connection)?.performance.unknown ?? [])],
  };
  out.index.set(list);
  let t0 = NaN;
  for (let i = 0; i < n && t0 !== t0; i++) t0 = cols.time[list[i]];
  const seqs = [new Unwrap(), new Unwrap()];
  const acks = [new Unwrap(), new Unwrap()];
  const sack: number[] = [];
  for (let i = 0; i < n; i++) {
    const q = list[i];
    const d = cols.dir[q];
    const f = cols.flags[q];
    out.dir[i] = d;
    out.time[i] = cols.time[q] - t0;
    out.len[i] = cols.len[q];
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
