// A filter language over connections and packets, with the JSON's names:
//   flags.rst   event == retransmission   connState == REJ   state.server == CLOSE_WAIT
//   rttMs > 100   port == 443   host == 10.0.0.1   line >= 1000   and, or, not, ( )
// A small recursive-descent parser; every error says at which column it is. A connection
// matches a packet field (flags.rst, seq, len...) when any of its packets does.

import { CONN_STATE_TEXT } from './zeek';
import { EVENT_KINDS, LIMIT_KINDS, NOTE_KINDS, type ConnectionSummary, type PacketInfo, type Trace } from './model';
import { STATE_NAMES } from './states';

/** A parse error: `column` and `end` are 0-based offsets into the expression. */
export class FilterError extends Error {
  /** The message in Chinese; `message` is in English. */
  readonly zh: string;
  constructor([en, zh]: [string, string], readonly column: number, readonly end: number = column + 1) {
    super(en);
    this.zh = zh;
  }
}

type Value = number | string | boolean | null;
type Kind = 'number' | 'string' | 'bool';

interface Field {
  kind: Kind;
  /** The names a string field takes (compared without case), for checking and completion. */
  values?: readonly string[];
  /** Help shown in completion. */
  doc: string;
  conn?: (c: ConnectionSummary, x: Context) => Value | Value[];
  packet?: (p: PacketInfo, c: ConnectionSummary) => Value | Value[];
}

const FLAG_BITS: Record<string, number> = { fin: 1, syn: 2, rst: 4, psh: 8, ack: 16, urg: 32, ece: 64, cwr: 128, ae: 256 };
const STATES = STATE_NAMES.filter((s) => s !== 'UNKNOWN');
const CONN_STATES = Object.keys(CONN_STATE_TEXT);

const addr = (ep: string) => ep.slice(0, ep.lastIndexOf('.'));
const portOf = (ep: string) => Number(ep.slice(ep.lastIndexOf('.') + 1));

/** Per connection: every flag any of its packets carried, computed once per trace. */
interface Context {
  flagsOf(connection: number): number;
}

const FIELDS: Record<string, Field> = {
  host: { kind: 'string', doc: 'client or server address (a packet: source or destination)', conn: (c) => [addr(c.client), addr(c.server)], packet: (p) => [p.src, p.dst] },
  port: { kind: 'number', doc: 'client or server port', conn: (c) => [portOf(c.client), portOf(c.server)], packet: (p) => [Number(p.sport), Number(p.dport)] },
  client: { kind: 'string', doc: 'client address.port', conn: (c) => c.client },
  server: { kind: 'string', doc: 'server address.port', conn: (c) => c.server },
  connection: { kind: 'number', doc: 'connection id', conn: (c) => c.id, packet: (p) => p.connection },
  connState: { kind: 'string', values: CONN_STATES, doc: "Zeek's conn_state", conn: (c) => c.connState },
  history: { kind: 'string', doc: "Zeek's history letters", conn: (c) => c.history },
  'state.client': { kind: 'string', values: STATES, doc: "the client's state (at the end; a packet: after it)", conn: (c) => c.clientState, packet: (p) => p.after.client },
  'state.server': { kind: 'string', values: STATES, doc: "the server's state (at the end; a packet: after it)", conn: (c) => c.serverState, packet: (p) => p.after.server },
  rttMs: { kind: 'number', doc: 'handshake round-trip time in ms', conn: (c) => c.handshake.rttMs },
  packets: { kind: 'number', doc: 'packets in the connection', conn: (c) => c.packets },
  bytes: { kind: 'number', doc: 'payload bytes both ways', conn: (c) => c.bytes.client + c.bytes.server },
  duration: { kind: 'number', doc: 'seconds from first to last packet', conn: (c) => c.duration },
  event: { kind: 'string', values: EVENT_KINDS, doc: "an expert event (tshark's names)", conn: (c) => c.events.map((e) => e.kind), packet: (p) => p.events },
  note: { kind: 'string', values: NOTE_KINDS, doc: 'what was inferred', conn: (c) => c.notes },
  verdict: { kind: 'string', values: LIMIT_KINDS, doc: 'the limit that cost the connection the most time', conn: (c) => c.performance.verdict },
  stallSeconds: { kind: 'number', doc: 'seconds in stalls', conn: (c) => c.performance.stallSeconds },
  midStream: { kind: 'bool', doc: 'the capture started after the handshake', conn: (c) => c.midStream },
  roleInferred: { kind: 'bool', doc: 'roles come from the ports', conn: (c) => c.roleInferred },
  line: { kind: 'number', doc: 'line number (a connection: any line it spans)', conn: () => null, packet: (p) => p.line },
  from: { kind: 'string', values: ['client', 'server'], doc: 'who sent the packet', packet: (p) => p.from },
  src: { kind: 'string', doc: 'source address', packet: (p) => p.src },
  dst: { kind: 'string', doc: 'destination address', packet: (p) => p.dst },
  sport: { kind: 'number', doc: 'source port', packet: (p) => Number(p.sport) },
  dport: { kind: 'number', doc: 'destination port', packet: (p) => Number(p.dport) },
  seq: { kind: 'number', doc: 'absolute sequence number', packet: (p) => p.seq },
  ack: { kind: 'number', doc: 'absolute acknowledgment number', packet: (p) => p.ack },
  win: { kind: 'number', doc: 'window as printed', packet: (p) => p.win },
  len: { kind: 'number', doc: 'payload length', packet: (p) => p.len },
  time: { kind: 'number', doc: 'time stamp in seconds', packet: (p) => p.time },
};
for (const [name, bit] of Object.entries(FLAG_BITS)) {
  FIELDS[`flags.${name}`] = { kind: 'bool', doc: `${name.toUpperCase()} flag`, conn: (c, x) => (x.flagsOf(c.id) & bit) !== 0, packet: (p) => (p.flagBits & bit) !== 0 };
}
// The JSON's own names for the states.
FIELDS.clientState = FIELDS['state.client'];
FIELDS.serverState = FIELDS['state.server'];

/** Field names with what they mean, for completion. */
export const FILTER_FIELDS: ReadonlyArray<{ name: string; doc: string; values?: readonly string[] }> = Object.entries(FIELDS).map(([name, f]) => ({ name, doc: f.doc, values: f.values }));

type Op = '==' | '!=' | '<' | '<=' | '>' | '>=';
type Node =
  | { t: 'and' | 'or'; a: Node; b: Node }
  | { t: 'not'; a: Node }
  | { t: 'test'; field: string; op: Op | null; value: Value };

export interface Filter {
  readonly source: string;
  readonly root: Node;
  /** True when it names a packet-only field: then a connection needs its packets. */
  readonly usesPackets: boolean;
}

interface Token {
  kind: 'word' | 'string' | 'op' | '(' | ')' | 'end';
  text: string;
  at: number;
  end: number;
}

const MAX_DEPTH = 64;
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13;
/** Characters that end a bare word. */
const STOP = new Set(['(', ')', '=', '!', '<', '>', '"', '&', '|']);

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    const ch = s[i];
    const two = s.slice(i, i + 2);
    if (ch === '(' || ch === ')') {
      out.push({ kind: ch, text: ch, at: i, end: i + 1 });
      i++;
    } else if (two === '==' || two === '!=' || two === '<=' || two === '>=' || two === '&&' || two === '||') {
      out.push({ kind: two === '&&' || two === '||' ? 'word' : 'op', text: two === '&&' ? 'and' : two === '||' ? 'or' : two, at: i, end: i + 2 });
      i += 2;
    } else if (ch === '<' || ch === '>' || ch === '=') {
      out.push({ kind: 'op', text: ch === '=' ? '==' : ch, at: i, end: i + 1 });
      i++;
    } else if (ch === '!') {
      out.push({ kind: 'word', text: 'not', at: i, end: i + 1 });
      i++;
    } else if (ch === '"') {
      const close = s.indexOf('"', i + 1);
      if (close < 0) throw new FilterError(['this quote is not closed', '引号没有闭合'], i, s.length);
      out.push({ kind: 'string', text: s.slice(i + 1, close), at: i, end: close + 1 });
      i = close + 1;
    } else if (ch === '&' || ch === '|') {
      throw new FilterError([`'${ch}' alone: write 'and' or 'or' (or ${ch}${ch})`, `单个 '${ch}'：请写 and 或 or（或 ${ch}${ch}）`], i);
    } else {
      const start = i;
      while (i < s.length && !isSpace(s.charCodeAt(i)) && !STOP.has(s[i])) i++;
      out.push({ kind: 'word', text: s.slice(start, i), at: start, end: i });
    }
  }
  out.push({ kind: 'end', text: '', at: s.length, end: s.length });
  return out;
}

const KEYWORDS = new Set(['and', 'or', 'not']);

/** Parses a filter; throws FilterError with the column of the mistake. */
export function parseFilter(source: string): Filter {
  const toks = tokenize(source);
  let k = 0;
  let usesPackets = false;
  const peek = () => toks[k];
  const isWord = (w: string) => toks[k].kind === 'word' && toks[k].text.toLowerCase() === w;

  const or = (depth: number): Node => {
    let a = and(depth);
    while (isWord('or')) {
      k++;
      a = { t: 'or', a, b: and(depth) };
    }
    return a;
  };
  const and = (depth: number): Node => {
    let a = not(depth);
    while (isWord('and')) {
      k++;
      a = { t: 'and', a, b: not(depth) };
    }
    return a;
  };
  const not = (depth: number): Node => {
    if (depth > MAX_DEPTH) throw new FilterError(['nested too deeply', '嵌套过深'], peek().at);
    if (isWord('not')) {
      k++;
      return { t: 'not', a: not(depth + 1) };
    }
    return primary(depth);
  };
  const primary = (depth: number): Node => {
    const tok = peek();
    if (tok.kind === '(') {
      k++;
      const inner = or(depth + 1);
      if (peek().kind !== ')') throw new FilterError([`expected ')' to close the '(' at column ${tok.at + 1}`, `缺少 ')'，用来闭合第 ${tok.at + 1} 列的 '('`], peek().at, peek().end);
      k++;
      return inner;
    }
    if (tok.kind === 'end') throw new FilterError(k === 0 ? ['empty filter', '筛选表达式为空'] : ['expected a field here', '此处应为字段'], tok.at);
    if (tok.kind !== 'word' || KEYWORDS.has(tok.text.toLowerCase())) throw new FilterError([`expected a field, not '${tok.text}'`, `此处应为字段，而不是 '${tok.text}'`], tok.at, tok.end);
    const field = FIELDS[tok.text] ?? FIELDS[caseless(tok.text)];
    if (!field) throw new FilterError([`unknown field '${tok.text}'${suggest(tok.text, 'en')}`, `未知字段 '${tok.text}'${suggest(tok.text, 'zh')}`], tok.at, tok.end);
    const name = FIELDS[tok.text] ? tok.text : caseless(tok.text);
    if (!field.conn || field === FIELDS.line) usesPackets = true;
    k++;
    const op = peek();
    if (op.kind !== 'op') {
      if (field.kind !== 'bool') throw new FilterError([`'${name}' needs a comparison, such as ${example(name, field)}`, `'${name}' 需要比较，例如 ${example(name, field)}`], op.at, op.end);
      return { t: 'test', field: name, op: null, value: true };
    }
    k++;
    const v = peek();
    if (v.kind !== 'word' && v.kind !== 'string') throw new FilterError([`expected a value after '${op.text}'`, `'${op.text}' 后面应为一个值`], v.at, v.end);
    k++;
    return { t: 'test', field: name, op: op.text as Op, value: checkValue(name, field, op, v) };
  };

  const root = or(0);
  if (peek().kind !== 'end') {
    const t = peek();
    throw new FilterError(t.kind === ')' ? ["this ')' closes nothing", "这个 ')' 没有对应的 '('"] : [`expected 'and', 'or' or the end, not '${t.text}'`, `此处应为 and、or 或结尾，而不是 '${t.text}'`], t.at, t.end);
  }
  return { source, root, usesPackets };
}

/** What may follow where an expression ends: `from` is where the word being typed starts. */
export interface FilterCompletion {
  from: number;
  /** `hint`: for a field, an example of its use (no words, so no language). */
  items: Array<{ text: string; hint?: string }>;
}

const OPS_OF: Record<Kind, string[]> = { number: ['==', '!=', '<', '<=', '>', '>='], string: ['==', '!='], bool: ['and', 'or', '=='] };
const WORD_CHAR = /[\w.-]/;

/**
 * Completion at the end of `text`: field names where a test starts, a field's operators after
 * it, a field's values after its operator (named states, conn_state, events, true/false), and
 * `and` / `or` after a value. Case is ignored; what is typed already is not offered again.
 */
export function completeFilter(text: string): FilterCompletion {
  let from = text.length;
  while (from > 0 && WORD_CHAR.test(text[from - 1])) from--;
  const word = text.slice(from).toLowerCase();
  const before = text.slice(0, from).trimEnd();
  const fits = (s: string) => s.toLowerCase().startsWith(word) && s.toLowerCase() !== word;
  const fieldNamed = (name: string | undefined) => (name ? FIELDS[name] ?? FIELDS[caseless(name)] : undefined);
  const op = /(==|!=|<=|>=|=|<|>)$/.exec(before);
  if (op) {
    const name = /([\w.]+)\s*$/.exec(before.slice(0, -op[1].length))?.[1];
    const f = fieldNamed(name);
    const values = f?.values ?? (f?.kind === 'bool' ? ['true', 'false'] : []);
    return { from, items: values.filter(fits).map((v) => ({ text: v })) };
  }
  const joiners = ['and', 'or'].filter(fits).map((k) => ({ text: k }));
  // After a value, or a closing parenthesis: and, or.
  if (/(?:==|!=|<=|>=|=|<|>)\s*(?:"[^"]*"|[\w.:-]+)$/.test(before) || before.endsWith(')')) return { from, items: joiners };
  // After a field: its operators (a flag may stand alone).
  const prev = /(?:^|[\s(!])([\w.]+)$/.exec(before)?.[1];
  const f = prev && !KEYWORDS.has(prev.toLowerCase()) ? fieldNamed(prev) : undefined;
  if (f && from === text.length && text.length > before.length) return { from, items: OPS_OF[f.kind].map((o) => ({ text: o })) };
  if (f) return { from, items: f.kind === 'bool' ? joiners : [] };
  // Where a test starts: every field, and not.
  const items: FilterCompletion['items'] = Object.entries(FIELDS).filter(([name]) => fits(name)).map(([name, fd]) => ({ text: name, hint: fd.kind === 'bool' ? name : example(name, fd) }));
  if (fits('not')) items.push({ text: 'not' });
  return { from, items };
}

function caseless(name: string): string {
  const lower = name.toLowerCase();
  return Object.keys(FIELDS).find((f) => f.toLowerCase() === lower) ?? name;
}

function suggest(name: string, lang: 'en' | 'zh'): string {
  const lower = name.toLowerCase();
  const near = Object.keys(FIELDS).filter((f) => f.toLowerCase().startsWith(lower.slice(0, 3)));
  if (!near.length) return '';
  return lang === 'zh' ? `；是不是 ${near.slice(0, 3).join('、')}？` : `; did you mean ${near.slice(0, 3).join(', ')}?`;
}

function example(name: string, f: Field): string {
  return f.values ? `${name} == ${f.values[0]}` : f.kind === 'number' ? `${name} > 0` : `${name} == x`;
}

function checkValue(name: string, f: Field, op: Token, v: Token): Value {
  if (f.kind === 'number') {
    const n = Number(v.text);
    if (v.kind !== 'word' || v.text === '' || !Number.isFinite(n)) throw new FilterError([`'${name}' takes a number`, `'${name}' 的值应为数字`], v.at, v.end);
    return n;
  }
  if (op.text !== '==' && op.text !== '!=') throw new FilterError([`'${name}' takes == or !=`, `'${name}' 只能用 == 或 !=`], op.at, op.end);
  if (f.kind === 'bool') {
    const b = v.text.toLowerCase();
    if (b !== 'true' && b !== 'false') throw new FilterError([`'${name}' is true or false`, `'${name}' 的值为 true 或 false`], v.at, v.end);
    return b === 'true';
  }
  if (f.values) {
    const hit = f.values.find((x) => x.toLowerCase() === v.text.toLowerCase().replace(/-/g, '_'));
    if (!hit) throw new FilterError([`'${v.text}' is not a value of ${name}: ${f.values.join(', ')}`, `'${v.text}' 不是 ${name} 的取值：${f.values.join('、')}`], v.at, v.end);
    return hit;
  }
  return v.text;
}

function compare(x: Value, op: Op | null, v: Value): boolean {
  if (op === null) return x === true;
  if (x === null || x === undefined || (typeof x === 'number' && x !== x)) return op === '!=';
  switch (op) {
    case '==':
      return typeof x === 'string' && typeof v === 'string' ? x.toLowerCase() === v.toLowerCase() : x === v;
    case '!=':
      return typeof x === 'string' && typeof v === 'string' ? x.toLowerCase() !== v.toLowerCase() : x !== v;
    case '<':
      return (x as number) < (v as number);
    case '<=':
      return (x as number) <= (v as number);
    case '>':
      return (x as number) > (v as number);
    case '>=':
      return (x as number) >= (v as number);
  }
}

/** Any of the values compares true; != means none is equal. */
function test(xs: Value | Value[], op: Op | null, v: Value): boolean {
  if (!Array.isArray(xs)) return compare(xs, op, v);
  if (op === '!=') return !xs.some((x) => compare(x, '==', v));
  return xs.some((x) => compare(x, op, v));
}

function evaluate(n: Node, leaf: (field: string, op: Op | null, value: Value) => boolean): boolean {
  switch (n.t) {
    case 'and':
      return evaluate(n.a, leaf) && evaluate(n.b, leaf);
    case 'or':
      return evaluate(n.a, leaf) || evaluate(n.b, leaf);
    case 'not':
      return !evaluate(n.a, leaf);
    case 'test':
      return leaf(n.field, n.op, n.value);
  }
}

/** Whether one packet matches; its connection answers the connection fields. */
export function matchPacket(f: Filter, p: PacketInfo, c: ConnectionSummary, x: Context): boolean {
  return evaluate(f.root, (name, op, value) => {
    const field = FIELDS[name];
    return test(field.packet ? field.packet(p, c) : field.conn!(c, x), op, value);
  });
}

/**
 * Whether a connection matches. A packet field holds when any of its packets has it
 * (`packetsOf` is asked only for filters that name one); `line` compares the lines it spans.
 */
export function matchConnection(f: Filter, c: ConnectionSummary, x: Context, packetsOf: (c: number) => PacketInfo[]): boolean {
  let pk: PacketInfo[] | null = null;
  return evaluate(f.root, (name, op, value) => {
    const field = FIELDS[name];
    if (name === 'line') return spans(c, op!, value as number);
    if (field.conn) return test(field.conn(c, x), op, value);
    pk ??= packetsOf(c.id);
    return pk.some((p) => test(field.packet!(p, c), op, value));
  });
}

function spans(c: ConnectionSummary, op: Op, v: number): boolean {
  switch (op) {
    case '==':
      return c.firstLine <= v && v <= c.lastLine;
    case '!=':
      return !(c.firstLine <= v && v <= c.lastLine);
    case '<':
      return c.firstLine < v;
    case '<=':
      return c.firstLine <= v;
    case '>':
      return c.lastLine > v;
    case '>=':
      return c.lastLine >= v;
  }
}

/** What matching needs of a trace: every flag each connection's packets carried. */
export function filterContext(trace: Trace): Context {
  let flags: Uint16Array | null = null;
  return {
    flagsOf(c: number): number {
      if (!flags) {
        flags = new Uint16Array(trace.connections.length);
        const cols = trace.columns;
        for (let p = 0; p < trace.packetCount; p++) flags[cols.conn[p]] |= cols.flags[p];
      }
      return flags[c] ?? 0;
    },
  };
}

/** The connections of `trace` that match. */
export function filterConnections(trace: Trace, f: Filter): ConnectionSummary[] {
  const x = filterContext(trace);
  const packetsOf = (c: number) => trace.packetsOf(c).map((p) => trace.packet(p));
  return trace.connections.filter((c) => matchConnection(f, c, x, packetsOf));
}

/** The indexes of the packets of `trace` that match. */
export function filterPackets(trace: Trace, f: Filter): number[] {
  const x = filterContext(trace);
  const conns = trace.connections;
  const out: number[] = [];
  for (let p = 0; p < trace.packetCount; p++) {
    const info = trace.packet(p);
    if (matchPacket(f, info, conns[info.connection], x)) out.push(p);
  }
  return out;
}
