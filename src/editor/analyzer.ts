// Runs analyses in a worker (src/ingest/worker.ts) and restores their results on the host.
// Node build: worker_threads; browser build: a Web Worker. Falls back to the host's own
// thread when no worker can be started, so the features keep working.
//
// Results arrive as snapshots whose arrays are transferred, not copied; the host only builds
// the connection summaries, a few milliseconds at a time between turns of its event loop.
// A document's text goes to the worker in slices of whole lines, once; after that the worker
// is sent the editor's edits and keeps its copy up to date.
import * as vscode from 'vscode';
import { log } from './log';
import { analyzeInput } from '../ingest/ingest';
import { analyzeText } from '../trace';
import type { Trace, TraceOptions } from '../trace/model';
import { restoreSnapshot } from '../trace/columnTrace';
import type { TextChange } from '../trace/edits';
import { isTraceSnapshot } from '../trace/snapshot';
import { TEXT_CHUNK_CHARS, isWorkerReply, type WorkerReply, type WorkerRequest } from '../protocol/workerProtocol';
import { rebuildPcap, type RebuildReport } from '../ingest/toPcap';
import { joinBytes } from '../trace/bytes';
import { startWorker, type WorkerLike } from './workerStart';

/** Lets the host's other work run; restoring and sending text continue after it. */
const yieldToHost: () => Promise<void> =
  typeof setImmediate === 'function' ? () => new Promise((r) => setImmediate(r)) : () => new Promise((r) => setTimeout(r, 0));

export type ProgressFn = (done: number, total: number) => void;

export interface Handlers {
  progress?: ProgressFn;
  /** The results so far of a long analysis; never called after the final result. */
  partial?: (trace: Trace) => void;
  token?: vscode.CancellationToken;
}

export interface Analysis {
  trace: Trace;
  /** False when the worker brought its last result up to date without running the engine. */
  reanalysed: boolean;
  /** Set when the engine ran only on the connections an edit touched. */
  touched?: { connections: number; packets: number };
}

/** A pcap rebuilt from tcpdump text, and what could not come back. */
export interface RebuiltPcap {
  bytes: Uint8Array;
  report: RebuildReport;
}

/** The worker no longer holds the document version asked about: send the text again. */
export class StaleDocumentError extends Error {}

/** What the analyzer needs of an editor document. */
export interface DocumentSource {
  key: string;
  version: number;
  /** Characters in all, for progress (an estimate will do). */
  length: number;
  lineCount: number;
  /** Lines [from, to) with their line breaks. */
  lines(from: number, to: number): string;
  /** False once the document has changed since `version` or was closed. */
  current(): boolean;
  /** The whole text, for analysing on the host when no worker can run. */
  text(): string;
}

interface Pending {
  handlers: Handlers;
  resolve(a: Analysis): void;
  reject(e: Error): void;
  /** Snapshots received so far; restoring a partial one stops when a newer one arrives. */
  received: number;
  settled: boolean;
}

export class Analyzer implements vscode.Disposable {
  private worker: WorkerLike | undefined;
  /** The worker while it starts; resolves to undefined when none can run here. */
  private starting: Promise<WorkerLike | undefined> | undefined;
  private workerFailed = false;
  private disposed = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** "Save as pcap" requests waiting for their bytes. */
  private readonly pcaps = new Map<number, { resolve(r: RebuiltPcap): void; reject(e: Error): void }>();
  /** The document versions the worker holds the text of, as far as the host knows. */
  private readonly held = new Map<string, number>();

  constructor(private readonly extensionUri: vscode.Uri) {}

  /** Analyses bytes (a file read through vscode.workspace.fs); their buffer moves to the worker. */
  async analyzeBytes(bytes: Uint8Array, options: TraceOptions, h: Handlers = {}): Promise<Analysis> {
    const worker = await this.ensureWorker();
    if (!worker) return inline(() => analyzeInput(bytes, options));
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    return this.request(worker, h, (id) => worker.post({ type: 'analyzeBytes', id, bytes, options, partials: !!h.partial }, whole ? [bytes.buffer as ArrayBuffer] : []));
  }

  /** Node only: the worker reads the file itself, so the host never holds all of it. */
  async analyzePath(path: string, options: TraceOptions, h: Handlers = {}): Promise<Analysis> {
    const worker = await this.ensureWorker();
    if (!worker) throw new Error('No worker available');
    return this.request(worker, h, (id) => worker.post({ type: 'analyzePath', id, path, options, partials: !!h.partial }));
  }

  /**
   * Analyses a document. If the worker holds this version (it was sent the text and every
   * edit since), only a request goes; otherwise the text goes in slices of whole lines, a
   * little at a time between turns of the host's event loop.
   */
  async analyzeDocument(src: DocumentSource, options: TraceOptions, h: Handlers = {}): Promise<Analysis> {
    const worker = await this.ensureWorker();
    if (!worker) return inline(() => analyzeText(src.text(), options));
    if (this.held.get(src.key) === src.version) {
      try {
        return await this.request(worker, h, (id) => worker.post({ type: 'analyzeDocument', id, key: src.key, version: src.version, options }));
      } catch (e) {
        if (!(e instanceof StaleDocumentError)) throw e;
        this.held.delete(src.key);
      }
    }
    return this.request(worker, h, (id) => {
      this.sendText(worker, id, src, options, !!h.partial).catch((e: unknown) => {
        const p = this.pending.get(id);
        if (p) this.settle(id, p, e instanceof Error ? e : new Error(String(e)));
        worker.post({ type: 'cancel', id });
      });
    });
  }

  private async sendText(worker: WorkerLike, id: number, src: DocumentSource, options: TraceOptions, partials: boolean): Promise<void> {
    this.held.delete(src.key);
    worker.post({ type: 'openDocument', id, key: src.key, version: src.version, total: src.length, options, partials });
    let lines = 4096;
    for (let from = 0; from < src.lineCount; ) {
      const p = this.pending.get(id);
      if (!p || p.settled || this.worker !== worker) return;
      if (!src.current()) {
        this.cancel(id);
        return;
      }
      const to = Math.min(src.lineCount, from + lines);
      const text = src.lines(from, to);
      const last = to === src.lineCount;
      worker.post({ type: 'documentText', id, key: src.key, version: src.version, text, last });
      if (last) this.held.set(src.key, src.version);
      // Aim at about TEXT_CHUNK_CHARS per slice, whatever the line length.
      lines = Math.max(64, Math.min(1 << 20, Math.round((lines * TEXT_CHUNK_CHARS) / Math.max(1, text.length))));
      from = to;
      if (!last) await yieldToHost();
    }
    if (src.lineCount === 0) {
      worker.post({ type: 'documentText', id, key: src.key, version: src.version, text: '', last: true });
      this.held.set(src.key, src.version);
    }
  }

  /**
   * "Save as pcap" in the worker: the document's text is not sent again when the worker holds
   * this version of it. On the host when no worker can run.
   */
  async rebuildPcap(src: Pick<DocumentSource, 'key' | 'version' | 'text'>, options: TraceOptions): Promise<RebuiltPcap> {
    const worker = await this.ensureWorker();
    if (!worker) {
      const parts: Uint8Array[] = [];
      const report = rebuildPcap(src.text(), (c) => parts.push(c), options);
      return { bytes: joinBytes(parts), report };
    }
    const ask = (text?: string) =>
      new Promise<RebuiltPcap>((resolve, reject) => {
        const id = this.nextId++;
        this.pcaps.set(id, { resolve, reject });
        const m: WorkerRequest = { type: 'rebuildPcap', id, key: src.key, version: src.version, text, options };
        worker.post(m);
      });
    if (this.held.get(src.key) === src.version) {
      try {
        return await ask();
      } catch (e) {
        if (!(e instanceof StaleDocumentError)) throw e;
        this.held.delete(src.key);
      }
    }
    return ask(src.text());
  }

  /** Forwards an edit to the worker's copy of the document, if it holds the version it starts from. */
  documentChanged(key: string, fromVersion: number, version: number, changes: TextChange[]): void {
    const worker = this.worker;
    if (!worker || this.held.get(key) !== fromVersion) {
      this.held.delete(key);
      return;
    }
    worker.post({ type: 'editDocument', id: 0, key, fromVersion, version, changes });
    this.held.set(key, version);
  }

  forgetDocument(key: string): void {
    if (!this.held.delete(key)) return;
    this.worker?.post({ type: 'forgetDocument', id: 0, key });
  }

  private request(worker: WorkerLike, handlers: Handlers, send: (id: number) => void): Promise<Analysis> {
    const id = this.nextId++;
    return new Promise<Analysis>((resolve, reject) => {
      this.pending.set(id, { handlers, resolve, reject, received: 0, settled: false });
      handlers.token?.onCancellationRequested(() => this.cancel(id));
      send(id);
    });
  }

  /**
   * Starts the worker ahead of the first analysis: it takes a tenth of a second or more to
   * start (more when the cores are busy), time the first results would otherwise wait.
   */
  prepare(): void {
    void this.ensureWorker();
  }

  private ensureWorker(): Promise<WorkerLike | undefined> {
    if (this.worker || this.workerFailed) return Promise.resolve(this.worker);
    this.starting ??= startWorker(this.extensionUri).then((worker) => {
      this.starting = undefined;
      if (this.disposed) {
        // Deactivated while the worker started.
        worker?.terminate();
        return undefined;
      }
      if (!worker) {
        this.workerFailed = true;
        log('No analysis worker could start here: traces are analysed on the extension host.');
        return undefined;
      }
      log(`Analysis worker started (${process.env.TCP_TRACE_WEB === '1' ? 'a Web Worker' : 'worker_threads'}).`);
      this.worker = worker;
      worker.onMessage((m) => this.worker === worker && isWorkerReply(m) && this.onReply(m));
      worker.onError((e) => this.worker === worker && this.cancelAll(e instanceof Error ? e : new Error(String(e))));
      return worker;
    });
    return this.starting;
  }

  private onReply(m: WorkerReply): void {
    const q = this.pcaps.get(m.id);
    if (q) {
      this.pcaps.delete(m.id);
      if (m.type === 'pcap') q.resolve({ bytes: m.bytes, report: m.report as unknown as RebuildReport });
      else if (m.type === 'error') q.reject(m.stale ? new StaleDocumentError(m.message) : new Error(m.message));
      return;
    }
    const p = this.pending.get(m.id);
    if (!p || p.settled) return;
    switch (m.type) {
      case 'progress':
        p.handlers.progress?.(m.done, m.total);
        break;
      case 'snapshot':
        if (!isTraceSnapshot(m.snapshot)) {
          this.settle(m.id, p, new Error('The worker sent a malformed result'));
          break;
        }
        void this.restore(m.id, p, m.snapshot, m.reanalysed, m.touched);
        break;
      case 'error':
        this.settle(m.id, p, m.stale ? new StaleDocumentError(m.message) : m.message === 'cancelled' ? new vscode.CancellationError() : new Error(m.message));
        break;
    }
  }

  private async restore(id: number, p: Pending, snapshot: Parameters<typeof restoreSnapshot>[0], reanalysed: boolean, touched: Analysis['touched']): Promise<void> {
    const n = ++p.received;
    const partial = snapshot.partial;
    const trace = await restoreSnapshot(snapshot, yieldToHost, { abandon: () => p.settled || (partial && p.received !== n) });
    if (!trace || p.settled) return;
    if (partial) {
      if (p.received === n) p.handlers.partial?.(trace);
    } else this.settle(id, p, { trace, reanalysed, touched });
  }

  private settle(id: number, p: Pending, result: Analysis | Error): void {
    if (p.settled) return;
    p.settled = true;
    this.pending.delete(id);
    if (result instanceof Error) p.reject(result);
    else p.resolve(result);
  }

  /** Drops one request and tells the worker to stop it at its next step. */
  private cancel(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.settle(id, p, new vscode.CancellationError());
    this.worker?.post({ type: 'cancel', id });
  }

  /** Stops the worker and fails what was running; documents will be sent again. */
  cancelAll(reason: Error): void {
    this.worker?.terminate();
    this.worker = undefined;
    this.held.clear();
    for (const [id, p] of [...this.pending]) this.settle(id, p, reason);
    for (const q of this.pcaps.values()) q.reject(reason);
    this.pcaps.clear();
  }

  dispose(): void {
    this.disposed = true;
    this.cancelAll(new vscode.CancellationError());
  }
}

function inline(run: () => Trace): Promise<Analysis> {
  try {
    return Promise.resolve({ trace: run(), reanalysed: true });
  } catch (e) {
    return Promise.reject(e);
  }
}
