// Re-analysing only the connections an edit touched.
//
// An edit that changes text inside packet lines, and adds or removes no line, can only change
// the 4-tuples of those packets: connections do not look at each other. Their lines are
// analysed again on their own (every other line left empty, so line numbers stay) and the new
// rows replace the old ones in the snapshot.
//
// What the engine keeps across connections is checked instead of assumed: the clock (midnight
// roll-over, -ttt sums, the time final states are taken at), how seq/ack numbers are read, which
// packets make which connection, and half-open floods. When any of them could differ, the result
// is undefined and the caller analyses the whole text, so the outcome is always what a full
// analysis gives.

import { TraceBuilder } from './builder';
import type { TraceOptions } from './model';
import { State } from './states';
import { LineKind } from './scan';
import { packetAtLine, type PacketColumns } from './columns';
import { COLUMN, endpointName, FLOAT_STRIDE, intColumnsOf, INT_STRIDE, LIST_STRIDE, StringTable } from './connectionColumns';
import { kindOfLineBefore, type TextChange } from './edits';
import type { TraceSnapshot } from './snapshot';

/** How the analysis that made a snapshot read seq/ack numbers (TraceBuilder.seqNumbering). */
export interface SeqNumbering {
  absolute: boolean | undefined;
  decidedAtLine: number;
}

export interface Reanalysis {
  snapshot: TraceSnapshot;
  /** The connections analysed again (ids in the snapshot). */
  connections: number[];
  /** How many packets they hold. */
  packets: number;
}

/** Columns the engine computes per packet; line, headLine and conn stay as they were. */
const RECOMPUTED: ReadonlyArray<keyof PacketColumns> = [
  'dir', 'flags', 'seq', 'ack', 'win', 'len', 'time', 'cState', 'sState', 'cT1', 'cT2', 'sT1', 'sT2', 'events',
  'ackRtt', 'inFlight', 'winBytes',
];

/** Columns read from the text: unchanged on every line the edit did not touch. */
const READ: ReadonlyArray<keyof PacketColumns> = ['flags', 'seq', 'ack', 'win', 'len', 'time'];

/** Connection fields that hold a line number (-1 for none), a packet index, or a string id. */
const LINE_FIELDS = intColumnsOf('line');
const PACKET_FIELDS = intColumnsOf('packet');
const STRING_FIELDS = intColumnsOf('string');
const ENDPOINT_FIELDS = intColumnsOf('endpoint');

const same = (a: number, b: number): boolean => a === b || (a !== a && b !== b);

/** The last packet with a time: final states are taken at its time. -1 if none has one. */
function lastTimed(s: TraceSnapshot): number {
  for (let p = s.packetCount - 1; p >= 0; p--) if (s.time[p] === s.time[p]) return p;
  return -1;
}

/**
 * The packet whose text an edit changes, if it changes one packet's lines and nothing else (no
 * line break added or removed); -1 otherwise. `text` is the text before the edit, and `s` its
 * snapshot.
 */
export function touchedPacket(s: TraceSnapshot, text: string, ch: TextChange): number {
  if (ch.text.includes('\n')) return -1;
  const nl = text.indexOf('\n', ch.offset);
  if (nl >= 0 && nl < ch.offset + ch.length) return -1;
  return packetAtLine(s, s.packetCount, ch.line + 1);
}

/**
 * Brings `s` (a snapshot whose lines match `text` line for line) up to date after edits inside
 * the lines of the packets `touched`, analysing only their connections. The result is `s`
 * itself, changed in place (the event and interval arrays are new). Undefined, with `s` left
 * as it was, when the result could differ from a full analysis of `text`.
 */
export function reanalyseTouched(
  s: TraceSnapshot,
  text: string,
  touched: Iterable<number>,
  options: TraceOptions,
  numbering: SeqNumbering,
): Reanalysis | undefined {
  // Repaired text (glued, wrapped, noisy) is read as a whole: such a repair can reach across
  // connections. A flow cut from a longer capture ('relative') is its connection's alone, and
  // delta times no clock told apart ('clock') stay so while the part's clock tells nothing either.
  if (s.repairs.some((r) => (r.kind !== 'relative' && r.kind !== 'clock') || r.count > r.lines.length)) return undefined;
  const dirty = new Set<number>();
  let firstDirtyLine = Infinity;
  for (const p of touched) {
    if (!(p >= 0 && p < s.packetCount)) return undefined;
    dirty.add(p);
    firstDirtyLine = Math.min(firstDirtyLine, s.headLine[p]);
  }
  if (!dirty.size) return { snapshot: s, connections: [], packets: 0 };

  // How seq/ack are read is decided once for the whole trace, by the first packet that tells
  // (TraceBuilder.detectSeqMode). An edit after that line cannot change it: the part is read
  // the same way. Otherwise the part decides for itself (see sameNumbering).
  const opts: TraceOptions = { ...options };
  const decided = options.absoluteSeq !== undefined || (numbering.absolute !== undefined && firstDirtyLine > numbering.decidedAtLine);
  if (options.absoluteSeq === undefined && decided) opts.absoluteSeq = numbering.absolute;

  const affected = affectedConnections(s, dirty);
  const inA = new Uint8Array(s.connectionCount);
  for (const c of affected) inA[c] = 1;
  const inAffected = (line: number) => {
    const p = packetAtLine(s, s.packetCount, line);
    return p < 0 || inA[s.conn[p]] === 1;
  };
  if (s.repairs.some((r) => r.kind !== 'clock' && r.lines.some(inAffected))) return undefined;
  let total = 0;
  for (const c of affected) total += s.connStart[c + 1] - s.connStart[c];
  // The trace's last timed packet goes along, so the part ends at the same moment as the whole.
  const anchor = lastTimed(s);
  const extra = anchor >= 0 && !inA[s.conn[anchor]] ? 1 : 0;
  const packets = new Int32Array(total + extra);
  let k = 0;
  for (const c of affected) for (let i = s.connStart[c]; i < s.connStart[c + 1]; i++) packets[k++] = s.connPackets[i];
  if (extra) packets[k] = anchor;
  packets.sort();

  const part = analysePart(s, text, packets, dirty, opts, extra ? anchor : -1);
  if (!part) return undefined;
  const got = { absolute: part.numbering.absolute, decidedAtLine: part.realLine[part.numbering.decidedAtLine] };
  if (!decided && !sameNumbering(s, inA, numbering, got)) return undefined;
  const map = matchConnections(s, part, packets, inA, dirty);
  if (!map) return undefined;
  return { snapshot: splice(s, part, packets, inA, map), connections: affected, packets: total };
}

/**
 * Whether a full analysis of the edited text would read every packet's numbers as the old one
 * did outside the part, and as the part did inside it. Until a packet decides, numbers are read
 * as relative (an undecided trace and a relative one read alike); the decision looks only at
 * the deciding packet's own 4-tuple. So the full analysis decides where the part does, if no
 * other packet comes before, and other packets read the same if the mode they get is the one
 * they had.
 */
function sameNumbering(s: TraceSnapshot, inA: Uint8Array, was: SeqNumbering, got: SeqNumbering): boolean {
  // The first line of a packet outside the part.
  let other = Infinity;
  for (let p = 0; p < s.packetCount; p++) {
    if (!inA[s.conn[p]]) {
      other = s.headLine[p];
      break;
    }
  }
  if (got.absolute === undefined) return was.absolute === undefined;
  if (got.decidedAtLine >= other) return false;
  return got.absolute ? was.absolute === true && was.decidedAtLine < other : was.absolute !== true;
}

/** Every connection on the 4-tuples of the dirty packets (all incarnations of each). */
function affectedConnections(s: TraceSnapshot, dirty: Set<number>): number[] {
  const pairs = new Set<number>();
  const pairOf = (c: number) => {
    const a = s.connInt[c * INT_STRIDE + COLUMN.client];
    const b = s.connInt[c * INT_STRIDE + COLUMN.server];
    return a < b ? a * 0x100000000 + b : b * 0x100000000 + a;
  };
  for (const p of dirty) pairs.add(pairOf(s.conn[p]));
  const out: number[] = [];
  for (let c = 0; c < s.connectionCount; c++) if (pairs.has(pairOf(c))) out.push(c);
  return out;
}

/** The part's analysis, and the line of the text each of its lines is (realLine[partLine]). */
interface Part {
  snapshot: TraceSnapshot;
  numbering: SeqNumbering;
  realLine: Int32Array;
}

/** Analyses the lines of `packets` alone, one after another; undefined if they read differently. */
function analysePart(s: TraceSnapshot, text: string, packets: Int32Array, dirty: Set<number>, options: TraceOptions, anchor: number): Part | undefined {
  const n = packets.length;
  const realLine = new Int32Array(2 * n + 1);
  const lines: string[] = [];
  // A cursor over the text: line `line` starts at `at`.
  let line = 1;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const p = packets[i];
    for (let l = s.headLine[p]; l <= s.line[p]; l++) {
      for (; line < l; line++) {
        at = text.indexOf('\n', at) + 1;
        if (at === 0) return undefined;
      }
      // A touched line that now starts with white space would pair with a -v header above it.
      if (l === s.headLine[p] && l === s.line[p] && dirty.has(p) && kindOfLineBefore(text, at) === LineKind.IpHeader) return undefined;
      const end = text.indexOf('\n', at);
      lines.push(text.slice(at, end < 0 ? text.length : end));
      realLine[lines.length] = l;
    }
  }
  lines.push('');
  const builder = new TraceBuilder(options);
  builder.push(new TextEncoder().encode(lines.join('\n')));
  const part = builder.finish().snapshot;
  // A line that needed a second look (glued, wrapped, noisy) may read otherwise among its
  // neighbours. The anchor, alone in the part, may look cut from a longer capture: that is the part's.
  const clock = (x: TraceSnapshot) => x.repairs.some((r) => r.kind === 'clock');
  const repaired = clock(part) !== clock(s) || part.repairs.some((r) => r.kind !== 'clock' && (r.kind !== 'relative' || r.count > 1 || realLine[r.lines[0]] !== s.line[anchor]));
  if (part.packetCount !== n || part.skipped !== 0 || part.problemLine.length !== 0 || repaired || builder.heldLines !== 0) return undefined;
  return { snapshot: part, numbering: builder.seqNumbering, realLine: realLine.subarray(0, lines.length) };
}

/**
 * Pairs the part's connections with the snapshot's: the same packets in each, the same client
 * and server, the same moments in SYN_RECEIVED (which half-open floods count), and every
 * untouched packet read the same. Returns part connection → snapshot connection (-1 for the
 * anchor's), or undefined.
 */
function matchConnections(s: TraceSnapshot, { snapshot: part, realLine }: Part, packets: Int32Array, inA: Uint8Array, dirty: Set<number>): Int32Array | undefined {
  const toFull = new Int32Array(part.connectionCount).fill(-2);
  const taken = new Uint8Array(s.connectionCount);
  for (let k = 0; k < packets.length; k++) {
    const p = packets[k];
    if (realLine[part.line[k]] !== s.line[p] || realLine[part.headLine[k]] !== s.headLine[p]) return undefined;
    // The clock must agree everywhere, touched packets too: with -ttt a changed time would move
    // every later packet, and the last time decides which TIME_WAITs have expired.
    if (!same(part.time[k], s.time[p])) return undefined;
    const fc = inA[s.conn[p]] ? s.conn[p] : -1;
    // The anchor is alone in the part, so its numbers are read without its connection's base.
    if (fc >= 0 && !dirty.has(p)) for (const col of READ) if (!same(part[col][k], s[col][p])) return undefined;
    const pc = part.conn[k];
    if (toFull[pc] === -2) {
      if (fc >= 0 && taken[fc]) return undefined;
      toFull[pc] = fc;
      if (fc >= 0) taken[fc] = 1;
    } else if (toFull[pc] !== fc) return undefined;
    if (fc >= 0 && (part.sState[k] === State.SYN_RECEIVED) !== (s.sState[p] === State.SYN_RECEIVED)) return undefined;
  }
  for (let j = 0; j < part.connectionCount; j++) {
    const c = toFull[j];
    if (c < 0) continue;
    for (const f of ENDPOINT_FIELDS) {
      if (endpointName(part, part.connInt[j * INT_STRIDE + f]) !== endpointName(s, s.connInt[c * INT_STRIDE + f])) return undefined;
    }
  }
  return toFull;
}

/** Puts the part's rows in place of the affected connections' rows in `out`, its lines made the text's. */
function splice(out: TraceSnapshot, { snapshot: part, realLine }: Part, packets: Int32Array, inA: Uint8Array, toFull: Int32Array): TraceSnapshot {
  // The limits kept for the connections analysed again no longer hold; theirs are worked out anew.
  if (out.keptLimits) out.keptLimits = out.keptLimits.filter((k) => !inA[k.connection]);
  // SACK blocks: the part's are added after the snapshot's (the old ones are left unused).
  let sackLength = out.sackEdges.length;
  for (let k = 0; k < packets.length; k++) if (inA[out.conn[packets[k]]] && part.sackAt[k] >= 0) sackLength += 1 + 2 * part.sackEdges[part.sackAt[k]];
  const sackEdges = new Float64Array(sackLength);
  sackEdges.set(out.sackEdges);
  let sackEnd = out.sackEdges.length;
  for (let k = 0; k < packets.length; k++) {
    const p = packets[k];
    if (!inA[out.conn[p]]) continue;
    for (const col of RECOMPUTED) out[col][p] = part[col][k];
    const at = part.sackAt[k];
    out.sackAt[p] = at < 0 ? -1 : sackEnd;
    if (at >= 0) {
      const size = 1 + 2 * part.sackEdges[at];
      sackEdges.set(part.sackEdges.subarray(at, at + size), sackEnd);
      sackEnd += size;
    }
  }
  out.sackEdges = sackEdges;

  // The snapshot's own table, with the part's strings added where new.
  const strings = new StringTable(out.strings);
  const fromPart = new Int32Array(out.connectionCount).fill(-1);
  for (let j = 0; j < part.connectionCount; j++) {
    const c = toFull[j];
    if (c < 0) continue;
    fromPart[c] = j;
    const ci = c * INT_STRIDE;
    const pj = j * INT_STRIDE;
    // Endpoint ids are the snapshot's (matchConnections made sure the names are the same).
    const endpoints = ENDPOINT_FIELDS.map((f) => out.connInt[ci + f]);
    out.connInt.set(part.connInt.subarray(pj, pj + INT_STRIDE), ci);
    ENDPOINT_FIELDS.forEach((f, k) => (out.connInt[ci + f] = endpoints[k]));
    for (const f of PACKET_FIELDS) out.connInt[ci + f] = packets[part.connInt[pj + f]];
    for (const f of STRING_FIELDS) out.connInt[ci + f] = strings.id(part.strings[part.connInt[pj + f]]);
    for (const f of LINE_FIELDS) if (out.connInt[ci + f] > 0) out.connInt[ci + f] = realLine[out.connInt[ci + f]];
    out.connFloat.set(part.connFloat.subarray(j * FLOAT_STRIDE, (j + 1) * FLOAT_STRIDE), c * FLOAT_STRIDE);
  }

  // Events (one range per connection) and lists (LIST_STRIDE ranges per connection).
  const ev = regroup(out.eventStart, part.eventStart, fromPart, 1, [
    [out.eventLine, part.eventLine],
    [out.eventPacket, part.eventPacket],
    [out.eventKind, part.eventKind],
  ]);
  out.eventStart = ev.start;
  [out.eventLine, out.eventPacket, out.eventKind] = ev.values as [Int32Array, Int32Array, Uint8Array];
  for (let j = 0; j < part.connectionCount; j++) {
    const c = toFull[j];
    if (c < 0) continue;
    for (let e = out.eventStart[c]; e < out.eventStart[c + 1]; e++) {
      out.eventLine[e] = realLine[out.eventLine[e]];
      out.eventPacket[e] = packets[out.eventPacket[e]];
    }
  }
  const lists = regroup(out.listStart, part.listStart, fromPart, LIST_STRIDE, [[out.listValues, part.listValues]]);
  out.listStart = lists.start;
  [out.listValues] = lists.values as [Float64Array];
  return out;
}

type Column = Int32Array | Uint8Array | Float64Array;

/**
 * Ranged per-connection values (`per` ranges each) rebuilt with the part's ranges for the
 * connections it analysed (fromPart[c] >= 0) and the old ranges for the rest.
 */
function regroup(oldStart: Int32Array, partStart: Int32Array, fromPart: Int32Array, per: number, columns: Array<[Column, Column]>): { start: Int32Array; values: Column[] } {
  const ranges = fromPart.length * per;
  const start = new Int32Array(ranges + 1);
  const src = (r: number): [Int32Array, number] => {
    const j = fromPart[Math.floor(r / per)];
    return j >= 0 ? [partStart, j * per + (r % per)] : [oldStart, r];
  };
  for (let r = 0; r < ranges; r++) {
    const [st, i] = src(r);
    start[r + 1] = start[r] + st[i + 1] - st[i];
  }
  const values = columns.map(([old, part]) => {
    const out = new (old.constructor as { new (n: number): Column })(start[ranges]);
    for (let r = 0; r < ranges; r++) {
      const [st, i] = src(r);
      out.set((st === partStart ? part : old).subarray(st[i], st[i + 1]), start[r]);
    }
    return out;
  });
  return { start, values };
}
