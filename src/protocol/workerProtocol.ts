// Messages between the extension host and the analysis worker (src/ingest/worker.ts).
// Results cross as a TraceSnapshot (src/trace/snapshot.ts): typed arrays whose buffers are
// transferred, not copied, so the host never deserialises an object per packet.
import type { TraceOptions } from '../trace/model';
import type { TextChange } from '../trace/edits';
import type { TraceSnapshot } from '../trace/snapshot';

export type WorkerRequest =
  | { type: 'analyzeBytes'; id: number; bytes: Uint8Array; options: TraceOptions; partials: boolean }
  /** Node only: the worker streams the file from disk itself. */
  | { type: 'analyzePath'; id: number; path: string; options: TraceOptions; partials: boolean }
  /**
   * An editor document, whose text follows in 'documentText' messages (each is taken as it
   * arrives; the analysis runs in turn). The worker keeps the text under `key`.
   */
  | { type: 'openDocument'; id: number; key: string; version: number; total: number; options: TraceOptions; partials: boolean }
  | { type: 'documentText'; id: number; key: string; version: number; text: string; last: boolean }
  /** Edits from `fromVersion` to `version`, in the order the editor applied them; taken on arrival. */
  | { type: 'editDocument'; id: number; key: string; fromVersion: number; version: number; changes: TextChange[] }
  /** Analyses the text the worker holds, if it is `version`; else replies stale. */
  | { type: 'analyzeDocument'; id: number; key: string; version: number; options: TraceOptions }
  | { type: 'forgetDocument'; id: number; key: string }
  /**
   * "Save as pcap": tcpdump text back to a pcap (src/ingest/toPcap.ts), off the host. The text
   * comes with the request, or is the document the worker holds under `key` at `version`.
   */
  | { type: 'rebuildPcap'; id: number; key: string; version: number; text?: string; options: TraceOptions }
  /** Stops the request `id` at its next step; the worker stays up. */
  | { type: 'cancel'; id: number };

export type WorkerReply =
  /** Sent once, when the worker has loaded and listens. */
  | { type: 'ready'; id: 0 }
  | { type: 'progress'; id: number; done: number; total: number }
  /**
   * The results so far (snapshot.partial) or the final result, which ends the request.
   * `reanalysed`: the engine ran; `touched`: only on these connections, the rest kept.
   */
  | { type: 'snapshot'; id: number; snapshot: TraceSnapshot; reanalysed: boolean; touched?: { connections: number; packets: number } }
  /** The pcap's bytes (their buffer transferred) and what could not come back, by kind (RebuildReport). */
  | { type: 'pcap'; id: number; bytes: Uint8Array; report: Record<string, number> }
  /** `stale`: the worker does not hold the document version an edit starts from. */
  | { type: 'error'; id: number; message: string; stale?: boolean };

/** How many bytes the worker feeds TraceBuilder between progress reports and yields. */
export const CHUNK_BYTES = 1 << 20;

/**
 * About how many characters of a document go in one 'documentText' message (whole lines).
 * Small enough that each slice dies young on the host instead of landing in V8's large-object
 * space, which would make the host's garbage collector walk its whole heap more often.
 */
export const TEXT_CHUNK_CHARS = 1 << 16;

/**
 * When the worker posts results so far: first after this long (or once the input's first
 * FIRST_PIECE_BYTES are analysed, if sooner), then at doubling intervals.
 */
export const FIRST_PARTIAL_MS = 150;

/**
 * The input's first piece, analysed on its own: small, since the engine's code is not
 * compiled yet, so the first results come early.
 */
export const FIRST_PIECE_BYTES = 256 << 10;

/**
 * The analysis thread's nice value on Linux: the lowest priority. At nice 10 the extension
 * host still waited 60 to 220 ms for a core now and then while a 45 MB document was analysed
 * on two cores (a nice-10 thread keeps about a tenth of a core's share; at 19, under 2%). On
 * an idle core the analysis runs as fast either way; while other work keeps every core busy
 * it waits for that work.
 */
export const WORKER_NICE = 19;

export function isWorkerReply(m: unknown): m is WorkerReply {
  if (typeof m !== 'object' || m === null) return false;
  const r = m as { type?: unknown; id?: unknown };
  return typeof r.id === 'number' && ['ready', 'progress', 'snapshot', 'pcap', 'error'].includes(r.type as string);
}
