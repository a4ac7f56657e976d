// Queries over packets kept by column: the engine's PacketTable and the host's snapshot
// (src/trace/snapshot.ts) hold the same columns, and both Traces answer packet() and census()
// with these functions.

import { eventNames } from './expert';
import { Flag, flagString } from './flags';
import type { Census, PacketInfo, Side } from './model';
import { State, STATE_NAMES, type StateName } from './states';

/** The per-packet columns, indexed by packet: the engine's PacketTable, and a snapshot's. */
export interface PacketColumns {
  /** 1-based line of the TCP text. */
  line: Int32Array;
  /** 1-based line of the -v IP header above it, or the same as line. */
  headLine: Int32Array;
  conn: Int32Array;
  /** 0: client to server, 1: server to client. */
  dir: Uint8Array;
  flags: Uint16Array;
  /** Absolute sequence and ack numbers; NaN where tcpdump did not print them. */
  seq: Float64Array;
  ack: Float64Array;
  win: Float64Array;
  len: Int32Array;
  time: Float64Array;
  /** Each endpoint's state after this packet (State values). */
  cState: Uint8Array;
  sState: Uint8Array;
  /** Up to two transitions per side (indexes into TRANSITIONS), -1 for none. */
  cT1: Int8Array;
  cT2: Int8Array;
  sT1: Int8Array;
  sT2: Int8Array;
  /** Expert events, one bit per EVENT_KINDS entry. */
  events: Uint32Array;
  /** Milliseconds from the segment this packet acknowledges to it (flight.ts); NaN where none. */
  ackRtt: Float64Array;
  /** Bytes in flight after this segment with data (flight.ts); NaN where none. */
  inFlight: Float64Array;
  /** The advertised window in bytes, scaled; NaN where the window scale is unknown. */
  winBytes: Float64Array;
  /**
   * Where the packet's SACK blocks are in sackEdges, -1 without: there, the number of blocks,
   * then each block's left and right edge, numbered as the ack column is (absolute, or relative
   * where the packet is ACK_RELATIVE).
   */
  sackAt: Int32Array;
  /** Not per packet: every packet's SACK blocks, one after another (see sackAt). */
  sackEdges: Float64Array;
}

/** Packet p's SACK blocks as [left, right] pairs in the ack's numbering; empty without. */
export function sackBlocks(t: Pick<PacketColumns, 'sackAt' | 'sackEdges'>, p: number): Array<[number, number]> {
  const at = t.sackAt[p];
  if (at < 0) return [];
  const out: Array<[number, number]> = [];
  for (let k = 0; k < t.sackEdges[at]; k++) out.push([t.sackEdges[at + 1 + 2 * k], t.sackEdges[at + 2 + 2 * k]]);
  return out;
}

export { flagString } from './flags';

const SIDES: Side[] = ['client', 'server'];

export function stateName(s: number): StateName | null {
  return s === State.UNKNOWN ? null : STATE_NAMES[s];
}

const orNull = (x: number): number | null => (x === x ? x : null);

/** Milliseconds to the nanosecond: a difference of two times carries floating-point noise below it. */
export const roundMs = (ms: number): number => Math.round(ms * 1e6) / 1e6;

/** The first index i in [0, n) with a[i] >= x (n if none): a is ascending. */
export function firstAtLeast(a: ArrayLike<number>, n: number, x: number): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The packet whose text covers `line` (its TCP line or its -v header), or -1: O(log n). */
export function packetAtLine(t: PacketColumns, n: number, line: number): number {
  const i = firstAtLeast(t.line, n, line);
  return i < n && t.headLine[i] <= line && line <= t.line[i] ? i : -1;
}

/** What a packet's PacketInfo takes from outside its own columns. */
export interface PacketContext {
  ordinal: number;
  /** Sender and receiver as tcpdump printed them: address and port. */
  src: [string, string];
  dst: [string, string];
  /** Both ends' states before the packet. */
  before: [number, number];
  /** Each side's ISN (or first sequence number seen), for relative numbers; NaN if unknown. */
  base: [number, number];
}

/** The absolute seq, or null where tcpdump printed none or printed it relative to a base it never showed. */
export function absSeq(t: PacketColumns, p: number): number | null {
  return t.flags[p] & Flag.SEQ_RELATIVE ? null : orNull(t.seq[p]);
}

export function absAck(t: PacketColumns, p: number): number | null {
  const f = t.flags[p];
  return f & Flag.ACK && !(f & Flag.ACK_RELATIVE) ? orNull(t.ack[p]) : null;
}

export function packetInfo(t: PacketColumns, index: number, x: PacketContext): PacketInfo {
  const d = t.dir[index];
  const f = t.flags[index];
  const seq = t.seq[index];
  const ack = t.ack[index];
  const rel = (v: number, b: number) => (v === v && b === b ? (v - b + 4294967296) % 4294967296 : null);
  const tr = (a: number, b: number) => [a, b].filter((v) => v >= 0);
  return {
    index,
    line: t.line[index],
    headerLine: t.headLine[index],
    connection: t.conn[index],
    ordinal: x.ordinal,
    from: SIDES[d],
    src: x.src[0],
    sport: x.src[1],
    dst: x.dst[0],
    dport: x.dst[1],
    flags: flagString(f),
    flagBits: f,
    seq: absSeq(t, index),
    ack: absAck(t, index),
    relSeq: rel(seq, x.base[d]),
    relAck: f & Flag.ACK ? rel(ack, x.base[1 - d]) : null,
    win: orNull(t.win[index]),
    len: t.len[index],
    time: orNull(t.time[index]),
    before: { client: stateName(x.before[0]), server: stateName(x.before[1]) },
    after: { client: stateName(t.cState[index]), server: stateName(t.sState[index]) },
    transitions: { client: tr(t.cT1[index], t.cT2[index]), server: tr(t.sT1[index], t.sT2[index]) },
    events: eventNames(t.events[index]),
  };
}

/** What census() asks of a trace about its connections. */
export interface CensusSource {
  readonly connectionCount: number;
  firstPacket(c: number): number;
  lastPacket(c: number): number;
  /** The connection's packet indexes, ascending. */
  packets(c: number): ArrayLike<number>;
  /** Both ends' final states as they stand at time `now` (TIME_WAIT expires after 2MSL). */
  finalStates(c: number, now: number): [State, State];
}

/**
 * O(connections): each started connection's states after the packets that begin at or before
 * `line` (a packet printed on two lines, as -v does, counts from its first, as packetAtLine
 * finds it). After its last packet a connection is in its final states at the time of the last
 * packet read by then (or at the trace's end time when that packet has none).
 */
export function census(t: PacketColumns, n: number, src: CensusSource, line: number, endTime: number): Census {
  const counts: Census['counts'] = {};
  const last = firstAtLeast(t.headLine, n, line + 1) - 1;
  const now = last >= 0 ? t.time[last] : NaN;
  const at = now === now ? now : endTime;
  let connections = 0;
  const bump = (s: number) => {
    const name = stateName(s);
    if (name) counts[name] = (counts[name] ?? 0) + 1;
  };
  for (let c = 0; c < src.connectionCount; c++) {
    if (src.firstPacket(c) > last) continue;
    connections++;
    if (src.lastPacket(c) <= last) {
      const [cs, ss] = src.finalStates(c, at);
      bump(cs);
      bump(ss);
    } else {
      const a = src.packets(c);
      // The connection's last packet at or before `last`.
      const q = a[firstAtLeast(a, a.length, last + 1) - 1];
      bump(t.cState[q]);
      bump(t.sState[q]);
    }
  }
  return { line, counts, connections };
}
