// The trace as tools for AI assistants: one table, served by the editor (VS Code's language
// model tools, src/editor/lmTools.ts) and by `tcp-trace mcp` (src/cli/mcp.ts). Each tool
// answers from the engine in a few dozen lines of text, citing line numbers through the
// front end's `cite` (a link in the editor), and caps every list: a trace of half a million
// packets is summarised, never dumped. Read only.

import { eventText, explainPacket, noteText, type Lang } from '../trace/explain';
import { filterConnections, FilterError, parseFilter } from '../trace/filter';
import { Flag, type ConnectionSummary, type ExpertEvent, type Trace } from '../trace/model';
import { limitsOf } from '../trace/limits';
import { aggregate, connectionText, formatBytes, printable, verdictLine } from '../trace/report';
import { repairText } from '../trace/repair';
import { CONN_STATE_TEXT, zeekText } from '../trace/zeek';

/** What a tool is given besides the trace. */
export interface ToolInput {
  /** Where the trace is: a file path (the MCP server), a path or URI (the editor). */
  file?: string;
  filter?: string;
  connection?: number;
  line?: number;
  limit?: number;
}

export interface ToolContext {
  /** A line number as the front end shows it: `line 12`, or a link to it. */
  cite(line: number): string;
  /** The language of the engine's sentences (explanations, Zeek's wording). */
  lang: Lang;
}

export interface TraceTool {
  /** The same name in VS Code and over MCP. */
  name: string;
  /** What a model reads to choose the tool (English; the editor's Chinese is in package.nls.zh-cn.json). */
  description: string;
  /** The tool's own parameters (JSON Schema); each front end adds `file`. */
  properties: Record<string, { type: string; description: string; minimum?: number; maximum?: number }>;
  run(trace: Trace, input: ToolInput, ctx: ToolContext): string;
}

/** A mistake in a tool's input (a filter that does not parse, a connection that does not exist). */
export class ToolInputError extends Error {}

/** The most rows any list shows; the rest are counted. */
export const MAX_LIMIT = 200;

const LIMIT = { type: 'integer', minimum: 1, maximum: MAX_LIMIT, description: 'How many items to list at most (default 20); the rest are counted, not shown.' };
const CONNECTION = { type: 'integer', minimum: 0, description: 'A connection id (the # number in the other tools\' answers).' };
const LINE = { type: 'integer', minimum: 1, description: 'A 1-based line number of the trace text: the packet on that line.' };

export const TRACE_TOOLS: readonly TraceTool[] = [
  {
    name: 'tcp_trace_summary',
    description:
      'Summarise a tcpdump trace (text or pcap): counts of lines, packets and connections; how connections ended (Zeek conn_state); ' +
      'endpoint TCP states at the end; handshake RTT percentiles; expert events (retransmissions, zero windows, duplicate ACKs...); ' +
      'resets, refusals, unanswered SYNs, SYN floods; the busiest servers; lines that could not be read. Cites line numbers.',
    properties: { limit: LIMIT },
    run: summary,
  },
  {
    name: 'tcp_trace_connections',
    description:
      'List the TCP connections of a tcpdump trace that match a filter, each with endpoints, outcome, both ends\' final states, handshake, close and events. ' +
      'Filter language: fields connState (SF, S0, REJ, RSTO, RSTR...), state.client / state.server (ESTABLISHED, CLOSE_WAIT, TIME_WAIT...), ' +
      'rttMs, packets, bytes, duration, host, port, client, server, event (retransmission, zero_window, duplicate_ack...), note, flags.syn/fin/rst, line; ' +
      'operators == != < <= > >=, and, or, not, parentheses. Example: \'connState == REJ or rttMs > 100\'. Without a filter, lists all.',
    properties: { filter: { type: 'string', description: 'A filter expression, e.g. "flags.rst and port == 443" or "event == retransmission".' }, limit: LIMIT },
    run: connections,
  },
  {
    name: 'tcp_trace_explain',
    description:
      'Explain one connection (by id) or one packet (by its line number) of a tcpdump trace: what the packet means in the connection\'s life and the states it moved both ends to, ' +
      'or the connection\'s story (handshake, data, close, expert events, what was inferred) with its key lines.',
    properties: { connection: CONNECTION, line: LINE },
    run: explain,
  },
  {
    name: 'tcp_trace_slow',
    description:
      'Say why a connection is slow, from the packets: handshake RTT against the trace\'s median, SYN and SYN,ACK retransmissions with their backoff, ' +
      'data retransmissions and lost segments, duplicate ACKs, zero windows (the receiver could not keep up), a slow server response, resets; ' +
      'with the handshake split at the capture point, ACK RTT per direction, throughput and time to first byte. ' +
      'Give a connection id, or none to rank the connections with the most signs of slowness.',
    properties: { connection: CONNECTION, limit: { ...LIMIT, description: 'Without a connection: how many connections to rank (default 5).' } },
    run: slow,
  },
];

export function findTool(name: string): TraceTool | undefined {
  return TRACE_TOOLS.find((t) => t.name === name);
}

/** The JSON Schema of a tool's input; `file` is required where nothing else says which trace (MCP). */
export function inputSchema(tool: TraceTool, fileRequired: boolean): { type: 'object'; properties: Record<string, object>; required?: string[] } {
  const file = {
    type: 'string',
    description: fileRequired
      ? 'Path of the trace: tcpdump text or a pcap/pcapng capture.'
      : 'Path or URI of the trace (tcpdump text or a pcap/pcapng capture); by default the trace the editor shows.',
  };
  return { type: 'object', properties: { file, ...tool.properties }, ...(fileRequired ? { required: ['file'] } : {}) };
}

/** A tool's arguments as a model sent them, checked against the schema's types. */
export function toolInput(args: unknown): ToolInput {
  const a = (args ?? {}) as Record<string, unknown>;
  if (typeof a !== 'object' || Array.isArray(a)) throw new ToolInputError('the arguments must be an object');
  const out: ToolInput = {};
  for (const key of ['file', 'filter'] as const) {
    const v = a[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw new ToolInputError(`${key} must be a string`);
    out[key] = v;
  }
  for (const key of ['connection', 'line', 'limit'] as const) {
    const v = a[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new ToolInputError(`${key} must be a whole number`);
    out[key] = v;
  }
  return out;
}

// ---- helpers ----

function plural(n: number, one: string, many = one + 's'): string {
  return `${n} ${n === 1 ? one : many}`;
}

function limitOf(input: ToolInput, dflt: number): number {
  const n = input.limit;
  if (n === undefined || n === null) return dflt;
  if (!Number.isInteger(n) || n < 1) throw new ToolInputError(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
  return Math.min(n, MAX_LIMIT);
}

/** "… and 12 more" when a list was cut. */
function more(shown: number, total: number, what: string): string[] {
  return total > shown ? [`… ${total - shown} more ${what} not shown`] : [];
}

function ms(v: number | null): string {
  return v === null ? '?' : `${v < 10 ? v.toFixed(3) : v.toFixed(1)} ms`;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Events of one connection by kind: how many, how many rest on an inferred seq, and the first line. */
function eventsByKind(events: readonly ExpertEvent[]): Map<string, { n: number; inferred: number; first: number }> {
  const out = new Map<string, { n: number; inferred: number; first: number }>();
  for (const e of events) {
    const k = out.get(e.kind);
    if (k) k.n++;
    else out.set(e.kind, { n: 1, inferred: 0, first: e.line });
    if (e.inferred) out.get(e.kind)!.inferred++;
  }
  return out;
}

function connectionById(trace: Trace, id: number | undefined): ConnectionSummary {
  if (id === undefined || !Number.isInteger(id) || id < 0 || id >= trace.connections.length) {
    throw new ToolInputError(trace.connections.length ? `no connection ${id}: the ids go from 0 to ${trace.connections.length - 1}` : 'the trace has no TCP connections');
  }
  return trace.connections[id];
}

/** One connection in one line: what lists show. */
function connectionLine(c: ConnectionSummary, ctx: ToolContext): string {
  const rtt = c.handshake.complete ? `, rtt ${ms(c.handshake.rttMs)}` : '';
  return `#${c.id} ${printable(c.client)} > ${printable(c.server)}  ${c.connState}  ${plural(c.packets, 'pkt')}${rtt}, from ${ctx.cite(c.firstLine)}`;
}

/** The CLI's report of a connection, then its first and last lines as citations. */
function connectionBlock(c: ConnectionSummary, ctx: ToolContext): string {
  return `${connectionText(c)}\n  first ${ctx.cite(c.firstLine)}, last ${ctx.cite(c.lastLine)}`;
}

function header(trace: Trace): string {
  return `${plural(trace.lines, 'line')}, ${plural(trace.packetCount, 'TCP packet')}, ${plural(trace.connections.length, 'connection')}, ` +
    `${plural(trace.skipped, 'other line')} skipped, ${plural(trace.problems.length, 'unreadable line')}`;
}

// ---- the tools ----

function summary(trace: Trace, input: ToolInput, ctx: ToolContext): string {
  const limit = limitOf(input, 20);
  const conns = trace.connections;
  const out = [header(trace)];
  if (!conns.length) {
    if (trace.problems.length) out.push(`First unreadable line: ${ctx.cite(trace.problems[0].line)}: ${printable(trace.problems[0].reason)}`);
    return out.join('\n');
  }

  // How the connections ended, most common first, each with the first connection so ended.
  const outcomes = new Map<string, { n: number; first: ConnectionSummary }>();
  const ends = { client: new Map<string, number>(), server: new Map<string, number>() };
  const events = new Map<string, { n: number; conns: number; first: number }>();
  const rtts: number[] = [];
  let slowest: ConnectionSummary | null = null;
  const resets: ConnectionSummary[] = [];
  for (const c of conns) {
    const o = outcomes.get(c.connState);
    if (o) o.n++;
    else outcomes.set(c.connState, { n: 1, first: c });
    const cs = c.clientState ?? '?';
    const ss = c.serverState ?? '?';
    ends.client.set(cs, (ends.client.get(cs) ?? 0) + 1);
    ends.server.set(ss, (ends.server.get(ss) ?? 0) + 1);
    for (const [kind, e] of eventsByKind(c.events)) {
      const all = events.get(kind);
      if (!all) events.set(kind, { n: e.n, conns: 1, first: e.first });
      else {
        all.n += e.n;
        all.conns++;
        if (e.first < all.first) all.first = e.first;
      }
    }
    const rtt = c.handshake.complete ? c.handshake.rttMs : null;
    if (rtt !== null) {
      rtts.push(rtt);
      if (!slowest || rtt > slowest.handshake.rttMs!) slowest = c;
    }
    if (c.close.rstFrom !== null && c.connState !== 'REJ') resets.push(c);
  }

  out.push('', 'How the connections ended (Zeek conn_state):');
  for (const [state, o] of [...outcomes].sort((a, b) => b[1].n - a[1].n)) {
    out.push(`  ${state} ×${o.n}: ${CONN_STATE_TEXT[state]?.[ctx.lang] ?? ''} First: #${o.first.id}, ${ctx.cite(o.first.firstLine)}`);
  }
  const census = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).map(([s, n]) => `${s} ${n}`).join(', ');
  out.push('', `States at the end: client ${census(ends.client)}; server ${census(ends.server)}`);

  if (rtts.length) {
    rtts.sort((a, b) => a - b);
    out.push(`Handshake RTT over ${plural(rtts.length, 'complete handshake')}: p50 ${ms(quantile(rtts, 0.5))}, p95 ${ms(quantile(rtts, 0.95))}, ` +
      `max ${ms(rtts[rtts.length - 1])} (#${slowest!.id}, ${ctx.cite(slowest!.handshake.synLine ?? slowest!.firstLine)})`);
  } else out.push('No complete handshake seen.');

  if (events.size) {
    out.push('', 'Expert events (tshark\'s names):');
    for (const [kind, e] of [...events].sort((a, b) => b[1].n - a[1].n)) {
      out.push(`  ${kind} ×${e.n} in ${plural(e.conns, 'connection')}, first ${ctx.cite(e.first)}`);
    }
  }

  const refused = conns.filter((c) => c.connState === 'REJ');
  const unanswered = conns.filter((c) => c.connState === 'S0');
  const listed = (what: string, list: ConnectionSummary[]) => {
    if (!list.length) return;
    out.push('', `${what}: ${list.length}`);
    for (const c of list.slice(0, Math.min(limit, 5))) out.push(`  ${connectionLine(c, ctx)}`);
    out.push(...more(Math.min(limit, 5), list.length, 'connections').map((s) => '  ' + s));
  };
  listed('Reset', resets);
  listed('Refused (RST answering the SYN)', refused);
  listed('Unanswered SYNs', unanswered);

  for (const f of trace.halfOpenFloods) {
    out.push(`Half-open (SYN) flood on ${printable(f.listener)}: ${f.peak} connections in SYN_RECEIVED from ${plural(f.sources, 'source')}, ${ctx.cite(f.line)}`);
  }

  const servers = aggregate(conns, 'server');
  out.push('', `Servers (${servers.length}), busiest first:`);
  for (const a of servers.slice(0, limit)) {
    out.push(`  ${printable(a.key)}: ${plural(a.connections, 'connection')}${a.resets ? `, ${a.resets} reset` : ''}${a.refused ? `, ${a.refused} refused` : ''}` +
      `${a.unanswered ? `, ${a.unanswered} unanswered` : ''}${a.rttP50Ms !== null ? `, rtt p50 ${ms(a.rttP50Ms)}` : ''}`);
  }
  out.push(...more(Math.min(limit, servers.length), servers.length, 'servers').map((s) => '  ' + s));

  for (const r of trace.repairs) out.push(`Read with repairs: ${repairText(r)} (first ${ctx.cite(r.lines[0])})`);
  if (trace.problems.length) {
    out.push('', 'Lines that look like TCP but could not be read:');
    for (const p of trace.problems.slice(0, Math.min(limit, 5))) out.push(`  ${ctx.cite(p.line)}: ${printable(p.reason)}`);
    out.push(...more(Math.min(limit, 5), trace.problems.length, 'lines').map((s) => '  ' + s));
  }
  return out.join('\n');
}

function parsed(source: string) {
  try {
    return parseFilter(source);
  } catch (e) {
    if (!(e instanceof FilterError)) throw e;
    throw new ToolInputError(`filter: ${e.message} (column ${e.column + 1})\n  ${source}\n  ${' '.repeat(e.column)}^`);
  }
}

function connections(trace: Trace, input: ToolInput, ctx: ToolContext): string {
  const limit = limitOf(input, 20);
  const source = input.filter?.trim() ?? '';
  const list = source ? filterConnections(trace, parsed(source)) : trace.connections;
  const out = [source ? `${list.length} of ${plural(trace.connections.length, 'connection')} match ${source}` : header(trace)];
  for (const c of list.slice(0, limit)) out.push(connectionBlock(c, ctx));
  out.push(...more(Math.min(limit, list.length), list.length, 'connections'));
  return out.join('\n');
}

function explain(trace: Trace, input: ToolInput, ctx: ToolContext): string {
  if (input.line !== undefined) {
    const i = Number.isInteger(input.line) ? trace.packetAtLine(input.line) : -1;
    if (i < 0) throw new ToolInputError(`line ${input.line} holds no TCP packet (the trace has ${trace.lines} lines)`);
    const p = trace.packet(i);
    const c = trace.connections[p.connection];
    const arrow = (a: string | null, b: string | null) => (a === b ? `${a ?? '?'}` : `${a ?? '?'} → ${b ?? '?'}`);
    return [
      `${ctx.cite(p.line)}: ${printable(p.src)}.${printable(p.sport)} > ${printable(p.dst)}.${printable(p.dport)} [${p.flags}] ` +
        `seq ${p.seq ?? '-'} ack ${p.ack ?? '-'} win ${p.win ?? '-'} len ${p.len}, from the ${p.from}, packet ${p.ordinal + 1} of ${c.packets} of connection #${c.id}`,
      explainPacket(trace, i, ctx.lang),
      `client ${arrow(p.before.client, p.after.client)}; server ${arrow(p.before.server, p.after.server)}`,
      '',
      'Its connection:',
      connectionBlock(c, ctx),
    ].join('\n');
  }
  if (input.connection === undefined) throw new ToolInputError('give a connection id or a line number');
  const c = connectionById(trace, input.connection);
  const h = c.handshake;
  const out = [connectionBlock(c, ctx), zeekText(c.connState, c.history, ctx.lang)];
  const key: string[] = [];
  if (h.synLine !== null) key.push(`SYN ${ctx.cite(h.synLine)}`);
  if (h.synAckLine !== null) key.push(`SYN,ACK ${ctx.cite(h.synAckLine)}`);
  if (h.ackLine !== null) key.push(`handshake ACK ${ctx.cite(h.ackLine)}`);
  if (key.length) out.push(`Handshake: ${key.join(', ')}`);
  const closing = closeLines(trace, c);
  if (closing.length) out.push(`Close: ${closing.map(([what, line]) => `${what} ${ctx.cite(line)}`).join(', ')}`);
  const events = eventsByKind(c.events);
  if (events.size) out.push(`Events: ${[...events].map(([k, e]) => `${eventText(k, ctx.lang)} ×${e.n} (first ${ctx.cite(e.first)}${e.inferred ? `; ${e.inferred} on a seq inferred where tcpdump printed none` : ''})`).join('; ')}`);
  for (const n of c.notes) out.push(noteText(n, ctx.lang));
  return out.join('\n');
}

/** The first FIN from each side and the first RST, as [what, line]. */
function closeLines(trace: Trace, c: ConnectionSummary): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  const seen = new Set<string>();
  const cols = trace.columns;
  for (const i of trace.packetIndexes(c.id)) {
    const f = cols.flags[i];
    if (!(f & (Flag.FIN | Flag.RST))) continue;
    const p = trace.packet(i);
    const what = `${f & Flag.RST ? 'RST' : 'FIN'} from the ${p.from}`;
    if (seen.has(what)) continue;
    seen.add(what);
    out.push([what, p.line]);
    if (seen.size === 3) break;
  }
  return out;
}

/** Signs of slowness in one connection, worst first, each a sentence with a score for ranking. */
function slowSigns(trace: Trace, c: ConnectionSummary, medianRtt: number | null, ctx: ToolContext): Array<{ score: number; text: string }> {
  const out: Array<{ score: number; text: string }> = [];
  const h = c.handshake;
  if (h.synRetransmissions) {
    const waited = h.synIntervals.reduce((a, b) => a + b, 0);
    out.push({ score: 100 + waited, text: `The SYN was sent ${plural(h.synRetransmissions + 1, 'time')} (backoff ${h.synIntervals.map((s) => `${s.toFixed(1)} s`).join(', ')}): ` +
      `${h.synAckLine === null ? `no SYN,ACK came in ${waited.toFixed(1)} s` : `the connection waited ${waited.toFixed(1)} s for the server to answer`} (SYN first at ${ctx.cite(h.synLine ?? c.firstLine)}).` });
  }
  const synAckWait = h.synAckIntervals.reduce((a, b) => a + b, 0);
  // A SYN,ACK sent again at once answers a SYN sent again: the SYN's backoff says it.
  if (h.synAckRetransmissions && synAckWait >= 0.2) {
    out.push({ score: 90 + synAckWait, text: `The server sent its SYN,ACK ${plural(h.synAckRetransmissions + 1, 'time')}: the client's ACK did not arrive for ${synAckWait.toFixed(1)} s (${ctx.cite(h.synAckLine ?? c.firstLine)}).` });
  }
  // The handshake's own time: its two halves when both are known, without a SYN's backoff.
  const split = c.performance.handshakeSplit;
  const rtt = split.synToSynAckMs !== null && split.synAckToAckMs !== null ? split.synToSynAckMs + split.synAckToAckMs : h.rttMs;
  if (h.complete && rtt !== null && medianRtt !== null && rtt > 3 * medianRtt && rtt - medianRtt > 1) {
    const where = split.synToSynAckMs !== null && split.synAckToAckMs !== null
      ? split.synToSynAckMs > 2 * split.synAckToAckMs ? ': most of it between the capture point and the server' : split.synAckToAckMs > 2 * split.synToSynAckMs ? ': most of it between the capture point and the client' : ''
      : '';
    out.push({ score: 50 + Math.min(40, rtt / medianRtt), text: `Handshake RTT ${ms(rtt)}, ${(rtt / medianRtt).toFixed(1)}× the trace's median ${ms(medianRtt)}${where}: a slow path or a busy server (${ctx.cite(h.synLine ?? c.firstLine)}).` });
  }
  const ev = eventsByKind(c.events);
  const count = (k: string) => ev.get(k)?.n ?? 0;
  // Data retransmissions: tshark marks a fast retransmission as a retransmission too, and a
  // SYN sent again as well (counted above with its backoff).
  const retx = new Set<number>();
  let fast = 0;
  for (const e of c.events) {
    if (e.kind !== 'retransmission' && e.kind !== 'fast_retransmission') continue;
    if (trace.columns.flags[e.packet] & Flag.SYN) continue;
    retx.add(e.line);
    if (e.kind === 'fast_retransmission') fast++;
  }
  if (retx.size) {
    out.push({ score: 40 + Math.min(40, (100 * retx.size) / Math.max(1, c.packets)), text: `${plural(retx.size, 'data retransmission')}${fast ? ` (${fast} fast, after duplicate ACKs)` : ''} in ${plural(c.packets, 'packet')}: ` +
      `segments were lost and resent, and the sender slowed down (first ${ctx.cite(Math.min(...retx))}).` });
  }
  if (count('spurious_retransmission')) out.push({ score: 20, text: `${plural(count('spurious_retransmission'), 'spurious retransmission')}: data already acknowledged was resent, a sign of a retransmission timer firing early (first ${ctx.cite(ev.get('spurious_retransmission')!.first)}).` });
  if (count('lost_segment')) out.push({ score: 30, text: `${plural(count('lost_segment'), 'gap')} in the sequence numbers: segments lost before the capture point (first ${ctx.cite(ev.get('lost_segment')!.first)}).` });
  if (count('duplicate_ack') >= 3) out.push({ score: 15, text: `${plural(count('duplicate_ack'), 'duplicate ACK')}: the receiver kept asking for a missing segment (first ${ctx.cite(ev.get('duplicate_ack')!.first)}).` });
  if (count('zero_window')) {
    out.push({ score: 60, text: `The receiver advertised a zero window ${plural(count('zero_window'), 'time')}: its application did not read fast enough, so the sender had to stop ` +
      `(first ${ctx.cite(ev.get('zero_window')!.first)}${count('zero_window_probe') ? `, ${plural(count('zero_window_probe'), 'zero-window probe')}` : ''}).` });
  }
  if (count('window_full')) out.push({ score: 25, text: `The sender filled the receiver's window ${plural(count('window_full'), 'time')}: the window, not the network, limited the rate (first ${ctx.cite(ev.get('window_full')!.first)}).` });
  const perf = c.performance;
  const serverRtt = perf.rtt.client.p50Ms ?? perf.rtt.server.p50Ms ?? h.rttMs;
  if (perf.serverResponseMs !== null && perf.serverResponseMs > 50 && (serverRtt === null || perf.serverResponseMs > 5 * serverRtt)) {
    out.push({ score: 45 + Math.min(40, perf.serverResponseMs / 100), text: `The server took ${ms(perf.serverResponseMs)} from acknowledging the whole request to its first response byte` +
      `${serverRtt !== null ? `, against an RTT of ${ms(serverRtt)}` : ''}: the time went in the server's application, not the network.` });
  }
  if (c.close.rstFrom && c.connState !== 'REJ') out.push({ score: 10, text: `The connection was reset by the ${c.close.rstFrom}.` });
  return out.sort((a, b) => b.score - a.score);
}

/** A connection's figures from performance.ts, a line each: what the signs are weighed against. */
function performanceFacts(c: ConnectionSummary): string[] {
  const p = c.performance;
  const out = [`${c.duration !== null ? `${c.duration.toFixed(3)} s, ` : ''}${formatBytes(c.bytes.client)} up, ${formatBytes(c.bytes.server)} down`];
  const split = p.handshakeSplit;
  if (c.handshake.complete) {
    out.push(`Handshake RTT ${ms(c.handshake.rttMs)}` + (split.synToSynAckMs !== null && split.synAckToAckMs !== null
      ? `: ${ms(split.synToSynAckMs)} from SYN to SYN,ACK (the server's side of the capture point), ${ms(split.synAckToAckMs)} from SYN,ACK to ACK (the client's side)`
      : ''));
  }
  const rtt = (side: 'client' | 'server') => {
    const r = p.rtt[side];
    return r.samples ? `the ${side}'s data ${ms(r.p50Ms)} median, ${ms(r.p95Ms)} p95 (${plural(r.samples, 'sample')})` : '';
  };
  const rtts = [rtt('client'), rtt('server')].filter(Boolean);
  if (rtts.length) out.push(`ACK RTT of ${rtts.join('; of ')}`);
  const rate = (side: 'client' | 'server') => {
    const t = p.throughput[side];
    return t.bytes && t.bitsPerSecond !== null ? `the ${side} sent ${formatBytes(t.bytes)} at ${formatRate(t.bitsPerSecond)}` : '';
  };
  const rates = [rate('client'), rate('server')].filter(Boolean);
  if (rates.length) out.push(`Throughput: ${rates.join(', ')}`);
  if (p.timeToFirstByteMs !== null || p.serverResponseMs !== null) {
    out.push([p.timeToFirstByteMs !== null ? `time to first byte ${ms(p.timeToFirstByteMs)}` : '', p.serverResponseMs !== null ? `server response ${ms(p.serverResponseMs)}` : ''].filter(Boolean).join(', '));
  }
  if (p.unknown.length) out.push(`Not in the text, so not measured: ${p.unknown.join(', ')}`);
  return out;
}

/** The engine's verdict on what held the connection back (limits.ts), its longest stall cited. */
function verdictFact(trace: Trace, c: ConnectionSummary, ctx: ToolContext): string {
  const l = limitsOf(trace, c);
  const line = verdictLine(l).trim().replace(/^verdict: /, 'What limited it: ');
  const longest = l.stalls.reduce<(typeof l.stalls)[number] | undefined>((a, b) => (a && a.seconds >= b.seconds ? a : b), undefined);
  return longest ? `${line} (the stall begins at ${ctx.cite(longest.startLine)})` : line;
}

function formatRate(bps: number): string {
  return bps >= 1e6 ? `${(bps / 1e6).toFixed(1)} Mbit/s` : bps >= 1e3 ? `${(bps / 1e3).toFixed(1)} kbit/s` : `${bps.toFixed(0)} bit/s`;
}

function slow(trace: Trace, input: ToolInput, ctx: ToolContext): string {
  const rtts = trace.connections.filter((c) => c.handshake.complete && c.handshake.rttMs !== null).map((c) => c.handshake.rttMs!).sort((a, b) => a - b);
  const median = rtts.length ? quantile(rtts, 0.5) : null;
  if (input.connection !== undefined) {
    const c = connectionById(trace, input.connection);
    const signs = slowSigns(trace, c, median, ctx);
    const out = [connectionLine(c, ctx), verdictFact(trace, c, ctx), ...performanceFacts(c)];
    if (signs.length) out.push(...signs.map((s) => `- ${s.text}`));
    else out.push('No sign of slowness in the packets: no retransmission, no zero window, no slow handshake. Time spent is then the application\'s (look at the gaps between a request and its answer).');
    return out.join('\n');
  }
  const limit = limitOf(input, 5);
  const ranked = trace.connections
    .map((c) => ({ c, signs: slowSigns(trace, c, median, ctx) }))
    .filter((r) => r.signs.length)
    .sort((a, b) => b.signs[0].score - a.signs[0].score || b.signs.length - a.signs.length);
  const out = [`${plural(ranked.length, 'connection')} of ${trace.connections.length} show signs of slowness${median !== null ? `; median handshake RTT ${ms(median)}` : ''}.`];
  for (const r of ranked.slice(0, limit)) {
    out.push(connectionLine(r.c, ctx));
    for (const s of r.signs.slice(0, 3)) out.push(`  - ${s.text}`);
  }
  out.push(...more(Math.min(limit, ranked.length), ranked.length, 'connections'));
  return out.join('\n');
}
