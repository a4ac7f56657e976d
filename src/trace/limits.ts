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
import { seqDiff } from './seqspace';
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

/** Each side's sending state in one pass of connectionLimits (index 0 client, 1 server). */
class Senders {
  /** Highest seq sent + 1. */
  readonly nxt = new Float64Array(2);
  /** Highest ack received. */
  readonly una = new Float64Array(2);
  /** Right edge of the window the peer offers: ack + window. */
  readonly edge = new Float64Array(2);
  /** That edge when the sender filled it (NaN: not at the window). */
  readonly fullEdge = new Float64Array(2);
  /** Loss recovery lasts until the peer acks this. */
  readonly recover = new Float64Array(2);
  /** Largest segment sent. */
  readonly largest = new Float64Array(2);
  /** The size of the last segment sent. */
  readonly lastLen = new Float64Array(2);
  /** When the oldest unacknowledged byte was sent. */
  readonly sentAt = new Float64Array(2);
  /** 1: no retransmission since sentAt. */
  readonly clean = new Uint8Array(2);
  /**
   * The shortest round trip, seen from the capture point, from a side's segment to the peer's
   * ACK of it: from the handshake, then from ACKs of data that was sent once.
   */
  readonly rtt = new Float64Array(2);
  /** 1: the side's data has no ACK in the capture (the peer's direction was not captured). */
  readonly acksMissing = new Uint8Array(2);
  lastDataFrom = -1;

  reset(): void {
    this.nxt.fill(NaN);
    this.una.fill(NaN);
    this.edge.fill(NaN);
    this.fullEdge.fill(NaN);
    this.recover.fill(NaN);
    this.sentAt.fill(NaN);
    this.rtt.fill(NaN);
    this.largest.fill(0);
    this.lastLen.fill(0);
    this.clean.fill(1);
    this.acksMissing.fill(0);
    this.lastDataFrom = -1;
  }
}

// One pass at a time (connectionLimits does not call itself), so one state serves them all: a
// pass allocates nothing per packet.
const senders = new Senders();

const RECEIVER_WINDOW = KIND_INDEX.receiver_window;
const LOSS = KIND_INDEX.loss;
const NONE = KIND_INDEX.none;
const UNKNOWN = KIND_INDEX.unknown;
const DELAYED_ACK = KIND_INDEX.delayed_ack;
const HANDSHAKE = KIND_INDEX.handshake;

/**
 * The limits of one connection: `packets` are its packet indexes in capture order. Pure: reads
 * the columns, allocates only its result.
 */
export function connectionLimits(t: LimitColumns, packets: ArrayLike<number>, options?: LimitOptions): Limits {
  const n = packets.length;
  const { time, dir, flags, events } = t;
  const s = senders;
  s.reset();
  if (!sides(t, packets, s)) return noLimits('no_seq');

  // The handshake: from the first packet up to the ACK that completes it.
  let synCount = 0;
  let synAckCount = 0;
  let h = 0;
  for (; h < n && flags[packets[h]] & Flag.SYN; h++) {
    if (events[packets[h]] & EVENT_BIT.duplicate_capture) continue;
    if (flags[packets[h]] & Flag.ACK) synAckCount++;
    else synCount++;
  }
  // A slow SYN,ACK sent once: the wait for it counts as the handshake's, less a typical round trip.
  let slowSynAck = -1;
  let typicalRtt = 0;
  if (h < n && synCount === 1 && synAckCount === 1) {
    let synAck = 0;
    while (!(flags[packets[synAck]] & Flag.ACK)) synAck++;
    const at = time[packets[synAck]];
    const first = at - time[packets[0]];
    const second = time[packets[h]] - at;
    if (first >= 0) s.rtt[dir[packets[0]]] = first;
    if (second >= 0) s.rtt[dir[packets[synAck]]] = second;
    if (first > SLOW_SYN_ACK_SECONDS) {
      typicalRtt = medianRtt(t.ackRtt, dir, packets, h + 1, dir[packets[synAck]]) / 1000;
      if (first > SLOW_SYN_ACK_FACTOR * typicalRtt) slowSynAck = synAck;
    }
  }

  const w = pass;
  w.reset(h === 0 ? -1 : Math.min(h, n - 1), synCount > 1 || synAckCount > 1, slowSynAck, typicalRtt, options?.minStallSeconds ?? DELAYED_ACK_SECONDS);
  const stalls: Stall[] = [];
  const total = walk(t, s, w, packets, stalls);
  endRun(stalls, w.runKind, w.runStart, w.runEnd, w.runSeconds, w.minStall);
  if (!(round(total) > 0)) return noLimits('no_time');

  const limits: Limit[] = [];
  for (let k = 0; k < LIMIT_KINDS.length; k++) {
    const sec = round(w.seconds[k]);
    if (sec > 0) limits.push({ kind: LIMIT_KINDS[k], seconds: sec, share: round(w.seconds[k] / total), lines: w.lines(k) });
  }
  // Largest first, ties in LIMIT_KINDS order (as a stable sort): an insertion sort of at most
  // eight, which unlike Array.prototype.sort allocates nothing.
  for (let i = 1; i < limits.length; i++) {
    const x = limits[i];
    let j = i - 1;
    for (; j >= 0 && limits[j].seconds < x.seconds; j--) limits[j + 1] = limits[j];
    limits[j + 1] = x;
  }
  return { limits, verdict: limits[0].kind, stalls, unknown: null };
}

/**
 * The first look at a connection's packets: which side's data no ACK in the capture covers
 * (s.acksMissing). False when data was sent without sequence numbers (tcpdump -q).
 */
function sides(t: LimitColumns, packets: ArrayLike<number>, s: Senders): boolean {
  const { dir, flags } = t;
  const seqs = t.seq;
  const acks = t.ack;
  const lens = t.len;
  let seqKnown = false;
  let anyData = false;
  // Each side's first data byte and where it was sent, whether any ACK of the peer's in the
  // capture covers it, and each side's last packet.
  let firstSeq0 = NaN;
  let firstSeq1 = NaN;
  let firstDataAt0 = -1;
  let firstDataAt1 = -1;
  let acked0 = false;
  let acked1 = false;
  let lastAt0 = -1;
  let lastAt1 = -1;
  for (let i = 0; i < packets.length; i++) {
    const p = packets[i];
    const d = dir[p];
    if (d === 0) lastAt0 = i;
    else lastAt1 = i;
    if (lens[p] > 0) {
      anyData = true;
      if (seqs[p] === seqs[p] && !(flags[p] & Flag.UNKNOWN)) {
        seqKnown = true;
        if (d === 0 && firstDataAt0 < 0) {
          firstSeq0 = seqs[p];
          firstDataAt0 = i;
        } else if (d === 1 && firstDataAt1 < 0) {
          firstSeq1 = seqs[p];
          firstDataAt1 = i;
        }
      }
    }
    if (flags[p] & Flag.ACK && acks[p] === acks[p] && seqDiff(acks[p], d === 0 ? firstSeq1 : firstSeq0) > 0) {
      if (d === 0) acked1 = true;
      else acked0 = true;
    }
  }
  // A side whose data no packet of the peer's follows, and no ACK covers: the peer's direction
  // was not captured. (A peer that answers data with a RST alone was captured: it just never acked.)
  s.acksMissing[0] = firstDataAt0 >= 0 && !acked0 && lastAt1 < firstDataAt0 ? 1 : 0;
  s.acksMissing[1] = firstDataAt1 >= 0 && !acked1 && lastAt0 < firstDataAt1 ? 1 : 0;
  return seqKnown || !anyData;
}

/**
 * One pass of connectionLimits over the moments between packets: what it knows of the
 * handshake, the sums per cause, each cause's first lines, and the stretch of one kind in
 * progress. One serves every pass, as `senders` does.
 */
class Pass {
  /** The packet index (in the connection) of the ACK that completes the handshake; -1 without a SYN. */
  handshakeEnd = -1;
  /** A SYN or SYN,ACK was sent again. */
  handshakeSlow = false;
  /** The index of a slow SYN,ACK sent once, else -1; and the typical RTT (s) its wait is reduced by. */
  slowSynAck = -1;
  typicalRtt = 0;
  minStall = DELAYED_ACK_SECONDS;
  /** Seconds put down to each cause (LIMIT_KINDS order). */
  readonly seconds = new Float64Array(LIMIT_KINDS.length);
  /** The first line of each cause's first MAX_LINES stretches, at k * MAX_LINES, and how many. */
  readonly starts = new Int32Array(LIMIT_KINDS.length * MAX_LINES);
  readonly counts = new Uint8Array(LIMIT_KINDS.length);
  /**
   * The stretch of one kind in progress. A full window and loss recovery last across packets:
   * a moment of another kind under a tenth of the shortest stall (the sender answering an ACK
   * at once) does not end them. Each wait of the other kinds is a stall of its own.
   */
  runKind = -1;
  runStart = 0;
  runEnd = 0;
  runSeconds = 0;

  reset(handshakeEnd: number, handshakeSlow: boolean, slowSynAck: number, typicalRtt: number, minStall: number): void {
    this.handshakeEnd = handshakeEnd;
    this.handshakeSlow = handshakeSlow;
    this.slowSynAck = slowSynAck;
    this.typicalRtt = typicalRtt;
    this.minStall = minStall;
    this.seconds.fill(0);
    this.counts.fill(0);
  }

  /** Cause k's first lines, as Limit.lines has them. */
  lines(k: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.counts[k]; i++) out.push(this.starts[k * MAX_LINES + i]);
    return out;
  }
}

const pass = new Pass();

/**
 * Puts every moment between two packets down to one cause: adds it to w.seconds, a stretch's
 * first line to w.starts, ended stretches to `stalls`, and leaves the stretch in progress in w.
 * The connection's total time. A function of its own with nothing after its loop but stores,
 * so that V8's compiled loop does not fall back to the interpreter at every connection's end
 * (ARCHITECTURE.md, "How to write a pass over packets").
 */
function walk(t: LimitColumns, s: Senders, w: Pass, packets: ArrayLike<number>, stalls: Stall[]): number {
  const { time, dir, events } = t;
  const lines = t.line;
  const { handshakeEnd, handshakeSlow, slowSynAck, typicalRtt, minStall, seconds, starts, counts } = w;
  let total = 0;
  let runKind = -1;
  let runStart = 0;
  let runEnd = 0;
  let runSeconds = 0;
  let prev = -1;
  for (let i = 0; i < packets.length; i++) {
    const p = packets[i];
    // The same packet captured again (In and Out, two interfaces) is no moment of its own.
    if (events[p] & EVENT_BIT.duplicate_capture) continue;
    // The moment before this packet, put down to one cause.
    if (prev >= 0) {
      const dt = time[p] - time[prev];
      if (dt >= 0) {
        const k = i <= handshakeEnd ? (handshakeSlow || i === slowSynAck ? HANDSHAKE : NONE) : cause(t, s, p, dt);
        // A delayed ACK or a slow SYN,ACK costs what it adds to the round trip; the round trip is the network's.
        const network = k === DELAYED_ACK ? Math.min(dt, s.rtt[1 - dir[p]] || 0) : i === slowSynAck ? Math.min(dt, typicalRtt) : 0;
        const cost = dt - network;
        seconds[k] += cost;
        seconds[NONE] += network;
        total += dt;
        if (k !== runKind && !(runKind >= 0 && LASTING[runKind] && dt < minStall / 10)) {
          endRun(stalls, runKind, runStart, runEnd, runSeconds, minStall);
          runKind = k;
          runStart = lines[prev];
          runSeconds = 0;
          if (counts[k] < MAX_LINES) starts[k * MAX_LINES + counts[k]++] = runStart;
        }
        if (k === runKind) {
          runEnd = lines[p];
          runSeconds += cost;
        }
      }
    }
    step(t, s, p);
    prev = p;
  }
  w.runKind = runKind;
  w.runStart = runStart;
  w.runEnd = runEnd;
  w.runSeconds = runSeconds;
  return total;
}

/** No limits, and why. */
function noLimits(unknown: LimitsUnknown): Limits {
  return { limits: [], verdict: null, stalls: [], unknown };
}

/** Ends a stretch of one kind: a stall, when it names its cause (time whose cause cannot be told is none) and lasted. */
function endRun(stalls: Stall[], kind: number, start: number, end: number, seconds: number, minStall: number): void {
  if (kind >= 0 && kind !== NONE && kind !== UNKNOWN && seconds >= minStall) {
    stalls.push({ startLine: start, endLine: end, seconds: round(seconds), cause: LIMIT_KINDS[kind] });
  }
}

/** Data side d sent is in flight and its ACKs are not in the capture: what held it back cannot be told. */
function unacked(s: Senders, d: number): boolean {
  return s.acksMissing[d] === 1 && s.nxt[d] === s.nxt[d] && !(seqDiff(s.nxt[d], s.una[d]) <= 0);
}

/** The cause (a LIMIT_KINDS index) of the wait that packet p ends, dt seconds long. */
function cause(t: LimitColumns, s: Senders, p: number, dt: number): number {
  const { events, flags } = t;
  const lens = t.len;
  const e = t.dir[p];
  if (events[p] & RETRANSMITTED && (lens[p] > 0 || flags[p] & Flag.FIN)) return LOSS;
  const { nxt, una, fullEdge, recover } = s;
  const out0 = seqDiff(nxt[0], una[0]) > 0;
  const out1 = seqDiff(nxt[1], una[1]) > 0;
  if (unacked(s, 0) || unacked(s, 1)) return UNKNOWN;
  if (fullEdge[0] === fullEdge[0] || fullEdge[1] === fullEdge[1]) return RECEIVER_WINDOW;
  if (recover[0] === recover[0] || recover[1] === recover[1] || events[p] & EVENT_BIT.duplicate_ack) return LOSS;
  const rtt = s.rtt;
  if (out0 || out1) {
    // The ACK came late and closes the window: the receiver's buffer was full.
    if (events[p] & EVENT_BIT.zero_window) return RECEIVER_WINDOW;
    // A bare ACK, long after the small segment it acknowledges, that leaves nothing in flight.
    const d = 1 - e;
    const bare = lens[p] === 0 && !(flags[p] & (Flag.SYN | Flag.FIN | Flag.RST));
    const lastLen = s.lastLen[d];
    const small = lastLen > 0 && (lastLen <= SMALL_SEGMENT || lastLen < s.largest[d]);
    const ack = t.ack[p];
    if (bare && small && ack === ack && seqDiff(ack, nxt[d]) >= 0 && dt - (rtt[d] || 0) >= DELAYED_ACK_SECONDS) return DELAYED_ACK;
    return NONE;
  }
  // Nothing in flight. A wait of about a round trip is the network's.
  if (dt <= 1.5 * rtt[1 - e]) return NONE;
  if (lens[p] > 0 && e === 1 && s.lastDataFrom === 0) return KIND_INDEX.server_think;
  return KIND_INDEX.application;
}

/** Packet p's part in each side's sending state. */
function step(t: LimitColumns, s: Senders, p: number): void {
  const d = t.dir[p];
  const f = t.flags[p];
  const ev = t.events[p];
  const at = t.time[p];
  const len = t.len[p];
  const seq = t.seq[p];
  const { nxt, una, edge, fullEdge, recover, sentAt, clean } = s;
  if (seq === seq && !(f & Flag.UNKNOWN)) {
    const end = seq + len + (f & Flag.SYN ? 1 : 0) + (f & Flag.FIN ? 1 : 0);
    const before = nxt[d];
    const newData = !(seqDiff(end, before) <= 0);
    if (newData) {
      if (!(seqDiff(before, una[d]) > 0)) {
        sentAt[d] = at;
        clean[d] = 1;
      }
      nxt[d] = end;
    }
    if (len > 0) {
      s.lastLen[d] = len;
      if (len > s.largest[d]) s.largest[d] = len;
      s.lastDataFrom = d;
    }
    if (ev & RETRANSMITTED) {
      clean[d] = 0;
      if (len > 0 && recover[d] !== recover[d]) recover[d] = nxt[d];
    }
    if (ev & EVENT_BIT.window_full) fullEdge[d] = edge[d] === edge[d] ? edge[d] : 0;
    else if (newData && len > 0) fullEdge[d] = NaN;
  }
  const ack = t.ack[p];
  if (f & Flag.ACK && ack === ack) {
    const o = 1 - d; // the sender this packet acknowledges
    const advanced = !(seqDiff(ack, una[o]) <= 0);
    if (advanced) {
      una[o] = ack;
      if (seqDiff(ack, nxt[o]) >= 0 && clean[o] && sentAt[o] === sentAt[o]) {
        const sample = at - sentAt[o];
        if (sample >= 0 && !(sample >= s.rtt[o])) s.rtt[o] = sample;
      }
      if (seqDiff(ack, recover[o]) >= 0) recover[o] = NaN;
    }
    const w = t.winBytes[p];
    edge[o] = w === w ? ack + w : NaN;
    if (ev & EVENT_BIT.zero_window) fullEdge[o] = edge[o] === edge[o] ? edge[o] : 0;
    else if (fullEdge[o] === fullEdge[o]) {
      // The window opened, so the sender is no longer held by it. Without the window's
      // scale, an ACK of new data or a window update is taken as opening it.
      const opened = edge[o] === edge[o] && fullEdge[o] !== 0 ? seqDiff(edge[o], fullEdge[o]) > 0 : advanced || ev & EVENT_BIT.window_update;
      if (opened) fullEdge[o] = NaN;
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
