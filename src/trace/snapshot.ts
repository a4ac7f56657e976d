// A compact, transferable copy of an analysed trace: typed arrays and a few small arrays, no
// object per packet. The worker encodes it (encodeSnapshot) and posts it with the arrays'
// buffers in the transfer list; the extension host answers every Trace query from it
// (SnapshotTrace) and builds a PacketInfo only for the packet asked about.
//
// Restoring is O(1) for the packets and O(connections) for the summaries (one small object
// each, reading the arrays), which the host can make in slices (restoreSnapshot) so no single
// step holds its event loop for long. applyChange and shiftSnapshot bring a snapshot up to date
// after an edit that touched no packet line, without running the engine again.

import { EVENT_KINDS, NOTE_KINDS, type NoteKind, type Census, type Close, type ConnectionSummary, type EventKind, type ExpertEvent, type HalfOpenFlood, type Handshake, type PacketInfo, type PacketRecordJson, type Problem, type Repair, type Side, type SynOptions, type Trace, type TraceJson } from './model';
import { afterTimeWait, STATE_NAMES, type StateName } from './states';
import { TraceData } from './trace';
import { census, firstAtLeast, packetAtLine, packetInfo, type CensusSource, type PacketColumns } from './columns';
import { TraceBuilder } from './builder';
import { LineKind, LineRecord, scanLine } from './scan';


const PACKET_COLUMNS: ReadonlyArray<keyof PacketColumns> = [
  'line', 'headLine', 'conn', 'dir', 'flags', 'seq', 'ack', 'win', 'len', 'time',
  'cState', 'sState', 'cT1', 'cT2', 'sT1', 'sT2', 'events',
];

/** Integer fields per connection (TraceSnapshot.connInt, CI.Stride per connection). */
export const enum CI {
  ClientEp, ServerEp, Bits, FirstLine, LastLine, Packets, PacketsByClient, PacketsByServer,
  ClientState, ServerState, SynRetx, SynAckRetx, WscaleClient, WscaleServer, SynLine, SynAckLine, AckLine,
  FirstFinFrom, RstFrom, CloseKind, ConnState, History, FirstPacket, LastPacket, FinalClient, FinalServer,
  InitialClient, InitialServer, ClientOpts, ClientOptsWscale, ServerOpts, ServerOptsWscale,
  /** The summary's notes, bit i for NOTE_KINDS[i]. */
  Notes,
  Stride,
}

/** Float fields per connection (TraceSnapshot.connFloat); NaN stands for null. */
export const enum CF {
  BytesClient, BytesServer, Start, Duration, RttMs, ClientIsn, ServerIsn, Mss, ClientOptsMss, ServerOptsMss,
  TimeWaitClient, TimeWaitServer, BaseClient, BaseServer,
  Stride,
}

/** Bits of CI.Bits. */
const enum B {
  RoleInferred = 1, MidStream = 2, Complete = 4, SimultaneousOpen = 8, SackPermitted = 16, Timestamps = 32,
  FastOpen = 64, Ecn = 128, DataOnThirdPacket = 256, Wscale = 512, CloseSimultaneous = 1024,
}

/** Bits of CI.ClientOpts / CI.ServerOpts (0: no options seen). */
const enum O {
  Present = 1, SackPermitted = 2, Timestamps = 4, FastOpen = 8, Ecn = 16,
}

const CLOSE_KINDS: ReadonlyArray<Close['kind']> = ['four-way', 'combined', 'simultaneous', 'reset', 'half-closed', 'open'];
const SIDES: Side[] = ['client', 'server'];
const NO_STATE = 255;

/** An analysed trace as plain data; every array buffer can go in a postMessage transfer list. */
export interface TraceSnapshot extends PacketColumns {
  format: 'tcp-trace-snapshot/1';
  /** True for the results so far of an analysis that is still running. */
  partial: boolean;
  lines: number;
  skipped: number;
  /** What was repaired to read the text (TraceData.repairs). */
  repairs: Repair[];
  packetCount: number;
  connectionCount: number;
  timeWait: number;
  /** Time of the last packet with a time (NaN without), where final states are taken. */
  endTime: number;
  /** Every endpoint as tcpdump printed it (`addr.port`), one after another. */
  names: string;
  /** Where endpoint i starts in names (endpoint count + 1 entries). */
  nameStart: Int32Array;
  /** Offset of the address/port separator within endpoint i. */
  nameDot: Int32Array;
  connInt: Int32Array;
  connFloat: Float64Array;
  /** Packets of connection c: connPackets[connStart[c] .. connStart[c + 1]), in order. */
  connStart: Int32Array;
  connPackets: Int32Array;
  /** Expert events of connection c: eventLine/eventKind[eventStart[c] .. eventStart[c + 1]). */
  eventStart: Int32Array;
  eventLine: Int32Array;
  eventKind: Uint8Array;
  /** SYN (2c) and SYN,ACK (2c + 1) retransmission intervals: intervals[intervalStart[k] .. [k + 1]). */
  intervalStart: Int32Array;
  intervals: Float64Array;
  problemLine: Int32Array;
  problemReason: Int32Array;
  /** connState, history and problem reasons, each distinct string once. */
  strings: string[];
  halfOpenFloods: HalfOpenFlood[];
}

const nn = (x: number | null): number => (x === null ? NaN : x);
const orNull = (x: number): number | null => (x === x ? x : null);
const intOrNull = (x: number): number | null => (x < 0 ? null : x);

function stateCode(s: StateName | null): number {
  return s === null ? NO_STATE : STATE_NAMES.indexOf(s);
}

function optsBits(o: SynOptions | null): number {
  if (!o) return 0;
  return O.Present | (o.sackPermitted ? O.SackPermitted : 0) | (o.timestamps ? O.Timestamps : 0) | (o.fastOpen ? O.FastOpen : 0) | (o.ecn ? O.Ecn : 0);
}

function sideCode(s: Side | null): number {
  return s === null ? -1 : s === 'client' ? 0 : 1;
}

class StringTable {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();
  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(s);
      this.index.set(s, i);
    }
    return i;
  }
}

/**
 * Copies an analysed trace into a snapshot. The snapshot owns its arrays (nothing is shared
 * with `trace`), so the caller may transfer them and keep analysing.
 */
export function encodeSnapshot(trace: TraceData, partial = false): TraceSnapshot {
  const t = trace.table;
  const n = t.length;
  const conns = trace.conns;
  const nc = conns.length;
  const summaries = trace.connections;
  const strings = new StringTable();

  const cols = {} as PacketColumns;
  for (const k of PACKET_COLUMNS) (cols as unknown as Record<string, unknown>)[k] = t[k].slice(0, n);

  // Endpoints.
  const ep = trace.endpoints;
  const nameStart = new Int32Array(ep.names.length + 1);
  for (let i = 0; i < ep.names.length; i++) nameStart[i + 1] = nameStart[i] + ep.names[i].length;
  const nameDot = Int32Array.from(ep.dots);
  const names = ep.names.join('');

  // Packets by connection (a counting sort on conn; packets stay in line order within each).
  const connStart = new Int32Array(nc + 1);
  for (let p = 0; p < n; p++) connStart[t.conn[p] + 1]++;
  for (let c = 0; c < nc; c++) connStart[c + 1] += connStart[c];
  const fill = connStart.slice(0, nc);
  const connPackets = new Int32Array(n);
  for (let p = 0; p < n; p++) connPackets[fill[t.conn[p]]++] = p;

  const ci = new Int32Array(nc * CI.Stride);
  const cf = new Float64Array(nc * CF.Stride);
  const eventStart = new Int32Array(nc + 1);
  const intervalStart = new Int32Array(2 * nc + 1);
  let eventTotal = 0;
  let intervalTotal = 0;
  for (let c = 0; c < nc; c++) {
    eventTotal += summaries[c].events.length;
    eventStart[c + 1] = eventTotal;
    intervalTotal += summaries[c].handshake.synIntervals.length;
    intervalStart[2 * c + 1] = intervalTotal;
    intervalTotal += summaries[c].handshake.synAckIntervals.length;
    intervalStart[2 * c + 2] = intervalTotal;
  }
  const eventLine = new Int32Array(eventTotal);
  const eventKind = new Uint8Array(eventTotal);
  const intervals = new Float64Array(intervalTotal);

  for (let c = 0; c < nc; c++) {
    const s = summaries[c];
    const conn = conns[c];
    const h = s.handshake;
    const i = c * CI.Stride;
    const f = c * CF.Stride;
    ci[i + CI.ClientEp] = conn.ep[0];
    ci[i + CI.ServerEp] = conn.ep[1];
    ci[i + CI.Bits] =
      (s.roleInferred ? B.RoleInferred : 0) | (s.midStream ? B.MidStream : 0) | (h.complete ? B.Complete : 0) |
      (h.simultaneousOpen ? B.SimultaneousOpen : 0) | (h.sackPermitted ? B.SackPermitted : 0) | (h.timestamps ? B.Timestamps : 0) |
      (h.fastOpen ? B.FastOpen : 0) | (h.ecn ? B.Ecn : 0) | (h.dataOnThirdPacket ? B.DataOnThirdPacket : 0) |
      (h.wscale ? B.Wscale : 0) | (s.close.simultaneous ? B.CloseSimultaneous : 0);
    ci[i + CI.FirstLine] = s.firstLine;
    ci[i + CI.LastLine] = s.lastLine;
    ci[i + CI.Packets] = s.packets;
    ci[i + CI.PacketsByClient] = s.packetsBy.client;
    ci[i + CI.PacketsByServer] = s.packetsBy.server;
    ci[i + CI.ClientState] = stateCode(s.clientState);
    ci[i + CI.ServerState] = stateCode(s.serverState);
    ci[i + CI.SynRetx] = h.synRetransmissions;
    ci[i + CI.SynAckRetx] = h.synAckRetransmissions;
    ci[i + CI.WscaleClient] = h.wscale ? h.wscale.client : -1;
    ci[i + CI.WscaleServer] = h.wscale ? h.wscale.server : -1;
    ci[i + CI.SynLine] = h.synLine ?? -1;
    ci[i + CI.SynAckLine] = h.synAckLine ?? -1;
    ci[i + CI.AckLine] = h.ackLine ?? -1;
    ci[i + CI.FirstFinFrom] = sideCode(s.close.firstFinFrom);
    ci[i + CI.RstFrom] = sideCode(s.close.rstFrom);
    ci[i + CI.CloseKind] = CLOSE_KINDS.indexOf(s.close.kind);
    ci[i + CI.ConnState] = strings.id(s.connState);
    ci[i + CI.History] = strings.id(s.history);
    ci[i + CI.FirstPacket] = conn.firstPacket;
    ci[i + CI.LastPacket] = conn.lastPacket;
    ci[i + CI.FinalClient] = conn.machine.state(0);
    ci[i + CI.FinalServer] = conn.machine.state(1);
    ci[i + CI.InitialClient] = conn.machine.initial(0);
    ci[i + CI.InitialServer] = conn.machine.initial(1);
    ci[i + CI.ClientOpts] = optsBits(h.client);
    ci[i + CI.ClientOptsWscale] = h.client?.wscale ?? -1;
    ci[i + CI.ServerOpts] = optsBits(h.server);
    ci[i + CI.ServerOptsWscale] = h.server?.wscale ?? -1;
    ci[i + CI.Notes] = s.notes.reduce((bits, k) => bits | (1 << NOTE_KINDS.indexOf(k)), 0);
    cf[f + CF.BytesClient] = s.bytes.client;
    cf[f + CF.BytesServer] = s.bytes.server;
    cf[f + CF.Start] = nn(s.start);
    cf[f + CF.Duration] = nn(s.duration);
    cf[f + CF.RttMs] = nn(h.rttMs);
    cf[f + CF.ClientIsn] = nn(h.clientIsn);
    cf[f + CF.ServerIsn] = nn(h.serverIsn);
    cf[f + CF.Mss] = nn(h.mss);
    cf[f + CF.ClientOptsMss] = nn(h.client?.mss ?? null);
    cf[f + CF.ServerOptsMss] = nn(h.server?.mss ?? null);
    cf[f + CF.TimeWaitClient] = conn.machine.timeWaitSince(0);
    cf[f + CF.TimeWaitServer] = conn.machine.timeWaitSince(1);
    const base = trace.relativeBase(conn);
    cf[f + CF.BaseClient] = base[0];
    cf[f + CF.BaseServer] = base[1];
    let e = eventStart[c];
    for (const ev of s.events) {
      eventLine[e] = ev.line;
      eventKind[e++] = EVENT_KINDS.indexOf(ev.kind);
    }
    intervals.set(h.synIntervals, intervalStart[2 * c]);
    intervals.set(h.synAckIntervals, intervalStart[2 * c + 1]);
  }

  const problemLine = new Int32Array(trace.problems.length);
  const problemReason = new Int32Array(trace.problems.length);
  trace.problems.forEach((p, i) => {
    problemLine[i] = p.line;
    problemReason[i] = strings.id(p.reason);
  });

  return {
    format: 'tcp-trace-snapshot/1',
    partial,
    lines: trace.lines,
    skipped: trace.skipped,
    repairs: trace.repairs,
    packetCount: n,
    connectionCount: nc,
    timeWait: trace.timeWait,
    endTime: trace.endTime,
    ...cols,
    names,
    nameStart,
    nameDot,
    connInt: ci,
    connFloat: cf,
    connStart,
    connPackets,
    eventStart,
    eventLine,
    eventKind,
    intervalStart,
    intervals,
    problemLine,
    problemReason,
    strings: strings.list,
    halfOpenFloods: trace.halfOpenFloods.map((f) => ({ ...f })),
  };
}

/**
 * The per-packet columns of a trace that keeps them (the engine's TraceData, or a SnapshotTrace),
 * indexed by packet: views that scan many packets read them instead of building a PacketInfo
 * per packet. Undefined for any other Trace.
 */
export function packetColumns(t: Trace): Readonly<PacketColumns> | undefined {
  if (t instanceof SnapshotTrace) return t.snapshot;
  if (t instanceof TraceData) return t.table;
  return undefined;
}

/** A connection's packet indexes in order, without copying them where the trace keeps them in an array. */
export function packetIndexes(t: Trace, connection: number): ArrayLike<number> {
  if (t instanceof SnapshotTrace) return t.packetArray(connection);
  if (t instanceof TraceData) return connection >= 0 && connection < t.conns.length ? t.packetArray(connection) : [];
  return t.packetsOf(connection);
}

/** The typed arrays of a snapshot, for a postMessage transfer list (distinct buffers). */
export function snapshotTransferList(s: TraceSnapshot): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const v of Object.values(s)) {
    if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) out.add(v.buffer);
  }
  return [...out];
}

/** A deep copy whose arrays share nothing with `s` (to post one and keep the other). */
export function cloneSnapshot(s: TraceSnapshot): TraceSnapshot {
  const out = { ...s } as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(s)) {
    if (ArrayBuffer.isView(v)) out[k] = (v as unknown as { slice(): unknown }).slice();
  }
  out.strings = s.strings.slice();
  out.halfOpenFloods = s.halfOpenFloods.map((f) => ({ ...f }));
  out.repairs = s.repairs.map((r) => ({ ...r, lines: r.lines.slice() }));
  return out as unknown as TraceSnapshot;
}

/** Whether a value received from elsewhere has the shape of a snapshot (a cheap check). */
export function isTraceSnapshot(v: unknown): v is TraceSnapshot {
  const s = v as Partial<TraceSnapshot> | null;
  return (
    typeof s === 'object' && s !== null && s.format === 'tcp-trace-snapshot/1' &&
    typeof s.packetCount === 'number' && typeof s.connectionCount === 'number' &&
    s.line instanceof Int32Array && s.line.length === s.packetCount &&
    s.connInt instanceof Int32Array && s.connInt.length === s.connectionCount * CI.Stride &&
    s.connFloat instanceof Float64Array && s.connFloat.length === s.connectionCount * CF.Stride &&
    s.connStart instanceof Int32Array && s.connStart.length === s.connectionCount + 1 &&
    typeof s.names === 'string' && Array.isArray(s.strings) && Array.isArray(s.halfOpenFloods)
  );
}

/** What an edit that touches no packet line does to a trace. */
export interface LineShift {
  /** Lines after this one (1-based) move... */
  afterLine: number;
  /** ...by this many lines. */
  delta: number;
  /** Change in the number of lines, and in the number of non-TCP lines. */
  linesDelta: number;
  skippedDelta: number;
}

/**
 * The trace after edits that inserted or removed lines holding no packet, header or problem:
 * every line after each edit moved and the counts adjusted. Returns a new snapshot; `s` is
 * left as it was.
 */
export function shiftSnapshot(s: TraceSnapshot, shifts: readonly LineShift[]): TraceSnapshot {
  const out = cloneSnapshot(s);
  for (const sh of shifts) shiftInPlace(out, sh);
  return out;
}

function shiftInPlace(out: TraceSnapshot, { afterLine, delta, linesDelta, skippedDelta }: LineShift): void {
  out.lines += linesDelta;
  out.skipped += skippedDelta;
  if (delta === 0) return;
  // Packets are in line order: only those from the first one after the edit move.
  const a = out.line;
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= afterLine) lo = mid + 1;
    else hi = mid;
  }
  for (let p = lo; p < out.packetCount; p++) {
    out.line[p] += delta;
    if (out.headLine[p] > afterLine) out.headLine[p] += delta;
  }
  const move = (x: Int32Array, i: number) => {
    if (x[i] > afterLine) x[i] += delta;
  };
  const ci = out.connInt;
  for (let c = 0; c < out.connectionCount; c++) {
    const i = c * CI.Stride;
    move(ci, i + CI.FirstLine);
    move(ci, i + CI.LastLine);
    move(ci, i + CI.SynLine);
    move(ci, i + CI.SynAckLine);
    move(ci, i + CI.AckLine);
  }
  for (let e = 0; e < out.eventLine.length; e++) move(out.eventLine, e);
  for (let e = 0; e < out.problemLine.length; e++) move(out.problemLine, e);
  for (const f of out.halfOpenFloods) if (f.line > afterLine) f.line += delta;
  for (const r of out.repairs) r.lines = r.lines.map((l) => (l > afterLine ? l + delta : l));
}

/** One edit of a document's text, as the editor reports it (offsets in UTF-16 code units). */
export interface TextChange {
  offset: number;
  /** How many characters the edit replaced. */
  length: number;
  text: string;
  /** 0-based line of `offset` in the text before the edit. */
  line: number;
}

const utf8 = new TextEncoder();

function countNewlines(s: string, from = 0, to = s.length): number {
  let n = 0;
  for (let i = s.indexOf('\n', from); i >= 0 && i < to; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** 1 when the text ends in a line without a newline, which the engine counts as a line too. */
function openLastLine(s: string): number {
  return s.length > 0 && !s.endsWith('\n') ? 1 : 0;
}

/**
 * How many lines of `region` the engine skips as non-TCP; -1 if any is read otherwise: a
 * packet, a -v header, a problem, a repair or a line held for the next (see TraceBuilder).
 * The reader is asked, not imitated.
 */
function otherLines(region: string): number {
  const b = new TraceBuilder();
  b.push(utf8.encode(region));
  const t = b.finish();
  let nonBlank = 0;
  for (const line of region.split('\n')) if (line.trim()) nonBlank++;
  return t.skipped === nonBlank && !t.repairs.length && !b.heldLines ? nonBlank : -1;
}

/** The kind of the line of `text` that ends just before `at` (a line start), or Blank at the start. */
export function kindOfLineBefore(text: string, at: number): LineKind {
  if (at === 0) return LineKind.Blank;
  const start = text.lastIndexOf('\n', at - 2) + 1;
  const b = utf8.encode(text.slice(start, at - 1));
  const r = new LineRecord();
  scanLine(b, 0, b.length, r);
  return r.kind;
}

/**
 * Applies one edit to `text`. When neither the lines it touched before nor the lines it left
 * hold a packet, a -v header or a problem (comments, blank lines, trailing white space, other
 * protocols), no packet changes, and `shift` says how to bring a snapshot of the old text up to
 * date (shiftSnapshot): the same result as analysing the new text again. Otherwise there is
 * no shift and the new text needs analysing.
 *
 * An edit of whole lines (from a line start, removing whole lines, inserting text that ends
 * with a line break) touches only those lines: a comment inserted above a packet line leaves
 * the packet line alone. It must not come between a -v header and its TCP line either.
 */
export function applyChange(text: string, ch: TextChange): { text: string; shift?: LineShift } {
  const next = text.slice(0, ch.offset) + ch.text + text.slice(ch.offset + ch.length);
  // A byte-order mark at the very start is dropped by the reader: leave that to a full analysis.
  if (next.charCodeAt(0) === 0xfeff && (ch.offset === 0 || text.charCodeAt(0) !== 0xfeff)) return { text: next };
  const end = ch.offset + ch.length;
  const wholeLines =
    (ch.offset === 0 || text.charCodeAt(ch.offset - 1) === 10) &&
    (ch.length === 0 || text.charCodeAt(end - 1) === 10) &&
    (ch.text.length === 0 || ch.text.charCodeAt(ch.text.length - 1) === 10);
  let before: number;
  let after: number;
  let lastTouched: number;
  if (wholeLines) {
    const removed = countNewlines(text, ch.offset, end);
    const added = countNewlines(ch.text);
    before = removed ? otherLines(text.slice(ch.offset, end - 1)) : 0;
    after = before < 0 ? -1 : added ? otherLines(ch.text.slice(0, -1)) : 0;
    // Lines appearing or disappearing right under a -v header would change its pairing.
    if ((removed === 0 || added === 0) && kindOfLineBefore(text, ch.offset) === LineKind.IpHeader) return { text: next };
    lastTouched = ch.line + removed;
  } else {
    const start = ch.offset === 0 ? 0 : text.lastIndexOf('\n', ch.offset - 1) + 1;
    let stop = text.indexOf('\n', end);
    if (stop < 0) stop = text.length;
    before = otherLines(text.slice(start, stop));
    after = before < 0 ? -1 : otherLines(next.slice(start, stop + ch.text.length - ch.length));
    lastTouched = ch.line + 1 + countNewlines(text, start, stop);
  }
  if (after < 0) return { text: next };
  const delta = countNewlines(ch.text) - countNewlines(text, ch.offset, end);
  return {
    text: next,
    shift: {
      afterLine: lastTouched,
      delta,
      linesDelta: delta + openLastLine(next) - openLastLine(text),
      skippedDelta: after - before,
    },
  };
}

function name(s: TraceSnapshot, ep: number): string {
  return s.names.slice(s.nameStart[ep], s.nameStart[ep + 1]);
}

function addr(s: TraceSnapshot, ep: number): string {
  return s.names.slice(s.nameStart[ep], s.nameStart[ep] + s.nameDot[ep]);
}

function port(s: TraceSnapshot, ep: number): string {
  return s.names.slice(s.nameStart[ep] + s.nameDot[ep] + 1, s.nameStart[ep + 1]);
}

const stateOf = (x: number): StateName | null => (x === NO_STATE ? null : STATE_NAMES[x]);
const sideOf = (x: number): Side | null => (x < 0 ? null : SIDES[x]);

function synOptions(bits: number, mss: number, wscale: number): SynOptions | null {
  if (!(bits & O.Present)) return null;
  return {
    mss: orNull(mss),
    wscale: intOrNull(wscale),
    sackPermitted: (bits & O.SackPermitted) !== 0,
    timestamps: (bits & O.Timestamps) !== 0,
    fastOpen: (bits & O.FastOpen) !== 0,
    ecn: (bits & O.Ecn) !== 0,
  };
}

function handshakeOf(s: TraceSnapshot, c: number): Handshake {
  const ci = s.connInt;
  const cf = s.connFloat;
  const i = c * CI.Stride;
  const f = c * CF.Stride;
  const bits = ci[i + CI.Bits];
  const iv = (k: number) => {
    const out: number[] = [];
    for (let j = s.intervalStart[k]; j < s.intervalStart[k + 1]; j++) out.push(s.intervals[j]);
    return out;
  };
  return {
    complete: (bits & B.Complete) !== 0,
    simultaneousOpen: (bits & B.SimultaneousOpen) !== 0,
    rttMs: orNull(cf[f + CF.RttMs]),
    clientIsn: orNull(cf[f + CF.ClientIsn]),
    serverIsn: orNull(cf[f + CF.ServerIsn]),
    mss: orNull(cf[f + CF.Mss]),
    wscale: bits & B.Wscale ? { client: ci[i + CI.WscaleClient], server: ci[i + CI.WscaleServer] } : null,
    sackPermitted: (bits & B.SackPermitted) !== 0,
    timestamps: (bits & B.Timestamps) !== 0,
    fastOpen: (bits & B.FastOpen) !== 0,
    ecn: (bits & B.Ecn) !== 0,
    dataOnThirdPacket: (bits & B.DataOnThirdPacket) !== 0,
    synRetransmissions: ci[i + CI.SynRetx],
    synAckRetransmissions: ci[i + CI.SynAckRetx],
    synIntervals: iv(2 * c),
    synAckIntervals: iv(2 * c + 1),
    client: synOptions(ci[i + CI.ClientOpts], cf[f + CF.ClientOptsMss], ci[i + CI.ClientOptsWscale]),
    server: synOptions(ci[i + CI.ServerOpts], cf[f + CF.ServerOptsMss], ci[i + CI.ServerOptsWscale]),
    synLine: intOrNull(ci[i + CI.SynLine]),
    synAckLine: intOrNull(ci[i + CI.SynAckLine]),
    ackLine: intOrNull(ci[i + CI.AckLine]),
  };
}

function closeOf(s: TraceSnapshot, c: number): Close {
  const i = c * CI.Stride;
  return {
    firstFinFrom: sideOf(s.connInt[i + CI.FirstFinFrom]),
    simultaneous: (s.connInt[i + CI.Bits] & B.CloseSimultaneous) !== 0,
    rstFrom: sideOf(s.connInt[i + CI.RstFrom]),
    kind: CLOSE_KINDS[s.connInt[i + CI.CloseKind]],
  };
}

function notesOf(s: TraceSnapshot, c: number): NoteKind[] {
  const bits = s.connInt[c * CI.Stride + CI.Notes];
  return bits === 0 ? [] : NOTE_KINDS.filter((_, k) => bits & (1 << k));
}

function eventsOf(s: TraceSnapshot, c: number): ExpertEvent[] {
  const events: ExpertEvent[] = [];
  for (let e = s.eventStart[c]; e < s.eventStart[c + 1]; e++) events.push({ line: s.eventLine[e], kind: EVENT_KINDS[s.eventKind[e]] as EventKind });
  return events;
}

/** One connection's summary as a plain object, in the engine's field order. */
function summaryOf(s: TraceSnapshot, c: number): ConnectionSummary {
  const ci = s.connInt;
  const cf = s.connFloat;
  const i = c * CI.Stride;
  const f = c * CF.Stride;
  const bits = ci[i + CI.Bits];
  return {
    id: c,
    client: name(s, ci[i + CI.ClientEp]),
    server: name(s, ci[i + CI.ServerEp]),
    roleInferred: (bits & B.RoleInferred) !== 0,
    midStream: (bits & B.MidStream) !== 0,
    firstLine: ci[i + CI.FirstLine],
    lastLine: ci[i + CI.LastLine],
    packets: ci[i + CI.Packets],
    packetsBy: { client: ci[i + CI.PacketsByClient], server: ci[i + CI.PacketsByServer] },
    bytes: { client: cf[f + CF.BytesClient], server: cf[f + CF.BytesServer] },
    start: orNull(cf[f + CF.Start]),
    duration: orNull(cf[f + CF.Duration]),
    clientState: stateOf(ci[i + CI.ClientState]),
    serverState: stateOf(ci[i + CI.ServerState]),
    handshake: handshakeOf(s, c),
    close: closeOf(s, c),
    connState: s.strings[ci[i + CI.ConnState]],
    history: s.strings[ci[i + CI.History]],
    events: eventsOf(s, c),
    notes: notesOf(s, c),
  };
}

/**
 * A connection summary read from the snapshot's arrays when asked: one small object per
 * connection instead of a dozen, so a trace with a hundred thousand connections costs the host
 * little memory and its garbage collector little time. Nested objects (close, events...) are
 * built on each access, the handshake once; toJSON() gives the plain summary.
 */
class ConnectionRecord implements ConnectionSummary {
  readonly #s: TraceSnapshot;
  readonly #i: number;
  #handshake: Handshake | undefined;

  constructor(s: TraceSnapshot, readonly id: number) {
    this.#s = s;
    this.#i = id * CI.Stride;
  }

  get client(): string { return name(this.#s, this.#s.connInt[this.#i + CI.ClientEp]); }
  get server(): string { return name(this.#s, this.#s.connInt[this.#i + CI.ServerEp]); }
  get roleInferred(): boolean { return (this.#s.connInt[this.#i + CI.Bits] & B.RoleInferred) !== 0; }
  get midStream(): boolean { return (this.#s.connInt[this.#i + CI.Bits] & B.MidStream) !== 0; }
  get firstLine(): number { return this.#s.connInt[this.#i + CI.FirstLine]; }
  get lastLine(): number { return this.#s.connInt[this.#i + CI.LastLine]; }
  get packets(): number { return this.#s.connInt[this.#i + CI.Packets]; }
  get packetsBy(): { client: number; server: number } {
    return { client: this.#s.connInt[this.#i + CI.PacketsByClient], server: this.#s.connInt[this.#i + CI.PacketsByServer] };
  }
  get bytes(): { client: number; server: number } {
    const f = this.id * CF.Stride;
    return { client: this.#s.connFloat[f + CF.BytesClient], server: this.#s.connFloat[f + CF.BytesServer] };
  }
  get start(): number | null { return orNull(this.#s.connFloat[this.id * CF.Stride + CF.Start]); }
  get duration(): number | null { return orNull(this.#s.connFloat[this.id * CF.Stride + CF.Duration]); }
  get clientState(): StateName | null { return stateOf(this.#s.connInt[this.#i + CI.ClientState]); }
  get serverState(): StateName | null { return stateOf(this.#s.connInt[this.#i + CI.ServerState]); }
  /** Built on first use and kept: views read it for many connections, several times each. */
  get handshake(): Handshake { return (this.#handshake ??= handshakeOf(this.#s, this.id)); }
  get close(): Close { return closeOf(this.#s, this.id); }
  get connState(): string { return this.#s.strings[this.#s.connInt[this.#i + CI.ConnState]]; }
  get history(): string { return this.#s.strings[this.#s.connInt[this.#i + CI.History]]; }
  get events(): ExpertEvent[] { return eventsOf(this.#s, this.id); }
  get notes(): NoteKind[] { return notesOf(this.#s, this.id); }

  toJSON(): ConnectionSummary {
    return summaryOf(this.#s, this.id);
  }
}

/** The Trace interface over a snapshot's arrays. */
export class SnapshotTrace implements Trace {
  readonly lines: number;
  readonly packetCount: number;
  readonly skipped: number;
  readonly repairs: Repair[];
  readonly halfOpenFloods: HalfOpenFlood[];
  readonly partial: boolean;
  private problemList: Problem[] | null = null;
  private readonly built: ConnectionSummary[] = [];

  constructor(readonly snapshot: TraceSnapshot) {
    this.lines = snapshot.lines;
    this.packetCount = snapshot.packetCount;
    this.skipped = snapshot.skipped;
    this.repairs = snapshot.repairs;
    this.halfOpenFloods = snapshot.halfOpenFloods;
    this.partial = snapshot.partial;
  }

  get problems(): Problem[] {
    if (!this.problemList) {
      const s = this.snapshot;
      this.problemList = Array.from(s.problemLine, (line, i) => ({ line, reason: s.strings[s.problemReason[i]] }));
    }
    return this.problemList;
  }

  /** Connection summaries; made on first use, unless buildConnections() has made them in steps. */
  get connections(): ConnectionSummary[] {
    if (this.built.length < this.snapshot.connectionCount) this.buildConnections(Infinity);
    return this.built;
  }

  /** Makes up to `count` more connection summaries; true once all are made. */
  buildConnections(count: number): boolean {
    const end = Math.min(this.snapshot.connectionCount, this.built.length + count);
    for (let c = this.built.length; c < end; c++) this.built.push(new ConnectionRecord(this.snapshot, c));
    return this.built.length === this.snapshot.connectionCount;
  }

  /** O(log n): a binary search over the packets' lines. */
  packetAtLine(line: number): number {
    return packetAtLine(this.snapshot, this.snapshot.packetCount, line);
  }

  /** Packet indexes of one connection, without copying. */
  packetArray(connection: number): Int32Array {
    const s = this.snapshot;
    if (!(connection >= 0 && connection < s.connectionCount)) return new Int32Array(0);
    return s.connPackets.subarray(s.connStart[connection], s.connStart[connection + 1]);
  }

  packetsOf(connection: number): number[] {
    return Array.from(this.packetArray(connection));
  }

  packet(index: number): PacketInfo {
    const s = this.snapshot;
    if (!(index >= 0 && index < s.packetCount)) throw new RangeError(`no packet ${index}`);
    const c = s.conn[index];
    const i = c * CI.Stride;
    const f = c * CF.Stride;
    const d = s.dir[index];
    const src = s.connInt[i + d];
    const dst = s.connInt[i + 1 - d];
    const list = this.packetArray(c);
    const ordinal = firstAtLeast(list, list.length, index);
    const q = ordinal > 0 ? list[ordinal - 1] : -1;
    return packetInfo(s, index, {
      ordinal,
      src: [addr(s, src), port(s, src)],
      dst: [addr(s, dst), port(s, dst)],
      before: q >= 0 ? [s.cState[q], s.sState[q]] : [s.connInt[i + CI.InitialClient], s.connInt[i + CI.InitialServer]],
      base: [s.connFloat[f + CF.BaseClient], s.connFloat[f + CF.BaseServer]],
    });
  }

  census(line: number): Census {
    const s = this.snapshot;
    const ci = s.connInt;
    const source: CensusSource = {
      connectionCount: s.connectionCount,
      firstPacket: (c) => ci[c * CI.Stride + CI.FirstPacket],
      lastPacket: (c) => ci[c * CI.Stride + CI.LastPacket],
      packets: (c) => this.packetArray(c),
      finalStates: (c, now) => {
        const tw = c * CF.Stride + CF.TimeWaitClient;
        return [
          afterTimeWait(ci[c * CI.Stride + CI.FinalClient], s.connFloat[tw], now, s.timeWait),
          afterTimeWait(ci[c * CI.Stride + CI.FinalServer], s.connFloat[tw + 1], now, s.timeWait),
        ];
      },
    };
    return census(s, s.packetCount, source, line, s.endTime);
  }

  toJSON(withPackets = false): TraceJson {
    const doc: TraceJson = {
      format: 'tcp-trace/1',
      lines: this.lines,
      packets: this.packetCount,
      skipped: this.skipped,
      problems: this.problems,
      repairs: this.repairs,
      connections: this.connections.map((c) => summaryOf(this.snapshot, c.id)),
      halfOpenFloods: this.halfOpenFloods,
    };
    if (withPackets) {
      const records: PacketRecordJson[] = new Array(this.packetCount);
      for (let p = 0; p < this.packetCount; p++) {
        const x = this.packet(p);
        records[p] = {
          line: x.line, connection: x.connection, src: x.src, sport: x.sport, dst: x.dst, dport: x.dport,
          flags: x.flags, seq: x.seq, ack: x.ack, win: x.win, len: x.len,
          clientState: x.after.client, serverState: x.after.server, events: x.events,
        };
      }
      doc.packetRecords = records;
    }
    return doc;
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
): Promise<SnapshotTrace | undefined> {
  const trace = new SnapshotTrace(s);
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
