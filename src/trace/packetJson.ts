// Packet records (--json --packets) written as bytes straight from the columns: the text
// JSON.stringify gives for ColumnTrace's packet record object, without making the object.
// Names (endpoints, flag letters, states, event lists) are encoded once and copied; a trace's
// million records then cost their figures' digits. test/unit/connectionJson.test.ts compares
// the two on every fixture.

import { COMMA, LBRACK, RBRACK } from './bytes';
import { absAck, absSeq, flagString, roundMs, stateName } from './columns';
import { COLUMN, endpointAddr, endpointPort, INT_STRIDE } from './connectionColumns';
import { eventNames } from './expert';
import { type JsonBytes, NULL, utf8 } from './jsonBytes';
import type { TraceSnapshot } from './snapshot';
import { State, STATE_NAMES } from './states';

const LINE = utf8('{"line":');
const CONNECTION = utf8(',"connection":');
const SRC = utf8(',"src":');
const SPORT = utf8(',"sport":');
const DST = utf8(',"dst":');
const DPORT = utf8(',"dport":');
const FLAGS = utf8(',"flags":');
const SEQ = utf8(',"seq":');
const ACK = utf8(',"ack":');
const WIN = utf8(',"win":');
const LEN = utf8(',"len":');
const WINDOW_BYTES = utf8(',"windowBytes":');
const ACK_RTT = utf8(',"ackRttMs":');
const IN_FLIGHT = utf8(',"bytesInFlight":');
const CLIENT_STATE = utf8(',"clientState":');
const SERVER_STATE = utf8(',"serverState":');
const EVENTS = utf8(',"events":');
const SACK = utf8(',"sackBlocks":');
const END = utf8('}');
const STATES = STATE_NAMES.map((n, s) => (s === State.UNKNOWN ? NULL : utf8(JSON.stringify(stateName(s)))));

const CLIENT = COLUMN.client;
const SERVER = COLUMN.server;

export class PacketJsonWriter {
  /** Per endpoint id, its address and port as JSON strings. */
  private readonly addr: Array<Uint8Array | undefined> = [];
  private readonly port: Array<Uint8Array | undefined> = [];
  /** Per flag set and per event set, its JSON. */
  private readonly flags = new Map<number, Uint8Array>();
  private readonly events = new Map<number, Uint8Array>();

  constructor(private readonly s: TraceSnapshot) {}

  /** Writes packet p's record. */
  write(p: number, out: JsonBytes): void {
    const s = this.s;
    const c = s.conn[p];
    const d = s.dir[p];
    const src = s.connInt[c * INT_STRIDE + (d === 0 ? CLIENT : SERVER)];
    const dst = s.connInt[c * INT_STRIDE + (d === 0 ? SERVER : CLIENT)];
    out.bytes(LINE);
    out.number(s.line[p]);
    out.bytes(CONNECTION);
    out.number(c);
    out.bytes(SRC);
    out.bytes(this.addr[src] ??= utf8(JSON.stringify(endpointAddr(s, src))));
    out.bytes(SPORT);
    out.bytes(this.port[src] ??= utf8(JSON.stringify(endpointPort(s, src))));
    out.bytes(DST);
    out.bytes(this.addr[dst] ??= utf8(JSON.stringify(endpointAddr(s, dst))));
    out.bytes(DPORT);
    out.bytes(this.port[dst] ??= utf8(JSON.stringify(endpointPort(s, dst))));
    out.bytes(FLAGS);
    const f = s.flags[p];
    let flags = this.flags.get(f);
    if (!flags) this.flags.set(f, (flags = utf8(JSON.stringify(flagString(f)))));
    out.bytes(flags);
    out.bytes(SEQ);
    orNull(out, absSeq(s, p));
    out.bytes(ACK);
    const ack = absAck(s, p);
    orNull(out, ack);
    out.bytes(WIN);
    out.number(s.win[p]);
    out.bytes(LEN);
    out.number(s.len[p]);
    out.bytes(WINDOW_BYTES);
    out.number(s.winBytes[p]);
    out.bytes(ACK_RTT);
    out.number(roundMs(s.ackRtt[p]));
    out.bytes(IN_FLIGHT);
    out.number(s.inFlight[p]);
    out.bytes(CLIENT_STATE);
    out.bytes(STATES[s.cState[p]]);
    out.bytes(SERVER_STATE);
    out.bytes(STATES[s.sState[p]]);
    out.bytes(EVENTS);
    const e = s.events[p];
    let events = this.events.get(e);
    if (!events) this.events.set(e, (events = utf8(JSON.stringify(eventNames(e)))));
    out.bytes(events);
    // Last, and only where there are blocks, as in the record object.
    const at = s.sackAt[p];
    if (at >= 0 && ack !== null) {
      out.bytes(SACK);
      out.byte(LBRACK);
      for (let k = 0; k < s.sackEdges[at]; k++) {
        if (k) out.byte(COMMA);
        out.byte(LBRACK);
        out.number(s.sackEdges[at + 1 + 2 * k]);
        out.byte(COMMA);
        out.number(s.sackEdges[at + 2 + 2 * k]);
        out.byte(RBRACK);
      }
      out.byte(RBRACK);
    }
    out.bytes(END);
  }
}

/** A number or null, as JSON.stringify writes it. */
function orNull(out: JsonBytes, v: number | null): void {
  if (v === null) out.bytes(NULL);
  else out.number(v);
}
