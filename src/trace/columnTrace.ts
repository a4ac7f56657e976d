// The one Trace class: every query of an analysed trace answered from its columns
// (TraceSnapshot), in the CLI, the worker and the extension host alike. A connection's summary
// is read from the columns when asked; a packet's PacketInfo is built only for the packet
// asked about.

import { absAck, absSeq, census, sackBlocks, firstAtLeast, flagString, packetAtLine, packetInfo, roundMs, stateName, type CensusSource, type PacketColumns } from './columns';
import {
  COLUMN, endpointAddr, endpointPort, floatField, INT_STRIDE, intField, readGroup, readSummary, SUMMARY_GROUPS, type ConnectionColumns, type SummaryGroup,
} from './connectionColumns';
import { eventNames } from './expert';
import { COMMA, LBRACK, RBRACE, RBRACK } from './bytes';
import { ConnectionJsonWriter, type JsonExtra } from './connectionJson';
import { JsonBytes, utf8 } from './jsonBytes';
import { PacketJsonWriter } from './packetJson';
import { connectionLimits, type Limits } from './limits';
import type { LimitsStore } from './limitsStore';
import { throughputSeries } from './performance';
import type { Census, ConnectionSummary, HalfOpenFlood, PacketInfo, PacketRecordJson, Problem, Repair, Trace, TraceJson } from './model';
import type { TraceSnapshot } from './snapshot';
import { afterTimeWait } from './states';

/**
 * A connection's summary read from the columns when asked: one small object per connection
 * instead of a dozen, so a trace with a hundred thousand connections costs the host little
 * memory and its garbage collector little time. Nested objects (close, events...) are built on
 * each access, the handshake once; toJSON() gives the plain summary.
 */
class ConnectionRecord {
  readonly #columns: ConnectionColumns;

  constructor(columns: ConnectionColumns, readonly id: number) {
    this.#columns = columns;
  }

  /** One top-level key of the summary, read from the columns. */
  read(g: SummaryGroup): unknown {
    return readGroup(this.#columns, this.id, g);
  }

  toJSON(): ConnectionSummary {
    return readSummary(this.#columns, this.id);
  }
}
interface ConnectionRecord extends Omit<ConnectionSummary, 'id'> {}

for (const g of SUMMARY_GROUPS) {
  if (g.key === 'id') continue;
  // Views read the handshake of many connections, several times each: it is kept once built.
  const keep = g.key === 'handshake';
  Object.defineProperty(ConnectionRecord.prototype, g.key, {
    get(this: ConnectionRecord) {
      const v = this.read(g);
      if (keep) Object.defineProperty(this, g.key, { value: v });
      return v;
    },
  });
}

const CONNECTIONS = utf8(',"connections":[');
const FLOODS = utf8('],"halfOpenFloods":');
const PACKET_RECORDS = utf8(',"packetRecords":[');
const END = utf8(']}');

const orNull = (x: number): number | null => (x === x ? x : null);

/** What the JSON's summaries have beyond the columns (see summaryJson), in summaryWriter's order. */
const JSON_EXTRAS: readonly JsonExtra[] = [
  { in: 'performance.throughput.client', key: 'series' },
  { in: 'performance.throughput.server', key: 'series' },
  { in: 'performance', key: 'limits' },
  { in: 'performance', key: 'stalls' },
];

/** Writes a throughput series ([time, bits per second] pairs) as JSON. */
function writeSeries(series: Array<[number, number]>, out: JsonBytes): void {
  out.byte(LBRACK);
  for (let i = 0; i < series.length; i++) {
    if (i) out.byte(COMMA);
    out.byte(LBRACK);
    out.number(series[i][0]);
    out.byte(COMMA);
    out.number(series[i][1]);
    out.byte(RBRACK);
  }
  out.byte(RBRACK);
}

// Columns read for every packet or every connection, looked up once.
const CLIENT = COLUMN.client;
const SERVER = COLUMN.server;
const FIRST_PACKET = COLUMN.firstPacket;
const LAST_PACKET = COLUMN.lastPacket;

export class ColumnTrace implements Trace {
  readonly lines: number;
  readonly packetCount: number;
  readonly skipped: number;
  readonly repairs: Repair[];
  readonly halfOpenFloods: HalfOpenFlood[];
  readonly partial: boolean;
  private problemList: Problem[] | null = null;
  private readonly built: ConnectionSummary[] = [];

  /**
   * `keptLimits`, when given, holds each connection's limits and stalls as the builder worked
   * them out (TraceBuilder.finish), for jsonParts; the snapshot must then not change.
   */
  constructor(
    readonly snapshot: TraceSnapshot,
    private readonly keptLimits: LimitsStore | null = null,
  ) {
    this.lines = snapshot.lines;
    this.packetCount = snapshot.packetCount;
    this.skipped = snapshot.skipped;
    this.repairs = snapshot.repairs;
    this.halfOpenFloods = snapshot.halfOpenFloods;
    this.partial = snapshot.partial;
  }

  /** The per-packet columns, indexed by packet: for views that scan many packets. */
  get columns(): Readonly<PacketColumns> {
    return this.snapshot;
  }

  get problems(): Problem[] {
    if (!this.problemList) {
      const s = this.snapshot;
      this.problemList = Array.from(s.problemLine, (line, i) => ({ line, reason: s.strings[s.problemReason[i]] }));
    }
    return this.problemList;
  }

  private keptById: Map<number, Limits> | undefined;

  /**
   * The limits the builder kept for connection c, if it kept them: the snapshot's for big
   * connections (TraceSnapshot.keptLimits), or the CLI's for every connection (keptLimits).
   */
  keptLimitsOf(c: number): Limits | undefined {
    this.keptById ??= new Map(this.snapshot.keptLimits?.map((k) => [k.connection, k.limits]));
    return this.keptById.get(c) ?? (this.keptLimits?.has(c) ? this.keptLimits.limits(c) : undefined);
  }

  /** Connection summaries; made on first use, unless buildConnections() has made them in steps. */
  get connections(): ConnectionSummary[] {
    if (this.built.length < this.snapshot.connectionCount) this.buildConnections(Infinity);
    return this.built;
  }

  /** Makes up to `count` more connection summaries; true once all are made. */
  buildConnections(count: number): boolean {
    const end = Math.min(this.snapshot.connectionCount, this.built.length + count);
    for (let c = this.built.length; c < end; c++) this.built.push(new ConnectionRecord(this.snapshot, c) as unknown as ConnectionSummary);
    return this.built.length === this.snapshot.connectionCount;
  }

  /** O(log n): a binary search over the packets' lines. */
  packetAtLine(line: number): number {
    return packetAtLine(this.snapshot, this.snapshot.packetCount, line);
  }

  /** Packet indexes of one connection, in order, without copying. */
  packetIndexes(connection: number): Int32Array {
    const s = this.snapshot;
    if (!(connection >= 0 && connection < s.connectionCount)) return new Int32Array(0);
    return s.connPackets.subarray(s.connStart[connection], s.connStart[connection + 1]);
  }

  packetsOf(connection: number): number[] {
    return Array.from(this.packetIndexes(connection));
  }

  packet(index: number): PacketInfo {
    const s = this.snapshot;
    if (!(index >= 0 && index < s.packetCount)) throw new RangeError(`no packet ${index}`);
    const c = s.conn[index];
    const d = s.dir[index];
    const src = s.connInt[c * INT_STRIDE + (d === 0 ? CLIENT : SERVER)];
    const dst = s.connInt[c * INT_STRIDE + (d === 0 ? SERVER : CLIENT)];
    const list = this.packetIndexes(c);
    const ordinal = firstAtLeast(list, list.length, index);
    const q = ordinal > 0 ? list[ordinal - 1] : -1;
    return packetInfo(s, index, {
      ordinal,
      src: [endpointAddr(s, src), endpointPort(s, src)],
      dst: [endpointAddr(s, dst), endpointPort(s, dst)],
      before: q >= 0 ? [s.cState[q], s.sState[q]] : [intField(s, c, 'initialClient'), intField(s, c, 'initialServer')],
      base: [floatField(s, c, 'baseClient'), floatField(s, c, 'baseServer')],
    });
  }

  census(line: number): Census {
    const s = this.snapshot;
    const source: CensusSource = {
      connectionCount: s.connectionCount,
      firstPacket: (c) => s.connInt[c * INT_STRIDE + FIRST_PACKET],
      lastPacket: (c) => s.connInt[c * INT_STRIDE + LAST_PACKET],
      packets: (c) => this.packetIndexes(c),
      finalStates: (c, now) => [
        afterTimeWait(intField(s, c, 'finalClient'), floatField(s, c, 'timeWaitClient'), now, s.timeWait),
        afterTimeWait(intField(s, c, 'finalServer'), floatField(s, c, 'timeWaitServer'), now, s.timeWait),
      ],
    };
    return census(s, s.packetCount, source, line, s.endTime);
  }

  private head(): Omit<TraceJson, 'connections' | 'halfOpenFloods'> {
    return {
      format: 'tcp-trace/1',
      lines: this.lines,
      packets: this.packetCount,
      skipped: this.skipped,
      problems: this.problems,
      repairs: this.repairs,
    };
  }

  toJSON(withPackets = false): TraceJson {
    const doc: TraceJson = {
      ...this.head(),
      connections: Array.from({ length: this.snapshot.connectionCount }, (_, c) => this.summaryJson(c)),
      halfOpenFloods: this.halfOpenFloods,
    };
    if (withPackets) doc.packetRecords = Array.from({ length: this.packetCount }, (_, p) => this.packetRecord(p));
    return doc;
  }

  /**
   * The same text as JSON.stringify(toJSON(withPackets)), as UTF-8 bytes in chunks of about
   * `size` bytes made as they are taken (each a new array: the taker may keep it). Connection
   * summaries are written straight from the columns and packet records a batch at a time, none
   * kept, so a trace of millions of packets never holds its whole document.
   */
  *jsonParts(withPackets = false, size = 1 << 16): Generator<Uint8Array, void, undefined> {
    const out = new JsonBytes(size);
    const head = JSON.stringify(this.head());
    out.text(head.slice(0, -1));
    out.bytes(CONNECTIONS);
    const writer = this.summaryWriter();
    for (let c = 0; c < this.snapshot.connectionCount; c++) {
      if (c > 0) out.byte(COMMA);
      writer.write(c, out);
      if (out.length >= size) yield out.take();
    }
    out.bytes(FLOODS);
    out.text(JSON.stringify(this.halfOpenFloods));
    if (withPackets) {
      out.bytes(PACKET_RECORDS);
      const records = new PacketJsonWriter(this.snapshot);
      for (let p = 0; p < this.packetCount; p++) {
        if (p > 0) out.byte(COMMA);
        records.write(p, out);
        if (out.length >= size) yield out.take();
      }
      out.bytes(END);
    } else out.byte(RBRACE);
    yield out.take();
  }

  /** Writes connection summaries as summaryJson() gives them, as JSON, from the columns. */
  private summaryWriter(): ConnectionJsonWriter {
    const s = this.snapshot;
    const packets = (c: number) => s.connPackets.subarray(s.connStart[c], s.connStart[c + 1]);
    // The limits and the stalls come from one pass over the connection's packets.
    let limitsOf = -1;
    let limits: Limits | null = null;
    const limitsFor = (c: number): Limits => {
      if (limitsOf !== c) {
        limits = connectionLimits(s, packets(c));
        limitsOf = c;
      }
      return limits!;
    };
    const kept = this.keptLimits;
    return new ConnectionJsonWriter(s, JSON_EXTRAS, (k, c, out) => {
      switch (k) {
        case 0:
        case 1:
          return writeSeries(throughputSeries(s, packets(c), k), out);
        case 2:
          return kept?.has(c) ? kept.writeLimits(c, out) : out.text(JSON.stringify(limitsFor(c).limits));
        default:
          return kept?.has(c) ? kept.writeStalls(c, out) : out.text(JSON.stringify(limitsFor(c).stalls));
      }
    });
  }

  /** Connection c's summary as the JSON has it: with its throughput series, limits and stalls, computed from its packets here. */
  private summaryJson(c: number): ConnectionSummary {
    const s = this.snapshot;
    const sum = readSummary(s, c);
    const packets = s.connPackets.subarray(s.connStart[c], s.connStart[c + 1]);
    sum.performance.throughput.client.series = throughputSeries(s, packets, 0);
    sum.performance.throughput.server.series = throughputSeries(s, packets, 1);
    const limits = connectionLimits(s, packets);
    sum.performance.limits = limits.limits;
    sum.performance.stalls = limits.stalls;
    return sum;
  }

  private packetRecord(p: number): PacketRecordJson {
    const s = this.snapshot;
    const c = s.conn[p];
    const d = s.dir[p];
    const src = s.connInt[c * INT_STRIDE + (d === 0 ? CLIENT : SERVER)];
    const dst = s.connInt[c * INT_STRIDE + (d === 0 ? SERVER : CLIENT)];
    const ack = absAck(s, p);
    const record: PacketRecordJson = {
      line: s.line[p],
      connection: c,
      src: endpointAddr(s, src),
      sport: endpointPort(s, src),
      dst: endpointAddr(s, dst),
      dport: endpointPort(s, dst),
      flags: flagString(s.flags[p]),
      seq: absSeq(s, p),
      ack,
      win: orNull(s.win[p]),
      len: s.len[p],
      windowBytes: orNull(s.winBytes[p]),
      ackRttMs: orNull(roundMs(s.ackRtt[p])),
      bytesInFlight: orNull(s.inFlight[p]),
      clientState: stateName(s.cState[p]),
      serverState: stateName(s.sState[p]),
      events: eventNames(s.events[p]),
    };
    // Added last, and only where there are blocks, so every other record reads as before.
    if (s.sackAt[p] >= 0 && ack !== null) record.sackBlocks = sackBlocks(s, p);
    return record;
  }
}


/**
 * Restores a snapshot, building the connection summaries `batch` at a time and calling `pause`
 * whenever `budgetMs` have passed since the last one (the host passes a pause that yields to
 * its event loop). `abandon` is asked after each pause: true stops early with undefined.
 */
export async function restoreSnapshot(
  s: TraceSnapshot,
  pause: () => Promise<void>,
  { budgetMs = 8, batch = 256, abandon = () => false }: { budgetMs?: number; batch?: number; abandon?: () => boolean } = {},
): Promise<ColumnTrace | undefined> {
  const trace = new ColumnTrace(s);
  let since = performance.now();
  while (!trace.buildConnections(batch)) {
    if (performance.now() - since < budgetMs) continue;
    await pause();
    if (abandon()) return undefined;
    since = performance.now();
  }
  void trace.problems;
  return trace;
}
