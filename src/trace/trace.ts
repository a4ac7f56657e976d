// What the builder has made, before it becomes columns (snapshot.ts): each connection's
// figures computed from its Connection and packets and written into its row (writeRow), and
// the half-open floods.

import type { Connection } from './connection';
import { COLUMN, type RowWriter } from './connectionColumns';
import type { Endpoints } from './endpoints';
import { inferredEvents } from './expert';
import {
  EVENT_KINDS, Flag, NOTE_KINDS, type NoteKind, type Close, type HalfOpenFlood, type Problem, type Repair, type SynOptions, type TraceOptions,
} from './model';
import type { PacketTable } from './packets';
import type { Limits } from './limits';
import type { LimitsStore } from './limitsStore';
import { writePerformance } from './performance';
import { DEFAULT_TIME_WAIT_SECONDS, State } from './states';

function num(x: number): number | null {
  return x === x ? x : null;
}

/** A duration, or null where it is unknown or negative (times that go back). */
function nonNegative(x: number): number | null {
  return x >= 0 ? x : null;
}

/** The columns of each side's SYN options (handshake.client, handshake.server). */
const OPTION_COLUMNS = (['client', 'server'] as const).map((side) => ({
  present: COLUMN[`handshake.${side}`],
  mss: COLUMN[`handshake.${side}.mss`],
  wscale: COLUMN[`handshake.${side}.wscale`],
  sackPermitted: COLUMN[`handshake.${side}.sackPermitted`],
  timestamps: COLUMN[`handshake.${side}.timestamps`],
  fastOpen: COLUMN[`handshake.${side}.fastOpen`],
  ecn: COLUMN[`handshake.${side}.ecn`],
}));

/** One side's SYN options, or null. */
function writeOptions(w: RowWriter, o: SynOptions | null, side: 0 | 1): void {
  const col = OPTION_COLUMNS[side];
  w.bool(col.present, o !== null);
  w.float(col.mss, o?.mss ?? null);
  w.int(col.wscale, o?.wscale ?? -1);
  w.bool(col.sackPermitted, o?.sackPermitted ?? false);
  w.bool(col.timestamps, o?.timestamps ?? false);
  w.bool(col.fastOpen, o?.fastOpen ?? false);
  w.bool(col.ecn, o?.ecn ?? false);
}

function intervals(times: number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < times.length; i++) out.push(Math.round((times[i] - times[i - 1]) * 1e6) / 1e6);
  return out.filter((x) => x >= 0);
}

export class BuiltTrace {
  private floods: HalfOpenFlood[] | null = null;
  /** Where writeRow keeps each connection's limits for the JSON, when asked to (see LimitsStore). */
  keptLimits: LimitsStore | null = null;
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

  /** States of both ends at the end of the trace, TIME_WAIT expired after 2MSL. */
  private finalStates(c: Connection): [State, State] {
    return c.machine.statesAt(this.endTime, this.timeWait);
  }

  /**
   * Writes connection c's row of the columns: every figure of CONNECTION_FIELDS. `packets` are
   * its packet indexes, in order. Returns the limits worked out for its verdict.
   */
  writeRow(c: number, w: RowWriter, packets: Int32Array): Limits {
    const conn = this.conns[c];
    const t = this.table;
    const m = conn.machine;
    const [cs, ss] = this.finalStates(conn);
    const start = t.time[conn.firstPacket];
    w.start(c);
    w.int(COLUMN.client, conn.ep[0]);
    w.int(COLUMN.server, conn.ep[1]);
    w.bool(COLUMN.roleInferred, conn.roleInferred);
    w.bool(COLUMN.midStream, conn.midStream);
    w.line(COLUMN.firstLine, t.headLine[conn.firstPacket]);
    w.line(COLUMN.lastLine, t.line[conn.lastPacket]);
    w.int(COLUMN.packets, conn.count);
    w.int(COLUMN['packetsBy.client'], conn.packetsBy(0));
    w.int(COLUMN['packetsBy.server'], conn.packetsBy(1));
    w.float(COLUMN['bytes.client'], conn.bytesBy(0));
    w.float(COLUMN['bytes.server'], conn.bytesBy(1));
    w.float(COLUMN.start, num(start));
    w.float(COLUMN.duration, nonNegative(Math.round((t.time[conn.lastPacket] - start) * 1e9) / 1e9));
    w.state(COLUMN.clientState, cs, State.UNKNOWN);
    w.state(COLUMN.serverState, ss, State.UNKNOWN);
    this.writeHandshake(conn, w);
    this.writeClose(conn, w);
    w.string(COLUMN.connState, conn.zeek.connState());
    w.string(COLUMN.history, conn.zeek.history);
    if (conn.eventCount > 0) {
      for (let p = conn.firstPacket; p >= 0; p = t.next[p]) {
        const bits = t.events[p];
        if (bits === 0) continue;
        const inferred = inferredEvents(t, p);
        for (let k = 0; k < EVENT_KINDS.length; k++) if (bits & (1 << k)) w.event(t.line[p], p, k, (inferred & (1 << k)) !== 0);
      }
    }
    w.notes(COLUMN.notes, this.notes(conn, cs));
    const limits = writePerformance(w, t, conn, packets);
    this.keptLimits?.add(c, limits);
    // Beyond the summary: what packet(), census() and the views need.
    w.int(COLUMN.firstPacket, conn.firstPacket);
    w.int(COLUMN.lastPacket, conn.lastPacket);
    w.int(COLUMN.finalClient, m.state(0));
    w.int(COLUMN.finalServer, m.state(1));
    w.int(COLUMN.initialClient, m.initial(0));
    w.int(COLUMN.initialServer, m.initial(1));
    w.float(COLUMN.timeWaitClient, m.timeWaitSince(0));
    w.float(COLUMN.timeWaitServer, m.timeWaitSince(1));
    const base = this.relativeBase(conn);
    w.float(COLUMN.baseClient, base[0]);
    w.float(COLUMN.baseServer, base[1]);
    return limits;
  }

  /** The notes (NOTE_KINDS) as bits. */
  private notes(c: Connection, clientState: State): number {
    const on: Record<NoteKind, boolean> = {
      handshake_ack_unacceptable: c.unacceptableAckLine >= 0 && c.ackLine < 0,
      handshake_ack_refused: c.refusedAckLine >= 0 && c.ackLine < 0,
      syn_ack_unanswered: c.machine.synAckUnanswered(0) && clientState === State.SYN_SENT,
      probe: c.probesOnly,
      refused_probe: c.probesOnly && c.rstFrom >= 0,
      no_flags: c.noFlagPackets > 0,
    };
    let bits = 0;
    NOTE_KINDS.forEach((k, i) => (bits |= on[k] ? 1 << i : 0));
    return bits;
  }

  private writeHandshake(c: Connection, w: RowWriter): void {
    const m = c.machine;
    const co = c.clientOpts;
    const so = c.serverOpts;
    const both = co !== null && so !== null;
    const syns = c.synTimes(this.table);
    const synAcks = c.synAckTimes(this.table);
    const rtt = c.ackLine >= 0 && syns.length > 0 ? (c.ackTime(this.table) - syns[0]) * 1000 : NaN;
    w.bool(COLUMN['handshake.complete'], c.synLine >= 0 && c.synAckLine >= 0 && c.ackLine >= 0);
    w.bool(COLUMN['handshake.simultaneousOpen'], c.synFrom(0) && c.synFrom(1));
    // Times that go back (a clock stepped back, or lines out of order) give no RTT.
    w.float(COLUMN['handshake.rttMs'], rtt >= 0 ? Math.round(rtt * 1e6) / 1e6 : null);
    w.float(COLUMN['handshake.clientIsn'], c.synFrom(0) || c.synLine >= 0 ? num(m.synSeq(0)) : null);
    w.float(COLUMN['handshake.serverIsn'], c.synAckLine >= 0 || c.synFrom(1) ? num(m.synSeq(1)) : null);
    w.float(COLUMN['handshake.mss'], co?.mss != null && so?.mss != null ? Math.min(co.mss, so.mss) : (co?.mss ?? so?.mss ?? null));
    const wscale = both && co.wscale !== null && so.wscale !== null;
    w.bool(COLUMN['handshake.wscale'], wscale);
    w.int(COLUMN['handshake.wscale.client'], wscale ? co.wscale! : -1);
    w.int(COLUMN['handshake.wscale.server'], wscale ? so.wscale! : -1);
    w.bool(COLUMN['handshake.sackPermitted'], both && co.sackPermitted && so.sackPermitted);
    w.bool(COLUMN['handshake.timestamps'], both && co.timestamps && so.timestamps);
    w.bool(COLUMN['handshake.fastOpen'], (co?.fastOpen ?? false) || (so?.fastOpen ?? false));
    w.bool(COLUMN['handshake.ecn'], c.ecnSyn && c.ecnSynAck);
    w.bool(COLUMN['handshake.dataOnThirdPacket'], c.ackHasData);
    w.int(COLUMN['handshake.synRetransmissions'], Math.max(0, syns.length - 1));
    w.int(COLUMN['handshake.synAckRetransmissions'], Math.max(0, synAcks.length - 1));
    w.list(COLUMN['handshake.synIntervals'], intervals(syns));
    w.list(COLUMN['handshake.synAckIntervals'], intervals(synAcks));
    writeOptions(w, co, 0);
    writeOptions(w, so, 1);
    w.line(COLUMN['handshake.synLine'], c.synLine);
    w.line(COLUMN['handshake.synAckLine'], c.synAckLine);
    w.line(COLUMN['handshake.ackLine'], c.ackLine);
  }

  private writeClose(c: Connection, w: RowWriter): void {
    const first = c.firstFinFrom;
    const bothFin = c.finLine(0) >= 0 && c.finLine(1) >= 0;
    const simultaneous = bothFin && !c.secondFinAcksFirst;
    let kind: Close['kind'] = 'open';
    if (c.rstFrom >= 0) kind = 'reset';
    else if (bothFin) kind = simultaneous ? 'simultaneous' : c.firstFinAckedAlone ? 'four-way' : 'combined';
    else if (first >= 0) kind = 'half-closed';
    w.side(COLUMN['close.firstFinFrom'], first);
    w.bool(COLUMN['close.simultaneous'], simultaneous);
    w.side(COLUMN['close.rstFrom'], c.rstFrom);
    w.closeKind(COLUMN['close.kind'], kind);
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
