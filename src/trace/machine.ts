// Steps both endpoints of one connection through the RFC 9293 table, packet by packet.
//
// A capture point sees packets the peer may never receive, so receipt is judged on evidence:
// - a SYN counts as received when the peer answers it (its SYN,ACK or RST);
// - a SYN,ACK, a FIN, or an ACK of a SYN or FIN counts as received when captured, unless later
//   evidence says otherwise: the sender retransmits the same SYN or FIN (the first copy, or
//   its ACK, was lost), the receiver sends an ACK that does not cover it (it had not
//   arrived yet), or the receiver answers it with a RST (it refused it). Then the receipt is
//   taken back, and the packets since are stepped again with the receipt moved to the point
//   where the receiver's ACK first covers it;
// - an ACK acknowledges a SYN only if it covers the SYN and nothing its sender never sent
//   (RFC 9293: SND.UNA < SEG.ACK =< SND.NXT): the third segment of a handshake must carry
//   ISN+1 (more only where the server already sent data);
// - once a SYN,ACK was sent again with no answer, later copies are not taken as received:
//   an end that never answers is not shown ESTABLISHED until it answers;
// - a segment with none of SYN, ACK and RST (no flags at all, or FIN, PSH, URG alone: a
//   scan's probe) is not valid in any state and changes none (RFC 9293 3.10.7: a segment
//   without ACK is dropped once synchronized; in LISTEN and CLOSED only SYN or RST count).

import { MACHINE_SLOTS, ReceiptField, Slot, type ConnStore } from './connstore';
import { EVENT_BIT } from './expert';
import { Flag } from './model';
import type { PacketTable } from './packets';
import { afterTimeWait, State, TcpEvent, TRANSITIONS, transitionIndex } from './states';

/** Sequence comparison modulo 2^32: true if a is after or at b. */
export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

const enum Receipt {
  /** The peer's SYN,ACK or FIN arrived at this endpoint. */
  Data = 0,
  /** The peer's ACK of this endpoint's SYN or FIN arrived. */
  Ack = 1,
}

const SYN_DELIVERED = 1;
/** A segment with none of these (no flags, or FIN, PSH, URG alone) is not valid in any state. */
const VALID = Flag.SYN | Flag.ACK | Flag.RST;
const FIN_DELIVERED = 4;

/** The state before the packet being applied; copied only when a receipt is taken tentatively. */
const BEFORE = new Float64Array(MACHINE_SLOTS);

/** The most receipts a machine keeps pending; the oldest goes first. */
const MAX_PENDING = 8;

/**
 * The state of both endpoints. It lives in the connection's block of the ConnStore (Slot.ST to
 * Slot.TIME_WAIT_SINCE), and the receipts taken tentatively in the store's receipt pool: a
 * machine per connection is then one small object, not a dozen.
 */
export class Machine {
  /** Receipts taken tentatively, oldest first: offsets of records in store.receipts, linked. */
  private pendingHead = -1;
  private pendingTail = -1;
  private pendingCount = 0;
  /** Receipts taken back: packet * 4 + receiver * 2 + kind. Made when first needed. */
  private suppressed: Set<number> | null = null;
  /**
   * Sides (bit 1 << side) whose ACK of SYN was shown lost (their peer retransmitted the
   * SYN,ACK). Later copies of the same bare ACK take the same path, so they are not taken as
   * received until the peer itself shows it (it sends something other than its SYN,ACK).
   */
  private ackOfSynDoubted = 0;
  /**
   * Sides (bit 1 << side) whose receipt of the peer's SYN,ACK was taken back because the peer
   * sent it again: later copies are taken as received only on the side's own evidence (an
   * ACK of it), so a side that never answers (gone, or a spoofed source) stays in SYN_SENT.
   */
  private synAckDoubted = 0;
  /** The packet being stepped and where its transitions go. */
  private cur = -1;

  constructor(
    private readonly t: PacketTable,
    private readonly store: ConnStore,
    /** Where the connection's block starts in the store. */
    private readonly o: number,
    clientState: State,
    serverState: State,
  ) {
    this.setInitial(clientState, serverState);
  }

  setInitial(client: State, server: State): void {
    const slot = this.store.slots;
    slot[this.o + Slot.INITIAL] = slot[this.o + Slot.ST] = client;
    slot[this.o + Slot.INITIAL + 1] = slot[this.o + Slot.ST + 1] = server;
  }

  /** Side's state now (0 client, 1 server). */
  state(side: number): State {
    return this.store.slots[this.o + Slot.ST + side];
  }

  /** Side's state before the first packet. */
  initial(side: number): State {
    return this.store.slots[this.o + Slot.INITIAL + side];
  }

  /** Sequence number of side's SYN, NaN until seen. */
  synSeq(side: number): number {
    return this.store.slots[this.o + Slot.SYN_SEQ + side];
  }

  /** Sequence number of side's FIN, NaN until seen. */
  finSeq(side: number): number {
    return this.store.slots[this.o + Slot.FIN_SEQ + side];
  }

  /** Trace time at which side entered TIME_WAIT (NaN if it never did). */
  timeWaitSince(side: number): number {
    const p = this.store.slots[this.o + Slot.TIME_WAIT_SINCE + side];
    return p === p ? this.t.time[p] : NaN;
  }

  /** Whether side never answered its peer's repeated SYN,ACKs (later copies not taken as received). */
  synAckUnanswered(side: number): boolean {
    return (this.synAckDoubted & (1 << side)) !== 0 && !(this.store.slots[this.o + Slot.DELIVERED] & (SYN_DELIVERED << (1 - side)));
  }

  /**
   * Whether `ack` acknowledges side's SYN: it covers the SYN and nothing side was not seen to
   * send (RFC 9293 3.4: SND.UNA < SEG.ACK =< SND.NXT), so ISN+1 unless side sent data since.
   */
  acksSyn(side: number, ack: number): boolean {
    const slot = this.store.slots;
    const syn = slot[this.o + Slot.SYN_SEQ + side];
    if (syn !== syn || ack !== ack || !seqGe(ack, syn + 1)) return false;
    const next = slot[this.o + Slot.NEXT_SEQ + side];
    return seqGe(next === next && seqGe(next, syn + 1) ? next : syn + 1, ack);
  }

  /** Steps one packet (the connection's newest). */
  step(p: number): void {
    if (this.t.events[p] & EVENT_BIT.duplicate_capture) {
      // The same packet seen again (-i any): it moves nothing; it shows the states as they are.
      const m = this.store.slots;
      this.clearTransitions(p);
      this.t.cState[p] = m[this.o + Slot.ST];
      this.t.sState[p] = m[this.o + Slot.ST + 1];
      return;
    }
    // A probe (none of SYN, ACK, RST) is evidence of nothing.
    if (this.t.flags[p] & VALID) {
      for (;;) {
        const c = this.contradiction(p);
        if (c < 0) break;
        this.rewind(c, p);
      }
    }
    this.apply(p);
  }

  /** Re-states the server's (or client's) start, and the packets before p that showed it: e.g. a refused SYN means no listener. */
  private restart(side: number, state: State, upTo: number): void {
    const slot = this.store.slots;
    const was = slot[this.o + Slot.INITIAL + side];
    slot[this.o + Slot.INITIAL + side] = state;
    const col = side === 0 ? this.t.cState : this.t.sState;
    for (let q = upTo; q >= 0; q = this.t.prev[q]) if (col[q] === was) col[q] = state;
  }

  /** The pending receipt that packet p shows never arrived (its record's offset), or -1. */
  private contradiction(p: number): number {
    const t = this.t;
    const a = t.dir[p];
    const f = t.flags[p];
    const seq = t.seq[p];
    for (let it = this.pendingHead; it >= 0; ) {
      const r = this.store.receipts.slots;
      const next = r[it + ReceiptField.NEXT];
      const itSeq = r[it + ReceiptField.SEQ];
      const receiver = r[it + ReceiptField.RECEIVER];
      const retransmits =
        ((f & Flag.SYN) !== 0 && seq === itSeq) ||
        ((f & Flag.FIN) !== 0 && seq + t.len[p] + (f & Flag.SYN ? 1 : 0) === itSeq);
      if (r[it + ReceiptField.KIND] === Receipt.Data) {
        const sender = 1 - receiver;
        if (a === sender && retransmits) {
          if (f & Flag.SYN) this.synAckDoubted |= 1 << receiver;
          return it;
        }
        // The receiver sending its own SYN again shows our SYN,ACK never reached it.
        if (a === receiver && (f & Flag.SYN) !== 0 && (f & Flag.ACK) === 0) return it;
        // A RST without ACK at the segment's ack (<SEQ=SEG.ACK><CTL=RST>) refused it.
        if (a === receiver && (f & (Flag.RST | Flag.ACK)) === Flag.RST && seq === t.ack[r[it + ReceiptField.PACKET]]) return it;
        if (a === receiver && (f & Flag.ACK) !== 0 && t.ack[p] === t.ack[p]) {
          const covered = itSeq === this.synSeq(sender) ? this.acksSyn(sender, t.ack[p]) : seqGe(t.ack[p], itSeq + 1);
          if (covered) this.drop(it);
          else if ((f & Flag.RST) === 0) return it;
        }
      } else if (a === receiver) {
        // A RST without ACK whose seq is the ack of the segment taken as received answers
        // that segment (<SEQ=SEG.ACK><CTL=RST>): the receiver refused it.
        if (retransmits || ((f & (Flag.RST | Flag.ACK)) === Flag.RST && seq === t.ack[r[it + ReceiptField.PACKET]])) return it;
        this.drop(it);
      }
      it = next;
    }
    return -1;
  }

  /** Takes back the receipt `it` and steps the packets from its packet up to p again. */
  private rewind(it: number, p: number): void {
    const r = this.store.receipts.slots;
    const packet = r[it + ReceiptField.PACKET];
    const receiver = r[it + ReceiptField.RECEIVER];
    (this.suppressed ??= new Set()).add(packet * 4 + receiver * 2 + r[it + ReceiptField.KIND]);
    if (r[it + ReceiptField.KIND] === Receipt.Ack && r[it + ReceiptField.SEQ] === this.synSeq(receiver)) this.ackOfSynDoubted |= 1 << (1 - receiver);
    this.store.slots.set(r.subarray(it + ReceiptField.STATE, it + ReceiptField.STATE + MACHINE_SLOTS), this.o + Slot.ST);
    // Receipts are pending in packet order: keep those taken before `packet`.
    while (this.pendingTail >= 0 && this.store.receipts.slots[this.pendingTail + ReceiptField.PACKET] >= packet) this.drop(this.pendingTail);
    for (let q = packet; q !== p && q >= 0; q = this.t.next[q]) {
      this.clearTransitions(q);
      this.step(q);
    }
  }

  private clearTransitions(q: number): void {
    const t = this.t;
    t.cT1[q] = t.cT2[q] = t.sT1[q] = t.sT2[q] = -1;
  }

  private fire(side: number, ev: TcpEvent): boolean {
    const slot = this.store.slots;
    const k = transitionIndex(slot[this.o + Slot.ST + side], ev);
    if (k < 0) return false;
    const to = TRANSITIONS[k].to;
    slot[this.o + Slot.ST + side] = to;
    const t = this.t;
    const p = this.cur;
    if (to === State.TIME_WAIT) slot[this.o + Slot.TIME_WAIT_SINCE + side] = p;
    if (side === 0) {
      if (t.cT1[p] < 0) t.cT1[p] = k;
      else t.cT2[p] = k;
    } else if (t.sT1[p] < 0) t.sT1[p] = k;
    else t.sT2[p] = k;
    return true;
  }

  /** Removes the pending receipt at offset `it` and gives its record back. */
  private drop(it: number): void {
    const r = this.store.receipts.slots;
    let prev = -1;
    for (let x = this.pendingHead; x !== it; x = r[x + ReceiptField.NEXT]) prev = x;
    const next = r[it + ReceiptField.NEXT];
    if (prev < 0) this.pendingHead = next;
    else r[prev + ReceiptField.NEXT] = next;
    if (this.pendingTail === it) this.pendingTail = prev;
    this.pendingCount--;
    this.store.receipts.give(it);
  }

  private tentative(p: number, receiver: number, kind: Receipt, seq: number): boolean {
    if (this.suppressed !== null && this.suppressed.has(p * 4 + receiver * 2 + kind)) return false;
    if (this.pendingCount === MAX_PENDING) this.drop(this.pendingHead);
    const it = this.store.receipts.take();
    const r = this.store.receipts.slots;
    r[it + ReceiptField.PACKET] = p;
    r[it + ReceiptField.KIND] = kind;
    r[it + ReceiptField.RECEIVER] = receiver;
    r[it + ReceiptField.SEQ] = seq;
    r[it + ReceiptField.NEXT] = -1;
    r.set(BEFORE, it + ReceiptField.STATE);
    if (this.pendingTail < 0) this.pendingHead = it;
    else r[this.pendingTail + ReceiptField.NEXT] = it;
    this.pendingTail = it;
    this.pendingCount++;
    return true;
  }

  /** The peer's SYN arrives at `side`. */
  private receiveSyn(side: number, withAckOfOurs: boolean): void {
    const slot = this.store.slots;
    const st = slot[this.o + Slot.ST + side];
    if (st === State.SYN_SENT && withAckOfOurs) this.fire(side, TcpEvent.RCV_SYN_ACK);
    else if (st === State.SYN_RECEIVED && withAckOfOurs) this.fire(side, TcpEvent.RCV_SYN_ACK);
    else this.fire(side, TcpEvent.RCV_SYN);
    slot[this.o + Slot.DELIVERED] |= SYN_DELIVERED << (1 - side);
  }

  private apply(p: number): void {
    const t = this.t;
    // The store grows only when a connection is added, never while a packet is stepped.
    const m = this.store.slots;
    const o = this.o;
    const ST = o + Slot.ST;
    const SYN = o + Slot.SYN_SEQ;
    const FIN = o + Slot.FIN_SEQ;
    const DELIVERED = o + Slot.DELIVERED;
    this.cur = p;
    const a = t.dir[p];
    const b = 1 - a;
    const f = t.flags[p];
    const seq = t.seq[p];
    const ack = t.ack[p];
    const hasAck = (f & Flag.ACK) !== 0 && ack === ack;
    for (let i = 0; i < MACHINE_SLOTS; i++) BEFORE[i] = m[ST + i];

    if ((f & Flag.UNKNOWN) === 0 && (f & VALID) !== 0) {
      // 1. What this packet's ACK proves its sender had received.
      if (hasAck && (f & Flag.RST) === 0) {
        if (!(m[DELIVERED] & (SYN_DELIVERED << b)) && this.acksSyn(b, ack)) {
          this.receiveSyn(a, m[SYN + a] === m[SYN + a] && (f & Flag.SYN) === 0);
        }
        if (!(m[DELIVERED] & (FIN_DELIVERED << b)) && m[FIN + b] === m[FIN + b] && seqGe(ack, m[FIN + b] + 1)) {
          this.fire(a, TcpEvent.RCV_FIN);
          m[DELIVERED] |= FIN_DELIVERED << b;
        }
      }
      // Sending anything but SYN,ACK (or FIN, or RST) from SYN_RECEIVED shows the ACK of
      // its SYN arrived, even if the capture never saw that ACK.
      if (m[ST + a] === State.SYN_RECEIVED && (f & (Flag.SYN | Flag.FIN | Flag.RST | Flag.ACK)) === Flag.ACK) this.fire(a, TcpEvent.RCV_ACK_OF_SYN);

      // 2. What the sender does.
      if (f & Flag.RST) {
        if (m[ST + a] === State.LISTEN || (m[ST + a] === State.SYN_SENT && m[SYN + a] !== m[SYN + a] && (f & Flag.ACK) === 0)) {
          // Answering a SYN with RST: nothing was listening. Refusing a SYN,ACK, from an end
          // whose SYN the capture never showed: it sent none (a reply to a spoofed SYN).
          this.restart(a, State.CLOSED, t.prev[p]);
          m[ST + a] = State.CLOSED;
        } else if (!(m[ST + a] === State.SYN_RECEIVED && this.refusesUnacceptableAck(p))) this.fire(a, TcpEvent.SND_RST);
      } else {
        if (f & Flag.SYN) {
          if ((f & Flag.ACK) === 0) {
            if (m[ST + a] === State.LISTEN) {
              // A SYN of its own: this end opened actively (a simultaneous open), it never
              // listened. Until its SYN it is shown CLOSED.
              this.restart(a, State.CLOSED, t.prev[p]);
              m[ST + a] = State.CLOSED;
            }
            if (m[ST + a] === State.CLOSED) this.fire(a, TcpEvent.ACTIVE_OPEN);
          } else if (m[ST + a] === State.LISTEN || (m[ST + a] === State.SYN_SENT && !(m[DELIVERED] & (SYN_DELIVERED << b)))) {
            // A SYN,ACK shows the peer's SYN arrived, even if we never saw it.
            this.receiveSyn(a, false);
          }
          if (m[SYN + a] !== seq) {
            m[SYN + a] = seq;
            m[DELIVERED] &= ~(SYN_DELIVERED << a);
          }
        }
        if (f & Flag.FIN) {
          const finSeq = seq + t.len[p] + (f & Flag.SYN ? 1 : 0);
          if (m[FIN + a] !== finSeq || m[ST + a] === State.ESTABLISHED || m[ST + a] === State.CLOSE_WAIT) {
            m[FIN + a] = finSeq;
            m[DELIVERED] &= ~(FIN_DELIVERED << a);
            this.fire(a, TcpEvent.CLOSE);
          }
        }
      }

      // 3. What the receiver makes of it (taken back later if evidence says it never arrived).
      if (f & Flag.RST) {
        // In SYN_SENT a RST counts only if it acknowledges the SYN (RFC 9293 3.10.7.3).
        if (m[ST + b] !== State.CLOSED && m[ST + b] !== State.LISTEN && (m[ST + b] !== State.SYN_SENT || hasAck)) this.fire(b, TcpEvent.RCV_RST);
      } else {
        // A SYN,ACK whose ack was not printed (a line shortened by hand) proves nothing to its receiver.
        if ((f & Flag.SYN) !== 0 && (f & Flag.ACK) !== 0 && ack === ack && !(m[DELIVERED] & (SYN_DELIVERED << a))) {
          if (!(this.synAckDoubted & (1 << b)) && this.tentative(p, b, Receipt.Data, seq)) {
            this.receiveSyn(b, hasAck && this.acksSyn(b, ack));
          }
        } else if (hasAck && m[ST + b] === State.SYN_RECEIVED && this.acksSyn(b, ack) &&
          !((this.ackOfSynDoubted & (1 << a)) !== 0 && t.len[p] === 0 && (f & Flag.FIN) === 0)) {
          if (this.tentative(p, b, Receipt.Ack, m[SYN + b])) this.fire(b, TcpEvent.RCV_ACK_OF_SYN);
        }
        if (hasAck && m[FIN + b] === m[FIN + b] && seqGe(ack, m[FIN + b] + 1)) {
          const s = m[ST + b];
          if ((s === State.FIN_WAIT_1 || s === State.CLOSING || s === State.LAST_ACK) && this.tentative(p, b, Receipt.Ack, m[FIN + b])) {
            this.fire(b, TcpEvent.RCV_ACK_OF_FIN);
          }
        }
        if ((f & Flag.FIN) !== 0 && !(m[DELIVERED] & (FIN_DELIVERED << a)) && this.tentative(p, b, Receipt.Data, m[FIN + a])) {
          if (this.fire(b, TcpEvent.RCV_FIN) || m[ST + b] === State.CLOSED) m[DELIVERED] |= FIN_DELIVERED << a;
        }
      }
    }
    t.cState[p] = m[ST];
    t.sState[p] = m[ST + 1];
  }

  /**
   * Whether RST packet p answers the peer's latest segment, an ACK that acknowledges nothing
   * p's sender sent (RFC 9293 3.10.7.4: in SYN-RECEIVED an unacceptable ACK gets
   * <SEQ=SEG.ACK><CTL=RST> and the state stays as it was).
   */
  private refusesUnacceptableAck(p: number): boolean {
    const t = this.t;
    if (t.flags[p] & Flag.ACK) return false;
    const a = t.dir[p];
    let q = t.prev[p];
    while (q >= 0 && t.dir[q] === a) q = t.prev[q];
    return q >= 0 && (t.flags[q] & (Flag.ACK | Flag.RST)) === Flag.ACK && t.ack[q] === t.seq[p] && !this.acksSyn(a, t.ack[q]);
  }

  /** A new SYN on the 4-tuple ends this incarnation: its TIME_WAIT ends early (RFC 9293 3.10.7.4). */
  supersede(): void {
    const slot = this.store.slots;
    for (let i = 0; i < 2; i++) if (slot[this.o + Slot.ST + i] === State.TIME_WAIT) slot[this.o + Slot.ST + i] = State.CLOSED;
  }

  /** Each side's state at time `now`, with TIME_WAIT expired after `timeWait` seconds. */
  statesAt(now: number, timeWait: number): [State, State] {
    return [
      afterTimeWait(this.state(0), this.timeWaitSince(0), now, timeWait),
      afterTimeWait(this.state(1), this.timeWaitSince(1), now, timeWait),
    ];
  }
}
