// The words for a connection's performance figures (src/trace/performance.ts), what limited it
// (src/trace/limits.ts) and a packet's own figures (flight.ts), shared by the tree's Performance
// node, hovers and the Problems panel. What each figure means is terms.ts's (figureText).
//
// Free of 'vscode', so unit tests can read what the views would show.
import { limitText, limitsUnknownText } from '../trace/explain';
import type { LimitKind, Limits, Stall } from '../trace/limits';
import type { PacketColumns } from '../trace/columns';
import type { ConnectionSummary, RttStats, Throughput, UnknownKind } from '../trace/model';
import { formatBytes, formatMs } from '../trace/report';
import type { FigureKey } from './terms';
import { language, t } from './l10n';

/** A limit kind in a word or two (the long explanation is the engine's limitText). */
export function limitName(kind: LimitKind): string {
  switch (kind) {
    case 'receiver_window': return t('receiver window');
    case 'loss': return t('loss');
    case 'application': return t('application');
    case 'server_think': return t('server think time');
    case 'handshake': return t('handshake');
    case 'delayed_ack': return t('delayed ACK');
    case 'none': return t('nothing in particular');
    case 'unknown': return t('unknown (ACKs not captured)');
  }
}

/** What a limit kind means, in the language shown. */
export function limitMeaning(kind: LimitKind): string {
  return limitText(kind, language());
}

/** Causes that mean something went wrong (the rest are how the applications behaved). */
export function isTrouble(kind: LimitKind): boolean {
  return kind === 'receiver_window' || kind === 'loss' || kind === 'handshake';
}

const percent = (share: number) => `${Math.round(share * 100)}%`;

/** A bit rate in SI units, as network people read it. */
export function formatRate(bitsPerSecond: number): string {
  if (bitsPerSecond < 1000) return `${Math.round(bitsPerSecond)} bit/s`;
  if (bitsPerSecond < 1e6) return `${(bitsPerSecond / 1e3).toFixed(1)} kbit/s`;
  if (bitsPerSecond < 1e9) return `${(bitsPerSecond / 1e6).toFixed(1)} Mbit/s`;
  return `${(bitsPerSecond / 1e9).toFixed(2)} Gbit/s`;
}

/** The seconds the limits account for: the connection's time from its first packet to its last. */
function limitsSeconds(l: Limits): number {
  let s = 0;
  for (const x of l.limits) s += x.seconds;
  return s;
}

/** The verdict in a short line: "loss · 89% of 233 ms", or why there is none. */
export function verdictValue(l: Limits): string {
  if (l.verdict === null) return l.unknown ? t('unknown: {0}', limitsUnknownText(l.unknown, language())) : t('unknown');
  const top = l.limits[0];
  return t('{0} · {1} of {2}', limitName(top.kind), percent(top.share), formatMs(limitsSeconds(l) * 1000));
}

/** The verdict spelled out: what its kind means, every cause's share, and the longest stall. */
export function verdictDetails(l: Limits): string[] {
  if (l.verdict === null) return [];
  const out = [limitMeaning(l.verdict)];
  for (const x of l.limits) out.push(t('{0}: {1} ({2})', limitName(x.kind), formatMs(x.seconds * 1000), percent(x.share)));
  const longest = longestStall(l);
  if (longest) out.push(t('Longest stall: {0}', stallText(longest)));
  return out;
}

export function longestStall(l: Limits): Stall | undefined {
  let longest: Stall | undefined;
  for (const s of l.stalls) if (!longest || s.seconds > longest.seconds) longest = s;
  return longest;
}

/** A stall in one line: how long, why, and where. */
export function stallText(s: Stall): string {
  return t('{0} waiting on {1}, lines {2}–{3}', formatMs(s.seconds * 1000), limitName(s.cause), s.startLine, s.endLine);
}

/** One side's RTT samples in a line: "p50 1.2 ms · p95 3.4 ms · 120 samples". */
export function rttValue(r: RttStats): string | undefined {
  if (!r.samples || r.p50Ms === null || r.p95Ms === null) return undefined;
  return t('p50 {0} · p95 {1} · {2}', formatMs(r.p50Ms), formatMs(r.p95Ms), r.samples === 1 ? t('1 sample') : t('{0} samples', r.samples));
}

/** One side's payload rate in a line: "12.3 Mbit/s · 4.5 MB in 2.9 s". */
export function throughputValue(x: Throughput): string | undefined {
  if (!x.bytes) return undefined;
  if (x.bitsPerSecond === null || x.seconds === null) return t('{0} in one instant', formatBytes(x.bytes));
  return t('{0} · {1} in {2}', formatRate(x.bitsPerSecond), formatBytes(x.bytes), formatMs(x.seconds * 1000));
}

/** What the text lacks, so that a figure cannot be worked out (performance.unknown). */
export function unknownText(kind: UnknownKind): string {
  switch (kind) {
    case 'flags': return t('no flags or numbers (tcpdump -q): no RTT, bytes in flight or handshake');
    case 'time': return t('no timestamps (tcpdump -t): no RTT, durations or throughput');
    case 'window_scale': return t('no SYN seen, so the window scale is unknown: windows in bytes are not known');
    case 'handshake': return t('no SYN seen (the capture began mid-stream): no handshake split');
    case 'unacknowledged': return t('more segments were unacknowledged at once than are followed: bytes in flight are missing for a while');
    case 'acks': return t('one side\'s data is never acknowledged in the capture (the other direction was not captured): what held it back cannot be told');
  }
}

export interface FigureRow {
  key: FigureKey;
  label: string;
  value: string;
}

/**
 * The rows under a connection's Performance node, in the order a person asks: what limited it,
 * how long round trips took, how fast data went, and where the first response's time went.
 * Figures the connection does not have are left out; what the text lacks comes last.
 */
export function performanceRows(c: ConnectionSummary, limits: Limits): FigureRow[] {
  const p = c.performance;
  const rows: FigureRow[] = [{ key: 'verdict', label: t('Verdict'), value: verdictValue(limits) }];
  const add = (key: FigureKey, label: string, value: string | undefined) => {
    if (value !== undefined) rows.push({ key, label, value });
  };
  add('rttClient', t('RTT, client → server'), rttValue(p.rtt.client));
  add('rttServer', t('RTT, server → client'), rttValue(p.rtt.server));
  add('throughputClient', t('Throughput, client → server'), throughputValue(p.throughput.client));
  add('throughputServer', t('Throughput, server → client'), throughputValue(p.throughput.server));
  add('timeToFirstByte', t('Time to first byte'), p.timeToFirstByteMs === null ? undefined : formatMs(p.timeToFirstByteMs));
  add('serverResponse', t('Server response'), p.serverResponseMs === null ? undefined : formatMs(p.serverResponseMs));
  const split = p.handshakeSplit;
  if (split.synToSynAckMs !== null || split.synAckToAckMs !== null) {
    const part = (ms: number | null) => (ms === null ? '?' : formatMs(ms));
    add('handshakeSplit', t('Handshake split'), t('SYN → SYN,ACK {0} · SYN,ACK → ACK {1}', part(split.synToSynAckMs), part(split.synAckToAckMs)));
  }
  if (p.unknown.length) add('unknown', t('Not in the text'), p.unknown.map(unknownText).join(t('; ')));
  return rows;
}

/** The Performance node's own line: the verdict, or the RTT when there is no verdict. */
export function performanceSummary(c: ConnectionSummary, limits: Limits): string {
  if (limits.verdict !== null) return `${limitName(limits.verdict)} ${percent(limits.limits[0].share)}`;
  const r = c.performance.rtt;
  const p50 = r.client.p50Ms ?? r.server.p50Ms;
  return p50 === null ? '' : `RTT p50 ${formatMs(p50)}`;
}

/** A packet's own figures (flight.ts), those it has: its ACK's RTT, bytes in flight, window in bytes. */
export function packetFigures(cols: Pick<PacketColumns, 'ackRtt' | 'inFlight' | 'winBytes'>, p: number): string[] {
  const out: string[] = [];
  const rtt = cols.ackRtt[p];
  const inFlight = cols.inFlight[p];
  const win = cols.winBytes[p];
  if (rtt === rtt) out.push(t('ACK RTT {0}', formatMs(rtt)));
  if (inFlight === inFlight) out.push(t('{0} in flight', formatBytes(inFlight)));
  if (win === win) out.push(t('window {0}', formatBytes(win)));
  return out;
}
