// Edits of a document's text that need no new analysis: what one edit does to the lines
// (applyChange), and a snapshot brought up to date by moving line numbers (shiftSnapshot).

import { TraceBuilder } from './builder';
import { intColumnsOf, INT_STRIDE } from './connectionColumns';
import { LineKind, LineRecord, scanLine } from './scan';
import { cloneSnapshot, type TraceSnapshot } from './snapshot';

/** Connection fields that hold a line number. */
const LINE_COLUMNS = intColumnsOf('line');

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
  for (let c = 0; c < out.connectionCount; c++) for (const col of LINE_COLUMNS) move(ci, c * INT_STRIDE + col);
  for (let e = 0; e < out.eventLine.length; e++) move(out.eventLine, e);
  for (let e = 0; e < out.problemLine.length; e++) move(out.problemLine, e);
  for (const f of out.halfOpenFloods) if (f.line > afterLine) f.line += delta;
  for (const r of out.repairs) r.lines = r.lines.map((l) => (l > afterLine ? l + delta : l));
  // New objects: the clone shares the kept limits with the snapshot it was made from.
  const at = (l: number) => (l > afterLine ? l + delta : l);
  if (out.keptLimits) out.keptLimits = out.keptLimits.map(({ connection, limits }) => ({
    connection,
    limits: {
      ...limits,
      limits: limits.limits.map((x) => ({ ...x, lines: x.lines.map(at) })),
      stalls: limits.stalls.map((x) => ({ ...x, startLine: at(x.startLine), endLine: at(x.endLine) })),
    },
  }));
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
