// The tcp-trace command as users run it: the built dist/cli.js, its JSON contract and exit codes.

import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceJson } from '../../src/trace';
import { fixture, hasFile, ROOT } from './helpers';

const CLI = join(ROOT, 'dist/cli.js');

function run(args: string[], input?: string | Buffer) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('cli: tcp-trace', () => {
  before(function () {
    if (!hasFile(CLI)) throw new Error('dist/cli.js is missing: run npm run build first');
  });

  const sample = fixture('captures/normal-client-close/nn.tcpdump');

  it('says on stderr what it repaired, and --normalize prints the text as it read it', function () {
    this.timeout(30_000); // six runs of the CLI
    const glued = readFileSync(fixture('pastes/13-readitlater-tcpdump-examples-html-glued.txt'), 'utf8');
    const r = run(['-'], glued);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /read with repairs: 8 packets split from 1 glued line/);
    assert.match(r.out, /repaired: 8 packets split/);
    const n = run(['--normalize', '-'], glued);
    assert.equal(n.code, 0, n.err);
    const lines = n.out.trimEnd().split('\n');
    assert.equal(lines.length, 8);
    for (const l of lines) assert.match(l, /^\d\d:\d\d:\d\d\.\d{6} IP \S+ > \S+: Flags \[/);
    // Read again, the normalised text needs no repair and gives the same connections.
    const again = run(['--json', '-'], n.out);
    const first = JSON.parse(run(['--json', '-'], glued).out) as TraceJson;
    const second = JSON.parse(again.out) as TraceJson;
    assert.deepEqual(second.repairs, []);
    assert.deepEqual(second.connections.map((c) => [c.client, c.server, c.connState]), first.connections.map((c) => [c.client, c.server, c.connState]));
    assert.equal(run(['--normalize', '--json', '-'], glued).code, 2);
    // Fewer packets than the text seems to hold: one line says where to look.
    const broken = run(['-'], '10:00:00.000000 IP 10.0.0.1.1 > 10.0.0.2.2: Flags [Sq], seq 1, win 1, length 0\n10:00:00.000000 IP 10.0.0.1.1 > 10.0.0.2.2: Flags [S], seq 1, win 1, length 0\n');
    assert.match(broken.err, /1 line looks like TCP but could not be read \(first: line \d+, /);
  });

  it('prints a readable summary per connection', () => {
    const r = run([sample]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /1 connection\b/);
    assert.match(r.out, /127\.0\.0\.1\.40001 > 127\.0\.0\.1\.8080/);
    assert.match(r.out, /SF .*client TIME_WAIT\s+server CLOSED/);
  });

  it('says what limited each connection in a verdict line', () => {
    const r = run([fixture('limits/limit-think/capture.pcap')]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\n  verdict: server_think \(99% of 809 ms\); none 1%; longest stall 400 ms, server_think, lines 9-10\n/);
    const q = run([fixture('captures/sample/q.tcpdump')]);
    assert.match(q.out, /verdict: unknown, no sequence numbers \(tcpdump -q\)/);
  });

  it('starts from its own first line, as the tcp-trace bin does', function () {
    if (process.platform === 'win32') this.skip();
    const dir = mkdtempSync(join(tmpdir(), 'tcp-trace-bin-'));
    try {
      const bin = join(dir, 'tcp-trace');
      writeFileSync(bin, readFileSync(CLI), { mode: 0o755 });
      assert.match(readFileSync(CLI, 'utf8'), /^#!\/usr\/bin\/env -S node --max-semi-space-size=\d+ --expose-gc\n/);
      const r = spawnSync(bin, [sample], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /1 connection\b/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--json follows the tcp-trace/1 contract', () => {
    const r = run(['--json', sample]);
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as TraceJson;
    assert.equal(doc.format, 'tcp-trace/1');
    for (const k of ['lines', 'packets', 'skipped', 'problems', 'connections']) assert.ok(k in doc, k);
    const c = doc.connections[0];
    for (const k of ['id', 'client', 'server', 'firstLine', 'lastLine', 'packets', 'bytes', 'clientState', 'serverState', 'handshake', 'close', 'connState', 'history', 'events']) assert.ok(k in c, k);
    for (const k of ['complete', 'simultaneousOpen', 'rttMs', 'clientIsn', 'serverIsn', 'mss', 'wscale', 'sackPermitted', 'synRetransmissions', 'synAckRetransmissions']) assert.ok(k in c.handshake, k);
    assert.deepEqual(Object.keys(c.close).sort(), ['firstFinFrom', 'kind', 'rstFrom', 'simultaneous']);
    assert.equal(c.clientState, 'TIME_WAIT');
    assert.equal(doc.packetRecords, undefined);
  });

  it('--json --packets adds one record per TCP packet, with absolute numbers', () => {
    const r = run(['--json', '--packets', sample]);
    const doc = JSON.parse(r.out) as TraceJson;
    assert.equal(doc.packetRecords!.length, doc.packets);
    const first = doc.packetRecords![0];
    assert.deepEqual(Object.keys(first).sort(), ['ack', 'ackRttMs', 'bytesInFlight', 'clientState', 'connection', 'dport', 'dst', 'events', 'flags', 'len', 'line', 'seq', 'serverState', 'sport', 'src', 'win', 'windowBytes'].sort());
    assert.equal(first.flags, 'S');
    // A SYN's window is never scaled; the SYN,ACK answers it, and data follows.
    assert.equal(first.windowBytes, first.win);
    assert.equal(first.ackRttMs, null);
    const synAck = doc.packetRecords!.find((p) => p.flags === 'S.')!;
    assert.ok(synAck.ackRttMs! > 0, 'the SYN,ACK measures the RTT from the SYN');
    assert.ok(doc.packetRecords!.some((p) => p.len > 0 && p.bytesInFlight! >= p.len), 'a segment with data has bytes in flight');
    assert.equal(first.clientState, 'SYN_SENT');
    const syn = Number(/seq (\d+)/.exec(readFileSync(sample, 'utf8'))![1]);
    assert.equal(first.seq, syn);
  });

  it('reads standard input with -', () => {
    const r = run(['-'], readFileSync(sample));
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /1 connection\b/);
  });

  it('exits 2 with a one-line message on a usage error or an unreadable file', function () {
    // Four runs of the CLI: near two seconds on a loaded 2-core machine.
    this.timeout(20_000);
    for (const args of [[], ['--bogus', sample], [join(ROOT, 'no-such-file.tcpdump')], ['--packets', sample]]) {
      const r = run(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, /^tcp-trace: /);
      assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
    }
  });

  it('stops quietly when its reader does (| head), in every output mode', async function () {
    this.timeout(60_000);
    // Enough connections that the output is far bigger than a pipe's buffer.
    const dir = mkdtempSync(join(tmpdir(), 'tcp-trace-cli-'));
    const big = join(dir, 'big.tcpdump');
    try {
      const text = readFileSync(fixture('captures/sample/nn.tcpdump'), 'utf8');
      writeFileSync(big, text.repeat(2000));
      for (const args of [[big], ['--json', big], ['--json', '--packets', big]]) {
        const r = await new Promise<{ code: number | null; err: string; got: number }>((resolve) => {
          const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
          let err = '';
          let got = 0;
          child.stderr.on('data', (d) => (err += d));
          child.stdout.once('data', (d: Buffer) => {
            got = d.length;
            child.stdout.destroy();
          });
          child.on('close', (code) => resolve({ code, err, got }));
        });
        assert.ok(r.got > 0, `${args.join(' ')}: some output came`);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
        assert.equal(r.err, '', args.join(' '));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads a binary capture as it reads its tcpdump text (more in pcapCli.test.ts)', () => {
    const r = run([fixture('captures/normal-client-close/capture.pcap')]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, run([sample]).out);
  });
});
