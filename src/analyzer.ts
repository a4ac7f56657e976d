// Runs analyses in a worker (src/worker.ts) and rebuilds the Trace on the host.
// Node build: worker_threads; browser build: a Web Worker. Falls back to the host's own
// thread when no worker can be started, so the features keep working.
import * as vscode from 'vscode';
import { analyzeBytes, analyzeText } from './trace';
import type { PacketInfo, Trace, TraceOptions } from './trace/model';
import { SnapshotTrace } from './snapshot';
import { isWorkerReply, type TraceSummary, type WorkerReply, type WorkerRequest } from './workerProtocol';

interface WorkerLike {
  post(m: WorkerRequest, transfer?: ArrayBuffer[]): void;
  onMessage(h: (m: unknown) => void): void;
  onError(h: (e: unknown) => void): void;
  terminate(): void;
}

declare const Worker: undefined | (new (url: string) => {
  postMessage(m: unknown, transfer?: unknown[]): void;
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: unknown) => void) | null;
  terminate(): void;
});

function startWorker(extensionUri: vscode.Uri): WorkerLike | undefined {
  try {
    if (process.env.TCP_TRACE_WEB === '1') {
      if (typeof Worker === 'undefined') return undefined;
      const w = new Worker(vscode.Uri.joinPath(extensionUri, 'dist', 'web', 'worker.js').toString(true));
      return {
        post: (m, t) => w.postMessage(m, t ?? []),
        onMessage: (h) => (w.onmessage = (e) => h(e.data)),
        onError: (h) => (w.onerror = h),
        terminate: () => w.terminate(),
      };
    } else {
      const threads = require('worker_threads') as typeof import('worker_threads');
      const w = new threads.Worker(vscode.Uri.joinPath(extensionUri, 'dist', 'worker.js').fsPath);
      return {
        post: (m, t) => w.postMessage(m, t ?? []),
        onMessage: (h) => w.on('message', h),
        onError: (h) => w.on('error', h),
        terminate: () => void w.terminate(),
      };
    }
  } catch {
    return undefined;
  }
}

export type ProgressFn = (done: number, total: number) => void;

interface Pending {
  progress?: ProgressFn;
  resolve(t: Trace): void;
  reject(e: Error): void;
  summary?: TraceSummary;
  packets: PacketInfo[];
  timeWait: number;
}

export class Analyzer implements vscode.Disposable {
  private worker: WorkerLike | undefined;
  private workerFailed = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly extensionUri: vscode.Uri) {}

  analyzeText(text: string, options: TraceOptions, progress?: ProgressFn, token?: vscode.CancellationToken): Promise<Trace> {
    return this.run((id) => ({ type: 'analyzeText', id, text, options }), () => analyzeText(text, options), options, progress, token);
  }

  analyzeBytes(bytes: Uint8Array, options: TraceOptions, progress?: ProgressFn, token?: vscode.CancellationToken): Promise<Trace> {
    return this.run((id) => ({ type: 'analyzeBytes', id, bytes, options }), () => analyzeBytes(bytes, options), options, progress, token);
  }

  /** Node only: the worker reads the file itself, so the host never holds all of it. */
  analyzePath(path: string, options: TraceOptions, progress?: ProgressFn, token?: vscode.CancellationToken): Promise<Trace> {
    return this.run((id) => ({ type: 'analyzePath', id, path, options }), undefined, options, progress, token);
  }

  private run(
    request: (id: number) => WorkerRequest,
    inline: (() => Trace) | undefined,
    options: TraceOptions,
    progress?: ProgressFn,
    token?: vscode.CancellationToken,
  ): Promise<Trace> {
    const worker = this.ensureWorker();
    if (!worker) {
      if (!inline) return Promise.reject(new Error('No worker available'));
      try {
        return Promise.resolve(inline());
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const id = this.nextId++;
    return new Promise<Trace>((resolve, reject) => {
      this.pending.set(id, { progress, resolve, reject, packets: [], timeWait: options.timeWaitSeconds ?? 60 });
      token?.onCancellationRequested(() => this.cancel(id));
      worker.post(request(id));
    });
  }

  private ensureWorker(): WorkerLike | undefined {
    if (this.worker || this.workerFailed) return this.worker;
    this.worker = startWorker(this.extensionUri);
    if (!this.worker) {
      this.workerFailed = true;
      return undefined;
    }
    this.worker.onMessage((m) => isWorkerReply(m) && this.onReply(m));
    this.worker.onError((e) => this.cancelAll(e instanceof Error ? e : new Error(String(e))));
    return this.worker;
  }

  private onReply(m: WorkerReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    switch (m.type) {
      case 'progress':
        p.progress?.(m.done, m.total);
        break;
      case 'summary':
        p.summary = m.summary;
        break;
      case 'packets':
        for (const packet of m.packets) p.packets.push(packet);
        break;
      case 'done':
        this.pending.delete(m.id);
        if (p.summary) p.resolve(new SnapshotTrace(p.summary, p.packets, p.timeWait));
        else p.reject(new Error('The worker sent no summary'));
        break;
      case 'error':
        this.pending.delete(m.id);
        p.reject(new Error(m.message));
        break;
    }
  }

  /** Drops one request; if nothing else is waiting, stops the worker that is busy with it. */
  private cancel(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.reject(new vscode.CancellationError());
    if (this.pending.size === 0) {
      this.worker?.terminate();
      this.worker = undefined;
    }
  }

  /** Stops the worker (the only way to interrupt the engine) and fails what was running. */
  cancelAll(reason: Error): void {
    if (this.pending.size === 0) return;
    this.worker?.terminate();
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(reason);
    this.pending.clear();
  }

  dispose(): void {
    this.cancelAll(new vscode.CancellationError());
    this.worker?.terminate();
  }
}
