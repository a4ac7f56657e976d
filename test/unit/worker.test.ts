// The analysis worker (dist/worker.js) as the extension drives it: results so far while a long
// analysis runs, the first of them once the input's first 256 kB are analysed.

import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { TraceSnapshot } from '../../src/trace/snapshot';
import { FIRST_PIECE_BYTES } from '../../src/protocol/workerProtocol';
import { readFileSync } from 'node:fs';
import { rebuildPcap } from '../../src/ingest/toPcap';
import { fixture, hasFile, ROOT } from './helpers';

const WORKER = join(ROOT, 'dist/worker.js');
/** Connections in the test's input: about 2.5 MB of text. */
const N = 5000;

/** Short connections, each on its own client port: about 100 bytes a line. */
function shortConnections(count: number): string {
  const out: string[] = [];
  for (let k = 0; k < count; k++) {
    const c = `10.0.${k >> 8 & 255}.${k & 255}.${1024 + (k % 60000)}`;
    const s = '10.1.0.1.80';
    const t = (i: number) => `12:00:${String(Math.floor(k / 100) % 60).padStart(2, '0')}.${String(((k % 100) * 10 + i) * 1000).padStart(6, '0')}`;
    out.push(
      `${t(0)} IP ${c} > ${s}: Flags [S], seq 100, win 64240, options [mss 1460], length 0`,
      `${t(1)} IP ${s} > ${c}: Flags [S.], seq 500, ack 101, win 65160, options [mss 1460], length 0`,
      `${t(2)} IP ${c} > ${s}: Flags [.], ack 1, win 502, length 0`,
      `${t(3)} IP ${c} > ${s}: Flags [F.], seq 1, ack 1, win 502, length 0`,
      `${t(4)} IP ${s} > ${c}: Flags [F.], seq 1, ack 2, win 509, length 0`,
      `${t(5)} IP ${c} > ${s}: Flags [.], ack 2, win 502, length 0`,
    );
  }
  return out.join('\n') + '\n';
}

describe('analysis worker', () => {
  it('posts its first results once the first 256 kB are analysed, then the whole trace', async function () {
    if (!hasFile(WORKER)) this.skip();
    this.timeout(60_000);
    const bytes = new TextEncoder().encode(shortConnections(N));
    assert.ok(bytes.length > 2 << 20, `${bytes.length} bytes`);
    let linesInFirstPiece = 0;
    for (let i = 0; i < FIRST_PIECE_BYTES; i++) if (bytes[i] === 10) linesInFirstPiece++;
    const totalLines = N * 6;

    const worker = new Worker(WORKER);
    try {
      const snapshots: TraceSnapshot[] = [];
      await new Promise<void>((resolve, reject) => {
        worker.on('error', reject);
        worker.on('message', (m: { type: string; snapshot?: TraceSnapshot; message?: string }) => {
          if (m.type === 'ready') worker.postMessage({ type: 'analyzeBytes', id: 1, bytes, options: {}, partials: true });
          else if (m.type === 'error') reject(new Error(m.message));
          else if (m.type === 'snapshot') {
            snapshots.push(m.snapshot!);
            if (!m.snapshot!.partial) resolve();
          }
        });
      });
      assert.ok(snapshots.length >= 2, `${snapshots.length} snapshots`);
      const [first] = snapshots;
      assert.equal(first.partial, true);
      assert.equal(first.lines, linesInFirstPiece, 'the first results hold the lines of the first 256 kB');
      assert.ok(first.connectionCount > 0 && first.connectionCount < N, `${first.connectionCount} connections at first`);
      const last = snapshots[snapshots.length - 1];
      assert.equal(last.lines, totalLines);
      assert.equal(last.connectionCount, N);
      assert.equal(last.packetCount, totalLines);
    } finally {
      await worker.terminate();
    }
  });

  it('rebuilds a pcap off the host: from the text sent, or from the document it holds', async function () {
    if (!hasFile(WORKER)) this.skip();
    this.timeout(60_000);
    // A loopback capture printed with -tttt -v: the IP headers' fields come back too.
    const text = readFileSync(fixture('captures', 'retransmission', 'tttt_v.tcpdump'), 'utf8');
    const parts: Uint8Array[] = [];
    const report = rebuildPcap(text, (c) => parts.push(c));
    const want = Buffer.concat(parts);
    assert.ok(report.packets > 20, `${report.packets} packets`);

    const worker = new Worker(WORKER);
    type Reply = { type: string; id: number; bytes?: Uint8Array; report?: object; message?: string; stale?: boolean };
    const replies = new Map<number, (m: Reply) => void>();
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('error', reject);
      worker.on('message', (m: Reply) => (m.type === 'ready' ? resolve() : replies.get(m.id)?.(m)));
    });
    const reply = (id: number, type: string) => new Promise<Reply>((resolve) => replies.set(id, (r) => r.type === type && resolve(r)));
    const ask = (m: Record<string, unknown> & { id: number }, type = 'pcap') => {
      const r = reply(m.id, type);
      worker.postMessage(m);
      return r;
    };
    try {
      await ready;
      const sent = await ask({ type: 'rebuildPcap', id: 1, key: 'a', version: 1, text, options: {} });
      assert.ok(Buffer.from(sent.bytes!).equals(want), 'the same bytes as on the host');
      assert.deepEqual(sent.report, report);

      // The document the worker holds, as the editor sends it, then asked for by key alone.
      const analysed = reply(2, 'snapshot');
      worker.postMessage({ type: 'openDocument', id: 2, key: 'doc', version: 7, total: text.length, options: {}, partials: false });
      worker.postMessage({ type: 'documentText', id: 2, key: 'doc', version: 7, text, last: true });
      await analysed;
      const held = await ask({ type: 'rebuildPcap', id: 3, key: 'doc', version: 7, options: {} });
      assert.ok(Buffer.from(held.bytes!).equals(want), 'the held document gives the same bytes');
      const stale = await ask({ type: 'rebuildPcap', id: 4, key: 'doc', version: 8, options: {} }, 'error');
      assert.equal(stale.stale, true);
    } finally {
      await worker.terminate();
    }
  });
});
