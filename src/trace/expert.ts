// Per-packet expert events, named and defined as tshark's tcp.analysis.* flags
// (Wireshark User's Guide, "TCP Analysis"). tcpdump does not print the sequence number of a
// segment without data, so for those the sender's next sequence number stands in.

import { EVENT_KINDS, EventKind, Flag } from './model';
import type { PacketTable } from './packets';
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

/** Per-direction bookkeeping for the analysis (index 0: client, 1: server). */
export class ExpertState {
  nextSeq = [NaN, NaN];
  lastAck = [NaN, NaN];
  maxAck = [NaN, NaN];
  lastWin = [NaN, NaN];
  lastTime = [NaN, NaN];
  /** Time of the segment that last advanced nextSeq. */
  advanceTime = [NaN, NaN];
  dupAcks = [0, 0];
  /** Window shift per side once both SYNs carried wscale; 0 otherwise. */
  shift = [0, 0];
  lastEvents = [0, 0];
  /** Time of the connection's previous packet, either way. */
  prevTime = NaN;
  rtt = NaN;

  /** Computes the events of packet p (from side a) and updates the bookkeeping. */
  step(t: PacketTable, p: number): number {
    const a = t.dir[p];
    const b = 1 - a;
    const f = t.flags[p];
    if (f & Flag.UNKNOWN) return 0;
    const len = t.len[p];
    const ctl = (f & (Flag.SYN | Flag.FIN | Flag.RST)) !== 0;
    const segLen = len + (f & Flag.SYN ? 1 : 0) + (f & Flag.FIN ? 1 : 0);
    const seqKnown = t.seq[p] === t.seq[p];
    const seq = seqKnown ? t.seq[p] : this.nextSeq[a];
    const ack = t.ack[p];
    const hasAck = (f & Flag.ACK) !== 0 && ack === ack;
    const win = t.win[p];
    const time = t.time[p];
    const next = this.nextSeq[a];
    let ev = 0;

    if (win === 0 && !ctl) ev |= EVENT_BIT.zero_window;

    if (!ctl && next === next && seq === seq) {
      if (seqKnown && len <= 1 && ((seq + 1) | 0) === (next | 0)) ev |= EVENT_BIT.keep_alive;
      else if (!seqKnown && len === 0 && hasAck && ack === this.lastAck[a] && win === this.lastWin[a] &&
        (time - this.prevTime >= KEEPALIVE_IDLE_SECONDS || this.lastWin[b] === 0)) {
        // Linux probes a zero window with this same segment, which tshark also calls a keep-alive.
        ev |= EVENT_BIT.keep_alive;
      }
      if (len === 1 && (seq | 0) === (next | 0) && this.lastWin[b] === 0) ev |= EVENT_BIT.zero_window_probe;
    }

    const isNew = next !== next || seq !== seq || seqGe(seq, next);
    if (segLen > 0 && !isNew && !(ev & (EVENT_BIT.keep_alive | EVENT_BIT.zero_window_probe))) {
      const end = seq + segLen;
      // tshark flags spurious and fast retransmissions as retransmissions too.
      if (f & Flag.SYN) ev |= EVENT_BIT.retransmission;
      else if (this.maxAck[b] === this.maxAck[b] && seqGe(this.maxAck[b], end)) ev |= EVENT_BIT.spurious_retransmission | EVENT_BIT.retransmission;
      else if (this.dupAcks[b] >= 2 && this.lastAck[b] === seq) ev |= EVENT_BIT.fast_retransmission | EVENT_BIT.retransmission;
      else if (time - this.advanceTime[a] < Math.max(OOO_SECONDS, this.rtt || 0)) ev |= EVENT_BIT.out_of_order;
      else ev |= EVENT_BIT.retransmission;
    }
    if (seqKnown && next === next && !(f & (Flag.SYN | Flag.RST)) && !seqGe(next, seq)) ev |= EVENT_BIT.lost_segment;
    if (hasAck && this.nextSeq[b] === this.nextSeq[b] && !seqGe(this.nextSeq[b], ack) && !(f & Flag.RST)) ev |= EVENT_BIT.ack_lost_segment;

    if (hasAck && len === 0 && !ctl && !(ev & EVENT_BIT.keep_alive)) {
      if (ack === this.lastAck[a] && win === this.lastWin[a]) {
        if (this.lastEvents[b] & EVENT_BIT.keep_alive && win !== 0) ev |= EVENT_BIT.keep_alive_ack;
        else if (this.lastEvents[b] & EVENT_BIT.zero_window_probe && win === 0) ev |= EVENT_BIT.zero_window_probe_ack;
        else if (win !== 0 && this.nextSeq[b] === this.nextSeq[b] && ((ack | 0) !== (this.nextSeq[b] | 0) || this.dupAcks[a] > 0 || this.lastEvents[b] & EVENT_BIT.lost_segment)) {
          ev |= EVENT_BIT.duplicate_ack;
        }
      } else if (ack === this.lastAck[a] && win !== this.lastWin[a] && this.lastWin[a] === this.lastWin[a]) {
        ev |= EVENT_BIT.window_update;
      }
    }
    if (len > 0 && this.lastAck[b] === this.lastAck[b] && this.lastWin[b] === this.lastWin[b] && seqKnown) {
      const edge = this.lastAck[b] + this.lastWin[b] * (1 << this.shift[b]);
      if (((seq + len) | 0) === (edge | 0) && this.lastWin[b] > 0) ev |= EVENT_BIT.window_full;
    }

    // Bookkeeping.
    if (ev & EVENT_BIT.duplicate_ack) this.dupAcks[a]++;
    else if (hasAck && ack !== this.lastAck[a]) this.dupAcks[a] = 0;
    if (seq === seq && segLen > 0 && (next !== next || seqGe(seq + segLen, next) && ((seq + segLen) | 0) !== (next | 0))) {
      this.nextSeq[a] = seq + segLen;
      this.advanceTime[a] = time;
    } else if (next !== next && seq === seq) this.nextSeq[a] = seq;
    if (hasAck) {
      this.lastAck[a] = ack;
      if (this.maxAck[a] !== this.maxAck[a] || seqGe(ack, this.maxAck[a])) this.maxAck[a] = ack;
    }
    if (win === win) this.lastWin[a] = win;
    this.lastTime[a] = time;
    this.prevTime = time;
    this.lastEvents[a] = ev;
    return ev;
  }
}
