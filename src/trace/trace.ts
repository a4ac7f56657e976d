// What the builder has made, before it becomes columns (snapshot.ts): the figures of each
// connection computed from its Connection and packets (summary, internals) and the half-open floods.

import type { Connection } from './connection';
import type { Endpoints } from './endpoints';
import { stateName } from './columns';
import type { ConnectionInternals } from './connectionColumns';
import { eventNames } from './expert';
import {
  Flag, NOTE_KINDS, type NoteKind, type Close, type ConnectionSummary, type Handshake, type HalfOpenFlood, type Problem, type Repair, type Side,
  type TraceOptions,
} from './model';
import type { PacketTable } from './packets';
import { DEFAULT_TIME_WAIT_SECONDS, State } from './states';

const SIDES: Side[] = ['client', 'server'];


function num(x: number): number | null {
  return x === x ? x : null;
}

/** A duration, or null where it is unknown or negative (times that go back). */
function nonNegative(x: number): number | null {
  return x >= 0 ? x : null;
}

function intervals(times: number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < times.length; i++) out.push(Math.round((times[i] - times[i - 1]) * 1e6) / 1e6);
  return out.filter((x) => x >= 0);
}

export class BuiltTrace {
  private floods: HalfOpenFlood[] | null = null;
  readonly timeWait: number;
  /** Time of the trace's last packet: the moment final states are taken at. */
  readonly endTime: number;

  constructor(
    readonly table: PacketTable,
    readonly endpoints: Endpoints,
    readonly conns: Connection[],
    readonly problems: Problem[],
    readonly problemCount: number,
    readonly lines: number,
    readonly skipped: number,
    options: TraceOptions,
    readonly repairs: Repair[] = [],
  ) {
    this.timeWait = options.timeWaitSeconds ?? DEFAULT_TIME_WAIT_SECONDS;
    this.floodThreshold = options.floodThreshold ?? 50;
    let end = NaN;
    for (let p = table.length - 1; p >= 0 && end !== end; p--) end = table.time[p];
    this.endTime = end;
  }

  private readonly floodThreshold: number;

  get packetCount(): number {
    return this.table.length;
  }

  /** Connection c's summary, made anew on each call (encodeSnapshot writes it into columns). */
  summary(c: number): ConnectionSummary {
    return this.summarize(this.conns[c]);
  }

  /** What the columns keep of connection c beyond its summary. */
  internals(c: number): ConnectionInternals {
    const conn = this.conns[c];
    const m = conn.machine;
    const base = this.relativeBase(conn);
    return {
      clientEp: conn.ep[0],
      serverEp: conn.ep[1],
      firstPacket: conn.firstPacket,
      lastPacket: conn.lastPacket,
      finalClient: m.state(0),
      finalServer: m.state(1),
      initialClient: m.initial(0),
      initialServer: m.initial(1),
      timeWaitClient: m.timeWaitSince(0),
      timeWaitServer: m.timeWaitSince(1),
      baseClient: base[0],
      baseServer: base[1],
    };
  }

  /** States of both ends at the end of the trace, TIME_WAIT expired after 2MSL. */
  finalStates(c: Connection): [State, State] {
    return c.machine.statesAt(this.endTime, this.timeWait);
  }

  private summarize(c: Connection): ConnectionSummary {
    const t = this.table;
    const e = this.endpoints;
    const [cs, ss] = this.finalStates(c);
    const start = t.time[c.firstPacket];
    const events: ConnectionSummary['events'] = [];
    if (c.eventCount > 0) {
      for (let p = c.firstPacket; p >= 0; p = t.next[p]) {
        if (t.events[p] !== 0) for (const kind of eventNames(t.events[p])) events.push({ line: t.line[p], kind });
      }
    }
    return {
      id: c.id,
      client: e.names[c.ep[0]],
      server: e.names[c.ep[1]],
      roleInferred: c.roleInferred,
      midStream: c.midStream,
      firstLine: t.headLine[c.firstPacket],
      lastLine: t.line[c.lastPacket],
      packets: c.count,
      packetsBy: { client: c.packetsBy(0), server: c.packetsBy(1) },
      bytes: { client: c.bytesBy(0), server: c.bytesBy(1) },
      start: num(start),
      duration: nonNegative(Math.round((t.time[c.lastPacket] - start) * 1e9) / 1e9),
      clientState: stateName(cs),
      serverState: stateName(ss),
      handshake: this.handshake(c),
      close: this.close(c),
      connState: c.zeek.connState(),
      history: c.zeek.history,
      events,
      notes: this.notes(c, cs),
    };
  }

  private notes(c: Connection, clientState: State): NoteKind[] {
    const on: Record<NoteKind, boolean> = {
      handshake_ack_unacceptable: c.unacceptableAckLine >= 0 && c.ackLine < 0,
      handshake_ack_refused: c.refusedAckLine >= 0 && c.ackLine < 0,
      syn_ack_unanswered: c.machine.synAckUnanswered(0) && clientState === State.SYN_SENT,
      probe: c.probesOnly,
      refused_probe: c.probesOnly && c.rstFrom >= 0,
      no_flags: c.noFlagPackets > 0,
    };
    return NOTE_KINDS.filter((k) => on[k]);
  }

  private handshake(c: Connection): Handshake {
    const m = c.machine;
    const co = c.clientOpts;
    const so = c.serverOpts;
    const both = co !== null && so !== null;
    const syns = c.synTimes(this.table);
    const synAcks = c.synAckTimes(this.table);
    const rtt = c.ackLine >= 0 && syns.length > 0 ? (c.ackTime(this.table) - syns[0]) * 1000 : NaN;
    return {
      complete: c.synLine >= 0 && c.synAckLine >= 0 && c.ackLine >= 0,
      simultaneousOpen: c.synFrom(0) && c.synFrom(1),
      // Times that go back (a clock stepped back, or lines out of order) give no RTT.
      rttMs: rtt >= 0 ? Math.round(rtt * 1e6) / 1e6 : null,
      clientIsn: c.synFrom(0) || c.synLine >= 0 ? num(m.synSeq(0)) : null,
      serverIsn: c.synAckLine >= 0 || c.synFrom(1) ? num(m.synSeq(1)) : null,
      mss: co?.mss != null && so?.mss != null ? Math.min(co.mss, so.mss) : (co?.mss ?? so?.mss ?? null),
      wscale: both && co.wscale !== null && so.wscale !== null ? { client: co.wscale, server: so.wscale } : null,
      sackPermitted: both && co.sackPermitted && so.sackPermitted,
      timestamps: both && co.timestamps && so.timestamps,
      fastOpen: (co?.fastOpen ?? false) || (so?.fastOpen ?? false),
      ecn: c.ecnSyn && c.ecnSynAck,
      dataOnThirdPacket: c.ackHasData,
      synRetransmissions: Math.max(0, syns.length - 1),
      synAckRetransmissions: Math.max(0, synAcks.length - 1),
      synIntervals: intervals(syns),
      synAckIntervals: intervals(synAcks),
      client: co,
      server: so,
      synLine: c.synLine >= 0 ? c.synLine : null,
      synAckLine: c.synAckLine >= 0 ? c.synAckLine : null,
      ackLine: c.ackLine >= 0 ? c.ackLine : null,
    };
  }

  private close(c: Connection): Close {
    const first = c.firstFinFrom;
    const bothFin = c.finLine(0) >= 0 && c.finLine(1) >= 0;
    const simultaneous = bothFin && !c.secondFinAcksFirst;
    let kind: Close['kind'] = 'open';
    if (c.rstFrom >= 0) kind = 'reset';
    else if (bothFin) kind = simultaneous ? 'simultaneous' : c.firstFinAckedAlone ? 'four-way' : 'combined';
    else if (first >= 0) kind = 'half-closed';
    return {
      firstFinFrom: first >= 0 ? SIDES[first] : null,
      simultaneous,
      rstFrom: c.rstFrom >= 0 ? SIDES[c.rstFrom] : null,
      kind,
    };
  }

  /**
   * Each side's ISN (or first sequence number seen), for relative numbers. Where a side never
   * shows a number (tcpdump -q, or a one-way capture of bare ACKs) the search runs to the
   * connection's end.
   */
  private relativeBase(c: Connection): [number, number] {
    const base: [number, number] = [c.machine.synSeq(0), c.machine.synSeq(1)];
    const t = this.table;
    for (let p = c.firstPacket; p >= 0 && (base[0] !== base[0] || base[1] !== base[1]); p = t.next[p]) {
      const d = t.dir[p];
      if (base[d] !== base[d] && t.seq[p] === t.seq[p]) base[d] = t.seq[p] - 1;
      if (base[1 - d] !== base[1 - d] && t.ack[p] === t.ack[p] && (t.flags[p] & Flag.ACK)) base[1 - d] = t.ack[p] - 1;
    }
    return base;
  }

  get halfOpenFloods(): HalfOpenFlood[] {
    this.floods ??= this.findFloods();
    return this.floods;
  }

  /** Listeners with many connections in SYN_RECEIVED at once. */
  private findFloods(): HalfOpenFlood[] {
    const t = this.table;
    const inside = new Uint8Array(this.conns.length);
    const count = new Map<number, number>();
    const peak = new Map<number, { n: number; line: number }>();
    const sources = new Map<number, Set<string>>();
    for (let p = 0; p < t.length; p++) {
      const c = this.conns[t.conn[p]];
      const isIn = t.sState[p] === State.SYN_RECEIVED ? 1 : 0;
      if (isIn === inside[c.id]) continue;
      inside[c.id] = isIn;
      const l = c.ep[1];
      const n = (count.get(l) ?? 0) + (isIn ? 1 : -1);
      count.set(l, n);
      if (isIn) {
        let s = sources.get(l);
        if (!s) sources.set(l, (s = new Set()));
        s.add(this.endpoints.addr(c.ep[0]));
        const pk = peak.get(l);
        if (!pk || n > pk.n) peak.set(l, { n, line: t.line[p] });
      }
    }
    const out: HalfOpenFlood[] = [];
    for (const [l, pk] of peak) {
      if (pk.n >= this.floodThreshold) {
        out.push({ listener: this.endpoints.names[l], peak: pk.n, sources: sources.get(l)?.size ?? 0, line: pk.line });
      }
    }
    return out;
  }
}
