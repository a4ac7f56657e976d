// What limited each connection (src/trace/limits.ts), worked out once per trace and connection
// for the editor's views: the tree's Performance node, the hover of a packet inside a stall,
// the Problems panel and Next/Previous Problem all read it here. (The verdict and the seconds in
// stalls are stored with each connection too, performance.verdict and stallSeconds: the sort reads those.)
//
// Free of 'vscode', so unit tests can check what the views are given.
import { limitsOf, type Limits, type Stall } from '../trace/limits';
import type { ConnectionSummary, Trace } from '../trace/model';
import { formatMs } from '../trace/report';
import { isTrouble, limitName } from './performanceText';
import { t } from './l10n';

/** Each trace's limits by connection id, filled as they are asked for. */
const cache = new WeakMap<Trace, Map<number, Limits>>();

export function connectionLimits(trace: Trace, c: ConnectionSummary): Limits {
  let byId = cache.get(trace);
  if (!byId) cache.set(trace, (byId = new Map()));
  let l = byId.get(c.id);
  // A big connection's limits come with the trace from the worker: working them out here
  // would hold the extension host for tens of milliseconds.
  if (!l) byId.set(c.id, (l = limitsOf(trace, c)));
  return l;
}

function summaryOf(trace: Trace, id: number): ConnectionSummary | undefined {
  const c = trace.connections[id];
  return c?.id === id ? c : trace.connections.find((x) => x.id === id);
}

/**
 * The stall packet `index` belongs to: from the packet before the wait to the one that ends it.
 * A packet that ends one stall and starts the next belongs to the one it ends.
 */
export function stallAt(trace: Trace, index: number): Stall | undefined {
  const c = summaryOf(trace, trace.columns.conn[index]);
  if (!c) return undefined;
  const line = trace.columns.line[index];
  for (const s of connectionLimits(trace, c).stalls) if (s.startLine <= line && line <= s.endLine) return s;
  return undefined;
}

const startsCache = new WeakMap<Trace, { minSeconds: number; packets: Set<number> }>();

/** The packets that begin a stall at least `minSeconds` long: Next/Previous Problem stops there. */
export function stallStarts(trace: Trace, minSeconds: number): Set<number> {
  const cached = startsCache.get(trace);
  if (cached && cached.minSeconds === minSeconds) return cached.packets;
  const packets = new Set<number>();
  for (const c of trace.connections) {
    for (const s of connectionLimits(trace, c).stalls) {
      if (s.seconds < minSeconds) continue;
      const p = trace.packetAtLine(s.startLine);
      if (p >= 0) packets.add(p);
    }
  }
  startsCache.set(trace, { minSeconds, packets });
  return packets;
}

/** When a stall, a verdict or a round trip is worth a Problems-panel entry (tcpTrace.diagnostics.*). */
export interface SlowThresholds {
  /** Stalls this long or longer; milliseconds. */
  stallMs: number;
  /** A verdict whose share of the connection's time is at least this; percent. */
  limitPercent: number;
  /** An RTT p95 (either side's data) at least this; milliseconds, 0 for none. */
  rttMs: number;
}

export type SlowKind = 'stall' | 'limit' | 'slowRtt';

export interface SlowFinding {
  line: number;
  kind: SlowKind;
  /** A warning (loss, a full receiver window, a handshake that had to be repeated), else information. */
  warning: boolean;
  /** Worded only for the findings kept. */
  message: () => string;
}

/** What deserves a Problems-panel entry about a connection's speed. */
export function slowFindings(trace: Trace, c: ConnectionSummary, th: SlowThresholds, on: (k: SlowKind) => boolean, out: SlowFinding[]): void {
  const wantStalls = on('stall');
  const wantLimit = on('limit');
  const name = () => `#${c.id} ${c.client} → ${c.server}`;
  if (wantStalls || wantLimit) {
    const l = connectionLimits(trace, c);
    if (wantStalls) {
      for (const s of l.stalls) {
        if (s.seconds * 1000 < th.stallMs) continue;
        out.push({
          line: s.startLine,
          kind: 'stall',
          warning: isTrouble(s.cause),
          message: () => t('{0}: stalled {1} waiting on {2}, until line {3}.', name(), formatMs(s.seconds * 1000), limitName(s.cause), s.endLine),
        });
      }
    }
    const top = l.limits[0];
    if (wantLimit && l.verdict !== null && l.verdict !== 'none' && top.share * 100 >= th.limitPercent) {
      out.push({
        line: top.lines[0] ?? c.firstLine,
        kind: 'limit',
        warning: isTrouble(l.verdict),
        message: () => t('{0}: limited by {1}, {2}% of its {3}.', name(), limitName(top.kind), Math.round(top.share * 100), formatMs(l.limits.reduce((sum, x) => sum + x.seconds, 0) * 1000)),
      });
    }
  }
  if (on('slowRtt') && th.rttMs > 0) {
    const rtt = c.performance.rtt;
    for (const side of ['client', 'server'] as const) {
      const r = rtt[side];
      if (r.p95Ms === null || r.p50Ms === null || r.p95Ms < th.rttMs) continue;
      const p95 = r.p95Ms;
      const p50 = r.p50Ms;
      out.push({
        line: c.firstLine,
        kind: 'slowRtt',
        warning: false,
        message: () =>
          side === 'client'
            ? t('{0}: round trips of the client\'s data are slow: p95 {1}, p50 {2} ({3} samples).', name(), formatMs(p95), formatMs(p50), r.samples)
            : t('{0}: round trips of the server\'s data are slow: p95 {1}, p50 {2} ({3} samples).', name(), formatMs(p95), formatMs(p50), r.samples),
      });
    }
  }
}
