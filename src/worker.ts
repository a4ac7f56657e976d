// Worker entry: runs the engine off the extension host's event loop. Built twice by
// esbuild.mjs: dist/worker.js (Node worker_threads) and dist/web/worker.js (a Web Worker).
import { TraceBuilder } from './trace';
import type { Trace, TraceOptions } from './trace/model';
import { CHUNK_BYTES, PACKET_CHUNK, type TraceSummary, type WorkerReply, type WorkerRequest } from './workerProtocol';

interface Port {
  post(m: WorkerReply): void;
  listen(handler: (m: WorkerRequest) => void): void;
}

// `require` is looked up at run time so the browser bundle does not try to include Node modules.
declare const require: ((id: string) => any) | undefined;
const nodeRequire = typeof require === 'function' && typeof process !== 'undefined' ? require : undefined;

function port(): Port {
  if (nodeRequire) {
    const { parentPort } = nodeRequire('worker_threads');
    return {
      post: (m) => parentPort.postMessage(m),
      listen: (h) => parentPort.on('message', h),
    };
  }
  const scope = globalThis as unknown as { postMessage(m: unknown): void; onmessage: ((e: { data: WorkerRequest }) => void) | null };
  return {
    post: (m) => scope.postMessage(m),
    listen: (h) => {
      scope.onmessage = (e) => h(e.data);
    },
  };
}

const out = port();

/** Yields to the worker's own loop so progress messages go out between chunks. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

async function feed(id: number, bytes: Uint8Array, options: TraceOptions): Promise<Trace> {
  const builder = new TraceBuilder(options);
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) {
    builder.push(bytes.subarray(at, Math.min(bytes.length, at + CHUNK_BYTES)));
    out.post({ type: 'progress', id, done: Math.min(bytes.length, at + CHUNK_BYTES), total: bytes.length });
    await tick();
  }
  return builder.finish();
}

async function streamPath(id: number, path: string, options: TraceOptions): Promise<Trace> {
  if (!nodeRequire) throw new Error('Reading a path needs Node');
  const fs = nodeRequire('fs');
  const total: number = fs.statSync(path).size;
  const builder = new TraceBuilder(options);
  let done = 0;
  let lastReport = 0;
  for await (const chunk of fs.createReadStream(path, { highWaterMark: CHUNK_BYTES })) {
    builder.push(chunk as Uint8Array);
    done += (chunk as Uint8Array).length;
    if (done - lastReport >= CHUNK_BYTES || done === total) {
      lastReport = done;
      out.post({ type: 'progress', id, done, total });
    }
  }
  return builder.finish();
}

function send(id: number, trace: Trace): void {
  const summary: TraceSummary = {
    lines: trace.lines,
    packetCount: trace.packetCount,
    skipped: trace.skipped,
    problems: trace.problems,
    connections: trace.connections,
    halfOpenFloods: trace.halfOpenFloods,
  };
  out.post({ type: 'summary', id, summary });
  for (let start = 0; start < trace.packetCount; start += PACKET_CHUNK) {
    const packets = [];
    const end = Math.min(trace.packetCount, start + PACKET_CHUNK);
    for (let i = start; i < end; i++) packets.push(trace.packet(i));
    out.post({ type: 'packets', id, start, packets });
  }
  out.post({ type: 'done', id });
}

async function handle(m: WorkerRequest): Promise<void> {
  try {
    let trace: Trace;
    if (m.type === 'analyzeText') trace = await feed(m.id, new TextEncoder().encode(m.text), m.options);
    else if (m.type === 'analyzeBytes') trace = await feed(m.id, m.bytes, m.options);
    else if (m.type === 'analyzePath') trace = await streamPath(m.id, m.path, m.options);
    else return;
    send(m.id, trace);
  } catch (e) {
    out.post({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) });
  }
}

// One request at a time, in arrival order.
let queue = Promise.resolve();
out.listen((m) => {
  if (typeof m !== 'object' || m === null || typeof (m as { id?: unknown }).id !== 'number') return;
  queue = queue.then(() => handle(m));
});
