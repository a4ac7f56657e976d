// What limited a connection: every moment between two of its packets is put down to one cause,
// from what the capture shows at the start of that moment (data in flight, the sender at the
// receiver's window, a retransmission coming, nothing waiting). The sums per cause are the
// connection's limits; the largest is its verdict; runs of one cause are its stalls.
//
// The causes map onto what Linux's tcp_info (ss -ti) measures of the sending socket:
//   receiver_window  rwnd_limited: data waiting, the receiver's window full or zero
//   loss             busy time spent waiting for a retransmission and its recovery
//   delayed_ack      busy time with a small segment unacknowledged until the peer's
//                    delayed-ACK timer (40 ms on Linux, up to 200 ms elsewhere)
//   none             the rest of busy time: data in flight, moving at the network's pace
//   application      not busy: nothing in flight and nothing waiting (app_limited)
//   server_think     not busy: the client's request is in, the server has not answered
//   handshake        the handshake, when a SYN or SYN,ACK had to be sent again, or when the
//                    SYN,ACK came late: more than 200 ms after the SYN and more than three
//                    times the connection's median RTT (SLOW_SYN_ACK_*)
//   unknown          data in flight whose ACKs are not in the capture (one direction missing):
//                    what held it back cannot be told
// test/unit/limits.test.ts checks this against the kernel's figures on loopback captures.

import type { PacketColumns } from './columns';
import { EVENT_BIT } from './expert';
import { Flag } from './flags';
import { LIMIT_KINDS, type ConnectionSummary, type Limit, type LimitKind, type Stall, type Trace } from './model';

export { LIMIT_KINDS, type Limit, type LimitKind, type Stall } from './model';

/** Why a connection has no verdict: what the text lacks. */
export type LimitsUnknown =
  /** No timestamps (tcpdump -t), or all packets at one moment. */
  | 'no_time'
  /** No sequence numbers on data (tcpdump -q): what is in flight cannot be told. */
  | 'no_seq';

export interface Limits {
  /** Largest first; kinds that cost no time are left out. */
  limits: Limit[];
  /** The kind that cost the most time, or null when it cannot be computed (see unknown). */
  verdict: LimitKind | null;
  stalls: Stall[];
  unknown: LimitsUnknown | null;
}

/** The per-packet columns read. */
export type LimitColumns = Pick<PacketColumns, 'line' | 'dir' | 'flags' | 'seq' | 'ack' | 'len' | 'time' | 'events' | 'winBytes' | 'ackRtt'>;

export interface LimitOptions {
  /** Stretches shorter than this are not stalls; default 0.03 s (under a delayed ACK). */
  minStallSeconds?: number;
}

export const MAX_LINES = 64;
/** Shortest wait counted as a delayed ACK: Linux's minimum delayed-ACK timeout is 40 ms. */
const DELAYED_ACK_SECONDS = 0.03;
/** A segment no larger than this is small whatever the connection's largest segment. */
const SMALL_SEGMENT = 536;
/**
 * A SYN,ACK sent once is slow when it came this long after the SYN (Linux's shortest
 * retransmission timeout, so a wait a timer would have ended) ...
 */
const SLOW_SYN_ACK_SECONDS = 0.2;
/**
 * ... and this many times the median RTT the connection's data saw later on the same path: the
 * path's queues rarely triple a round trip, so the rest was spent answering the SYN (a loaded
 * host or SYN queue, a middlebox setting up state).
 */
const SLOW_SYN_ACK_FACTOR = 3;

const RETRANSMITTED = EVENT_BIT.retransmission | EVENT_BIT.fast_retransmission;
const KIND_INDEX = Object.fromEntries(LIMIT_KINDS.map((k, i) => [k, i])) as Record<LimitKind, number>;
const LASTING = LIMIT_KINDS.map((k) => k === 'receiver_window' || k === 'loss');

/** a - b in sequence space (mod 2^32), as a signed distance. */
function seqDiff(a: number, b: number): number {
  const d = (a - b) % 4294967296;
  return d >= 2147483648 ? d - 4294967296 : d < -2147483648 ? d + 4294967296 : d;
}

/**
 * The limits of one connection: `packets` are its packet indexes in capture order. Pure: reads
 * the columns, allocates only its result.
 */
export function connectionLimits(t: LimitColumns, packets: ArrayLike<number>, options: LimitOptions = {}): Limits {
  const n = packets.length;
  const { time, dir, flags, events, winBytes } = t;
  const seqs = t.seq;
  const acks = t.ack;
  const lens = t.len;
  const lines = t.line;
  const empty = (unknown: LimitsUnknown | null): Limits => ({ limits: [], verdict: null, stalls: [], unknown });
  let seqKnown = false;
  let anyData = false;
  // Each side's first data byte and where it was sent, whether any ACK of the peer's in the
  // capture covers it, and each side's last packet.
  const firstSeq = [NaN, NaN];
  const firstDataAt = [-1, -1];
  const acked = [false, false];
  const lastAt = [-1, -1];
  for (let i = 0; i < n; i++) {
    const p = packets[i];
    const d = dir[p];
    lastAt[d] = i;
    if (lens[p] > 0) {
      anyData = true;
      if (seqs[p] === seqs[p] && !(flags[p] & Flag.UNKNOWN)) {
        seqKnown = true;
        if (firstDataAt[d] < 0) {
          firstSeq[d] = seqs[p];
          firstDataAt[d] = i;
        }
      }
    }
    if (flags[p] & Flag.ACK && acks[p] === acks[p] && seqDiff(acks[p], firstSeq[1 - d]) > 0) acked[1 - d] = true;
  }
  if (anyData && !seqKnown) return empty('no_seq');
  // A side whose data no packet of the peer's follows, and no ACK covers: the peer's direction
  // was not captured. (A peer that answers data with a RST alone was captured: it just never acked.)
  const acksMissing = [0, 1].map((d) => firstDataAt[d] >= 0 && !acked[d] && lastAt[1 - d] < firstDataAt[d]);

  // Each side as a sender (0 client, 1 server).
  const nxt = [NaN, NaN]; // highest seq sent + 1
  const una = [NaN, NaN]; // highest ack received
  const edge = [NaN, NaN]; // right edge of the window the peer offers: ack + window
  const fullEdge = [NaN, NaN]; // that edge when the sender filled it (NaN: not at the window)
  const recover = [NaN, NaN]; // loss recovery lasts until the peer acks this
  const largest = [0, 0]; // largest segment sent
  const lastLen = [0, 0]; // the size of the last segment sent
  const sentAt = [NaN, NaN]; // when the oldest unacknowledged byte was sent
  const clean = [true, true]; // no retransmission since sentAt
  // The shortest round trip, seen from the capture point, from a side's segment to the peer's
  // ACK of it: from the handshake, then from ACKs of data that was sent once.
  const rtt = [NaN, NaN];
  let lastDataFrom = -1;

  // The handshake: from the first packet up to the ACK that completes it.
  let synCount = 0;
  let synAckCount = 0;
  let h = 0;
  for (; h < n && flags[packets[h]] & Flag.SYN; h++) {
    if (events[packets[h]] & EVENT_BIT.duplicate_capture) continue;
    if (flags[packets[h]] & Flag.ACK) synAckCount++;
    else synCount++;
  }
  const handshakeEnd = h === 0 ? -1 : Math.min(h, n - 1);
  const handshakeSlow = synCount > 1 || synAckCount > 1;
  // A slow SYN,ACK sent once: the wait for it counts as the handshake's, less a typical round trip.
  let slowSynAck = -1;
  let typicalRtt = 0;
  if (h < n && synCount === 1 && synAckCount === 1) {
    let synAck = 0;
    while (!(flags[packets[synAck]] & Flag.ACK)) synAck++;
    const at = time[packets[synAck]];
    const first = at - time[packets[0]];
    const second = time[packets[h]] - at;
    if (first >= 0) rtt[dir[packets[0]]] = first;
    if (second >= 0) rtt[dir[packets[synAck]]] = second;
    if (first > SLOW_SYN_ACK_SECONDS) {
      typicalRtt = medianRtt(t.ackRtt, dir, packets, h + 1, dir[packets[synAck]]) / 1000;
      if (first > SLOW_SYN_ACK_FACTOR * typicalRtt) slowSynAck = synAck;
    }
  }

  const seconds = new Float64Array(LIMIT_KINDS.length);
  const kindLines: number[][] = LIMIT_KINDS.map(() => []);
  const stalls: Stall[] = [];
  const minStall = options.minStallSeconds ?? DELAYED_ACK_SECONDS;
  let total = 0;
  // The stretch of one kind in progress. A full window and loss recovery last across packets:
  // a moment of another kind under a tenth of the shortest stall (the sender answering an ACK
  // at once) does not end them. Each wait of the other kinds is a stall of its own.
  let runKind = -1;
  let runStart = 0;
  let runEnd = 0;
  let runSeconds = 0;
  const endRun = () => {
    // A stall names its cause: time whose cause cannot be told is none.
    if (runKind >= 0 && runKind !== KIND_INDEX.none && runKind !== KIND_INDEX.unknown && runSeconds >= minStall) {
      stalls.push({ startLine: runStart, endLine: runEnd, seconds: round(runSeconds), cause: LIMIT_KINDS[runKind] });
    }
  };

  let prev = -1;
  for (let i = 0; i < n; i++) {
    const p = packets[i];
    // The same packet captured again (In and Out, two interfaces) is no moment of its own.
    if (events[p] & EVENT_BIT.duplicate_capture) continue;
    // The moment before this packet, put down to one cause.
    if (prev >= 0) {
      const dt = time[p] - time[prev];
      if (dt >= 0) {
        const k = KIND_INDEX[i <= handshakeEnd ? (handshakeSlow || i === slowSynAck ? 'handshake' : 'none') : cause(p, dt)];
        // A delayed ACK or a slow SYN,ACK costs what it adds to the round trip; the round trip is the network's.
        const network = k === KIND_INDEX.delayed_ack ? Math.min(dt, rtt[1 - dir[p]] || 0) : i === slowSynAck ? Math.min(dt, typicalRtt) : 0;
        const cost = dt - network;
        seconds[k] += cost;
        seconds[KIND_INDEX.none] += network;
        total += dt;
        if (k !== runKind && !(LASTING[runKind] && dt < minStall / 10)) {
          endRun();
          runKind = k;
          runStart = lines[prev];
          runSeconds = 0;
          if (kindLines[k].length < MAX_LINES) kindLines[k].push(runStart);
        }
        if (k === runKind) {
          runEnd = lines[p];
          runSeconds += cost;
        }
      }
    }
    step(p);
    prev = p;
  }
  endRun();
  if (!(round(total) > 0)) return empty('no_time');

  const limits: Limit[] = [];
  for (let k = 0; k < LIMIT_KINDS.length; k++) {
    const s = round(seconds[k]);
    if (s > 0) limits.push({ kind: LIMIT_KINDS[k], seconds: s, share: round(seconds[k] / total), lines: kindLines[k] });
  }
  limits.sort((a, b) => b.seconds - a.seconds);
  return { limits, verdict: limits[0].kind, stalls, unknown: null };

  /** The cause of the wait that packet p ends, dt seconds long. */
  function cause(p: number, dt: number): LimitKind {
    const e = dir[p];
    if (events[p] & RETRANSMITTED && (lens[p] > 0 || flags[p] & Flag.FIN)) return 'loss';
    const out0 = seqDiff(nxt[0], una[0]) > 0;
    const out1 = seqDiff(nxt[1], una[1]) > 0;
    // Data in flight whose ACKs were not captured: whether it waited on the network, the
    // receiver or a loss recovery (which no ACK is seen to end) cannot be told.
    const unacked = (d: number) => acksMissing[d] && nxt[d] === nxt[d] && !(seqDiff(nxt[d], una[d]) <= 0);
    if (unacked(0) || unacked(1)) return 'unknown';
    if (fullEdge[0] === fullEdge[0] || fullEdge[1] === fullEdge[1]) return 'receiver_window';
    if (recover[0] === recover[0] || recover[1] === recover[1] || events[p] & EVENT_BIT.duplicate_ack) return 'loss';
    if (out0 || out1) {
      // The ACK came late and closes the window: the receiver's buffer was full.
      if (events[p] & EVENT_BIT.zero_window) return 'receiver_window';
      // A bare ACK, long after the small segment it acknowledges, that leaves nothing in flight.
      const d = 1 - e;
      const bare = lens[p] === 0 && !(flags[p] & (Flag.SYN | Flag.FIN | Flag.RST));
      const small = lastLen[d] > 0 && (lastLen[d] <= SMALL_SEGMENT || lastLen[d] < largest[d]);
      if (bare && small && acks[p] === acks[p] && seqDiff(acks[p], nxt[d]) >= 0 && dt - (rtt[d] || 0) >= DELAYED_ACK_SECONDS) {
        return 'delayed_ack';
      }
      return 'none';
    }
    // Nothing in flight. A wait of about a round trip is the network's.
    if (dt <= 1.5 * rtt[1 - e]) return 'none';
    if (lens[p] > 0 && e === 1 && lastDataFrom === 0) return 'server_think';
    return 'application';
  }

  /** Packet p's part in each side's sending state. */
  function step(p: number): void {
    const d = dir[p];
    const f = flags[p];
    const at = time[p];
    const len = lens[p];
    const seq = seqs[p];
    if (seq === seq && !(f & Flag.UNKNOWN)) {
      const end = seq + len + (f & Flag.SYN ? 1 : 0) + (f & Flag.FIN ? 1 : 0);
      const before = nxt[d];
      const newData = !(seqDiff(end, before) <= 0);
      if (newData) {
        if (!(seqDiff(before, una[d]) > 0)) {
          sentAt[d] = at;
          clean[d] = true;
        }
        nxt[d] = end;
      }
      if (len > 0) {
        lastLen[d] = len;
        if (len > largest[d]) largest[d] = len;
        lastDataFrom = d;
      }
      if (events[p] & RETRANSMITTED) {
        clean[d] = false;
        if (len > 0 && recover[d] !== recover[d]) recover[d] = nxt[d];
      }
      if (events[p] & EVENT_BIT.window_full) fullEdge[d] = edge[d] === edge[d] ? edge[d] : 0;
      else if (newData && len > 0) fullEdge[d] = NaN;
    }
    const ack = acks[p];
    if (f & Flag.ACK && ack === ack) {
      const s = 1 - d; // the sender this packet acknowledges
      const advanced = !(seqDiff(ack, una[s]) <= 0);
      if (advanced) {
        una[s] = ack;
        if (seqDiff(ack, nxt[s]) >= 0 && clean[s] && sentAt[s] === sentAt[s]) {
          const sample = at - sentAt[s];
          if (sample >= 0 && !(sample >= rtt[s])) rtt[s] = sample;
        }
        if (seqDiff(ack, recover[s]) >= 0) recover[s] = NaN;
      }
      const w = winBytes[p];
      edge[s] = w === w ? ack + w : NaN;
      if (events[p] & EVENT_BIT.zero_window) fullEdge[s] = edge[s] === edge[s] ? edge[s] : 0;
      else if (fullEdge[s] === fullEdge[s]) {
        // The window opened, so the sender is no longer held by it. Without the window's
        // scale, an ACK of new data or a window update is taken as opening it.
        const opened = edge[s] === edge[s] && fullEdge[s] !== 0 ? seqDiff(edge[s], fullEdge[s]) > 0 : advanced || events[p] & EVENT_BIT.window_update;
        if (opened) fullEdge[s] = NaN;
      }
    }
  }
}

/**
 * The median ACK RTT (ms) of the data side `from` acknowledged, from packets[start] on; the
 * median of every sample where that side gave none; NaN without any.
 */
function medianRtt(ackRtt: Float64Array, dir: Uint8Array, packets: ArrayLike<number>, start: number, from: number): number {
  const own: number[] = [];
  const all: number[] = [];
  for (let i = start; i < packets.length; i++) {
    const r = ackRtt[packets[i]];
    if (r !== r) continue;
    all.push(r);
    if (dir[packets[i]] === from) own.push(r);
  }
  const a = (own.length ? own : all).sort((x, y) => x - y);
  return a.length ? a[(a.length - 1) >> 1] : NaN;
}

/** The limits of connection c of a trace: the ones the builder kept, when it kept them. */
export function limitsOf(trace: Pick<Trace, 'columns' | 'packetIndexes' | 'keptLimitsOf'>, c: Pick<ConnectionSummary, 'id'>): Limits {
  return trace.keptLimitsOf?.(c.id) ?? connectionLimits(trace.columns, trace.packetIndexes(c.id));
}

/** Seconds in stalls. */
export function stallSeconds(l: Limits): number | null {
  return l.verdict === null ? null : round(l.stalls.reduce((s, x) => s + x.seconds, 0));
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
