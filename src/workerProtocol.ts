// Messages between the extension host and the analysis worker (src/worker.ts).
// Only plain data crosses: a Trace has methods, so the worker sends its parts and the host
// rebuilds a queryable Trace from them (src/snapshot.ts).
import type { ConnectionSummary, HalfOpenFlood, PacketInfo, Problem, TraceOptions } from './trace/model';

export type WorkerRequest =
  | { type: 'analyzeText'; id: number; text: string; options: TraceOptions }
  | { type: 'analyzeBytes'; id: number; bytes: Uint8Array; options: TraceOptions }
  /** Node only: the worker streams the file from disk itself. */
  | { type: 'analyzePath'; id: number; path: string; options: TraceOptions };

export interface TraceSummary {
  lines: number;
  packetCount: number;
  skipped: number;
  problems: Problem[];
  connections: ConnectionSummary[];
  halfOpenFloods: HalfOpenFlood[];
}

export type WorkerReply =
  | { type: 'progress'; id: number; done: number; total: number }
  | { type: 'summary'; id: number; summary: TraceSummary }
  /** Packets arrive in chunks after the summary, in index order. */
  | { type: 'packets'; id: number; start: number; packets: PacketInfo[] }
  | { type: 'done'; id: number }
  | { type: 'error'; id: number; message: string };

/** How many bytes the worker feeds TraceBuilder between progress reports. */
export const CHUNK_BYTES = 1 << 20;
/** How many materialised packets go in one 'packets' message. */
export const PACKET_CHUNK = 20000;

export function isWorkerReply(m: unknown): m is WorkerReply {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as { type?: unknown; id?: unknown };
  return typeof r.id === 'number' && ['progress', 'summary', 'packets', 'done', 'error'].includes(r.type as string);
}
