// Whole-trace reports for the engineer with a big log: every connection as CSV, and the
// connections summed per server endpoint or per client host (tcp-trace --csv, --by).

import type { ConnectionSummary } from './model';

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
