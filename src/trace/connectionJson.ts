// Connection summaries written as JSON bytes straight from the columns: the text
// JSON.stringify gives for readSummary()'s object, in UTF-8, without making that object. The
// table (CONNECTION_FIELDS) is turned once into a list of steps, each with its key's bytes
// ready ("," and quotes included), so a connection costs a pass over the steps and the
// figures' digits, and no object or string per field for the collector.

import { COMMA, LBRACE, LBRACK, RBRACE, RBRACK } from './bytes';
import {
  CLOSE_KINDS, CONNECTION_FIELDS, COLUMN, EVENT_INFERRED, FLOAT_STRIDE, INT_STRIDE, LIST_STRIDE, NO_STATE, SIDES,
  type ConnectionColumns, type FieldKind, type FieldPath, type FieldSpec,
} from './connectionColumns';
import { type JsonBytes, NULL, quoted, utf8 } from './jsonBytes';
import { EVENT_KINDS, LIMIT_KINDS, NOTE_KINDS, UNKNOWN_KINDS } from './model';
import { STATE_NAMES } from './states';

const enum Op {
  /** A field's key and value. */
  Field,
  /** A present field: its object opens, or it is null and its steps are skipped. */
  Open,
  /** An object that is always there (a group, or a path with no present field). */
  Begin,
  /** The end of an object. */
  End,
  /** A value the caller writes (a figure not kept in the columns). */
  Extra,
}

interface Step {
  op: Op;
  /** What comes before the value: a comma unless first in its object, the key, the colon. */
  key: Uint8Array;
  kind: FieldKind;
  col: number;
  /** For Open: the step after its object's End. For Extra: the extra's number. */
  to: number;
}

/** A value added to the JSON beyond the table: written at the end of the object at `in`. */
export interface JsonExtra {
  in: string;
  key: string;
}

const STATES = quoted(STATE_NAMES);
const SIDE_TEXT = quoted(SIDES);
const CLOSE_TEXT = quoted(CLOSE_KINDS);
const LIMIT_TEXT = quoted(LIMIT_KINDS);
const EVENT_TEXT = quoted(EVENT_KINDS);
const NOTE_TEXT = quoted(NOTE_KINDS);
const UNKNOWN_TEXT = quoted(UNKNOWN_KINDS);

const TRUE = utf8('true');
const FALSE = utf8('false');
const EMPTY = utf8('[]');
const EVENT_LINE = utf8('{"line":');
const EVENT_PACKET = utf8(',"packet":');
const EVENT_KIND = utf8(',"kind":');
const INFERRED = utf8(',"inferred":true');

/** The steps that write a summary, with `extras` at the end of their objects. */
function compile(extras: readonly JsonExtra[]): Step[] {
  const steps: Step[] = [];
  // Open objects, innermost last: their path, whether a key was written in them, and where an Open step waits for its End.
  const open: Array<{ path: string; keys: number; openStep: number }> = [];
  const key = (name: string): string => (open[open.length - 1].keys++ ? ',' : '') + JSON.stringify(name) + ':';
  const step = (op: Op, text: string, kind: FieldKind = 'id', col = -1, to = -1) => steps.push({ op, key: utf8(text), kind, col, to });
  const close = () => {
    const o = open[open.length - 1];
    extras.forEach((x, i) => {
      if (x.in === o.path) step(Op.Extra, key(x.key), 'id', -1, i);
    });
    open.pop();
    step(Op.End, '}');
    if (o.openStep >= 0) steps[o.openStep].to = steps.length;
  };
  open.push({ path: '', keys: 0, openStep: -1 });
  const top = () => open[open.length - 1].path;
  const within = (path: string, o: string) => o === '' || path === o || path.startsWith(o + '.');
  for (const f of CONNECTION_FIELDS as readonly FieldSpec[]) {
    if (f.kind === 'packet' || f.kind === 'internal' || f.kind === 'internalFloat') continue;
    const dot = f.path.lastIndexOf('.');
    const parent = dot < 0 ? '' : f.path.slice(0, dot);
    while (!within(parent, top())) close();
    // Objects on the way that no present field makes are always there.
    while (top() !== parent) {
      const at = top();
      const name = parent.slice(at ? at.length + 1 : 0).split('.')[0];
      step(Op.Begin, key(name) + '{');
      open.push({ path: at ? at + '.' + name : name, keys: 0, openStep: -1 });
    }
    const name = f.path.slice(dot + 1);
    const col = f.kind === 'id' ? -1 : COLUMN[f.path as FieldPath];
    if (f.kind === 'present') {
      step(Op.Open, key(name), f.kind, col);
      open.push({ path: f.path, keys: 0, openStep: steps.length - 1 });
    } else step(Op.Field, key(name), f.kind, col);
  }
  while (open.length > 1) close();
  return steps;
}

/**
 * Writes connection summaries as JSON bytes. `extra(k, c, out)` writes the JSON of extras[k]
 * for connection c.
 */
export class ConnectionJsonWriter {
  private readonly steps: Step[];
  private readonly strings: Uint8Array[];

  constructor(
    private readonly s: ConnectionColumns,
    extras: readonly JsonExtra[],
    private readonly extra: (k: number, c: number, out: JsonBytes) => void,
  ) {
    this.steps = compile(extras);
    this.strings = quoted(s.strings);
  }

  /** Writes connection c's summary. */
  write(c: number, out: JsonBytes): void {
    const steps = this.steps;
    out.byte(LBRACE);
    for (let k = 0; k < steps.length; k++) {
      const st = steps[k];
      out.bytes(st.key);
      switch (st.op) {
        case Op.Field:
          this.value(c, st.kind, st.col, out);
          break;
        case Op.Open:
          if (this.s.connInt[c * INT_STRIDE + st.col] !== 0) out.byte(LBRACE);
          else {
            out.bytes(NULL);
            k = st.to - 1;
          }
          break;
        case Op.Extra:
          this.extra(st.to, c, out);
          break;
      }
    }
    out.byte(RBRACE);
  }

  private value(c: number, kind: FieldKind, col: number, out: JsonBytes): void {
    const s = this.s;
    const i = c * INT_STRIDE + col;
    switch (kind) {
      case 'id':
        return out.number(c);
      case 'int':
        return out.number(s.connInt[i]);
      case 'intOrNull':
      case 'line':
        return s.connInt[i] < 0 ? out.bytes(NULL) : out.number(s.connInt[i]);
      case 'float':
        return out.number(s.connFloat[c * FLOAT_STRIDE + col]);
      case 'bool':
      case 'present':
        return out.bytes(s.connInt[i] !== 0 ? TRUE : FALSE);
      case 'state':
        return out.bytes(s.connInt[i] === NO_STATE ? NULL : STATES[s.connInt[i]]);
      case 'side':
        return out.bytes(s.connInt[i] < 0 ? NULL : SIDE_TEXT[s.connInt[i]]);
      case 'closeKind':
        return out.bytes(CLOSE_TEXT[s.connInt[i]]);
      case 'limitKind':
        return out.bytes(s.connInt[i] < 0 ? NULL : LIMIT_TEXT[s.connInt[i]]);
      case 'endpoint': {
        const ep = s.connInt[i];
        return out.string(s.names, s.nameStart[ep], s.nameStart[ep + 1]);
      }
      case 'string':
        return out.bytes(this.strings[s.connInt[i]]);
      case 'list': {
        const r = c * LIST_STRIDE + col;
        out.byte(LBRACK);
        for (let j = s.listStart[r]; j < s.listStart[r + 1]; j++) {
          if (j > s.listStart[r]) out.byte(COMMA);
          out.number(s.listValues[j]);
        }
        return out.byte(RBRACK);
      }
      case 'events': {
        out.byte(LBRACK);
        for (let e = s.eventStart[c]; e < s.eventStart[c + 1]; e++) {
          const k = s.eventKind[e];
          if (e > s.eventStart[c]) out.byte(COMMA);
          out.bytes(EVENT_LINE);
          out.number(s.eventLine[e]);
          out.bytes(EVENT_PACKET);
          out.number(s.eventPacket[e]);
          out.bytes(EVENT_KIND);
          out.bytes(EVENT_TEXT[k & ~EVENT_INFERRED]);
          if (k & EVENT_INFERRED) out.bytes(INFERRED);
          out.byte(RBRACE);
        }
        return out.byte(RBRACK);
      }
      case 'notes':
        return bitsJson(s.connInt[i], NOTE_TEXT, out);
      case 'unknowns':
        return bitsJson(s.connInt[i], UNKNOWN_TEXT, out);
      default:
        throw new Error(`no JSON for a ${kind} field`);
    }
  }
}

/** The names of the bits set, as a JSON array. */
function bitsJson(bits: number, names: readonly Uint8Array[], out: JsonBytes): void {
  if (bits === 0) return out.bytes(EMPTY);
  out.byte(LBRACK);
  let first = true;
  for (let k = 0; k < names.length; k++) {
    if (!(bits & (1 << k))) continue;
    if (!first) out.byte(COMMA);
    out.bytes(names[k]);
    first = false;
  }
  out.byte(RBRACK);
}
