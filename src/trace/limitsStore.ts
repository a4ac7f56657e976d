// The limits and stalls the builder works out for each connection's verdict (performance.ts),
// kept as numbers in two growing typed arrays for the JSON's `limits` and `stalls`, so that
// writing the JSON does not work them out a second time. Objects per connection would cost far
// more memory than these few numbers.
//
// Per connection, from intStart[c] and floatStart[c]: why there is no verdict (UNKNOWN's index
// plus one, 0 when there is one), the number of limits, then for each its
// kind (LIMIT_KINDS index), seconds and share (floats), the number of its lines and the lines;
// then the number of stalls, and for each its start line, end line, seconds (a float) and
// cause (LIMIT_KINDS index).

import { COMMA, LBRACK, RBRACE, RBRACK } from './bytes';
import { quoted, utf8, type JsonBytes } from './jsonBytes';
import type { Limit, Limits, LimitsUnknown, Stall } from './limits';
import { LIMIT_KINDS } from './model';

const KIND_INDEX = new Map<string, number>(LIMIT_KINDS.map((k, i) => [k, i]));
const UNKNOWN: LimitsUnknown[] = ['no_time', 'no_seq'];
const KIND_TEXT = quoted(LIMIT_KINDS);
const LIMIT_KIND = utf8('{"kind":');
const SECONDS = utf8(',"seconds":');
const SHARE = utf8(',"share":');
const LINES = utf8(',"lines":[');
const END_LINES = utf8(']}');
const START_LINE = utf8('{"startLine":');
const END_LINE = utf8(',"endLine":');
const CAUSE = utf8(',"cause":');

/** A typed array with room for `need` values: grown by half again, so a slight overshoot costs little. */
function room<T extends Int32Array | Float64Array>(a: T, used: number, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(need, Math.ceil(a.length * 1.5)));
  b.set(a.subarray(0, used));
  return b;
}

export class LimitsStore {
  private ints: Int32Array;
  private floats: Float64Array;
  private ni = 0;
  private nf = 0;
  /** Where connection c's numbers start; -1 where none were kept. */
  private readonly intStart: Int32Array;
  private readonly floatStart: Int32Array;

  constructor(connections: number) {
    this.intStart = new Int32Array(connections).fill(-1);
    this.floatStart = new Int32Array(connections);
    // About what a short connection needs: three limits with a line or two each.
    this.ints = new Int32Array(16 * connections + 64);
    this.floats = new Float64Array(6 * connections + 16);
  }

  /** Keeps connection c's limits and stalls. */
  add(c: number, l: Limits): void {
    let ni = 3 + 3 * l.stalls.length;
    for (const x of l.limits) ni += 2 + x.lines.length;
    this.ints = room(this.ints, this.ni, this.ni + ni);
    this.floats = room(this.floats, this.nf, this.nf + 2 * l.limits.length + l.stalls.length);
    const v = this.ints;
    const f = this.floats;
    let i = (this.intStart[c] = this.ni);
    let k = (this.floatStart[c] = this.nf);
    v[i++] = l.unknown === null ? 0 : UNKNOWN.indexOf(l.unknown) + 1;
    v[i++] = l.limits.length;
    for (const x of l.limits) {
      v[i++] = KIND_INDEX.get(x.kind)!;
      f[k++] = x.seconds;
      f[k++] = x.share;
      v[i++] = x.lines.length;
      for (const line of x.lines) v[i++] = line;
    }
    v[i++] = l.stalls.length;
    for (const s of l.stalls) {
      v[i++] = s.startLine;
      v[i++] = s.endLine;
      f[k++] = s.seconds;
      v[i++] = KIND_INDEX.get(s.cause)!;
    }
    this.ni = i;
    this.nf = k;
  }

  has(c: number): boolean {
    return c >= 0 && c < this.intStart.length && this.intStart[c] >= 0;
  }

  /** Connection c's limits, as connectionLimits() gave them: for the text report's verdict line. */
  limits(c: number): Limits {
    const v = this.ints;
    const f = this.floats;
    let i = this.intStart[c];
    let k = this.floatStart[c];
    const unknown = v[i++];
    const limits: Limit[] = [];
    for (let n = v[i++]; n > 0; n--) {
      const kind = LIMIT_KINDS[v[i++]];
      const seconds = f[k++];
      const share = f[k++];
      const lines: number[] = [];
      for (let j = v[i++]; j > 0; j--) lines.push(v[i++]);
      limits.push({ kind, seconds, share, lines });
    }
    const stalls: Stall[] = [];
    for (let n = v[i++]; n > 0; n--, i += 3) stalls.push({ startLine: v[i], endLine: v[i + 1], seconds: f[k++], cause: LIMIT_KINDS[v[i + 2]] });
    return { limits, verdict: limits.length ? limits[0].kind : null, stalls, unknown: unknown ? UNKNOWN[unknown - 1] : null };
  }

  /** Writes connection c's limits as JSON: JSON.stringify of its Limit objects. */
  writeLimits(c: number, out: JsonBytes): void {
    const v = this.ints;
    const f = this.floats;
    let i = this.intStart[c] + 1;
    let k = this.floatStart[c];
    const count = v[i++];
    out.byte(LBRACK);
    for (let n = 0; n < count; n++) {
      if (n) out.byte(COMMA);
      out.bytes(LIMIT_KIND);
      out.bytes(KIND_TEXT[v[i++]]);
      out.bytes(SECONDS);
      out.number(f[k++]);
      out.bytes(SHARE);
      out.number(f[k++]);
      out.bytes(LINES);
      const lines = v[i++];
      for (let j = 0; j < lines; j++) {
        if (j) out.byte(COMMA);
        out.number(v[i++]);
      }
      out.bytes(END_LINES);
    }
    out.byte(RBRACK);
  }

  /** Writes connection c's stalls as JSON: JSON.stringify of its Stall objects. */
  writeStalls(c: number, out: JsonBytes): void {
    const v = this.ints;
    const f = this.floats;
    let i = this.intStart[c] + 1;
    let k = this.floatStart[c];
    const count = v[i++];
    for (let n = 0; n < count; n++) {
      i += 2 + v[i + 1];
      k += 2;
    }
    const stalls = v[i++];
    out.byte(LBRACK);
    for (let n = 0; n < stalls; n++) {
      if (n) out.byte(COMMA);
      out.bytes(START_LINE);
      out.number(v[i]);
      out.bytes(END_LINE);
      out.number(v[i + 1]);
      out.bytes(SECONDS);
      out.number(f[k++]);
      out.bytes(CAUSE);
      out.bytes(KIND_TEXT[v[i + 2]]);
      out.byte(RBRACE);
      i += 3;
    }
    out.byte(RBRACK);
  }
}
