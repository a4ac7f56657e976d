// An analysed trace as columns: typed arrays and a few small arrays, no object per packet or
// per connection. The builder's finish() encodes it (encodeSnapshot); the worker posts it with
// the arrays' buffers in the transfer list; ColumnTrace (columnTrace.ts) answers every Trace
// query from it, in the CLI, the worker and the extension host alike.

import { FLOAT_STRIDE, INT_STRIDE, RowWriter, StringTable, type ConnectionColumns } from './connectionColumns';
import type { PacketColumns } from './columns';
import type { Limits } from './limits';
import type { HalfOpenFlood, Repair } from './model';
import type { BuiltTrace } from './trace';

const PACKET_COLUMNS: ReadonlyArray<keyof PacketColumns> = [
  'line', 'headLine', 'conn', 'dir', 'flags', 'seq', 'ack', 'win', 'len', 'time',
  'cState', 'sState', 'cT1', 'cT2', 'sT1', 'sT2', 'events', 'ackRtt', 'inFlight', 'winBytes', 'sackAt',
];

/** An analysed trace as plain data; every array buffer can go in a postMessage transfer list. */
export interface TraceSnapshot extends PacketColumns, ConnectionColumns {
  format: 'tcp-trace-snapshot/1';
  /** True for the results so far of an analysis that is still running. */
  partial: boolean;
  lines: number;
  skipped: number;
  /** What was repaired to read the text (see repair.ts). */
  repairs: Repair[];
  packetCount: number;
  timeWait: number;
  /** Time of the last packet with a time (NaN without), where final states are taken. */
  endTime: number;
  /** Packets of connection c: connPackets[connStart[c] .. connStart[c + 1]), in order. */
  connStart: Int32Array;
  connPackets: Int32Array;
  problemLine: Int32Array;
  problemReason: Int32Array;
  halfOpenFloods: HalfOpenFlood[];
  /**
   * The limits the builder worked out for the verdicts of connections of at least
   * KEPT_LIMITS_PACKETS packets, so that the extension host need not work them out again in one
   * long step. Absent (or without a connection) where they must be worked out from the columns.
   */
  keptLimits?: Array<{ connection: number; limits: Limits }>;
}

/** From this many packets a connection's limits go with the snapshot (a few milliseconds' work). */
export const KEPT_LIMITS_PACKETS = 1000;

/**
 * The columns of an analysed trace. A partial snapshot owns its arrays (nothing is shared with
 * `trace`), so the caller may transfer them and keep analysing; a final one takes the finished
 * packet table's.
 */
export function encodeSnapshot(trace: BuiltTrace, partial = false, limitsFrom = KEPT_LIMITS_PACKETS): TraceSnapshot {
  const t = trace.table;
  const n = t.length;
  const conns = trace.conns;
  const nc = conns.length;
  const strings = new StringTable();

  // A partial trace's table keeps growing: copy it. A finished one is the snapshot's alone.
  const cols = {} as PacketColumns;
  for (const k of PACKET_COLUMNS) (cols as unknown as Record<string, unknown>)[k] = partial ? t[k].slice(0, n) : t[k].subarray(0, n);
  cols.sackEdges = partial ? t.sackEdges.slice(0, t.sackLength) : t.sackEdges.subarray(0, t.sackLength);

  // Endpoints.
  const ep = trace.endpoints;
  const nameStart = new Int32Array(ep.names.length + 1);
  for (let i = 0; i < ep.names.length; i++) nameStart[i + 1] = nameStart[i] + ep.names[i].length;

  // Packets by connection (a counting sort on conn; packets stay in line order within each).
  const connStart = new Int32Array(nc + 1);
  for (let p = 0; p < n; p++) connStart[t.conn[p] + 1]++;
  for (let c = 0; c < nc; c++) connStart[c + 1] += connStart[c];
  const fill = connStart.slice(0, nc);
  const connPackets = new Int32Array(n);
  for (let p = 0; p < n; p++) connPackets[fill[t.conn[p]]++] = p;

  const w = new RowWriter(nc, strings);
  const keptLimits: Array<{ connection: number; limits: Limits }> = [];
  for (let c = 0; c < nc; c++) {
    const limits = trace.writeRow(c, w, connPackets.subarray(connStart[c], connStart[c + 1]));
    if (connStart[c + 1] - connStart[c] >= limitsFrom) keptLimits.push({ connection: c, limits });
  }
  const rows = w.finish();

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
    timeWait: trace.timeWait,
    endTime: trace.endTime,
    ...cols,
    names: ep.names.join(''),
    nameStart,
    nameDot: Int32Array.from(ep.dots),
    ...rows,
    connStart,
    connPackets,
    problemLine,
    problemReason,
    strings: strings.list,
    halfOpenFloods: trace.halfOpenFloods.map((f) => ({ ...f })),
    keptLimits,
  };
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
  // Kept limits are never changed in place (shiftSnapshot makes new ones): the list alone is copied.
  if (s.keptLimits) out.keptLimits = s.keptLimits.slice();
  return out as unknown as TraceSnapshot;
}

/** Whether a value received from elsewhere has the shape of a snapshot (a cheap check). */
export function isTraceSnapshot(v: unknown): v is TraceSnapshot {
  const s = v as Partial<TraceSnapshot> | null;
  return (
    typeof s === 'object' && s !== null && s.format === 'tcp-trace-snapshot/1' &&
    typeof s.packetCount === 'number' && typeof s.connectionCount === 'number' &&
    s.line instanceof Int32Array && s.line.length === s.packetCount &&
    s.connInt instanceof Int32Array && s.connInt.length === s.connectionCount * INT_STRIDE &&
    s.connFloat instanceof Float64Array && s.connFloat.length === s.connectionCount * FLOAT_STRIDE &&
    s.connStart instanceof Int32Array && s.connStart.length === s.connectionCount + 1 &&
    typeof s.names === 'string' && Array.isArray(s.strings) && Array.isArray(s.halfOpenFloods) &&
    (s.keptLimits === undefined || Array.isArray(s.keptLimits))
  );
}
