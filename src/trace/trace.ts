// The analysed trace: summaries per connection and queries by line, connection and time.

import type { Connection } from './connection';
import type { Endpoints } from './endpoints';
import { absAck, absSeq, census, firstAtLeast, flagString, packetAtLine, packetInfo, stateName, type CensusSource } from './columns';
import { eventNames } from './expert';
import {
  Flag, NOTE_KINDS, type NoteKind, type Census, type Close, type ConnectionSummary, type Handshake, type HalfOpenFlood, type PacketInfo,
  type PacketRecordJson, type Problem, type Repair, type Side, type Trace, type TraceJson, type TraceOptions,
} from './model';
import type { PacketTable } from './packets';
import { DEFAULT_TIME_WAIT_SECONDS, State } from './states';

const SIDES: Side[] = ['client', 'server'];

export { flagString, stateName } from './columns';

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

/**
 * Records per JSON.stringify call in jsonParts: one call for many records is faster than one
 * each, and 64 keep the text of a call under the size V8 gives memory of its own (fresh pages
 * for every piece).
 */
const JSON_BATCH = 64;

/**
 * The JSON of records 0..n-1 (made by `record`) as the comma-separated text between an array's
 * brackets, in pieces: JSON.stringify of a batch, which is "[a,b]" for "a,b".
 */
function* batches<T>(n: number, record: (i: number) => T): Generator<string, void, undefined> {
  const batch: T[] = [];
  for (let i = 0; i < n; i += JSON_BATCH) {
    batch.length = 0;
    for (let j = i; j < n && j < i + JSON_BATCH; j++) batch.push(record(j));
    const text = JSON.stringify(batch);
    yield (i > 0 ? ',' : '') + text.slice(1, -1);
  }
}

export class TraceData implements Trace {
  private summaries: ConnectionSummary[] | null = null;
  private readonly byConn = new Map<number, Int32Array>();
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

  get connections(): ConnectionSummary[] {
    this.summaries ??= this.conns.map((c) => this.summarize(c));
    return this.summaries;
  }

  packetAtLine(line: number): number {
    return packetAtLine(this.table, this.table.length, line);
  }

  packetsOf(connection: number): number[] {
    return Array.from(this.packetArray(connection));
  }

  /** Packet indexes of one connection, cached. */
  packetArray(connection: number): Int32Array {
    let a = this.byConn.get(connection);
    if (!a) {
      const c = this.conns[connection];
      a = new Int32Array(c.count);
      let i = 0;
      for (let p = c.firstPacket; p >= 0 && i < a.length; p = this.table.next[p]) a[i++] = p;
      this.byConn.set(connection, a);
    }
    return a;
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

  /** States of both ends before packet p. */
  statesBefore(p: number): [State, State] {
    const t = this.table;
    const q = t.prev[p];
    if (q >= 0) return [t.cState[q], t.sState[q]];
    const m = this.conns[t.conn[p]].machine;
    return [m.initial(0), m.initial(1)];
  }

  /** relativeBase per connection: packet() is called for every packet (the worker, the tree). */
  private readonly bases = new Map<number, [number, number]>();

  /**
   * Each side's ISN (or first sequence number seen), for relative numbers. Cached: where a side
   * never shows a number (tcpdump -q, or a one-way capture of bare ACKs) the search runs to the
   * connection's end, and doing that for every packet made reading all packets quadratic.
   */
  relativeBase(c: Connection): [number, number] {
    let cached = this.bases.get(c.id);
    if (!cached) this.bases.set(c.id, (cached = this.findRelativeBase(c)));
    return cached;
  }

  private findRelativeBase(c: Connection): [number, number] {
    const base: [number, number] = [c.machine.synSeq(0), c.machine.synSeq(1)];
    const t = this.table;
    for (let p = c.firstPacket; p >= 0 && (base[0] !== base[0] || base[1] !== base[1]); p = t.next[p]) {
      const d = t.dir[p];
      if (base[d] !== base[d] && t.seq[p] === t.seq[p]) base[d] = t.seq[p] - 1;
      if (base[1 - d] !== base[1 - d] && t.ack[p] === t.ack[p] && (t.flags[p] & Flag.ACK)) base[1 - d] = t.ack[p] - 1;
    }
    return base;
  }

  packet(index: number): PacketInfo {
    const t = this.table;
    const c = this.conns[t.conn[index]];
    const d = t.dir[index];
    const e = this.endpoints;
    const src = c.ep[d];
    const dst = c.ep[1 - d];
    const list = this.packetArray(c.id);
    return packetInfo(t, index, {
      ordinal: firstAtLeast(list, list.length, index),
      src: [e.addr(src), e.port(src)],
      dst: [e.addr(dst), e.port(dst)],
      before: this.statesBefore(index),
      base: this.relativeBase(c),
    });
  }

  census(line: number): Census {
    const source: CensusSource = {
      connectionCount: this.conns.length,
      firstPacket: (c) => this.conns[c].firstPacket,
      lastPacket: (c) => this.conns[c].lastPacket,
      packets: (c) => this.packetArray(c),
      finalStates: (c, now) => this.conns[c].machine.statesAt(now, this.timeWait),
    };
    return census(this.table, this.table.length, source, line, this.endTime);
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

  toJSON(withPackets = false): TraceJson {
    const doc: TraceJson = {
      format: 'tcp-trace/1',
      lines: this.lines,
      packets: this.table.length,
      skipped: this.skipped,
      problems: this.problems,
      repairs: this.repairs,
      connections: this.connections,
      halfOpenFloods: this.halfOpenFloods,
    };
    if (withPackets) {
      const records: PacketRecordJson[] = new Array(this.table.length);
      for (let p = 0; p < this.table.length; p++) records[p] = this.packetRecord(p);
      doc.packetRecords = records;
    }
    return doc;
  }

  /**
   * The same text as JSON.stringify(toJSON(withPackets)), in pieces of about `size` characters
   * made as they are taken. Connection summaries and packet records are made a batch at a time
   * and not kept, so a trace of millions of packets never holds its whole document.
   */
  *jsonParts(withPackets = false, size = 1 << 16): Generator<string, void, undefined> {
    const head = {
      format: 'tcp-trace/1',
      lines: this.lines,
      packets: this.table.length,
      skipped: this.skipped,
      problems: this.problems,
      repairs: this.repairs,
    };
    let out = JSON.stringify(head).slice(0, -1) + ',"connections":[';
    const cached = this.summaries;
    for (const part of batches(this.conns.length, (i) => (cached ? cached[i] : this.summarize(this.conns[i])))) {
      out += part;
      if (out.length >= size) {
        yield out;
        out = '';
      }
    }
    out += '],"halfOpenFloods":' + JSON.stringify(this.halfOpenFloods);
    if (withPackets) {
      out += ',"packetRecords":[';
      for (const part of batches(this.table.length, (p) => this.packetRecord(p))) {
        out += part;
        if (out.length >= size) {
          yield out;
          out = '';
        }
      }
      out += ']';
    }
    yield out + '}';
  }

  private packetRecord(p: number): PacketRecordJson {
    const t = this.table;
    const e = this.endpoints;
    const c = this.conns[t.conn[p]];
    const d = t.dir[p];
    const src = c.ep[d];
    const dst = c.ep[1 - d];
    return {
      line: t.line[p],
      connection: c.id,
      src: e.addr(src),
      sport: e.port(src),
      dst: e.addr(dst),
      dport: e.port(dst),
      flags: flagString(t.flags[p]),
      seq: absSeq(t, p),
      ack: absAck(t, p),
      win: num(t.win[p]),
      len: t.len[p],
      clientState: stateName(t.cState[p]),
      serverState: stateName(t.sState[p]),
      events: eventNames(t.events[p]),
    };
  }
}
