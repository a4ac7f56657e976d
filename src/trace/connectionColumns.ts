// The figures a trace keeps per connection, as one table (CONNECTION_FIELDS). A trace holds
// them as columns: one Int32Array and one Float64Array row per connection, plus ragged arrays
// for lists. Writing a connection's row, reading it back as the JSON summary, moving its line
// numbers after an edit and splicing rows from a partial analysis all follow from the table.
//
// To add a figure: a row here, its type in ConnectionSummary (model.ts), and the code that
// computes it (summary.ts). The row's place is its place in the JSON.
//
// One module because the table, its storage, the row writer and the readers must agree on
// every column: keeping them together is what makes a figure a one-place change.

import { EVENT_KINDS, LIMIT_KINDS, NOTE_KINDS, UNKNOWN_KINDS, type ConnectionSummary, type EventKind, type ExpertEvent, type NoteKind, type Side } from './model';
import { STATE_NAMES, type StateName } from './states';

/**
 * How a field is stored and what it reads back as.
 * - int: an integer; intOrNull: -1 is null; line: a 1-based line or null (-1), moved by edits.
 * - float: a number or null (NaN).
 * - bool, state (StateName or null), side (Side or null), closeKind, limitKind (LimitKind or
 *   null): small codes.
 * - endpoint: an endpoint id, read as its name; string: an id in the trace's string table.
 * - present: the object at this path exists (1) or is null (0); its fields follow it.
 * - list: number[], in the ragged list arrays; events: the summary's events (in arrays of
 *   their own); notes: a bit per NOTE_KINDS entry; unknowns: a bit per UNKNOWN_KINDS entry.
 * - id: the connection's index, not stored.
 * - packet, packetFloat: not in the JSON: what the views need beyond it (a packet index, a
 *   state code, a time).
 */
export type FieldKind =
  | 'id' | 'int' | 'intOrNull' | 'line' | 'float' | 'bool' | 'state' | 'side' | 'closeKind' | 'limitKind'
  | 'endpoint' | 'string' | 'present' | 'list' | 'events' | 'notes' | 'unknowns' | 'packet' | 'internal' | 'internalFloat';

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
  { path: 'performance.windowScaleKnown', kind: 'bool' },
  { path: 'performance.rtt', kind: 'present' },
  { path: 'performance.rtt.client', kind: 'present' },
  { path: 'performance.rtt.client.samples', kind: 'int' },
  { path: 'performance.rtt.client.minMs', kind: 'float' },
  { path: 'performance.rtt.client.p50Ms', kind: 'float' },
  { path: 'performance.rtt.client.p95Ms', kind: 'float' },
  { path: 'performance.rtt.client.maxMs', kind: 'float' },
  { path: 'performance.rtt.server', kind: 'present' },
  { path: 'performance.rtt.server.samples', kind: 'int' },
  { path: 'performance.rtt.server.minMs', kind: 'float' },
  { path: 'performance.rtt.server.p50Ms', kind: 'float' },
  { path: 'performance.rtt.server.p95Ms', kind: 'float' },
  { path: 'performance.rtt.server.maxMs', kind: 'float' },
  { path: 'performance.handshakeSplit', kind: 'present' },
  { path: 'performance.handshakeSplit.synToSynAckMs', kind: 'float' },
  { path: 'performance.handshakeSplit.synAckToAckMs', kind: 'float' },
  { path: 'performance.timeToFirstByteMs', kind: 'float' },
  { path: 'performance.serverResponseMs', kind: 'float' },
  { path: 'performance.throughput', kind: 'present' },
  { path: 'performance.throughput.client', kind: 'present' },
  { path: 'performance.throughput.client.bytes', kind: 'float' },
  { path: 'performance.throughput.client.seconds', kind: 'float' },
  { path: 'performance.throughput.client.bitsPerSecond', kind: 'float' },
  { path: 'performance.throughput.server', kind: 'present' },
  { path: 'performance.throughput.server.bytes', kind: 'float' },
  { path: 'performance.throughput.server.seconds', kind: 'float' },
  { path: 'performance.throughput.server.bitsPerSecond', kind: 'float' },
  { path: 'performance.unknown', kind: 'unknowns' },
  { path: 'performance.verdict', kind: 'limitKind' },
  { path: 'performance.stallSeconds', kind: 'float' },
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
const LIST_PATHS = CONNECTION_FIELDS.filter((f) => f.kind === 'list').map((f) => f.path);

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

/** Set in eventKind where the event rests on an inferred seq (EVENT_KINDS has fewer than 128 kinds). */
export const EVENT_INFERRED = 0x80;

export const CLOSE_KINDS = ['four-way', 'combined', 'simultaneous', 'reset', 'half-closed', 'open'] as const;
export const SIDES: Side[] = ['client', 'server'];
/** The state code that reads as null (UNKNOWN). */
export const NO_STATE = 255;

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
  /** Expert events of connection c: eventLine/eventPacket/eventKind[eventStart[c] .. eventStart[c + 1]). */
  eventStart: Int32Array;
  eventLine: Int32Array;
  /** The packet (index in the trace) that carries the event: a glued line holds several. */
  eventPacket: Int32Array;
  /** The EVENT_KINDS index, with EVENT_INFERRED where the event rests on an inferred seq. */
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

/** Each distinct string once, with its id; a given list is extended in place. */
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

/** The value of one field of connection c, as the summary has it. */
export function readField(s: ConnectionColumns, c: number, spec: FieldSpec, col: number): unknown {
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
    case 'limitKind':
      return s.connInt[i] < 0 ? null : LIMIT_KINDS[s.connInt[i]];
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
      for (let e = s.eventStart[c]; e < s.eventStart[c + 1]; e++) {
        const k = s.eventKind[e];
        const event: ExpertEvent = { line: s.eventLine[e], packet: s.eventPacket[e], kind: EVENT_KINDS[k & ~EVENT_INFERRED] as EventKind };
        if (k & EVENT_INFERRED) event.inferred = true;
        events.push(event);
      }
      return events;
    }
    case 'notes': {
      const bits = s.connInt[i];
      return bits === 0 ? [] : NOTE_KINDS.filter((_, k) => bits & (1 << k));
    }
    case 'unknowns': {
      const bits = s.connInt[i];
      return bits === 0 ? [] : UNKNOWN_KINDS.filter((_, k) => bits & (1 << k));
    }
  }
}

/** One top-level key of the summary and the fields under it, in order. */
/** One field of a group: where its value goes (object `parent`, under `key`). */
interface Step {
  spec: FieldSpec;
  col: number;
  /** The object it goes in: 0 for the group's own, k for the k-th present field's. */
  parent: number;
  key: string;
  /** For a present field: the number of the object it makes. */
  makes: number;
}

export interface SummaryGroup {
  key: string;
  /** A top-level value (not an object): its field. */
  single: Step | null;
  steps: Step[];
  /** How many objects the group makes (itself and its present fields). */
  objects: number;
}

/** The summary's top-level keys, each with its fields (internals left out), worked out once. */
export const SUMMARY_GROUPS: readonly SummaryGroup[] = (() => {
  const groups: SummaryGroup[] = [];
  let objectOf = new Map<string, number>();
  for (const f of CONNECTION_FIELDS as readonly FieldSpec[]) {
    if (f.kind === 'packet' || f.kind === 'internal' || f.kind === 'internalFloat') continue;
    const top = f.path.split('.')[0];
    let g = groups[groups.length - 1];
    if (g?.key !== top) {
      const single = f.path === top ? { spec: f, col: COLUMN[f.path as FieldPath], parent: 0, key: top, makes: -1 } : null;
      g = { key: top, single, steps: [], objects: 1 };
      groups.push(g);
      objectOf = new Map([[top, 0]]);
    }
    if (g.single) continue;
    const dot = f.path.lastIndexOf('.');
    const step: Step = { spec: f, col: COLUMN[f.path as FieldPath], parent: objectOf.get(f.path.slice(0, dot))!, key: f.path.slice(dot + 1), makes: -1 };
    if (f.kind === 'present') objectOf.set(f.path, (step.makes = g.objects++));
    g.steps.push(step);
  }
  return groups;
})();

/** The value of one top-level key of connection c's summary (an object for nested keys). */
export function readGroup(s: ConnectionColumns, c: number, g: SummaryGroup): unknown {
  if (g.single) return readField(s, c, g.single.spec, g.single.col);
  // The group's objects; a present field that reads false makes its object null and its fields are skipped.
  const objects: Array<Record<string, unknown> | null> = new Array(g.objects).fill(null);
  objects[0] = {};
  for (const st of g.steps) {
    const parent = objects[st.parent];
    if (!parent) continue;
    if (st.makes >= 0) parent[st.key] = objects[st.makes] = readField(s, c, st.spec, st.col) ? {} : null;
    else parent[st.key] = readField(s, c, st.spec, st.col);
  }
  return objects[0];
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

/**
 * Writes connections' rows straight into the columns, one connection after another (start(c)
 * with c ascending): the engine computes each figure and puts it in its column, with no
 * summary object in between. Columns are COLUMN[path]; a list, the events and a connection's
 * every field not written read as their defaults (0, NaN, empty).
 */
export class RowWriter {
  readonly connInt: Int32Array;
  readonly connFloat: Float64Array;
  private readonly eventStart: Int32Array;
  private readonly listStart: Int32Array;
  private readonly eventLines: number[] = [];
  private readonly eventPackets: number[] = [];
  private readonly eventKinds: number[] = [];
  private readonly listValues: number[] = [];
  private c = -1;
  private i = 0;
  private f = 0;
  /** The next list range whose start is not yet set. */
  private nextList = 0;

  constructor(private readonly n: number, private readonly strings: StringTable) {
    this.connInt = new Int32Array(n * INT_STRIDE);
    this.connFloat = new Float64Array(n * FLOAT_STRIDE);
    this.eventStart = new Int32Array(n + 1);
    this.listStart = new Int32Array(n * LIST_STRIDE + 1);
  }

  start(c: number): void {
    this.endRow();
    this.c = c;
    this.i = c * INT_STRIDE;
    this.f = c * FLOAT_STRIDE;
  }

  int(col: number, v: number): void {
    this.connInt[this.i + col] = v;
  }

  /** A line number, or -1 (null). */
  line(col: number, v: number): void {
    this.connInt[this.i + col] = v >= 0 ? v : -1;
  }

  float(col: number, v: number | null): void {
    this.connFloat[this.f + col] = v ?? NaN;
  }

  bool(col: number, v: boolean): void {
    this.connInt[this.i + col] = v ? 1 : 0;
  }

  /** A State code; UNKNOWN reads as null. */
  state(col: number, s: number, unknown: number): void {
    this.connInt[this.i + col] = s === unknown ? NO_STATE : s;
  }

  /** 0: client, 1: server, -1: none (null). */
  side(col: number, d: number): void {
    this.connInt[this.i + col] = d >= 0 ? d : -1;
  }

  closeKind(col: number, kind: (typeof CLOSE_KINDS)[number]): void {
    this.connInt[this.i + col] = CLOSE_KINDS.indexOf(kind);
  }

  /** A LIMIT_KINDS entry, or null (-1). */
  limitKind(col: number, kind: (typeof LIMIT_KINDS)[number] | null): void {
    this.connInt[this.i + col] = kind === null ? -1 : LIMIT_KINDS.indexOf(kind);
  }

  string(col: number, s: string): void {
    this.connInt[this.i + col] = this.strings.id(s);
  }

  /** List number `k` (its COLUMN) of this connection. Lists are written in their order. */
  list(k: number, values: readonly number[]): void {
    const r = this.c * LIST_STRIDE + k;
    this.fillLists(r);
    for (let j = 0; j < values.length; j++) this.listValues.push(values[j]);
    this.listStart[r + 1] = this.listValues.length;
    this.nextList = r + 1;
  }

  /** One expert event of this connection: its line, its packet, its EVENT_KINDS index and whether it rests on an inferred seq. */
  event(line: number, packet: number, kind: number, inferred: boolean): void {
    this.eventLines.push(line);
    this.eventPackets.push(packet);
    this.eventKinds.push(inferred ? kind | EVENT_INFERRED : kind);
  }

  /** The notes, bit k for NOTE_KINDS[k]. */
  notes(col: number, bits: number): void {
    this.connInt[this.i + col] = bits;
  }

  finish(): Omit<ConnectionColumns, 'names' | 'nameStart' | 'nameDot' | 'strings'> {
    this.endRow();
    this.fillLists(this.n * LIST_STRIDE);
    return {
      connectionCount: this.n,
      connInt: this.connInt,
      connFloat: this.connFloat,
      eventStart: this.eventStart,
      eventLine: Int32Array.from(this.eventLines),
      eventPacket: Int32Array.from(this.eventPackets),
      eventKind: Uint8Array.from(this.eventKinds),
      listStart: this.listStart,
      listValues: Float64Array.from(this.listValues),
    };
  }

  private endRow(): void {
    if (this.c >= 0) this.eventStart[this.c + 1] = this.eventLines.length;
  }

  /** Empty lists for ranges before r that were not written. */
  private fillLists(r: number): void {
    for (; this.nextList < r; this.nextList++) this.listStart[this.nextList + 1] = this.listValues.length;
  }
}
