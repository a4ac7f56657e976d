// Typed messages between the extension host (src/editor/panel.ts) and the webview (webview/main.ts).
// Imported by both, so it must stay free of 'vscode' and DOM code. Each side validates what
// it receives: a webview is another process, and a trace's text is untrusted input.

export const PANEL_VIEW_TYPE = 'tcpTrace.panel';

export type PanelMode = 'diagram' | 'handshake' | 'graphs';
export type SideName = 'client' | 'server';

export interface LadderRow {
  /** Packet index in the trace. */
  index: number;
  /** 0-based position in the connection. */
  ordinal: number;
  line: number;
  from: SideName;
  flags: string;
  /** `[S.] seq 0 ack 1 win 65535 len 0` */
  label: string;
  /** Seconds since the connection's first packet, or null when the trace has no times. */
  t: number | null;
  clientState: string | null;
  serverState: string | null;
  events: string[];
}

export interface ConnectionView {
  id: number;
  client: string;
  server: string;
  outcome: string;
  connState: string;
  history: string;
  packets: number;
  clientState: string | null;
  serverState: string | null;
  /** One line: outcome, packets, bytes, RTT. */
  summary: string;
}

export interface DiagramView {
  /** Transition indexes (into TRANSITIONS) each side took up to and including the current packet. */
  clientPath: number[];
  serverPath: number[];
  /** Transitions taken by the current packet. */
  current: { client: number[]; server: number[] };
  clientState: string | null;
  serverState: string | null;
  /** What the current packet means (explainPacket). */
  explanation: string;
  /** Explanations of the two current states. */
  clientStateText: string;
  serverStateText: string;
}

export interface HandshakeStep {
  step: 1 | 2 | 3;
  /** `SYN`, `SYN,ACK`, `ACK`. */
  name: string;
  from: SideName;
  index: number | null;
  line: number | null;
  seq: string;
  ack: string;
  /** Checks such as `ack = x+1`, with whether the trace agrees. */
  checks: Array<{ text: string; ok: boolean }>;
}

export interface HandshakeView {
  complete: boolean;
  steps: HandshakeStep[];
  /** Option rows: name, client's value, server's value, what was negotiated. */
  options: Array<{ name: string; client: string; server: string; negotiated: string }>;
  rtt: string | null;
  retransmissions: string[];
  /** Why the handshake is not clean, in words. */
  notes: string[];
}

export interface ViewModel {
  type: 'model';
  mode: PanelMode;
  strings: Record<string, string>;
  document: string;
  uri: string;
  connection: ConnectionView | null;
  /** Packet index of the current packet, or -1. */
  currentIndex: number;
  /** Ordinal of the current packet within the connection, or -1. */
  current: number;
  diagram: DiagramView | null;
  /**
   * Rows `start`… of the connection's `total`. The webview keeps the rows it was sent while
   * `key` (trace and connection) stays the same.
   */
  ladder: { total: number; start: number; rows: LadderRow[]; key?: string };
  handshake: HandshakeView | null;
  /** Shown instead of everything else when there is nothing to draw. */
  message: string | null;
}

/**
 * A view model as it goes to the webview: the words and the handshake view only when they
 * changed since the last one it was sent (absent: keep the previous ones).
 */
export type ModelMessage = Omit<ViewModel, 'strings' | 'handshake'> & {
  strings?: Record<string, string>;
  handshake?: HandshakeView | null;
  /** Counts the models posted to this webview: `rendered` names the one it drew. */
  serial: number;
};

export interface RowsMessage {
  type: 'rows';
  connection: number;
  /** The ladder's key these rows belong to (ViewModel.ladder.key). */
  key?: string;
  start: number;
  rows: LadderRow[];
}

/**
 * Measurement, for the editor benchmark only: nothing here is sent until the host's test API
 * turns it on. `ping` has nothing to draw and is answered at once (the trip through the
 * workbench alone); with measuring on, the webview also says when each model arrived, by the
 * system clock both ends share (epochMs()), so a round trip splits into its legs.
 */
export type MeasureMessage = { type: 'measure'; on: boolean } | { type: 'ping'; sentAt: number };

/** Packets per GraphsMessage. */
export const GRAPH_SLICE = 65536;

/** Bits of GraphsMessage.marks. */
export const GraphMark = {
  /** A retransmission (tshark's retransmission, fast or spurious). */
  RETRANSMISSION: 1,
  SYN: 2,
  FIN: 4,
  RST: 8,
  /** The sender advertised a zero window. */
  ZERO_WINDOW: 16,
} as const;

/**
 * The connection's packets as columns, for the Graphs tab: typed arrays, which VS Code passes to
 * the webview as binary, not JSON. Sent once per connection (by `key`, as the ladder's), in
 * slices of GRAPH_SLICE packets so the extension host is never held long; the webview puts the
 * slices together and decimates them to the pixels it draws.
 */
export interface GraphsMessage {
  type: 'graphs';
  key: string;
  connection: number;
  /** Where this slice's packets start among the connection's, and how many it has in all. */
  start: number;
  total: number;
  /** Packet index in the trace, per point. */
  index: Int32Array;
  /** 0: client to server, 1: server to client. */
  dir: Uint8Array;
  /** Seconds since the connection's first packet with a time; NaN without. */
  time: Float64Array;
  /** Sequence number relative to the sender's ISN, where the segment starts; NaN where not printed. */
  seq: Float64Array;
  len: Int32Array;
  /** Ack number relative to the peer's ISN; NaN on a packet without ACK. */
  ack: Float64Array;
  /** The advertised window in bytes, scaled (NaN where the scale is unknown). */
  win: Float32Array;
  /** The ACK's RTT in ms (tshark's ack_rtt); NaN where none. */
  rtt: Float32Array;
  /** Bytes in flight after a data segment (tshark's bytes_in_flight); NaN where none. */
  inFlight: Float32Array;
  /** GraphMark bits. */
  marks: Uint8Array;
  /** The data bytes the point stands for in the throughput: its own (len), or, thinned, its column's. */
  bytes: Float64Array;
  /**
   * Null when every packet of the connection is here. Otherwise the points were thinned by the
   * host (thinGraphs in src/editor/graphData.ts) for the time range [x0, x1] over `columns`
   * columns, from `packets` in all: the webview asks for another range (graphsRange) when its
   * view leaves it or needs finer columns.
   */
  thinned: { x0: number; x1: number; columns: number; packets: number } | null;
  /**
   * SACK blocks, three numbers each: the point (among the connection's, not the slice's) of the
   * ACK that carried it, its left and its right edge, numbered as `ack` is. Only the blocks of
   * this slice's points.
   */
  sack: Float64Array;
  /** What the text does not carry for this connection (its performance.unknown), so the tab can say so. */
  unknown: string[];
}

/** The per-packet arrays of a GraphsMessage. */
export const GRAPH_SERIES = ['index', 'dir', 'time', 'seq', 'len', 'ack', 'win', 'rtt', 'inFlight', 'marks', 'bytes'] as const;

/** A Graphs message's per-packet arrays, n long and zeroed: the host fills them, the webview joins slices into them. */
export function graphColumns(n: number): Pick<GraphsMessage, (typeof GRAPH_SERIES)[number]> {
  return {
    index: new Int32Array(n),
    dir: new Uint8Array(n),
    time: new Float64Array(n),
    seq: new Float64Array(n),
    len: new Int32Array(n),
    ack: new Float64Array(n),
    win: new Float32Array(n),
    rtt: new Float32Array(n),
    inFlight: new Float32Array(n),
    marks: new Uint8Array(n),
    bytes: new Float64Array(n),
  };
}

export type HostMessage = ModelMessage | RowsMessage | GraphsMessage | MeasureMessage;

/** The Graphs tab's last drawing: the connection's packets, the points drawn, and how long it took (ms). */
export interface GraphsDrawn {
  packets: number;
  points: number;
  ms: number;
}

export type WebviewMessage =
  | { type: 'ready' }
  /** The user picked a packet (arrow click, keyboard). */
  | { type: 'select'; index: number }
  /** The ladder needs rows it does not have. */
  | { type: 'needRows'; connection: number; start: number; count: number }
  | { type: 'mode'; mode: PanelMode }
  | { type: 'command'; command: 'exportSvg' | 'exportMermaid' | 'copySummary' }
  /**
   * A view model was drawn (its serial and currentIndex, in `ms`), or the Graphs tab's last
   * slice was (no serial): the host's onDidRender, which the e2e checks wait on.
   */
  | { type: 'rendered'; index: number; ms: number; serial?: number; graphs?: GraphsDrawn }
  /** Measurement only (see MeasureMessage): when model `serial` arrived, and a ping's answer. */
  | { type: 'arrived'; serial: number; receivedAt: number }
  | { type: 'pong'; sentAt: number; receivedAt: number }
  /** The Graphs tab's drawing as a standalone SVG, to save where the user chooses. */
  | { type: 'saveSvg'; svg: string; name: string }
  /** The Graphs tab's view left the thinned points it has: the points for [x0, x1] over `columns` columns, with packet `current`. */
  | { type: 'graphsRange'; key: string; x0: number; x1: number; columns: number; current: number };

/** The largest SVG the host saves for the webview (characters). */
export const MAX_SVG_CHARS = 32_000_000;

/** What the webview keeps with vscode.setState, and the serializer gets back. */
export interface PanelState {
  uri: string;
  index: number;
  mode: PanelMode;
}

const isObj = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isMode = (v: unknown): v is PanelMode => v === 'diagram' || v === 'handshake' || v === 'graphs';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isOptNum = (v: unknown): v is number | undefined => v === undefined || isNum(v);

/** Milliseconds since the epoch with a fraction: the same clock in the extension host and the webview. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

export function isWebviewMessage(m: unknown): m is WebviewMessage {
  if (!isObj(m)) return false;
  switch (m.type) {
    case 'ready': return true;
    case 'select': return isInt(m.index) && m.index >= 0;
    case 'needRows': return isInt(m.connection) && isInt(m.start) && isInt(m.count) && m.start >= 0 && m.count > 0 && m.count <= 5000;
    case 'mode': return isMode(m.mode);
    case 'graphsRange': return isStr(m.key) && isNum(m.x0) && isNum(m.x1) && m.x1 >= m.x0 && isInt(m.columns) && m.columns > 0 && m.columns <= 1 << 16 && isInt(m.current);
    case 'command': return m.command === 'exportSvg' || m.command === 'exportMermaid' || m.command === 'copySummary';
    case 'rendered':
      return (
        isInt(m.index) && typeof m.ms === 'number' && m.ms >= 0 && isOptNum(m.serial) &&
        (m.graphs === undefined || (isObj(m.graphs) && isInt(m.graphs.packets) && isInt(m.graphs.points) && isNum(m.graphs.ms)))
      );
    case 'arrived': return isInt(m.serial) && isNum(m.receivedAt);
    case 'pong': return isNum(m.sentAt) && isNum(m.receivedAt);
    case 'saveSvg': return typeof m.svg === 'string' && m.svg.length <= MAX_SVG_CHARS && m.svg.startsWith('<svg') && typeof m.name === 'string' && m.name.length <= 200;
    default: return false;
  }
}

const isStr = (v: unknown): v is string => typeof v === 'string';
const isOptStr = (v: unknown): v is string | undefined => v === undefined || typeof v === 'string';
const isStrOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const isIntOrNull = (v: unknown): v is number | null => v === null || isInt(v);
const isSide = (v: unknown): v is SideName => v === 'client' || v === 'server';
const isArrayOf = <T>(v: unknown, item: (x: unknown) => x is T): v is T[] => Array.isArray(v) && v.every(item);
const isIndexList = (v: unknown): v is number[] => isArrayOf(v, isInt);

function isRow(r: unknown): r is LadderRow {
  return (
    isObj(r) && isInt(r.index) && isInt(r.ordinal) && isInt(r.line) && isSide(r.from) && isStr(r.flags) && isStr(r.label) &&
    (r.t === null || typeof r.t === 'number') && isStrOrNull(r.clientState) && isStrOrNull(r.serverState) && isArrayOf(r.events, isStr)
  );
}

function isConnectionView(c: unknown): c is ConnectionView {
  return (
    isObj(c) && isInt(c.id) && isStr(c.client) && isStr(c.server) && isStr(c.outcome) && isStr(c.connState) && isStr(c.history) &&
    isInt(c.packets) && isStrOrNull(c.clientState) && isStrOrNull(c.serverState) && isStr(c.summary)
  );
}

function isDiagramView(d: unknown): d is DiagramView {
  return (
    isObj(d) && isIndexList(d.clientPath) && isIndexList(d.serverPath) && isObj(d.current) && isIndexList(d.current.client) &&
    isIndexList(d.current.server) && isStrOrNull(d.clientState) && isStrOrNull(d.serverState) && isStr(d.explanation) &&
    isStr(d.clientStateText) && isStr(d.serverStateText)
  );
}

function isHandshakeStep(s: unknown): s is HandshakeStep {
  return (
    isObj(s) && (s.step === 1 || s.step === 2 || s.step === 3) && isStr(s.name) && isSide(s.from) && isIntOrNull(s.index) &&
    isIntOrNull(s.line) && isStr(s.seq) && isStr(s.ack) && isArrayOf(s.checks, (c): c is { text: string; ok: boolean } => isObj(c) && isStr(c.text) && typeof c.ok === 'boolean')
  );
}

function isHandshakeView(h: unknown): h is HandshakeView {
  return (
    isObj(h) && typeof h.complete === 'boolean' && isArrayOf(h.steps, isHandshakeStep) &&
    isArrayOf(h.options, (o): o is HandshakeView['options'][number] => isObj(o) && isStr(o.name) && isStr(o.client) && isStr(o.server) && isStr(o.negotiated)) &&
    isStrOrNull(h.rtt) && isArrayOf(h.retransmissions, isStr) && isArrayOf(h.notes, isStr)
  );
}

function isGraphs(m: Record<string, unknown>): boolean {
  if (!isStr(m.key) || !isInt(m.connection) || !(m.index instanceof Int32Array) || !isArrayOf(m.unknown, isStr)) return false;
  const n = m.index.length;
  if (!isInt(m.start) || !isInt(m.total) || m.start < 0 || m.start + n > m.total) return false;
  const same = (v: unknown, type: Function) => v instanceof type && (v as ArrayLike<number>).length === n;
  return (
    same(m.dir, Uint8Array) && same(m.time, Float64Array) && same(m.seq, Float64Array) && same(m.len, Int32Array) && same(m.ack, Float64Array) &&
    same(m.win, Float32Array) && same(m.rtt, Float32Array) && same(m.inFlight, Float32Array) && same(m.marks, Uint8Array) && same(m.bytes, Float64Array) &&
    (m.thinned === null || (isObj(m.thinned) && isNum(m.thinned.x0) && isNum(m.thinned.x1) && isInt(m.thinned.columns) && isInt(m.thinned.packets))) &&
    m.sack instanceof Float64Array && m.sack.length % 3 === 0 && sackInSlice(m.sack, m.start, n)
  );
}

/** Every SACK block's point lies in the slice [start, start + n). */
function sackInSlice(sack: Float64Array, start: number, n: number): boolean {
  for (let k = 0; k < sack.length; k += 3) if (!(sack[k] >= start && sack[k] < start + n && Number.isInteger(sack[k]))) return false;
  return true;
}

/**
 * What the webview accepts from the host. Checked field by field: the view model carries text
 * from an untrusted trace, and a malformed message must be dropped, not half drawn.
 */
export function isHostMessage(m: unknown): m is HostMessage {
  if (!isObj(m)) return false;
  if (m.type === 'rows') return isInt(m.connection) && isOptStr(m.key) && isInt(m.start) && m.start >= 0 && isArrayOf(m.rows, isRow);
  if (m.type === 'ping') return isNum(m.sentAt);
  if (m.type === 'measure') return typeof m.on === 'boolean';
  if (m.type === 'graphs') return isGraphs(m);
  if (m.type !== 'model') return false;
  const ladder = m.ladder;
  return (
    isMode(m.mode) &&
    (m.strings === undefined || (isObj(m.strings) && Object.values(m.strings).every(isStr))) &&
    isStr(m.document) &&
    isStr(m.uri) &&
    isInt(m.currentIndex) &&
    isInt(m.current) &&
    (m.connection === null || isConnectionView(m.connection)) &&
    (m.diagram === null || isDiagramView(m.diagram)) &&
    (m.handshake === undefined || m.handshake === null || isHandshakeView(m.handshake)) &&
    isStrOrNull(m.message) &&
    isInt(m.serial) &&
    isObj(ladder) && isInt(ladder.total) && ladder.total >= 0 && isInt(ladder.start) && ladder.start >= 0 && isArrayOf(ladder.rows, isRow) && isOptStr(ladder.key)
  );
}

export function isPanelState(s: unknown): s is PanelState {
  return isObj(s) && typeof s.uri === 'string' && isInt(s.index) && isMode(s.mode);
}

/** How many ladder rows the webview asks for at a time. */
export const LADDER_WINDOW = 400;
/** How many ladder rows before and after the current packet a view model carries. */
export const LADDER_CONTEXT = 40;
