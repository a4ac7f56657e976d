// Starts the analysis worker (src/ingest/worker.ts): worker_threads in the Node build, a Web Worker in
// the browser build. A worker counts as started once it has said it is ready, so a worker that
// cannot load its script is found out at once and the analyzer falls back to its own thread.
import * as vscode from 'vscode';
import type { WorkerRequest } from '../protocol/workerProtocol';

export interface WorkerLike {
  post(m: WorkerRequest, transfer?: ArrayBuffer[]): void;
  onMessage(h: (m: unknown) => void): void;
  onError(h: (e: unknown) => void): void;
  terminate(): void;
}

/** The worker's name, as debuggers and the e2e suite see it. */
export const WORKER_NAME = 'tcp-trace-analysis';

/** How long a new worker has to say it is ready. */
const READY_TIMEOUT_MS = 15_000;

interface WebWorker {
  postMessage(m: unknown, transfer?: unknown[]): void;
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: unknown) => void) | null;
  terminate(): void;
}
declare const Worker: undefined | (new (url: string, options?: { name?: string }) => WebWorker);
declare const Blob: undefined | (new (parts: unknown[], options: { type: string }) => unknown);
declare const URL: { createObjectURL?(blob: unknown): string; revokeObjectURL?(url: string): void };

/** The worker, once it has said it is ready; undefined if it cannot run here. */
export async function startWorker(extensionUri: vscode.Uri): Promise<WorkerLike | undefined> {
  let worker: WorkerLike | undefined;
  try {
    // The condition is fixed at build time: the browser bundle holds no worker_threads.
    if (process.env.TCP_TRACE_WEB === '1') worker = await webWorker(extensionUri);
    else worker = nodeWorker(extensionUri, require('worker_threads'));
  } catch {
    return undefined;
  }
  if (!worker) return undefined;
  const w = worker;
  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), READY_TIMEOUT_MS);
    w.onMessage((m) => {
      if ((m as { type?: unknown } | null)?.type !== 'ready') return;
      clearTimeout(timer);
      resolve(true);
    });
    w.onError(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (ready) return w;
  w.terminate();
  return undefined;
}

function nodeWorker(extensionUri: vscode.Uri, threads: typeof import('worker_threads')): WorkerLike {
  // A young generation of 2 MB semi-spaces, as tcp-trace's own (esbuild.mjs): the engine keeps
  // little of what it allocates, and less memory to be given page by page is less time.
  const w = new threads.Worker(vscode.Uri.joinPath(extensionUri, 'dist', 'worker.js').fsPath, {
    name: WORKER_NAME,
    resourceLimits: { maxYoungGenerationSizeMb: 6 },
  });
  let message: (m: unknown) => void = () => undefined;
  let error: (e: unknown) => void = () => undefined;
  w.on('message', (m) => message(m));
  w.on('error', (e) => error(e));
  return {
    post: (m, t) => w.postMessage(m, t ?? []),
    onMessage: (h) => (message = h),
    onError: (h) => (error = h),
    terminate: () => void w.terminate(),
  };
}

/**
 * A Web Worker from the extension's worker script; where a worker cannot start from the
 * script's URI (VS Code's web extension host refuses vscode-remote: ones, browsers refuse
 * other origins), from a Blob of the script read through the workspace file system.
 */
async function webWorker(extensionUri: vscode.Uri): Promise<WorkerLike | undefined> {
  if (typeof Worker === 'undefined') return undefined;
  const script = vscode.Uri.joinPath(extensionUri, 'dist', 'web', 'worker.js');
  let url: string | undefined;
  let w: WebWorker;
  try {
    w = new Worker(script.toString(true), { name: WORKER_NAME });
  } catch {
    if (typeof Blob === 'undefined' || typeof URL?.createObjectURL !== 'function') return undefined;
    url = URL.createObjectURL(new Blob([await vscode.workspace.fs.readFile(script)], { type: 'text/javascript' }));
    w = new Worker(url, { name: WORKER_NAME });
  }
  return {
    post: (m, t) => w.postMessage(m, t ?? []),
    onMessage: (h) => (w.onmessage = (e) => h(e.data)),
    onError: (h) => (w.onerror = h),
    terminate: () => {
      w.terminate();
      if (url) URL.revokeObjectURL?.(url);
    },
  };
}
