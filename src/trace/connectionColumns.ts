// The figures a trace keeps per connection, as one table (CONNECTION_FIELDS). A trace holds
// them as columns: one Int32Array and one Float64Array row per connection, plus ragged arrays
// for lists. Writing a connection's row, reading it back as the JSON summary, moving its line
// numbers after an edit and splicing rows from a partial analysis all follow from the table.
//
// To add a figure: a row here, its type in ConnectionSummary (model.ts), and the code that
// computes it (summary.ts). The row's place is its place in the JSON.

import { EVENT_KINDS, NOTE_KINDS, type ConnectionSummary, type EventKind, type ExpertEvent, type NoteKind, type Side } from './model';
import { STATE_NAMES, type StateName } from './states';

/**
 * How a field is stored and what it reads back as.
 * - int: an integer; intOrNull: -1 is null; line: a 1-based line or null (-1), moved by edits.
 * - float: a number or null (NaN).
 * - bool, state (StateName or null), side (Side or null), closeKind: small codes.
 * - endpoint: an endpoint id, read as its name; string: an id in the trace's string table.
 * - present: the object at this path exists (1) or is null (0); its fields follow it.
 * - list: number[], in the ragged list arrays; events: the summary's events (in arrays of
 *   their own); notes: a bit per NOTE_KINDS entry.
 * - id: the connection's index, not stored.
 * - packet, packetFloat: not in the JSON: what the views need beyond it (a packet index, a
 *   state code, a time).
 */
export type FieldKind =
  | 'id' | 'int' | 'intOrNull' | 'line' | 'float' | 'bool' | 'state' | 'side' | 'closeKind'
  | 'endpoint' | 'string' | 'present' | 'list' | 'events' | 'notes' | 'packet' | 'internal' | 'internalFloat';

export interface FieldSpec {
  /** Where the field sits in the summary, dot-separated. */
  readonly path: string;
  readonly kind: FieldKind;
}

export const CONNECTION_FIELDS = [
  { path: 'id', kind: 'id' },
  { path: 'client', kind: 'endpoint' },
  { path: 'server', kind: 'endpoint' },
  { path: 'roleInferred', kind: 'bool' },
  { path: 'midStream', kind: 'bool' },
  { path: 'firstLine', kind: 'line' },
  { path: 'lastLine', kind: 'line' },
  { path: 'packets', kind: 'int' },
  { path: 'packetsBy.client', kind: 'int' },
  { path: 'packetsBy.server', kind: 'int' },
  { path: 'bytes.client', kind: 'float' },
  { path: 'bytes.server', kind: 'float' },
  { path: 'start', kind: 'float' },
  { path: 'duration', kind: 'float' },
  { path: 'clientState', kind: 'state' },
  { path: 'serverState', kind: 'state' },
  { path: 'handshake.complete', kind: 'bool' },
  { path: 'handshake.simultaneousOpen', kind: 'bool' },
  { path: 'handshake.rttMs', kind: 'float' },
  { path: 'handshake.clientIsn', kind: 'float' },
  { path: 'handshake.serverIsn', kind: 'float' },
  { path: 'handshake.mss', kind: 'float' },
  { path: 'handshake.wscale', kind: 'present' },
  { path: 'handshake.wscale.client', kind: 'int' },
  { path: 'handshake.wscale.server', kind: 'int' },
  { path: 'handshake.sackPermitted', kind: 'bool' },
  { path: 'handshake.timestamps', kind: 'bool' },
  { path: 'handshake.fastOpen', kind: 'bool' },
  { path: 'handshake.ecn', kind: 'bool' },
  { path: 'handshake.dataOnThirdPacket', kind: 'bool' },
  { path: 'handshake.synRetransmissions', kind: 'int' },
  { path: 'handshake.synAckRetransmissions', kind: 'int' },
  { path: 'handshake.synIntervals', kind: 'list' },
  { path: 'handshake.synAckIntervals', kind: 'list' },
  { path: 'handshake.client', kind: 'present' },
  { path: 'handshake.client.mss', kind: 'float' },
  { path: 'handshake.client.wscale', kind: 'intOrNull' },
  { path: 'handshake.client.sackPermitted', kind: 'bool' },
  { path: 'handshake.client.timestamps', kind: 'bool' },
  { path: 'handshake.client.fastOpen', kind: 'bool' },
  { path: 'handshake.client.ecn', kind: 'bool' },
  { path: 'handshake.server', kind: 'present' },
  { path: 'handshake.server.mss', kind: 'float' },
  { path: 'handshake.server.wscale', kind: 'intOrNull' },
  { path: 'handshake.server.sackPermitted', kind: 'bool' },
  { path: 'handshake.server.timestamps', kind: 'bool' },
  { path: 'handshake.server.fastOpen', kind: 'bool' },
  { path: 'handshake.server.ecn', kind: 'bool' },
  { path: 'handshake.synLine', kind: 'line' },
  { path: 'handshake.synAckLine', kind: 'line' },
  { path: 'handshake.ackLine', kind: 'line' },
  { path: 'close.firstFinFrom', kind: 'side' },
  { path: 'close.simultaneous', kind: 'bool' },
  { path: 'close.rstFrom', kind: 'side' },
  { path: 'close.kind', kind: 'closeKind' },
  { path: 'connState', kind: 'string' },
  { path: 'history', kind: 'string' },
  { path: 'events', kind: 'events' },
  { path: 'notes', kind: 'notes' },
  // Not in the JSON: what packet(), census() and the views need beyond the summary.
  { path: 'firstPacket', kind: 'packet' },
  { path: 'lastPacket', kind: 'packet' },
  /** Final and initial states of each end, as State codes (before TIME_WAIT expires). */
  { path: 'finalClient', kind: 'internal' },
  { path: 'finalServer', kind: 'internal' },
  { path: 'initialClient', kind: 'internal' },
  { path: 'initialServer', kind: 'internal' },
  /** When each end entered TIME_WAIT (NaN if it did not). */
  { path: 'timeWaitClient', kind: 'internalFloat' },
  { path: 'timeWaitServer', kind: 'internalFloat' },
  /** Each side's ISN (or first sequence number seen), for relative numbers. */
  { path: 'baseClient', kind: 'internalFloat' },
  { path: 'baseServer', kind: 'internalFloat' },
] as const satisfies readonly FieldSpec[];

export type FieldPath = (typeof CONNECTION_FIELDS)[number]['path'];

const FLOAT_KINDS: ReadonlySet<FieldKind> = new Set(['float', 'internalFloat']);
const UNSTORED: ReadonlySet<FieldKind> = new Set(['id', 'list', 'events']);
export const LIST_PATHS = CONNECTION_FIELDS.filter((f) => f.kind === 'list').map((f) => f.path);

/** Where each field is stored: its index in the row of the Int32 or the Float64 columns, or its list number. */
export const COLUMN = {} as Record<FieldPath, number>;
let ints = 0;
let floats = 0;
for (const f of CONNECTION_FIELDS as readonly FieldSpec[]) {
  const path = f.path as FieldPath;
  if (f.kind === 'list') COLUMN[path] = LIST_PATHS.indexOf(path as (typeof LIST_PATHS)[number]);
  else if (FLOAT_KINDS.has(f.kind)) COLUMN[path] = floats++;
  else if (!UNSTORED.has(f.kind)) COLUMN[path] = ints++;
}
/** Values per connection in the Int32 columns (connInt), the Float64 columns (connFloat) and lists. */
export const INT_STRIDE = ints;
export const FLOAT_STRIDE = floats;
export const LIST_STRIDE = LIST_PATHS.length;

/** Fields of one kind, as their column in the Int32 row. */
export const intColumnsOf = (kind: FieldKind): number[] =>
  (CONNECTION_FIELDS as readonly FieldSpec[]).filter((f) => f.kind === kind).map((f) => COLUMN[f.path as FieldPath]);

const CLOSE_KINDS = ['four-way', 'combined', 'simultaneous', 'reset', 'half-closed', 'open'] as const;
const SIDES: Side[] = ['client', 'server'];
const NO_STATE = 255;

/** The per-connection columns of a trace (part of TraceSnapshot). */
export interface ConnectionColumns {
  connectionCount: number;
  /** Every endpoint as tcpdump printed it (`addr.port`), one after another. */
  names: string;
  /** Where endpoint i starts in names (endpoint count + 1 entries). */
  nameStart: Int32Array;
  /** Offset of the address/port separator within endpoint i. */
  nameDot: Int32Array;
  connInt: Int32Array;
  connFloat: Float64Array;
  /** Expert events of connection c: eventLine/eventKind[eventStart[c] .. eventStart[c + 1]). */
  eventStart: Int32Array;
  eventLine: Int32Array;
  eventKind: Uint8Array;
  /** List k of connection c: listValues[listStart[c * LIST_STRIDE + k] .. the next start). */
  listStart: Int32Array;
  listValues: Float64Array;
  /** connState, history and problem reasons, each distinct string once. */
  strings: string[];
}

export function endpointName(s: ConnectionColumns, ep: number): string {
  return s.names.slice(s.nameStart[ep], s.nameStart[ep + 1]);
}

export function endpointAddr(s: ConnectionColumns, ep: number): string {
  return s.names.slice(s.nameStart[ep], s.nameStart[ep] + s.nameDot[ep]);
}

export function endpointPort(s: ConnectionColumns, ep: number): string {
  return s.names.slice(s.nameStart[ep] + s.nameDot[ep] + 1, s.nameStart[ep + 1]);
}

/** Each distinct string once, with its id. */
export class StringTable {
  readonly list: string[];
  private readonly index = new Map<string, number>();
  constructor(list: string[] = []) {
    this.list = list;
    list.forEach((s, i) => this.index.set(s, i));
  }
  id(s: string): number {
    let i = this.index.get(s);
    if (i === undefined) {
      i = this.list.push(s) - 1;
      this.index.set(s, i);
    }
    return i;
  }
}

/** What encodeConnections needs of a connection beyond its summary. */
export interface ConnectionInternals {
  clientEp: number;
  serverEp: number;
  firstPacket: number;
  lastPacket: number;
  finalClient: number;
  finalServer: number;
  initialClient: number;
  initialServer: number;
  timeWaitClient: number;
  timeWaitServer: number;
  baseClient: number;
  baseServer: number;
}

function valueAt(o: unknown, path: string): unknown {
  let v = o as Record<string, unknown> | null;
  for (const k of path.split('.')) {
    if (v === null || v === undefined) return undefined;
    v = v[k] as Record<string, unknown> | null;
  }
  return v;
}

/**
 * Writes the rows of `n` connections: summary(c) gives connection c's summary and internals(c)
 * what the views need beyond it. Lists, events and notes go in their own arrays.
 */
export function encodeConnections(
  n: number,
  summary: (c: number) => ConnectionSummary,
  internals: (c: number) => ConnectionInternals,
  strings: StringTable,
): Omit<ConnectionColumns, 'names' | 'nameStart' | 'nameDot' | 'strings'> {
  const connInt = new Int32Array(n * INT_STRIDE);
  const connFloat = new Float64Array(n * FLOAT_STRIDE);
  const eventStart = new Int32Array(n + 1);
  const listStart = new Int32Array(n * LIST_STRIDE + 1);
  const eventLines: number[] = [];
  const eventKinds: number[] = [];
  const listValues: number[] = [];
  const fields = CONNECTION_FIELDS as readonly FieldSpec[];
  for (let c = 0; c < n; c++) {
    const s = summary(c);
    const x = internals(c);
    const i = c * INT_STRIDE;
    const f = c * FLOAT_STRIDE;
    for (let k = 0; k < fields.length; k++) {
      const { path, kind } = fields[k];
      const col = COLUMN[path as FieldPath];
      const v = valueAt(s, path);
      switch (kind) {
        case 'id':
          break;
        case 'int':
          connInt[i + col] = (v as number | undefined) ?? -1;
          break;
        case 'intOrNull':
        case 'line':
          connInt[i + col] = v == null ? -1 : (v as number);
          break;
        case 'float':
          connFloat[f + col] = v == null ? NaN : (v as number);
          break;
        case 'bool':
          connInt[i + col] = v ? 1 : 0;
          break;
        case 'present':
          connInt[i + col] = v == null ? 0 : 1;
          break;
        case 'state':
          connInt[i + col] = v == null ? NO_STATE : STATE_NAMES.indexOf(v as StateName);
          break;
        case 'side':
          connInt[i + col] = v == null ? -1 : SIDES.indexOf(v as Side);
          break;
        case 'closeKind':
          connInt[i + col] = CLOSE_KINDS.indexOf(v as (typeof CLOSE_KINDS)[number]);
          break;
        case 'endpoint':
          connInt[i + col] = path === 'client' ? x.clientEp : x.serverEp;
          break;
        case 'string':
          connInt[i + col] = strings.id(v as string);
          break;
        case 'list':
          for (const value of v as number[]) listValues.push(value);
          listStart[c * LIST_STRIDE + col + 1] = listValues.length;
          break;
        case 'events':
          for (const e of v as ExpertEvent[]) {
            eventLines.push(e.line);
            eventKinds.push(EVENT_KINDS.indexOf(e.kind));
          }
          eventStart[c + 1] = eventLines.length;
          break;
        case 'notes':
          connInt[i + col] = (v as NoteKind[]).reduce((bits, k) => bits | (1 << NOTE_KINDS.indexOf(k)), 0);
          break;
        case 'packet':
        case 'internal':
          connInt[i + col] = x[path as keyof ConnectionInternals];
          break;
        case 'internalFloat':
          connFloat[f + col] = x[path as keyof ConnectionInternals];
          break;
      }
    }
  }
  return {
    connectionCount: n,
    connInt,
    connFloat,
    eventStart,
    eventLine: Int32Array.from(eventLines),
    eventKind: Uint8Array.from(eventKinds),
    listStart,
    listValues: Float64Array.from(listValues),
  };
}

/** The value of one field of connection c, as the summary has it. */
export function readField(s: ConnectionColumns, c: number, spec: FieldSpec): unknown {
  const col = COLUMN[spec.path as FieldPath];
  const i = c * INT_STRIDE + col;
  switch (spec.kind) {
    case 'id':
      return c;
    case 'int':
    case 'packet':
    case 'internal':
      return s.connInt[i];
    case 'intOrNull':
    case 'line':
      return s.connInt[i] < 0 ? null : s.connInt[i];
    case 'float':
    case 'internalFloat': {
      const v = s.connFloat[c * FLOAT_STRIDE + col];
      return v === v ? v : null;
    }
    case 'bool':
    case 'present':
      return s.connInt[i] !== 0;
    case 'state':
      return s.connInt[i] === NO_STATE ? null : STATE_NAMES[s.connInt[i]];
    case 'side':
      return s.connInt[i] < 0 ? null : SIDES[s.connInt[i]];
    case 'closeKind':
      return CLOSE_KINDS[s.connInt[i]];
    case 'endpoint':
      return endpointName(s, s.connInt[i]);
    case 'string':
      return s.strings[s.connInt[i]];
    case 'list': {
      const r = c * LIST_STRIDE + col;
      return Array.from(s.listValues.subarray(s.listStart[r], s.listStart[r + 1]));
    }
    case 'events': {
      const events: ExpertEvent[] = [];
      for (let e = s.eventStart[c]; e < s.eventStart[c + 1]; e++) events.push({ line: s.eventLine[e], kind: EVENT_KINDS[s.eventKind[e]] as EventKind });
      return events;
    }
    case 'notes': {
      const bits = s.connInt[i];
      return bits === 0 ? [] : NOTE_KINDS.filter((_, k) => bits & (1 << k));
    }
  }
}

/** One top-level key of the summary and the fields under it, in order. */
export interface SummaryGroup {
  key: string;
  fields: FieldSpec[];
}

/** The summary's top-level keys, each with its fields (internals left out). */
export const SUMMARY_GROUPS: readonly SummaryGroup[] = (() => {
  const groups: SummaryGroup[] = [];
  for (const f of CONNECTION_FIELDS as readonly FieldSpec[]) {
    if (f.kind === 'packet' || f.kind === 'internal' || f.kind === 'internalFloat') continue;
    const key = f.path.split('.')[0];
    const last = groups[groups.length - 1];
    if (last?.key === key) last.fields.push(f);
    else groups.push({ key, fields: [f] });
  }
  return groups;
})();

/** The value of one top-level key of connection c's summary (an object for nested keys). */
export function readGroup(s: ConnectionColumns, c: number, g: SummaryGroup): unknown {
  if (g.fields.length === 1 && g.fields[0].path === g.key) return readField(s, c, g.fields[0]);
  const root: Record<string, unknown> = {};
  // Objects by path; a present field that reads false makes its object null and skips its fields.
  const objects = new Map<string, Record<string, unknown> | null>([[g.key, root]]);
  for (const f of g.fields) {
    const parentPath = f.path.slice(0, f.path.lastIndexOf('.'));
    const parent = objects.get(parentPath);
    if (!parent) continue;
    const key = f.path.slice(parentPath.length + 1);
    if (f.kind === 'present') {
      const obj = readField(s, c, f) ? {} : null;
      parent[key] = obj;
      objects.set(f.path, obj);
    } else parent[key] = readField(s, c, f);
  }
  return root;
}

/** Connection c's summary as a plain object, keys in the table's order. */
export function readSummary(s: ConnectionColumns, c: number): ConnectionSummary {
  const out: Record<string, unknown> = {};
  for (const g of SUMMARY_GROUPS) out[g.key] = readGroup(s, c, g);
  return out as unknown as ConnectionSummary;
}

/** One Int32 value of connection c's row, by field. */
export function intField(s: ConnectionColumns, c: number, path: FieldPath): number {
  return s.connInt[c * INT_STRIDE + COLUMN[path]];
}

/** One Float64 value of connection c's row, by field (NaN for null). */
export function floatField(s: ConnectionColumns, c: number, path: FieldPath): number {
  return s.connFloat[c * FLOAT_STRIDE + COLUMN[path]];
}
