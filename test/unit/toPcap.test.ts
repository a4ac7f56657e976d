// tcp-trace --to-pcap: tcpdump text back to a pcap. Debian's tcpdump reads the pcap and must
// print each TCP line as the text had it, up to "length N" (the payload, zeros now, is gone),
// on the loopback captures' renderings and on tcpdump's own regression captures.

import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rebuildPcap, type RebuildReport } from '../../src/ingest/toPcap';
import { captureToText } from '../../src/pcap';
import { analyzeText } from '../../src/trace';
import { CORPUS, fixture, hasFile, readIndex } from './helpers';
import { hasTcpdump } from './pcapOracle';

const TMP = mkdtempSync(join(tmpdir(), 'to-pcap-'));
after(() => rmSync(TMP, { recursive: true, force: true }));

/** The pcap of `text`, in one buffer, and what could not come back. */
function rebuild(text: string): { bytes: Uint8Array; report: RebuildReport } {
  const parts: Uint8Array[] = [];
  const report = rebuildPcap(text, (c) => parts.push(c));
  return { bytes: new Uint8Array(Buffer.concat(parts)), report };
}

function tcpdump(file: string, options: string[]): string {
  return execFileSync('tcpdump', [...options, '-r', file], { env: { ...process.env, TZ: 'UTC' }, maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'latin1' });
}

const tcpLines = (text: string) => text.split('\n').filter((l) => l.includes(': Flags ['));

/**
 * A line up to its "length N". Where the segment carried data, -v's verdict on the checksum
 * (computed over the payload, now zeros) is left out; the checksum itself stays.
 */
function upToLength(line: string): string {
  const m = / length (\d+)/.exec(line);
  if (!m) return line;
  const head = line.slice(0, m.index + m[0].length);
  return m[1] === '0' ? head : head.replace(/(cksum 0x[0-9a-f]{4}) \([^)]*\)/, '$1');
}

/** The TCP lines of `text` that tcpdump prints differently from its rebuilt pcap. */
function roundTrip(text: string, options: string[], name: string): { lines: number; differ: string[]; report: RebuildReport } {
  const { bytes, report } = rebuild(text);
  const file = join(TMP, `${name.replace(/\W/g, '_')}.pcap`);
  writeFileSync(file, bytes);
  const want = tcpLines(text);
  const got = tcpLines(tcpdump(file, options));
  const differ: string[] = [];
  if (got.length !== want.length) differ.push(`${want.length} TCP lines in, ${got.length} out`);
  for (let i = 0; i < Math.min(want.length, got.length); i++) {
    if (upToLength(want[i]) !== upToLength(got[i])) differ.push(`line ${i + 1}:\n  text: ${want[i]}\n  pcap: ${got[i]}`);
  }
  return { lines: want.length, differ, report };
}

/** The loopback captures' renderings and the tcpdump options that printed them. */
const RENDERINGS: Record<string, string[]> = {
  nn: ['-nn'],
  tttt_v: ['-nn', '-tttt', '-v'],
  S_vv: ['-nn', '-S', '-vv'],
  ttttt: ['-nn', '-ttttt'],
  e: ['-nn', '-e'],
};

/**
 * tcpdump's regression captures whose TCP lines cannot come back, and why. Every other one
 * with TCP lines must come back exactly.
 */
const CANNOT: Record<string, string> = {
  'mptcp-v0': 'MPTCP options are not rebuilt',
  'mptcp-v1': 'MPTCP options are not rebuilt',
  'mptcp-fclose': 'MPTCP options are not rebuilt',
  'mptcp-aa-v1': 'MPTCP options are not rebuilt',
  'mptcp-aa-echo': 'MPTCP options are not rebuilt',
  'mptcp-tcprst': 'MPTCP options are not rebuilt',
  'mptcp-dss-oobr': 'MPTCP options are not rebuilt',
  scps_invalid: 'a malformed option ([bad opt])',
  'accecn_handshake': 'an experimental option longer than what tcpdump printed of it',
  'lspping-fec-ldp': 'the MPLS label stack is not printed as an address',
  'ipoib-e': 'IP over InfiniBand link headers',
  'arcnet-rfc1051-arp-icmp-http-e': 'ARCnet link headers',
  'arcnet-rfc1201-arp-icmp-http-e': 'ARCnet link headers',
  'gso-ipv4-geneve-ipv6': 'the outer headers of a tunnel',
  'gso-ipv4-vxlan-ipv6': 'the outer headers of a tunnel',
  'gso-ipv6-geneve-ipv6': 'the outer headers of a tunnel',
  'gso-ipv6-vxlan-ipv6': 'the outer headers of a tunnel',
  'bigtcp-ipv6-hbh': 'an IPv6 hop-by-hop header',
  'heapoverflow-tcp_print': 'options cut short ([|tcp])',
  'tcp-auth-heapoverflow': 'options cut short ([|tcp])',
  kday4: 'numbers relative to a base the text never showed',
  kday7: 'numbers relative to a base the text never showed',
};

describe('to-pcap: the loopback captures back through tcpdump', function () {
  this.timeout(120_000);
  before(function () {
    assert.ok(hasTcpdump(), 'tcpdump is needed (scripts/preflight.mjs installs it)');
  });

  const scenarios = readdirSync(fixture('captures')).filter((d) => hasFile(fixture('captures', d, 'nn.tcpdump')));
  it('has the scenarios', () => assert.ok(scenarios.length >= 20, `${scenarios.length} scenarios`));
  for (const [rendering, options] of Object.entries(RENDERINGS)) {
    it(`every ${rendering} rendering prints back as it was, up to "length N"`, () => {
      let lines = 0;
      const differ: string[] = [];
      for (const s of scenarios) {
        const text = readFileSync(fixture('captures', s, `${rendering}.tcpdump`), 'latin1');
        const r = roundTrip(text, options, `${s}-${rendering}`);
        lines += r.lines;
        assert.equal(r.report.packets, r.lines, `${s}: every packet written`);
        differ.push(...r.differ.map((d) => `${s}/${rendering}: ${d}`));
      }
      assert.ok(lines > 300, `${lines} TCP lines`);
      assert.deepEqual(differ.slice(0, 5), []);
    });
  }

  it('the rebuilt pcap analyses as the text did: connections, states, events', () => {
    for (const s of scenarios) {
      const text = readFileSync(fixture('captures', s, 'tttt_v.tcpdump'), 'latin1');
      const back = analyzeText(captureToText(rebuild(text).bytes).text);
      const shape = (t: ReturnType<typeof analyzeText>) =>
        t.connections.map((c) => ({ client: c.client, server: c.server, connState: c.connState, history: c.history, clientState: c.clientState, serverState: c.serverState, events: c.events.map((e) => e.kind) }));
      assert.deepEqual(shape(back), shape(analyzeText(text)), s);
    }
  });

  it('headers without -v get correct IP and TCP checksums over the zero payload', () => {
    const text = readFileSync(fixture('captures', 'sample', 'nn.tcpdump'), 'latin1');
    const file = join(TMP, 'checksums.pcap');
    writeFileSync(file, rebuild(text).bytes);
    const lines = tcpLines(tcpdump(file, ['-nn', '-vv']).replace(/\n\s+/g, ' '));
    assert.ok(lines.length > 20);
    for (const l of lines) {
      assert.match(l, /cksum 0x[0-9a-f]{4} \(correct\)/, l);
      assert.doesNotMatch(l, /bad cksum/, l);
    }
  });

  it('a keep-alive, whose seq tcpdump does not print, gets it back from the checksum -v printed', () => {
    const text = readFileSync(fixture('captures', 'keepalive', 'tttt_v.tcpdump'), 'latin1');
    const file = join(TMP, 'keepalive.pcap');
    writeFileSync(file, rebuild(text).bytes);
    // tshark's own analysis sees the keep-alives the kernel sent.
    const out = execFileSync('tshark', ['-n', '-r', file, '-Y', 'tcp.analysis.keep_alive', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const original = execFileSync('tshark', ['-n', '-r', fixture('captures', 'keepalive', 'capture.pcap'), '-Y', 'tcp.analysis.keep_alive', '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    assert.ok(original.trim().length > 0, 'the capture has keep-alives');
    assert.equal(out, original);
  });
});

describe("to-pcap: tcpdump's regression captures back through tcpdump", function () {
  this.timeout(300_000);
  it('every capture with TCP lines prints back as tcpdump printed it, but the ones listed with a reason', function () {
    assert.ok(hasTcpdump(), 'tcpdump is needed (scripts/preflight.mjs installs it)');
    const rows = readIndex(CORPUS).filter((r) => r.tcpLines > 0 && hasFile(join(CORPUS, r.pcap)));
    assert.ok(rows.length > 150, `${rows.length} captures`);
    let same = 0;
    const differ: string[] = [];
    const listedButSame: string[] = [];
    for (const r of rows) {
      // Hex and ASCII dumps show the payload, and -# numbers count packets that are not TCP.
      const options = r.options.split(' ').filter((o) => o && !/^-(x|xx|X|XX|A|AA|#)$/.test(o));
      let text: string;
      try {
        text = tcpdump(join(CORPUS, r.pcap), options);
      } catch {
        continue; // an option Debian's tcpdump 4.99 does not have (--print-sampling)
      }
      const res = roundTrip(text, options, r.name);
      if (res.lines === 0) continue; // -q: no flags, nothing to write
      if (res.differ.length === 0) {
        same++;
        if (CANNOT[r.name]) listedButSame.push(r.name);
      } else if (!CANNOT[r.name]) differ.push(`${r.name} (${options.join(' ')}): ${res.differ[0]}`);
    }
    assert.deepEqual(differ, []);
    assert.deepEqual(listedButSame, [], 'listed as lossy but comes back: take it off the list');
    assert.ok(same >= 110, `${same} come back`);
  });

  it('says what could not come back: relative numbers without a base, options it cannot rebuild, names', () => {
    const cut = '12:00:00.000000 IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [P.], seq 1:11, ack 1, win 502, length 10\n';
    assert.ok(rebuild(cut).report.relative >= 1);
    const mptcp = '12:00:00.000000 IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [S], seq 7, win 502, options [mss 1460,mptcp 4 capable v1 flags [H]], length 0\n';
    assert.equal(rebuild(mptcp).report.options, 1);
    const named = '12:00:00.000000 IP host.example.5000 > 10.0.0.2.http: Flags [S], seq 7, win 502, length 0\n';
    const r = rebuild(named).report;
    assert.equal(r.names, 1);
    assert.equal(r.packets, 0);
  });
});
