// Per-packet expert events, named and defined as tshark's tcp.analysis.* flags
// (Wireshark User's Guide, "TCP Analysis"). tcpdump does not print the sequence number of a
// segment without data, so for those the sender's next sequence number stands in.

import { EVENT_KINDS, EventKind, Flag } from './model';
import type { PacketTable } from './packets';
import { scaleWindow } from './seqspace';
import { Slot, type ConnStore } from './connstore';

export const EVENT_BIT = Object.fromEntries(EVENT_KINDS.map((k, i) => [k, 1 << i])) as Record<EventKind, number>;

/** Events that are worth a warning in views (keep-alives and window updates are routine). */
export const WARNING_EVENTS =
  EVENT_BIT.retransmission | EVENT_BIT.fast_retransmission | EVENT_BIT.spurious_retransmission |
  EVENT_BIT.out_of_order | EVENT_BIT.lost_segment | EVENT_BIT.ack_lost_segment | EVENT_BIT.duplicate_ack |
  EVENT_BIT.zero_window | EVENT_BIT.zero_window_probe | EVENT_BIT.window_full | EVENT_BIT.reused_ports;

/**
 * Events whose rule reads the packet's own seq. On a packet whose seq tcpdump did not print (a
 * segment without data, SYN, FIN or RST), they rest on the seq the analysis inferred for it.
 */
export const SEQ_EVENTS = ~(EVENT_BIT.zero_window | EVENT_BIT.ack_lost_segment | EVENT_BIT.reused_ports | EVENT_BIT.duplicate_capture);

/** The events of packet p that rest on an inferred seq (tcpdump printed none). */
export function inferredEvents(t: Pick<PacketTable, 'seq' | 'events'>, p: number): number {
  return t.seq[p] === t.seq[p] ? 0 : t.events[p] & SEQ_EVENTS;
}

export function eventNames(bits: number): EventKind[] {
  const out: EventKind[] = [];
  for (let i = 0; i < EVENT_KINDS.length; i++) if (bits & (1 << i)) out.push(EVENT_KINDS[i]);
  return out;
}

/** tshark's out-of-order threshold when the connection's first RTT is not known: 3 ms. */
const OOO_SECONDS = 0.003;
/** A retransmission this soon after the receiver's duplicate ACKs is a fast retransmission. */
const FAST_SECONDS = 0.02;
/** A pure ACK after this much silence, repeating the last ACK and answering no data, is taken as a keep-alive. */
const KEEPALIVE_IDLE_SECONDS = 0.9;

/** What the peer sent since a side's last segment (Slot.PEER_SINCE): anything, data (or SYN, FIN), a RST. */
const PEER_ANY = 1;
const PEER_DATA = 2;
const PEER_RST = 4;

const KEEP_ALIVE = EVENT_BIT.keep_alive;
const KEEP_ALIVE_ACK = EVENT_BIT.keep_alive_ack;
const ZERO_WINDOW = EVENT_BIT.zero_window;
const ZERO_WINDOW_PROBE = EVENT_BIT.zero_window_probe;
const ZERO_WINDOW_PROBE_ACK = EVENT_BIT.zero_window_probe_ack;
const RETRANSMISSION = EVENT_BIT.retransmission;
const SPURIOUS = EVENT_BIT.spurious_retransmission | EVENT_BIT.retransmission;
const FAST = EVENT_BIT.fast_retransmission | EVENT_BIT.retransmission;
const OUT_OF_ORDER = EVENT_BIT.out_of_order;
const LOST_SEGMENT = EVENT_BIT.lost_segment;
const ACK_LOST_SEGMENT = EVENT_BIT.ack_lost_segment;
const DUPLICATE_ACK = EVENT_BIT.duplicate_ack;
const WINDOW_UPDATE = EVENT_BIT.window_update;
const WINDOW_FULL = EVENT_BIT.window_full;

const u32 = (x: number) => x >>> 0;
const seqGt = (a: number, b: number) => ((a - b) | 0) > 0;
/** A time gap shorter than `limit`; a gap where the clock went back is none (tshark's gaps are unsigned). */
const within = (gap: number, limit: number) => gap >= 0 && gap < limit;

/**
 * Per-direction bookkeeping for the analysis (index 0: client, 1: server), kept in the
 * connection's block of the ConnStore. The tests are tshark's, in tshark's order (Wireshark's
 * packet-tcp.c, tcp_analyze_sequence_number): which one a segment meets first decides
 * between retransmission kinds, and some end the analysis of the segment.
 */
export class ExpertState {
  constructor(
    private readonly store: ConnStore,
    private readonly o: number,
  ) {}

  /** Sets the window shift of each side (both SYNs carried wscale). */
  setShift(client: number, server: number): void {
    this.store.slots[this.o + Slot.SHIFT] = client;
    this.store.slots[this.o + Slot.SHIFT + 1] = server;
  }

  /**
   * Computes the events of packet p and updates the bookkeeping. `rtt`: the connection's
   * first RTT in seconds (tshark's, from the last SYN to the ACK of the SYN,ACK), NaN if unknown.
   */
  step(t: PacketTable, p: number, rtt: number): number {
    const f = t.flags[p];
    if (f & Flag.UNKNOWN) return 0;
    const s = this.store.slots;
    const o = this.o;
    // Where the sender's (a) and the receiver's (b) per-side fields start.
    const a = o + t.dir[p];
    const b = o + 1 - t.dir[p];
    const len = t.len[p];
    const ctl = (f & (Flag.SYN | Flag.FIN | Flag.RST)) !== 0;
    const synFin = (f & (Flag.SYN | Flag.FIN)) !== 0;
    const next = s[Slot.NEXT_SEQ + a];
    const seqKnown = t.seq[p] === t.seq[p];
    const ack = t.ack[p];
    const hasAck = (f & Flag.ACK) !== 0 && ack === ack;
    const lastAckA = s[Slot.LAST_ACK + a];
    const sameAck = hasAck && ack === lastAckA;
    const time = t.time[p];
    const lastWinB = s[Slot.LAST_WIN + b];
    // tcpdump prints no seq for a segment without data, SYN, FIN or RST. Such a segment carries
    // the sender's next sequence number, which is at least what the peer has acknowledged (the
    // capture may have missed data); a keep-alive (the last ACK repeated, answering nothing the
    // capture shows: see answersNothing) carries one less.
    let seq = t.seq[p];
    if (!seqKnown) {
      const acked = s[Slot.LAST_ACK + b];
      seq = acked === acked && (next !== next || seqGt(acked, next)) ? acked : next;
      if (seq === seq && next === next && len === 0 && sameAck && this.answersNothing(t, p, a, b)) seq = u32(seq - 1);
    }
    const win = t.win[p];
    const lastWinA = s[Slot.LAST_WIN + a];
    const lastEventsB = s[Slot.LAST_EVENTS + b];
    if (f & Flag.SYN && s[Slot.SHIFT + a] !== s[Slot.SHIFT + a]) s[Slot.SHIFT + a] = 0;
    let ev = 0;

    // A bare segment from a side whose seq was never printed repeats that unknown seq.
    const atNext = seq === seq ? next === next && u32(seq) === u32(next) : !seqKnown;
    if (len === 1 && atNext && lastWinB === 0) {
      // A zero window probe: nothing else is looked for.
      ev |= ZERO_WINDOW_PROBE;
    } else {
      if (win === 0 && !ctl) ev |= ZERO_WINDOW;
      if (seq === seq && next === next && seqGt(seq, next) && !(f & Flag.RST)) ev |= LOST_SEGMENT;
      if (len <= 1 && !ctl && seq === seq && next === next && u32(seq + 1) === u32(next)) ev |= KEEP_ALIVE;
      const pure = len === 0 && !ctl && atNext && sameAck && !(ev & KEEP_ALIVE);
      if (pure && win !== 0 && win !== lastWinA) ev |= WINDOW_UPDATE;
      const shiftB = s[Slot.SHIFT + b];
      if (len > 0 && !ctl && seq === seq && shiftB === shiftB && lastWinB === lastWinB && s[Slot.LAST_ACK + b] === s[Slot.LAST_ACK + b] &&
        u32(seq + len) === u32(s[Slot.LAST_ACK + b] + scaleWindow(lastWinB, shiftB))) {
        ev |= WINDOW_FULL;
      }
      if (pure && win === lastWinA) {
        if (win !== 0 && lastEventsB & KEEP_ALIVE) ev |= KEEP_ALIVE_ACK;
        else if (win === 0 && lastEventsB & ZERO_WINDOW_PROBE) ev |= ZERO_WINDOW_PROBE_ACK;
        else if (win !== 0) {
          s[Slot.DUP_ACKS + a] = s[Slot.DUP_ACKS + a] < 0 ? 1 : s[Slot.DUP_ACKS + a] + 1;
          ev |= DUPLICATE_ACK;
        }
      }
    }
    if (!sameAck) s[Slot.DUP_ACKS + a] = 0;

    // An ACK beyond what the peer was seen to send: a segment the capture missed.
    const toBeAckedB = s[Slot.TO_BE_ACKED + b];
    if (hasAck && toBeAckedB === toBeAckedB && seqGt(ack, toBeAckedB)) {
      const nextB = s[Slot.NEXT_SEQ + b];
      if (seqGt(nextB, toBeAckedB)) {
        s[Slot.TO_BE_ACKED + b] = nextB;
        ev |= ACK_LOST_SEGMENT;
      } else {
        // Once per missed segment, however many ACKs of it follow.
        if (s[Slot.DUP_ACKS + b] === 0) ev |= ACK_LOST_SEGMENT;
        s[Slot.DUP_ACKS + b] = -1;
      }
    }

    // A segment that occupies sequence space but does not advance it: which kind of repeat.
    if ((len > 0 || synFin) && !(ev & KEEP_ALIVE) && seq === seq) {
      // A segment of more than one byte starting one before the next seq follows a zero window probe: new data.
      const notAdvanced = next === next && seqGt(next, seq) && !(len > 1 && u32(next - 1) === u32(seq));
      const lastAckB = s[Slot.LAST_ACK + b];
      const end = seq + len + (synFin ? 1 : 0);
      if (len > 0 && lastAckB === lastAckB && !seqGt(seq + len, lastAckB)) ev |= SPURIOUS;
      else if (notAdvanced && s[Slot.DUP_ACKS + b] >= 2 && u32(lastAckB) === u32(seq) && within(time - s[Slot.LAST_ACK_TIME + b], FAST_SECONDS)) ev |= FAST;
      else if (notAdvanced && within(time - s[Slot.ADVANCE_TIME + a], rtt > 0 ? rtt : OOO_SECONDS) && u32(next) !== u32(end)) ev |= OUT_OF_ORDER;
      else if (notAdvanced) ev |= RETRANSMISSION;
    }

    // Bookkeeping.
    if (seq === seq && !(ev & ZERO_WINDOW_PROBE)) {
      const end = seq + len + (synFin ? 1 : 0);
      if (next !== next || seqGt(end, next)) {
        s[Slot.NEXT_SEQ + a] = u32(end);
        s[Slot.ADVANCE_TIME + a] = time;
      }
      const toBeAcked = s[Slot.TO_BE_ACKED + a];
      if (toBeAcked !== toBeAcked || u32(seq) === u32(toBeAcked)) s[Slot.TO_BE_ACKED + a] = s[Slot.NEXT_SEQ + a];
    }
    s[Slot.LAST_ACK + a] = hasAck ? ack : NaN;
    s[Slot.LAST_ACK_TIME + a] = time;
    if (win === win) s[Slot.LAST_WIN + a] = win;
    s[o + Slot.PREV_TIME] = time;
    s[Slot.LAST_EVENTS + a] = ev;
    s[Slot.PEER_SINCE + a] = 0;
    s[Slot.PEER_SINCE + b] |= PEER_ANY | (len > 0 || synFin ? PEER_DATA : 0) | (f & Flag.RST ? PEER_RST : 0);
    return ev;
  }

  /**
   * Whether a bare ACK repeating its sender's last ACK (packet p, from side a to side b) answers
   * nothing the capture shows, so it is taken as a keep-alive:
   * - the connection was silent for a while, or the peer's window is zero, and the peer sent no
   *   data, SYN or FIN since the sender's last segment (that would be what it answers); or
   * - the sender's last segment was a keep-alive or the answer to one, with nothing from the peer
   *   since: a keep-alive is answered once, so a second ACK is the sender's own.
   * Never in a one-sided capture: the segments an ACK answers would not be there to see.
   */
  private answersNothing(t: PacketTable, p: number, a: number, b: number): boolean {
    const s = this.store.slots;
    if (!(s[Slot.PACKETS + b] > 0)) return false;
    const since = s[Slot.PEER_SINCE + a];
    if (since === 0 && t.win[p] === s[Slot.LAST_WIN + a] && s[Slot.LAST_EVENTS + a] & (KEEP_ALIVE | KEEP_ALIVE_ACK)) return true;
    if (since & PEER_DATA) return false;
    const idle = t.time[p] - s[this.o + Slot.PREV_TIME] >= KEEPALIVE_IDLE_SECONDS;
    return idle || (s[Slot.LAST_WIN + b] === 0 && !(since & PEER_RST));
  }
}
