// Per-packet expert events, named and defined as tshark's tcp.analysis.* flags
// (Wireshark User's Guide, "TCP Analysis"). tcpdump does not print the sequence number of a
// segment without data, so for those the sender's next sequence number stands in.

import { EVENT_KINDS, EventKind, Flag } from './model';
import type { PacketTable } from './packets';
import { Slot, type ConnStore } from './connstore';
import { seqGe } from './machine';

export const EVENT_BIT = Object.fromEntries(EVENT_KINDS.map((k, i) => [k, 1 << i])) as Record<EventKind, number>;

/** Events that are worth a warning in views (keep-alives and window updates are routine). */
export const WARNING_EVENTS =
  EVENT_BIT.retransmission | EVENT_BIT.fast_retransmission | EVENT_BIT.spurious_retransmission |
  EVENT_BIT.out_of_order | EVENT_BIT.lost_segment | EVENT_BIT.ack_lost_segment | EVENT_BIT.duplicate_ack |
  EVENT_BIT.zero_window | EVENT_BIT.zero_window_probe | EVENT_BIT.window_full | EVENT_BIT.reused_ports;

export function eventNames(bits: number): EventKind[] {
  const out: EventKind[] = [];
  for (let i = 0; i < EVENT_KINDS.length; i++) if (bits & (1 << i)) out.push(EVENT_KINDS[i]);
  return out;
}

/** tshark's default out-of-order threshold when no RTT is known: 3 ms. */
const OOO_SECONDS = 0.003;
/** A pure ACK after this much silence, repeating the last ACK, is taken as a keep-alive. */
const KEEPALIVE_IDLE_SECONDS = 0.9;

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

/**
 * Per-direction bookkeeping for the analysis (index 0: client, 1: server), kept in the
 * connection's block of the ConnStore.
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

  /** Computes the events of packet p and updates the bookkeeping. */
  step(t: PacketTable, p: number): number {
    const f = t.flags[p];
    if (f & Flag.UNKNOWN) return 0;
    const s = this.store.slots;
    const o = this.o;
    // Where the sender's (a) and the receiver's (b) per-side fields start.
    const a = o + t.dir[p];
    const b = o + 1 - t.dir[p];
    const len = t.len[p];
    const ctl = (f & (Flag.SYN | Flag.FIN | Flag.RST)) !== 0;
    const segLen = len + (f & Flag.SYN ? 1 : 0) + (f & Flag.FIN ? 1 : 0);
    const next = s[Slot.NEXT_SEQ + a];
    const seqKnown = t.seq[p] === t.seq[p];
    const seq = seqKnown ? t.seq[p] : next;
    const ack = t.ack[p];
    const hasAck = (f & Flag.ACK) !== 0 && ack === ack;
    const win = t.win[p];
    const time = t.time[p];
    const lastAckA = s[Slot.LAST_ACK + a];
    const lastWinA = s[Slot.LAST_WIN + a];
    const lastWinB = s[Slot.LAST_WIN + b];
    let ev = 0;

    if (win === 0 && !ctl) ev |= ZERO_WINDOW;

    if (!ctl && next === next && seq === seq) {
      if (seqKnown && len <= 1 && ((seq + 1) | 0) === (next | 0)) ev |= KEEP_ALIVE;
      else if (!seqKnown && len === 0 && hasAck && ack === lastAckA && win === lastWinA &&
        (time - s[o + Slot.PREV_TIME] >= KEEPALIVE_IDLE_SECONDS || lastWinB === 0)) {
        // Linux probes a zero window with this same segment, which tshark also calls a keep-alive.
        ev |= KEEP_ALIVE;
      }
      if (len === 1 && (seq | 0) === (next | 0) && lastWinB === 0) ev |= ZERO_WINDOW_PROBE;
    }

    const isNew = next !== next || seq !== seq || seqGe(seq, next);
    if (segLen > 0 && !isNew && !(ev & (KEEP_ALIVE | ZERO_WINDOW_PROBE))) {
      const end = seq + segLen;
      const maxAckB = s[Slot.MAX_ACK + b];
      // tshark flags spurious and fast retransmissions as retransmissions too.
      if (f & Flag.SYN) ev |= RETRANSMISSION;
      else if (maxAckB === maxAckB && seqGe(maxAckB, end)) ev |= SPURIOUS;
      else if (s[Slot.DUP_ACKS + b] >= 2 && s[Slot.LAST_ACK + b] === seq) ev |= FAST;
      else if (time - s[Slot.ADVANCE_TIME + a] < OOO_SECONDS) ev |= OUT_OF_ORDER;
      else ev |= RETRANSMISSION;
    }
    if (seqKnown && next === next && !(f & (Flag.SYN | Flag.RST)) && !seqGe(next, seq)) ev |= LOST_SEGMENT;
    const nextB = s[Slot.NEXT_SEQ + b];
    if (hasAck && nextB === nextB && !seqGe(nextB, ack) && !(f & Flag.RST)) ev |= ACK_LOST_SEGMENT;

    if (hasAck && len === 0 && !ctl && !(ev & KEEP_ALIVE)) {
      if (ack === lastAckA && win === lastWinA) {
        const lastEventsB = s[Slot.LAST_EVENTS + b];
        if (lastEventsB & KEEP_ALIVE && win !== 0) ev |= KEEP_ALIVE_ACK;
        else if (lastEventsB & ZERO_WINDOW_PROBE && win === 0) ev |= ZERO_WINDOW_PROBE_ACK;
        else if (win !== 0 && nextB === nextB && ((ack | 0) !== (nextB | 0) || s[Slot.DUP_ACKS + a] > 0 || lastEventsB & LOST_SEGMENT)) {
          ev |= DUPLICATE_ACK;
        }
      } else if (ack === lastAckA && win !== lastWinA && lastWinA === lastWinA) {
        ev |= WINDOW_UPDATE;
      }
    }
    if (len > 0 && seqKnown) {
      const lastAckB = s[Slot.LAST_ACK + b];
      if (lastAckB === lastAckB && lastWinB === lastWinB) {
        const edge = lastAckB + lastWinB * (1 << s[Slot.SHIFT + b]);
        if (((seq + len) | 0) === (edge | 0) && lastWinB > 0) ev |= WINDOW_FULL;
      }
    }

    // Bookkeeping.
    if (ev & DUPLICATE_ACK) s[Slot.DUP_ACKS + a]++;
    else if (hasAck && ack !== lastAckA) s[Slot.DUP_ACKS + a] = 0;
    if (seq === seq && segLen > 0 && (next !== next || seqGe(seq + segLen, next) && ((seq + segLen) | 0) !== (next | 0))) {
      s[Slot.NEXT_SEQ + a] = seq + segLen;
      s[Slot.ADVANCE_TIME + a] = time;
    } else if (next !== next && seq === seq) s[Slot.NEXT_SEQ + a] = seq;
    if (hasAck) {
      s[Slot.LAST_ACK + a] = ack;
      const maxAck = s[Slot.MAX_ACK + a];
      if (maxAck !== maxAck || seqGe(ack, maxAck)) s[Slot.MAX_ACK + a] = ack;
    }
    if (win === win) s[Slot.LAST_WIN + a] = win;
    s[o + Slot.PREV_TIME] = time;
    s[Slot.LAST_EVENTS + a] = ev;
    return ev;
  }
}
