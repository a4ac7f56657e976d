// Steps both endpoints of one connection through the RFC 9293 table, packet by packet.
//
// A capture point sees packets the peer may never receive, so receipt is judged on evidence:
// - a SYN counts as received when the peer answers it (its SYN,ACK or RST);
// - a SYN,ACK, a FIN, or an ACK of a SYN or FIN counts as received when captured, unless later
//   evidence says otherwise: the sender retransmits the same SYN or FIN (the first copy, or
//   its ACK, was lost), or the receiver sends an ACK that does not cover it (it had not
//   arrived yet). Then the receipt is taken back, and the packets since are stepped again
//   with the receipt moved to the point where the receiver's ACK first covers it.

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

interface Pending {
  packet: number;
  kind: Receipt;
  /** Which endpoint received (0 client, 1 server). */
  receiver: number;
  /** The sequence number of the SYN or FIN concerned. */
  seq: number;
  /** The machine state before the packet (see MachineState.saveTo). */
  snapshot: number[];
}

const SYN_DELIVERED = 1;
const FIN_DELIVERED = 4;

export class MachineState {
  st = [State.CLOSED, State.LISTEN];
  /** Sequence number of each side's SYN and FIN, NaN until seen. */
  synSeq = [NaN, NaN];
  finSeq = [NaN, NaN];
  /**
   * Whether each side's SYN and FIN has been taken as received by the peer: bit
   * SYN_DELIVERED << side and FIN_DELIVERED << side.
   */
  delivered = 0;
  /** Trace time at which each side entered TIME_WAIT. */
  timeWaitSince = [NaN, NaN];

  /** Writes the state as 9 numbers into `a`: a compact snapshot, taken before every packet. */
  saveTo(a: number[]): void {
    a[0] = this.st[0];
    a[1] = this.st[1];
    a[2] = this.synSeq[0];
    a[3] = this.synSeq[1];
    a[4] = this.finSeq[0];
    a[5] = this.finSeq[1];
    a[6] = this.delivered;
    a[7] = this.timeWaitSince[0];
    a[8] = this.timeWaitSince[1];
  }

  /** Sets the state from a snapshot written by saveTo. */
  load(a: number[]): void {
    this.st[0] = a[0];
    this.st[1] = a[1];
    this.synSeq[0] = a[2];
    this.synSeq[1] = a[3];
    this.finSeq[0] = a[4];
    this.finSeq[1] = a[5];
    this.delivered = a[6];
    this.timeWaitSince[0] = a[7];
    this.timeWaitSince[1] = a[8];
  }
}

/** The pending list of every machine that has none (shared, so frozen). */
const NO_PENDING = Object.freeze([]) as unknown as Pending[];

/** The state before the packet being applied; copied only when a receipt is taken tentatively. */
const BEFORE: number[] = [NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN, NaN];

export class Machine {
  m = new MachineState();
  initial: [State, State];
  /** Receipts taken tentatively, oldest first. */
  private pending: Pending[] = NO_PENDING;
  /** Receipts taken back: packet * 4 + receiver * 2 + kind. Made when first needed. */
  private suppressed: Set<number> | null = null;
  /**
   * Sides (bit 1 << side) whose ACK of SYN was shown lost (their peer retransmitted the
   * SYN,ACK). Later copies of the same bare ACK take the same path, so they are not taken as
   * received until the peer itself shows it (it sends something other than its SYN,ACK).
   */
  private ackOfSynDoubted = 0;
  /** The packet being stepped and where its transitions go. */
  private cur = -1;

  constructor(private readonly t: PacketTable, clientState: State, serverState: State) {
    this.initial = [clientState, serverState];
    this.m.st[0] = clientState;
    this.m.st[1] = serverState;
  }

  setInitial(client: State, server: State): void {
    this.initial[0] = this.m.st[0] = client;
    this.initial[1] = this.m.st[1] = server;
  }

  /** Steps one packet (the connection's newest). */
  step(p: number): void {
    for (;;) {
      const c = this.contradiction(p);
      if (!c) break;
      this.rewind(c, p);
    }
    this.apply(p);
  }

  /** Re-states the server's (or client's) start: e.g. a refused SYN means no listener. */
  private restart(side: number, state: State, upTo: number): void {
    this.initial[side] = state;
    const col = side === 0 ? this.t.cState : this.t.sState;
    for (let q = upTo; q >= 0; q = this.t.prev[q]) if (col[q] === State.LISTEN) col[q] = state;
  }

  private contradiction(p: number): Pending | undefined {
    const t = this.t;
    const a = t.dir[p];
    const f = t.flags[p];
    const seq = t.seq[p];
    for (let i = 0; i < this.pending.length; i++) {
      const it = this.pending[i];
      const retransmits =
        ((f & Flag.SYN) !== 0 && seq === it.seq) ||
        ((f & Flag.FIN) !== 0 && seq + t.len[p] + (f & Flag.SYN ? 1 : 0) === it.seq);
      if (it.kind === Receipt.Data) {
        const sender = 1 - it.receiver;
        if (a === sender && retransmits) return it;
        // The receiver sending its own SYN again shows our SYN,ACK never reached it.
        if (a === it.receiver && (f & Flag.SYN) !== 0 && (f & Flag.ACK) === 0) return it;
        if (a === it.receiver && (f & Flag.ACK) !== 0 && t.ack[p] === t.ack[p]) {
          if (seqGe(t.ack[p], it.seq + 1)) this.drop(i--);
          else if ((f & Flag.RST) === 0) return it;
        }
      } else if (a === it.receiver) {
        if (retransmits) return it;
        this.drop(i--);
      }
    }
    return undefined;
  }

  private rewind(it: Pending, p: number): void {
    (this.suppressed ??= new Set()).add(it.packet * 4 + it.receiver * 2 + it.kind);
    if (it.kind === Receipt.Ack && it.seq === this.m.synSeq[it.receiver]) this.ackOfSynDoubted |= 1 << (1 - it.receiver);
    this.m.load(it.snapshot);
    const kept = this.pending.filter((x) => x.packet < it.packet);
    this.pending = kept.length ? kept : NO_PENDING;
    for (let q = it.packet; q !== p && q >= 0; q = this.t.next[q]) {
      this.clearTransitions(q);
      this.step(q);
    }
  }

  private clearTransitions(q: number): void {
    const t = this.t;
    t.cT1[q] = t.cT2[q] = t.sT1[q] = t.sT2[q] = -1;
  }

  private fire(side: number, ev: TcpEvent): boolean {
    const from = this.m.st[side];
    const k = transitionIndex(from, ev);
    if (k < 0) return false;
    const to = TRANSITIONS[k].to;
    this.m.st[side] = to;
    if (to === State.TIME_WAIT) this.m.timeWaitSince[side] = this.t.time[this.cur];
    const t = this.t;
    const p = this.cur;
    if (side === 0) {
      if (t.cT1[p] < 0) t.cT1[p] = k;
      else t.cT2[p] = k;
    } else if (t.sT1[p] < 0) t.sT1[p] = k;
    else t.sT2[p] = k;
    return true;
  }

  /** Removes pending[i]; an emptied list gives its memory back (most connections end with none). */
  private drop(i: number): void {
    if (this.pending.length === 1) this.pending = NO_PENDING;
    else this.pending.splice(i, 1);
  }

  private tentative(p: number, receiver: number, kind: Receipt, seq: number): boolean {
    if (this.suppressed !== null && this.suppressed.has(p * 4 + receiver * 2 + kind)) return false;
    const it: Pending = { packet: p, kind, receiver, seq, snapshot: BEFORE.slice() };
    if (this.pending === NO_PENDING) this.pending = [it];
    else {
      this.pending.push(it);
      if (this.pending.length > 8) this.pending.shift();
    }
    return true;
  }

  /** The peer's SYN arrives at `side`. */
  private receiveSyn(side: number, withAckOfOurs: boolean): void {
    const st = this.m.st[side];
    if (st === State.SYN_SENT && withAckOfOurs) this.fire(side, TcpEvent.RCV_SYN_ACK);
    else if (st === State.SYN_RECEIVED && withAckOfOurs) this.fire(side, TcpEvent.RCV_SYN_ACK);
    else this.fire(side, TcpEvent.RCV_SYN);
    this.m.delivered |= SYN_DELIVERED << (1 - side);
  }

  private apply(p: number): void {
    const t = this.t;
    const m = this.m;
    this.cur = p;
    const a = t.dir[p];
    const b = 1 - a;
    const f = t.flags[p];
    const seq = t.seq[p];
    const ack = t.ack[p];
    const hasAck = (f & Flag.ACK) !== 0 && ack === ack;
    m.saveTo(BEFORE);

    if ((f & Flag.UNKNOWN) === 0) {
      // 1. What this packet's ACK proves its sender had received.
      if (hasAck && (f & Flag.RST) === 0) {
        if (!(m.delivered & (SYN_DELIVERED << b)) && m.synSeq[b] === m.synSeq[b] && seqGe(ack, m.synSeq[b] + 1)) {
          this.receiveSyn(a, m.synSeq[a] === m.synSeq[a] && (f & Flag.SYN) === 0);
        }
        if (!(m.delivered & (FIN_DELIVERED << b)) && m.finSeq[b] === m.finSeq[b] && seqGe(ack, m.finSeq[b] + 1)) {
          this.fire(a, TcpEvent.RCV_FIN);
          m.delivered |= FIN_DELIVERED << b;
        }
      }
      // Sending anything but SYN,ACK (or FIN, or RST) from SYN_RECEIVED shows the ACK of
      // its SYN arrived, even if the capture never saw that ACK.
      if (m.st[a] === State.SYN_RECEIVED && (f & (Flag.SYN | Flag.FIN | Flag.RST)) === 0) this.fire(a, TcpEvent.RCV_ACK_OF_SYN);

      // 2. What the sender does.
      if (f & Flag.RST) {
        if (m.st[a] === State.LISTEN) {
          // Answering a SYN with RST: nothing was listening.
          this.restart(a, State.CLOSED, t.prev[p]);
          m.st[a] = State.CLOSED;
        } else this.fire(a, TcpEvent.SND_RST);
      } else {
        if (f & Flag.SYN) {
          if ((f & Flag.ACK) === 0) {
            if (m.st[a] === State.CLOSED) this.fire(a, TcpEvent.ACTIVE_OPEN);
            else if (m.st[a] === State.LISTEN) this.fire(a, TcpEvent.SEND);
          } else if (m.st[a] === State.LISTEN || (m.st[a] === State.SYN_SENT && !(m.delivered & (SYN_DELIVERED << b)))) {
            // A SYN,ACK shows the peer's SYN arrived, even if we never saw it.
            this.receiveSyn(a, false);
          }
          if (m.synSeq[a] !== seq) {
            m.synSeq[a] = seq;
            m.delivered &= ~(SYN_DELIVERED << a);
          }
        }
        if (f & Flag.FIN) {
          const finSeq = seq + t.len[p] + (f & Flag.SYN ? 1 : 0);
          if (m.finSeq[a] !== finSeq || m.st[a] === State.ESTABLISHED || m.st[a] === State.CLOSE_WAIT) {
            m.finSeq[a] = finSeq;
            m.delivered &= ~(FIN_DELIVERED << a);
            this.fire(a, TcpEvent.CLOSE);
          }
        }
      }

      // 3. What the receiver makes of it (taken back later if evidence says it never arrived).
      if (f & Flag.RST) {
        if (m.st[b] !== State.CLOSED && m.st[b] !== State.LISTEN) this.fire(b, TcpEvent.RCV_RST);
      } else {
        if ((f & Flag.SYN) !== 0 && (f & Flag.ACK) !== 0 && !(m.delivered & (SYN_DELIVERED << a))) {
          if (this.tentative(p, b, Receipt.Data, seq)) {
            this.receiveSyn(b, hasAck && m.synSeq[b] === m.synSeq[b] && seqGe(ack, m.synSeq[b] + 1));
          }
        } else if (hasAck && m.st[b] === State.SYN_RECEIVED && m.synSeq[b] === m.synSeq[b] && seqGe(ack, m.synSeq[b] + 1) &&
          !((this.ackOfSynDoubted & (1 << a)) !== 0 && t.len[p] === 0 && (f & Flag.FIN) === 0)) {
          if (this.tentative(p, b, Receipt.Ack, m.synSeq[b])) this.fire(b, TcpEvent.RCV_ACK_OF_SYN);
        }
        if (hasAck && m.finSeq[b] === m.finSeq[b] && seqGe(ack, m.finSeq[b] + 1)) {
          const s = m.st[b];
          if ((s === State.FIN_WAIT_1 || s === State.CLOSING || s === State.LAST_ACK) && this.tentative(p, b, Receipt.Ack, m.finSeq[b])) {
            this.fire(b, TcpEvent.RCV_ACK_OF_FIN);
          }
        }
        if ((f & Flag.FIN) !== 0 && !(m.delivered & (FIN_DELIVERED << a)) && this.tentative(p, b, Receipt.Data, m.finSeq[a])) {
          if (this.fire(b, TcpEvent.RCV_FIN) || m.st[b] === State.CLOSED) m.delivered |= FIN_DELIVERED << a;
        }
      }
    }
    t.cState[p] = m.st[0];
    t.sState[p] = m.st[1];
  }

  /** A new SYN on the 4-tuple ends this incarnation: its TIME_WAIT ends early (RFC 9293 3.10.7.4). */
  supersede(): void {
    for (let i = 0; i < 2; i++) if (this.m.st[i] === State.TIME_WAIT) this.m.st[i] = State.CLOSED;
  }

  /** Each side's state at time `now`, with TIME_WAIT expired after `timeWait` seconds. */
  statesAt(now: number, timeWait: number): [State, State] {
    const m = this.m;
    return [afterTimeWait(m.st[0], m.timeWaitSince[0], now, timeWait), afterTimeWait(m.st[1], m.timeWaitSince[1], now, timeWait)];
  }
}
