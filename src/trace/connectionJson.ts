// Connection summaries written as JSON text straight from the columns: the text
// JSON.stringify gives for readSummary()'s object, without making that object. The table
// (CONNECTION_FIELDS) is turned once into a list of steps, each with its key's text ready
// ("," and quotes included), so a connection costs a pass over the steps and the figures'
// digits, and no object per field, per nested object or per connection for the collector.

import {
  CLOSE_KINDS, CONNECTION_FIELDS, COLUMN, endpointName, EVENT_INFERRED, FLOAT_STRIDE, INT_STRIDE, LIST_STRIDE, NO_STATE, SIDES,
  type ConnectionColumns, type FieldKind, type FieldPath, type FieldSpec,
} from './connectionColumns';
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
  key: string;
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

const quoted = (names: readonly string[]): string[] => names.map((n) => JSON.stringify(n));
const STATES = quoted(STATE_NAMES);
const SIDE_TEXT = quoted(SIDES);
const CLOSE_TEXT = quoted(CLOSE_KINDS);
const LIMIT_TEXT = quoted(LIMIT_KINDS);
const EVENT_TEXT = quoted(EVENT_KINDS);
const NOTE_TEXT = quoted(NOTE_KINDS);
const UNKNOWN_TEXT = quoted(UNKNOWN_KINDS);

/** A number as JSON has it: null where not finite. */
export function numberText(v: number): string {
  return v - v === 0 ? '' + v : 'null';
}

/** The steps that write a summary, with `extras` at the end of their objects. */
function compile(extras: readonly JsonExtra[]): Step[] {
  const steps: Step[] = [];
  // Open objects, innermost last: their path, whether a key was written in them, and where an Open step waits for its End.
  const open: Array<{ path: string; keys: number; openStep: number }> = [];
  const key = (name: string): string => (open[open.length - 1].keys++ ? ',' : '') + JSON.stringify(name) + ':';
  const close = () => {
    const o = open[open.length - 1];
    extras.forEach((x, i) => {
      if (x.in === o.path) steps.push({ op: Op.Extra, key: key(x.key), kind: 'id', col: -1, to: i });
    });
    open.pop();
    steps.push({ op: Op.End, key: '}', kind: 'id', col: -1, to: -1 });
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
      steps.push({ op: Op.Begin, key: key(name) + '{', kind: 'id', col: -1, to: -1 });
      open.push({ path: at ? at + '.' + name : name, keys: 0, openStep: -1 });
    }
    const name = f.path.slice(dot + 1);
    const col = f.kind === 'id' ? -1 : COLUMN[f.path as FieldPath];
    if (f.kind === 'present') {
      steps.push({ op: Op.Open, key: key(name), kind: f.kind, col, to: -1 });
      open.push({ path: f.path, keys: 0, openStep: steps.length - 1 });
    } else steps.push({ op: Op.Field, key: key(name), kind: f.kind, col, to: -1 });
  }
  while (open.length > 1) close();
  return steps;
}

/**
 * Writes connection summaries as JSON text. `extra(k, c)` gives the JSON text of extras[k] for
 * connection c.
 */
export class ConnectionJsonWriter {
  private readonly steps: Step[];
  private readonly strings: string[];

  constructor(
    private readonly s: ConnectionColumns,
    extras: readonly JsonExtra[],
    private readonly extra: (k: number, c: number) => string,
  ) {
    this.steps = compile(extras);
    this.strings = quoted(s.strings);
  }

  /** Connection c's summary as JSON text. */
  write(c: number): string {
    const steps = this.steps;
    let out = '{';
    for (let k = 0; k < steps.length; k++) {
      const st = steps[k];
      switch (st.op) {
        case Op.Field:
          out += st.key + this.value(c, st.kind, st.col);
          break;
        case Op.Open:
          if (this.s.connInt[c * INT_STRIDE + st.col] !== 0) out += st.key + '{';
          else {
            out += st.key + 'null';
            k = st.to - 1;
          }
          break;
        case Op.Begin:
        case Op.End:
          out += st.key;
          break;
        case Op.Extra:
          out += st.key + this.extra(st.to, c);
          break;
      }
    }
    return out + '}';
  }

  private value(c: number, kind: FieldKind, col: number): string {
    const s = this.s;
    const i = c * INT_STRIDE + col;
    switch (kind) {
      case 'id':
        return '' + c;
      case 'int':
        return '' + s.connInt[i];
      case 'intOrNull':
      case 'line':
        return s.connInt[i] < 0 ? 'null' : '' + s.connInt[i];
      case 'float':
        return numberText(s.connFloat[c * FLOAT_STRIDE + col]);
      case 'bool':
      case 'present':
        return s.connInt[i] !== 0 ? 'true' : 'false';
      case 'state':
        return s.connInt[i] === NO_STATE ? 'null' : STATES[s.connInt[i]];
      case 'side':
        return s.connInt[i] < 0 ? 'null' : SIDE_TEXT[s.connInt[i]];
      case 'closeKind':
        return CLOSE_TEXT[s.connInt[i]];
      case 'limitKind':
        return s.connInt[i] < 0 ? 'null' : LIMIT_TEXT[s.connInt[i]];
      case 'endpoint':
        return JSON.stringify(endpointName(s, s.connInt[i]));
      case 'string':
        return this.strings[s.connInt[i]];
      case 'list': {
        const r = c * LIST_STRIDE + col;
        let out = '[';
        for (let j = s.listStart[r]; j < s.listStart[r + 1]; j++) out += (j > s.listStart[r] ? ',' : '') + numberText(s.listValues[j]);
        return out + ']';
      }
      case 'events': {
        let out = '[';
        for (let e = s.eventStart[c]; e < s.eventStart[c + 1]; e++) {
          const k = s.eventKind[e];
          out += (e > s.eventStart[c] ? ',{"line":' : '{"line":') + s.eventLine[e] + ',"packet":' + s.eventPacket[e] + ',"kind":' + EVENT_TEXT[k & ~EVENT_INFERRED] + (k & EVENT_INFERRED ? ',"inferred":true}' : '}');
        }
        return out + ']';
      }
      case 'notes':
        return bitsText(s.connInt[i], NOTE_TEXT);
      case 'unknowns':
        return bitsText(s.connInt[i], UNKNOWN_TEXT);
      default:
        throw new Error(`no JSON for a ${kind} field`);
    }
  }
}

/** The names of the bits set, as a JSON array. */
function bitsText(bits: number, names: readonly string[]): string {
  if (bits === 0) return '[]';
  let out = '';
  for (let k = 0; k < names.length; k++) if (bits & (1 << k)) out += (out ? ',' : '') + names[k];
  return '[' + out + ']';
}
