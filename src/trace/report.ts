// The trace as plain text: the readable report (tcp-trace's default output, and the editor's
// "Copy Summary" for one connection), every connection as CSV, and the connections summed per
// server endpoint or per client host (tcp-trace --csv, --by).

import { limitsUnknownText, noteText } from './explain';
import { limitsOf, type Limits } from './limits';
import { EVENT_KINDS, type ConnectionSummary, type EventKind, type Trace } from './model';
import { repairText } from './repair';

/** The CSV's columns, in order, with how each is read from a connection. */
const CSV_COLUMNS: Array<[string, (c: ConnectionSummary) => string | number | boolean | null]> = [
  ['id', (c) => c.id],
  ['client', (c) => c.client],
  ['server', (c) => c.server],
  ['conn_state', (c) => c.connState],
  ['history', (c) => c.history],
  ['client_state', (c) => c.clientState],
  ['server_state', (c) => c.serverState],
  ['packets', (c) => c.packets],
  ['bytes_up', (c) => c.bytes.client],
  ['bytes_down', (c) => c.bytes.server],
  ['start', (c) => c.start],
  ['duration_s', (c) => c.duration],
  ['handshake_complete', (c) => c.handshake.complete],
  ['handshake_rtt_ms', (c) => c.handshake.rttMs],
  ['syn_retransmissions', (c) => c.handshake.synRetransmissions],
  ['close', (c) => c.close.kind],
  ['first_fin_from', (c) => c.close.firstFinFrom],
  ['rst_from', (c) => c.close.rstFrom],
  ['events', (c) => c.events.length],
  ['first_line', (c) => c.firstLine],
  ['last_line', (c) => c.lastLine],
];

/** A CSV field (RFC 4180): quoted where it holds a comma, a quote or a line break. */
function field(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The header line, then one line per connection, each ending in CRLF (RFC 4180). */
export function* connectionsCsv(connections: Iterable<ConnectionSummary>): Iterable<string> {
  yield CSV_COLUMNS.map(([name]) => name).join(',') + '\r\n';
  for (const c of connections) yield CSV_COLUMNS.map(([, get]) => field(get(c))).join(',') + '\r\n';
}

export type GroupBy = 'server' | 'client';

/** What a group of connections adds up to. */
export interface Aggregate {
  /** The server endpoint (addr.port), or the client host (addr). */
  key: string;
  connections: number;
  /** Connections ended by a RST, and attempts refused (REJ). */
  resets: number;
  refused: number;
  /** Attempts never answered (S0). */
  unanswered: number;
  /** Handshake RTT percentiles over the group's complete handshakes, in ms; null without one. */
  rttP50Ms: number | null;
  rttP95Ms: number | null;
}

/** The host part of `addr.port` as tcpdump prints it. */
function host(endpoint: string): string {
  const dot = endpoint.lastIndexOf('.');
  return dot > 0 ? endpoint.slice(0, dot) : endpoint;
}

/** The value at quantile q of sorted numbers (nearest rank). */
function quantile(sorted: number[], q: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

/** The connections summed per server endpoint or per client host, most connections first. */
export function aggregate(connections: Iterable<ConnectionSummary>, by: GroupBy): Aggregate[] {
  const groups = new Map<string, { a: Aggregate; rtts: number[] }>();
  for (const c of connections) {
    const key = by === 'server' ? c.server : host(c.client);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { a: { key, connections: 0, resets: 0, refused: 0, unanswered: 0, rttP50Ms: null, rttP95Ms: null }, rtts: [] }));
    g.a.connections++;
    if (c.connState === 'REJ') g.a.refused++;
    else if (c.close.rstFrom !== null) g.a.resets++;
    if (c.connState === 'S0') g.a.unanswered++;
    if (c.handshake.complete && c.handshake.rttMs !== null) g.rtts.push(c.handshake.rttMs);
  }
  const out: Aggregate[] = [];
  for (const { a, rtts } of groups.values()) {
    rtts.sort((x, y) => x - y);
    a.rttP50Ms = quantile(rtts, 0.5);
    a.rttP95Ms = quantile(rtts, 0.95);
    out.push(a);
  }
  return out.sort((x, y) => y.connections - x.connections || (x.key < y.key ? -1 : 1));
}

/** Milliseconds with the precision that matters at their size; ten seconds and over, as seconds. */
export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 10000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

/** A byte count in SI units (1 kB = 1000 B), as the views and the reports show it. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(1)} GB`;
}

/**
 * Trace text is untrusted: a host name in a crafted log can hold terminal control sequences
 * (ESC, CSI, BEL) that would retitle or rewrite the user's terminal. Show them escaped.
 */
export function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const percent = (share: number) => `${Math.round(share * 100)}%`;
/** A duration: seconds from one second up, milliseconds under it. */
const duration = (s: number) => (s >= 1 ? `${s.toFixed(3)} s` : `${Number((s * 1000).toPrecision(3))} ms`);

/**
 * What limited the connection, in one line: the verdict with its share of the connection's
 * time, the other causes, and the longest stall.
 */
export function verdictLine(l: Limits): string {
  if (l.verdict === null) return `  verdict: unknown, ${l.unknown ? limitsUnknownText(l.unknown, 'en') : 'no packets'}`;
  const [top, ...rest] = l.limits;
  let line = `  verdict: ${top.kind} (${percent(top.share)} of ${duration(l.limits.reduce((s, x) => s + x.seconds, 0))})`;
  const others = rest.filter((x) => x.share >= 0.005);
  if (others.length) line += `; ${others.map((x) => `${x.kind} ${percent(x.share)}`).join(', ')}`;
  let longest = l.stalls[0];
  for (const s of l.stalls) if (s.seconds > longest.seconds) longest = s;
  if (longest) line += `; longest stall ${duration(longest.seconds)}, ${longest.cause}, lines ${longest.startLine}-${longest.endLine}`;
  return line;
}

/**
 * One connection in a few lines of plain text: the CLI's report and the editor's "Copy Summary".
 * With its limits, a verdict line too.
 */
export function connectionText(c: ConnectionSummary, limits?: Limits): string {
  // Each field read once: a trace's summaries read their fields from its columns at each read.
  const { bytes, duration, events } = c;
  const parts = [
    `#${c.id} ${printable(c.client)} > ${printable(c.server)}${c.roleInferred ? ' (roles inferred)' : ''}`,
    `  ${c.connState} ${c.history}  client ${c.clientState ?? '?'}  server ${c.serverState ?? '?'}`,
    `  lines ${c.firstLine}-${c.lastLine}, ${c.packets} packets, ${formatBytes(bytes.client)} up, ${formatBytes(bytes.server)} down` +
      (duration !== null ? `, ${duration.toFixed(6)} s` : ''),
  ];
  const h = c.handshake;
  if (c.midStream) parts.push('  capture started after the handshake');
  else if (h.complete) {
    const opts = [h.mss !== null ? `mss ${h.mss}` : '', h.wscale ? `wscale ${h.wscale.client}/${h.wscale.server}` : '', h.sackPermitted ? 'sack' : '', h.timestamps ? 'ts' : '']
      .filter(Boolean)
      .join(', ');
    parts.push(`  handshake: rtt ${h.rttMs?.toFixed(3) ?? '?'} ms, isn ${h.clientIsn}/${h.serverIsn}${opts ? `, ${opts}` : ''}`);
  } else if (h.synLine !== null) parts.push(`  handshake incomplete${h.synRetransmissions ? `, ${h.synRetransmissions} SYN retransmissions` : ''}${h.synAckRetransmissions ? `, ${h.synAckRetransmissions} SYN,ACK retransmissions` : ''}`);
  const cl = c.close;
  if (cl.rstFrom) parts.push(c.connState === 'REJ' ? `  refused by the ${cl.rstFrom}` : `  reset by the ${cl.rstFrom}`);
  else if (cl.firstFinFrom) parts.push(`  close: ${cl.kind}, ${cl.firstFinFrom} closed first`);
  if (events.length) {
    const kinds = countKinds(events);
    const counts: string[] = [];
    for (let i = 0; i < kinds; i++) counts.push(`${EVENT_KINDS[kindOrder[i]]} ×${kindCount[kindOrder[i]]}`);
    parts.push(`  events: ${counts.join(', ')}`);
  }
  if (limits) parts.push(verdictLine(limits));
  for (const k of c.notes) parts.push(`  note: ${noteText(k, 'en')}`);
  return parts.join('\n');
}

const EVENT_INDEX = Object.fromEntries(EVENT_KINDS.map((k, i) => [k, i])) as Record<EventKind, number>;
/** A connection's events per kind, and the kinds in the order they first came (countKinds; reused). */
const kindCount = new Uint32Array(EVENT_KINDS.length);
const kindOrder = new Uint8Array(EVENT_KINDS.length);

/**
 * Counts events by kind into kindCount and kindOrder; how many kinds there are. A function of
 * its own with nothing after its loop (ARCHITECTURE.md, "How to write a pass over packets").
 */
function countKinds(events: ReadonlyArray<{ kind: EventKind }>): number {
  kindCount.fill(0);
  let kinds = 0;
  for (let i = 0; i < events.length; i++) {
    const k = EVENT_INDEX[events[i].kind];
    if (kindCount[k]++ === 0) kindOrder[kinds++] = k;
  }
  return kinds;
}

/** The readable report, a line at a time: a trace with a million connections is never one string. */
export function* textReport(trace: Trace): Iterable<string> {
  const n = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;
  yield `${n(trace.lines, 'line', 'lines')}, ${n(trace.packetCount, 'TCP packet', 'TCP packets')}, ${n(trace.connections.length, 'connection', 'connections')}, ${n(trace.skipped, 'other line', 'other lines')} skipped, ${n(trace.problems.length, 'problem', 'problems')}\n`;
  for (const c of trace.connections) yield connectionText(c, limitsOf(trace, c)) + '\n';
  for (const f of trace.halfOpenFloods) yield `half-open flood on ${printable(f.listener)}: ${f.peak} connections in SYN_RECEIVED from ${f.sources} sources (line ${f.line})\n`;
  for (const r of trace.repairs) yield `repaired: ${repairText(r)} (line ${r.lines.slice(0, 5).join(', ')}${r.lines.length > 5 ? ', ...' : ''})\n`;
  for (const p of trace.problems.slice(0, 20)) yield `line ${p.line}: ${printable(p.reason)}\n`;
  if (trace.problems.length > 20) yield `... ${trace.problems.length - 20} more problems (see --json)\n`;
}

/** tcp-trace --by: one line per server endpoint or client host, most connections first. */
export function* aggregateReport(connections: Iterable<ConnectionSummary>, by: GroupBy): Iterable<string> {
  const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(3)} ms`);
  yield `${by === 'server' ? 'server' : 'client host'}\tconnections\tresets\trefused\tunanswered\trtt p50\trtt p95\n`;
  for (const a of aggregate(connections, by)) {
    yield `${printable(a.key)}\t${a.connections}\t${a.resets}\t${a.refused}\t${a.unanswered}\t${ms(a.rttP50Ms)}\t${ms(a.rttP95Ms)}\n`;
  }
}
