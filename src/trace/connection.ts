// One connection (one incarnation of a 4-tuple): counters, the handshake and teardown as they
// happen, the state machine, expert events and Zeek's history.

import { Slot, type ConnStore } from './connstore';
import { ExpertState, EVENT_BIT } from './expert';
import { Flight } from './flight';
import { Machine, seqGe } from './machine';
import { Flag, type SynOptions } from './model';
import type { PacketTable } from './packets';
import { State } from './states';
import { ZeekState } from './zeek';

export class Connection {
  /** Endpoint ids (see Endpoints) of client and server. */
  readonly ep: [number, number];
  firstPacket: number;
  lastPacket: number;
  /** LineRecord.link of the last packet: a copy of it printed on another interface differs there. */
  lastLink = 0;
  count = 0;
  readonly machine: Machine;
  readonly expert: ExpertState;
  readonly zeek: ZeekState;
  /** Unacknowledged segments for the per-packet figures (flight.ts), made on the first packet. */
  flight: Flight | null = null;
  /** Where this connection's numbers start in the store (see ConnStore). */
  private readonly o: number;
  eventCount = 0;

  // Handshake evidence (the first SYN's and SYN,ACK's packets are in the store).
  /** Packets of the client's SYNs after the first, and of the server's SYN,ACKs: retransmissions, rare. */
  private moreSyns: number[] | null = null;
  private moreSynAcks: number[] | null = null;
  synLine = -1;
  synAckLine = -1;
  /** The side whose SYN,ACK is the handshake's second step: the server, or either end in a simultaneous open; -1 until seen. */
  synAckSide = -1;
  ackLine = -1;
  ackHasData = false;
  clientOpts: SynOptions | null = null;
  serverOpts: SynOptions | null = null;
  ecnSyn = false;
  ecnSynAck = false;

  // Teardown evidence.
  firstFinFrom = -1;
  /** Whether the second FIN's ACK covered the first FIN. */
  secondFinAcksFirst = false;
  /** Whether the first FIN was acknowledged by a separate segment before the second FIN. */
  firstFinAckedAlone = false;
  rstFrom = -1;

  // What the packets leave open, said in the summary's notes.
  /** Line of a handshake ACK that did not acknowledge the server's ISN+1, or -1. */
  unacceptableAckLine = -1;
  /** Line of the handshake ACK that the server answered with a RST, or -1. */
  refusedAckLine = -1;
  /** Packets with no flags at all (Flags [none]). */
  noFlagPackets = 0;
  /** True while every packet is a probe (none of SYN, ACK, RST) or a RST answering one. */
  probesOnly: boolean;
  /** True when no SYN was seen and the first packet carried ACK or RST: a capture begun mid-stream. */
  readonly midStream: boolean;

  constructor(
    readonly id: number,
    client: number,
    server: number,
    readonly roleInferred: boolean,
    midStream: boolean,
    readonly flagsUnknown: boolean,
    first: number,
    t: PacketTable,
    private readonly store: ConnStore,
  ) {
    this.o = store.add();
    this.expert = new ExpertState(store, this.o);
    this.zeek = new ZeekState(store, this.o);
    this.ep = [client, server];
    this.firstPacket = first;
    this.lastPacket = first;
    // A first packet with none of SYN, ACK and RST is a probe (a scan's FIN, Xmas or NULL
    // segment), not traffic of a connection already open: its target is taken to listen,
    // like a SYN's, until a RST says nothing does.
    this.probesOnly = !flagsUnknown && (t.flags[first] & (Flag.SYN | Flag.ACK | Flag.RST)) === 0;
    this.midStream = midStream && !this.probesOnly;
    // Both ends start UNKNOWN without flags, ESTABLISHED mid-stream, else CLOSED and LISTEN.
    const client0 = flagsUnknown ? State.UNKNOWN : this.midStream ? State.ESTABLISHED : State.CLOSED;
    this.machine = new Machine(t, store, this.o, client0, flagsUnknown || this.midStream ? client0 : State.LISTEN);
  }

  /** True when this incarnation is over, so a new SYN on the tuple starts another. */
  finished(): boolean {
    if (this.rstFrom >= 0) return true;
    const done = (s: State) => s === State.CLOSED || s === State.TIME_WAIT || s === State.LISTEN;
    return done(this.machine.state(0)) && done(this.machine.state(1)) && this.count > 1;
  }

  /** Adds packet p (already linked after lastPacket) and steps everything. */
  add(t: PacketTable, p: number, line: number): void {
    const d = t.dir[p];
    const f = t.flags[p];
    const len = t.len[p];
    this.count++;
    if (t.events[p] & EVENT_BIT.duplicate_capture) {
      // The same packet seen again: listed, but neither counted nor analysed twice.
      this.lastPacket = p;
      this.eventCount++;
      this.machine.step(p);
      return;
    }
    const n = this.store.slots;
    n[this.o + Slot.PACKETS + d]++;
    if (len > 0) n[this.o + Slot.BYTES + d] += len;
    this.lastPacket = p;
    if (!(f & Flag.UNKNOWN)) this.observe(t, p, d, f, line);
    this.machine.step(p);
    const ev = this.expert.step(t, p, this.firstRtt(t));
    t.events[p] |= ev;
    if (t.events[p]) this.eventCount++;
    this.zeek.step(d, f, len, t.events[p]);
  }

  private observe(t: PacketTable, p: number, d: number, f: number, line: number): void {
    const m = this.machine;
    const n = this.store.slots;
    const finLine = this.o + Slot.FIN_LINE + d;
    if ((f & (Flag.SYN | Flag.ACK | Flag.RST)) === 0) {
      // A probe: no part of a handshake or a close (see machine.ts).
      if ((f & ~(Flag.SEQ_RELATIVE | Flag.ACK_RELATIVE)) === 0) this.noFlagPackets++;
      return;
    }
    if (!(f & Flag.RST) || (f & Flag.SYN)) this.probesOnly = false;
    if (f & Flag.SYN) {
      if (!(f & Flag.ACK)) {
        n[this.o + Slot.SYN_FROM + d] = 1;
        if (d === 0) {
          if (this.synLine < 0) this.synLine = line;
          if (n[this.o + Slot.SYN_COUNT]++ === 0) n[this.o + Slot.SYN_PACKET] = p;
          else (this.moreSyns ??= []).push(p);
          if ((f & (Flag.ECE | Flag.CWR)) === (Flag.ECE | Flag.CWR)) this.ecnSyn = true;
        }
      } else if (d === this.synAckSide || (this.synAckSide < 0 && (d === 1 || n[this.o + Slot.SYN_FROM + 1] === 1))) {
        // The handshake's second step: the server's SYN,ACK or, in a simultaneous open, the
        // first SYN,ACK from either end; the other end's ACK of it is the third.
        this.synAckSide = d;
        if (this.synAckLine < 0) this.synAckLine = line;
        if (n[this.o + Slot.SYN_ACK_COUNT]++ === 0) n[this.o + Slot.SYN_ACK_PACKET] = p;
        else (this.moreSynAcks ??= []).push(p);
        if (f & Flag.ECE) this.ecnSynAck = true;
      }
    } else if (d !== this.synAckSide && this.ackLine < 0 && this.synAckLine >= 0 && (f & Flag.ACK) && !(f & Flag.RST)) {
      // The third segment completes the handshake only if it acknowledges the SYN,ACK's ISN+1.
      const synAckIsn = m.synSeq(this.synAckSide);
      if (synAckIsn !== synAckIsn || m.acksSyn(this.synAckSide, t.ack[p])) {
        this.ackLine = line;
        n[this.o + Slot.ACK_PACKET] = p;
        this.ackHasData = t.len[p] > 0;
      } else if (this.unacceptableAckLine < 0 && m.state(this.synAckSide) === State.SYN_RECEIVED) this.unacceptableAckLine = line;
    } else if (d === this.synAckSide && this.ackLine >= 0 && (f & (Flag.RST | Flag.ACK)) === Flag.RST && this.answersAck(t, p)) {
      // The server refused the handshake's ACK (<SEQ=SEG.ACK><CTL=RST>): not complete after all.
      this.refusedAckLine = this.ackLine;
      this.ackLine = -1;
      n[this.o + Slot.ACK_PACKET] = -1;
      this.ackHasData = false;
    }
    if (f & Flag.FIN) {
      if (n[finLine] < 0) {
        n[finLine] = line;
        if (this.firstFinFrom < 0) this.firstFinFrom = d;
        else if (d !== this.firstFinFrom) {
          const first = m.finSeq(this.firstFinFrom);
          this.secondFinAcksFirst = (f & Flag.ACK) !== 0 && first === first && seqGe(t.ack[p], first + 1);
        }
      }
    } else if (this.firstFinFrom >= 0 && d !== this.firstFinFrom && n[finLine] < 0 && (f & Flag.ACK)) {
      const first = m.finSeq(this.firstFinFrom);
      if (first === first && seqGe(t.ack[p], first + 1)) this.firstFinAckedAlone = true;
    }
    if (f & Flag.RST && this.rstFrom < 0) this.rstFrom = d;
  }

  /** Whether the server's RST p answers the handshake's ACK: its seq is that ACK's ack, and the server sent nothing between. */
  private answersAck(t: PacketTable, p: number): boolean {
    const ackPacket = this.store.slots[this.o + Slot.ACK_PACKET];
    if (t.seq[p] !== t.ack[ackPacket]) return false;
    for (let q = t.prev[p]; q > ackPacket; q = t.prev[q]) if (t.dir[q] === this.synAckSide) return false;
    return true;
  }

  /** Packets sent by side d (0 client, 1 server). */
  packetsBy(d: number): number {
    return this.store.slots[this.o + Slot.PACKETS + d];
  }

  /** Payload bytes sent by side d. */
  bytesBy(d: number): number {
    return this.store.slots[this.o + Slot.BYTES + d];
  }

  /** Line of side d's first FIN, or -1. */
  finLine(d: number): number {
    return this.store.slots[this.o + Slot.FIN_LINE + d];
  }

  /** Whether side d sent a SYN without ACK. */
  synFrom(d: number): boolean {
    return this.store.slots[this.o + Slot.SYN_FROM + d] === 1;
  }

  /** Time of the ACK that completed the handshake (NaN until then). */
  ackTime(t: PacketTable): number {
    const p = this.store.slots[this.o + Slot.ACK_PACKET];
    return p >= 0 ? t.time[p] : NaN;
  }

  /** Seconds from the last SYN before the handshake's ACK to that ACK (tshark's first RTT), or NaN. */
  private firstRtt(t: PacketTable): number {
    const n = this.store.slots;
    const ack = n[this.o + Slot.ACK_PACKET];
    if (ack < 0 || n[this.o + Slot.SYN_COUNT] === 0) return NaN;
    let syn = n[this.o + Slot.SYN_PACKET];
    const more = this.moreSyns;
    if (more) for (let i = 0; i < more.length; i++) if (more[i] < ack) syn = more[i];
    return t.time[ack] - t.time[syn];
  }

  /** Times of the client's SYNs (without ACK), in order. */
  synTimes(t: PacketTable): number[] {
    return this.times(t, Slot.SYN_PACKET, Slot.SYN_COUNT, this.moreSyns);
  }

  /** Times of the server's SYN,ACKs, in order. */
  synAckTimes(t: PacketTable): number[] {
    return this.times(t, Slot.SYN_ACK_PACKET, Slot.SYN_ACK_COUNT, this.moreSynAcks);
  }

  private times(t: PacketTable, first: Slot, count: Slot, more: number[] | null): number[] {
    const n = this.store.slots;
    return n[this.o + count] === 0 ? [] : [n[this.o + first], ...(more ?? [])].map((p) => t.time[p]);
  }

  setSynOptions(d: number, o: SynOptions): void {
    if (d === 0) this.clientOpts ??= o;
    else this.serverOpts ??= o;
  }

  /** Whether any packet of this connection has a warning-worthy event. */
  hasWarnings(t: PacketTable): boolean {
    if (this.eventCount === 0) return false;
    for (let p = this.firstPacket; p >= 0; p = t.next[p]) if (t.events[p] & ~(EVENT_BIT.keep_alive | EVENT_BIT.keep_alive_ack | EVENT_BIT.window_update)) return true;
    return false;
  }
}

