// tcp-trace with pcap and pcapng input, as users run the built dist/cli.js.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, hasFile, ROOT } from './helpers';
import { hasTcpdump, tcpdumpText } from './pcapOracle';
import { readPcap, writePcapng } from './pcapFiles';

const CLI = join(ROOT, 'dist/cli.js');
const pcapFile = fixture('captures', 'retransmission', 'capture.pcap');

function run(args: string[], input?: Uint8Array | string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'latin1', maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function asPcapng(file: string): Uint8Array {
  const p = readPcap(readFileSync(file));
  return writePcapng([{ interfaces: [{ linkType: p.linkType, tsresol: 9 }], packets: p.records.map((r) => ({ iface: 0, ts: (BigInt(r.sec) * 1000000n + BigInt(r.frac)) * 1000n, len: r.len, data: r.data })) }]);
}

describe('cli: tcp-trace with captures', function () {
  this.timeout(60_000);
  before(function () {
    if (!hasFile(CLI)) throw new Error('dist/cli.js is missing: run npm run build first');
  });

  it('--print writes what TZ=UTC tcpdump -nn -r writes', function () {
    if (!hasTcpdump()) this.skip();
    const r = run(['--print', pcapFile]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.err, '');
    assert.equal(r.out, tcpdumpText(pcapFile));
  });

  it('analyses a pcap, a pcapng and standard input as it analyses the printed text', () => {
    const text = run(['--print', pcapFile]).out;
    const fromText = run(['--json', '--packets', '-'], text);
    assert.equal(fromText.code, 0, fromText.err);
    const doc = JSON.parse(fromText.out);
    assert.ok(doc.connections.length > 0);
    assert.ok(doc.connections.some((c: { events: { kind: string }[] }) => c.events.some((e) => e.kind === 'retransmission')));
    for (const r of [run(['--json', '--packets', pcapFile]), run(['--json', '--packets', '-'], readFileSync(pcapFile)), run(['--json', '--packets', '-'], asPcapng(pcapFile))]) {
      assert.equal(r.code, 0, r.err);
      assert.deepEqual(JSON.parse(r.out), doc);
    }
    const summary = run([pcapFile]);
    assert.equal(summary.code, 0);
    assert.equal(summary.out, run(['-'], text).out);
  });

  it('names damage in a capture on stderr and still reads the rest', () => {
    const b = new Uint8Array(readFileSync(pcapFile));
    new DataView(b.buffer).setUint32(24 + 8, 0xffffff00, true);
    const r = run(['--json', '-'], b);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^tcp-trace: standard input: 2 problems reading the capture \(first, at byte 24: packet 1: bad record header/);
    assert.ok(JSON.parse(r.out).packets > 0);
    const p = run(['--print', '-'], b);
    assert.equal(p.code, 0);
    assert.match(p.out, /^\[tcp-trace: packet 1: bad record header/);
  });

  it('--print refuses text and goes without --json', () => {
    const text = run(['--print', fixture('captures', 'retransmission', 'nn.tcpdump')]);
    assert.equal(text.code, 2);
    assert.match(text.err, /is not a pcap or pcapng capture/);
    const both = run(['--print', '--json', pcapFile]);
    assert.equal(both.code, 2);
    assert.match(both.err, /--print and --json/);
    assert.match(run(['--help']).out, /--print/);
  });
});
