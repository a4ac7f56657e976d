// TCP lines as tcpdump printed them before 4.0 ("S 1:1(0) ack 2 win 5840 <mss 1460>"):
// - tcpdump 3.9.8's own regression outputs (test/fixtures/tcpdump-3x, see PROVENANCE.md),
//   every TCP packet against tshark's decoding of the capture they were printed from;
// - captures rendered by tcpdump 3.9.8 and 3.7.2 (test/fixtures/tcpdump-3x/rendered*, made
//   by scripts/render-tcpdump-3x.sh) against tshark's decoding in test/fixtures/tshark;
// - hand-checked lines in the shapes print-tcp.c and print-ip.c of 3.5 to 3.9 printed.

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, type ConnectionSummary, type Trace, type TraceOptions } from '../../src/trace';
import { readTshark, tsharkFlags } from './corpus.test';
import { analyzeLines, fixture, hasFile, viaPush, viaScanned } from './helpers';

const DIR = fixture('tcpdump-3x');
const RENDERED = join(DIR, 'rendered');
const RENDERED_372 = join(DIR, 'rendered-3.7.2');

/**
 * Lines tcpdump printed without usable numbers, which are problems: a header length it
 * rejected, or (3.7) a length that underflowed because the IP length was 0 (TSO, BIG TCP).
 */
const UNREADABLE = /^(bad TCP header length|length is out of range)/;

/** tcpdump 3.x had no letter for the AE (formerly NS) bit, so the text cannot show it. */
const NO_AE = ~0x100;

/**
 * Compares every TCP packet read from `text` with tshark's row for the frame its line came
 * from. A frame's line is found by `frameStart`; a packet on a line after it (an indented
 * line, as under MPLS with -v) belongs to the frame above. Returns the failures, how many
 * packets were compared, and the UNREADABLE problems ("name frame N: reason"); every other
 * tshark frame must have a packet, and no other line be a problem.
 */
function compare(name: string, text: string, tsv: string, frameStart: RegExp, options: TraceOptions = {}): { failures: string[]; compared: number; unreadable: string[] } {
  const t = analyzeText(text, options);
  const lines = text.split('\n');
  const frameOfLine: number[] = [];
  let frame = 0;
  lines.forEach((l, i) => {
    if (frameStart.test(l)) frame++;
    frameOfLine[i + 1] = frame;
  });
  const failures: string[] = [];
  const unreadable: string[] = [];
  const seen = new Set<number>();
  for (const p of t.problems) {
    if (UNREADABLE.test(p.reason)) {
      unreadable.push(`${name} frame ${frameOfLine[p.line]}: ${p.reason}`);
      seen.add(frameOfLine[p.line]);
    } else failures.push(`${name} line ${p.line}: ${p.reason}: ${lines[p.line - 1].slice(0, 120)}`);
  }
  const frames = new Map(readTshark(tsv).map((f) => [f.frame, f]));
  let compared = 0;
  for (let i = 0; i < t.packetCount; i++) {
    const p = t.packet(i);
    const n = frameOfLine[p.headerLine];
    const f = frames.get(n);
    if (!f) {
      failures.push(`${name} line ${p.headerLine}: a packet where tshark has no TCP frame (${n})`);
      continue;
    }
    seen.add(n);
    if (Number(p.sport) !== f.srcport || Number(p.dport) !== f.dstport) {
      failures.push(`${name} frame ${n}: ports ${p.sport} > ${p.dport}, tshark ${f.srcport} > ${f.dstport}`);
      continue;
    }
    compared++;
    // "truncated-ip - 768 bytes missing!": tcpdump's length is the IP header's, tshark's the captured bytes'.
    const len = lines[p.headerLine - 1].includes('truncated-ip') ? p.len : f.len;
    // seq/ack are null where tcpdump's relative numbers have a base it never printed.
    const want = { flags: tsharkFlags(f.flags & NO_AE), seq: p.seq === null ? null : f.seq, ack: p.ack === null ? null : f.ack, win: f.win, len };
    const got = { flags: p.flags, seq: p.seq, ack: p.ack, win: p.win, len: p.len };
    if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${name} frame ${n}: ${JSON.stringify(got)} != tshark ${JSON.stringify(want)}`);
  }
  for (const n of frames.keys()) if (!seen.has(n)) failures.push(`${name} frame ${n}: tshark has TCP, no packet was read`);
  return { failures, compared, unreadable };
}

describe('old format: tcpdump 3.9.8 regression outputs against tshark', () => {
  // Outputs and the capture each was printed from (PROVENANCE.md).
  const OUTPUTS: Array<[string, string]> = [
    ['print-x.out', 'print-flags'],
    ['print-xx.out', 'print-flags'],
    ['print-capX.out', 'print-flags'],
    ['print-capXX.out', 'print-flags'],
    ['print-A.out', 'print-flags'],
    ['print-AA.out', 'print-flags'],
    ['bgp_vpn_attrset.out', 'bgp_vpn_attrset'],
  ];
  for (const [out, pcap] of OUTPUTS) {
    it(`${out}: every TCP packet equals tshark's decoding of ${pcap}.pcap`, () => {
      const text = readFileSync(join(DIR, out), 'utf8');
      // print-*: a frame's line starts with its time; bgp_vpn_attrset (-t -v) with "IP (".
      const { failures, compared, unreadable } = compare(out, text, join(DIR, `${pcap}.tsv`), /^(\d\d:\d\d:\d\d\.\d{6} |IP )/);
      assert.deepEqual([...failures, ...unreadable], []);
      assert.equal(compared, readTshark(join(DIR, `${pcap}.tsv`)).length);
    });
  }

  it('print-x.out: the connection a reader sees (handshake, teardown, states)', () => {
    const t = analyzeText(readFileSync(join(DIR, 'print-x.out'), 'utf8'));
    assert.equal(t.connections.length, 1);
    const c = t.connections[0];
    assert.equal(c.client, '127.0.0.1.55920');
    assert.equal(c.server, '127.0.0.1.80');
    assert.equal(c.handshake.complete, true);
    assert.equal(c.handshake.clientIsn, 928549246);
    assert.equal(c.handshake.serverIsn, 930778609);
    assert.equal(c.handshake.mss, 16396);
    assert.deepEqual(c.handshake.wscale, { client: 2, server: 2 });
    assert.equal(c.handshake.sackPermitted, true);
    assert.equal(c.handshake.timestamps, true);
    assert.equal(c.close.firstFinFrom, 'client');
    assert.equal(c.connState, 'SF');
    assert.equal(c.bytes.client + c.bytes.server, 202 + 5559);
  });

  it('the scanning thread reads them as push() does', () => {
    for (const f of readdirSync(DIR).filter((x) => x.endsWith('.out'))) {
      const bytes = new Uint8Array(readFileSync(join(DIR, f)));
      const expected = viaPush(bytes);
      assert.equal(viaScanned(bytes, 3), expected, f);
    }
  });
});

describe('old format: captures rendered by tcpdump 3.9.8 and 3.7.2 against tshark', () => {
  const list = (dir: string) => (hasFile(dir) ? readdirSync(dir).filter((f) => f.endsWith('.out')).sort() : []);
  const files = list(RENDERED);
  const files372 = list(RENDERED_372);

  it('has the renderings', () => {
    assert.ok(files.length >= 150, `only ${files.length} renderings in ${RENDERED}`);
    assert.ok(files372.length >= 80, `only ${files372.length} renderings in ${RENDERED_372}`);
  });

  /** Compares every rendering in `dir`; returns the packets compared and the unreadable lines. */
  function compareAll(dir: string, names: string[]): { compared: number; unreadable: string[] } {
    let compared = 0;
    const failures: string[] = [];
    const unreadable: string[] = [];
    for (const f of names) {
      // <name>.<variant>.out: n is -n -tt, v -n -tt -v; Svv is -n -tt -S -vv, whose numbers are absolute.
      const [name, variant] = f.split('.');
      const tsv = fixture('tshark', `${name}.tsv`);
      assert.ok(hasFile(tsv), `no tshark fixture for ${f}`);
      const text = readFileSync(join(dir, f), 'utf8');
      // -tt: each frame's line starts with seconds since the epoch (some captures' are out of range).
      const r = compare(f, text, tsv, /^\d+\.\d+ /, variant === 'Svv' ? { absoluteSeq: true } : {});
      compared += r.compared;
      failures.push(...r.failures);
      unreadable.push(...r.unreadable);
    }
    assert.deepEqual(failures.slice(0, 20), []);
    return { compared, unreadable };
  }

  it('3.9.8 (-n -tt, -n -tt -S -vv): every TCP packet equals tshark (seq, ack, flags, window, length)', () => {
    const { compared, unreadable } = compareAll(RENDERED, files);
    assert.deepEqual(unreadable, []);
    assert.ok(compared > 4000, `only ${compared} packets compared`);
  });

  it('3.7.2 (-n -tt -v: no "IP ", [tcp sum ok], (DF) (ttl ...)): every TCP packet equals tshark', () => {
    const { compared, unreadable } = compareAll(RENDERED_372, files372);
    assert.deepEqual(unreadable, [
      'bigtcp-ipv4.v.out frame 1: length is out of range (the IP length was too short for the headers)',
      'bigtcp-ipv6-hbh.v.out frame 1: length is out of range (the IP length was too short for the headers)',
      'bigtcp-ipv6.v.out frame 1: bad TCP header length',
      'ipv4_tcp_http_xml_tso.v.out frame 1: length is out of range (the IP length was too short for the headers)',
    ]);
    assert.ok(compared > 1900, `only ${compared} packets compared`);
  });

  it('-S without the option: the numbers are told absolute and read as printed', () => {
    const t = analyzeText(readFileSync(join(RENDERED, 'normal-client-close.Svv.out'), 'utf8'));
    const rows = readTshark(fixture('tshark', 'normal-client-close.tsv'));
    assert.deepEqual(
      Array.from({ length: t.packetCount }, (_, i) => [t.packet(i).seq ?? rows[i].seq, t.packet(i).ack]),
      rows.map((f) => [f.seq, f.ack]),
    );
  });

  // The same loopback captures as test/fixtures/captures/<scenario>/nn.tcpdump (tcpdump 4.99).
  const essence = (c: ConnectionSummary) => ({
    client: c.client,
    server: c.server,
    clientState: c.clientState,
    serverState: c.serverState,
    connState: c.connState,
    history: c.history,
    packets: c.packets,
    bytes: c.bytes,
    close: c.close,
    handshake: { ...c.handshake, rttMs: null },
    events: c.events.map((e) => e.kind).sort(),
  });
  const scenarios = files.filter((f) => f.endsWith('.n.out') && hasFile(fixture('captures', f.split('.')[0], 'nn.tcpdump')));

  it('the loopback scenarios give the same connections, states and events as tcpdump 4.99 -nn', () => {
    assert.ok(scenarios.length >= 15, `only ${scenarios.length} scenarios`);
    for (const f of scenarios) {
      const name = f.split('.')[0];
      const now = analyzeText(readFileSync(fixture('captures', name, 'nn.tcpdump'), 'utf8'));
      for (const dir of [RENDERED, RENDERED_372]) {
        const file = dir === RENDERED ? f : `${name}.v.out`;
        assert.ok(hasFile(join(dir, file)), file);
        const old = analyzeText(readFileSync(join(dir, file), 'utf8'));
        assert.equal(old.problems.length, 0, file);
        assert.deepEqual(old.connections.map(essence), now.connections.map(essence), file);
      }
    }
  });
});

describe('old format: hand-checked lines', () => {
  const HANDSHAKE = [
    '10:20:30.123456 IP 10.0.0.1.1234 > 10.0.0.2.80: S 1234567:1234567(0) win 5840 <mss 1460,sackOK,timestamp 1 0,nop,wscale 7>',
    '10:20:30.123556 IP 10.0.0.2.80 > 10.0.0.1.1234: S 987654:987654(0) ack 1234568 win 5792 <mss 1400,sackOK,timestamp 2 1,nop,wscale 6>',
    '10:20:30.123656 IP 10.0.0.1.1234 > 10.0.0.2.80: . ack 1 win 46 <nop,nop,timestamp 5 6>',
    '10:20:30.123756 IP 10.0.0.1.1234 > 10.0.0.2.80: P 1:174(173) ack 1 win 46',
    '10:20:30.123856 IP 10.0.0.2.80 > 10.0.0.1.1234: P 1:90(89) ack 174 win 54',
    '10:20:30.123956 IP 10.0.0.1.1234 > 10.0.0.2.80: F 174:174(0) ack 90 win 46',
    '10:20:30.124056 IP 10.0.0.2.80 > 10.0.0.1.1234: F 90:90(0) ack 175 win 54',
    '10:20:30.124156 IP 10.0.0.1.1234 > 10.0.0.2.80: . ack 91 win 46',
  ];
  const fields = (t: Trace) => Array.from({ length: t.packetCount }, (_, i) => {
    const p = t.packet(i);
    return [p.flags, p.seq, p.ack, p.win, p.len];
  });

  it('a connection from SYN to the last ACK: flags, numbers made absolute, options', () => {
    const t = analyzeLines(HANDSHAKE);
    assert.deepEqual(t.problems, []);
    assert.deepEqual(fields(t), [
      ['S', 1234567, null, 5840, 0],
      ['S.', 987654, 1234568, 5792, 0],
      ['.', null, 987655, 46, 0],
      ['P.', 1234568, 987655, 46, 173],
      ['P.', 987655, 1234741, 54, 89],
      ['F.', 1234741, 987744, 46, 0],
      ['F.', 987744, 1234742, 54, 0],
      ['.', null, 987745, 46, 0],
    ]);
    const c = t.connections[0];
    assert.equal(c.handshake.complete, true);
    assert.equal(c.handshake.mss, 1400);
    assert.deepEqual(c.handshake.wscale, { client: 7, server: 6 });
    assert.equal(c.handshake.sackPermitted, true);
    assert.equal(c.handshake.timestamps, true);
    assert.equal(c.connState, 'SF');
    assert.equal(c.close.firstFinFrom, 'client');
    assert.equal(c.clientState, 'TIME_WAIT');
    assert.equal(c.serverState, 'CLOSED');
  });

  it('gives the same trace as the 4.x lines of the same packets', () => {
    const now = analyzeLines([
      '10:20:30.123456 IP 10.0.0.1.1234 > 10.0.0.2.80: Flags [S], seq 1234567, win 5840, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
      '10:20:30.123556 IP 10.0.0.2.80 > 10.0.0.1.1234: Flags [S.], seq 987654, ack 1234568, win 5792, options [mss 1400,sackOK,TS val 2 ecr 1,nop,wscale 6], length 0',
      '10:20:30.123656 IP 10.0.0.1.1234 > 10.0.0.2.80: Flags [.], ack 1, win 46, options [nop,nop,TS val 5 ecr 6], length 0',
      '10:20:30.123756 IP 10.0.0.1.1234 > 10.0.0.2.80: Flags [P.], seq 1:174, ack 1, win 46, length 173',
      '10:20:30.123856 IP 10.0.0.2.80 > 10.0.0.1.1234: Flags [P.], seq 1:90, ack 174, win 54, length 89',
      '10:20:30.123956 IP 10.0.0.1.1234 > 10.0.0.2.80: Flags [F.], seq 174, ack 90, win 46, length 0',
      '10:20:30.124056 IP 10.0.0.2.80 > 10.0.0.1.1234: Flags [F.], seq 90, ack 175, win 54, length 0',
      '10:20:30.124156 IP 10.0.0.1.1234 > 10.0.0.2.80: Flags [.], ack 91, win 46, length 0',
    ]);
    const old = analyzeLines(HANDSHAKE);
    assert.deepEqual(old.toJSON(true), now.toJSON(true));
  });

  it('3.x lines without "IP ", with host and service names', () => {
    const t = analyzeLines([
      '12:00:00.000000 host.example.com.1234 > www.example.com.http: S 1:1(0) win 5840',
      '12:00:00.000100 www.example.com.http > host.example.com.1234: S 7:7(0) ack 2 win 5792',
      '12:00:00.000200 host.example.com.1234 > www.example.com.http: . ack 1 win 46',
    ]);
    assert.deepEqual(t.problems, []);
    assert.deepEqual(fields(t), [['S', 1, null, 5840, 0], ['S.', 7, 2, 5792, 0], ['.', null, 8, 46, 0]]);
    assert.equal(t.connections.length, 1);
    assert.equal(t.connections[0].server, 'www.example.com.http');
    assert.equal(t.connections[0].handshake.complete, true);
  });

  it('-e: the link-layer prefix of 3.7 and of 3.9 before the endpoints', () => {
    for (const prefix of ['0:0:0:0:0:0 0:0:0:0:0:0 0800 74: ', '00:00:00:00:00:00 > 00:00:00:00:00:00, ethertype IPv4 (0x0800), length 74: IP ']) {
      const t = analyzeLines([
        `03:57:35.938066 ${prefix}127.0.0.1.55920 > 127.0.0.1.80: S 928549246:928549246(0) win 32767 <mss 16396,sackOK,timestamp 1306300950 0,nop,wscale 2>`,
        `03:57:35.938122 ${prefix}127.0.0.1.80 > 127.0.0.1.55920: S 930778609:930778609(0) ack 928549247 win 32767 <mss 16396,sackOK,timestamp 1306300950 1306300950,nop,wscale 2>`,
      ]);
      assert.deepEqual(t.problems, [], prefix);
      assert.deepEqual(fields(t), [['S', 928549246, null, 32767, 0], ['S.', 930778609, 928549247, 32767, 0]], prefix);
      assert.equal(t.connections[0].client, '127.0.0.1.55920', prefix);
    }
  });

  it('every flag letter; ACK from the ack field, URG from the urg field', () => {
    const t = analyzeLines([
      '12:00:00.000000 IP 10.0.0.1.1 > 10.0.0.2.2: SWE 100:100(0) win 5840',
      '12:00:00.000001 IP 10.0.0.3.1 > 10.0.0.2.2: FP 1:10(9) ack 1 win 46',
      '12:00:00.000002 IP 10.0.0.4.1 > 10.0.0.2.2: R 0:0(0) ack 5 win 0',
      '12:00:00.000003 IP 10.0.0.5.1 > 10.0.0.2.2: P 1:2(1) ack 1 win 46 urg 1',
      '12:00:00.000004 IP 10.0.0.6.1 > 10.0.0.2.2: E 1:2(1) ack 1 win 46',
      '12:00:00.000005 IP 10.0.0.7.1 > 10.0.0.2.2: R 77:77(0) win 0',
      '12:00:00.000006 IP 10.0.0.8.1 > 10.0.0.2.2: U 5:6(1) win 9',
    ]);
    assert.deepEqual(t.problems, []);
    assert.deepEqual(
      Array.from({ length: t.packetCount }, (_, i) => t.packet(i).flags),
      ['SWE', 'FP.', 'R.', 'PU.', 'E.', 'R', 'U'],
    );
    assert.equal(t.packet(5).seq, 77);
    assert.equal(t.packet(1).len, 9);
  });

  it('-v of 3.5-3.8: the checksum before the numbers, the IP fields after the options', () => {
    const t = analyzeLines([
      '12:00:00.000000 IP 10.0.0.1.1234 > 10.0.0.2.80: S [tcp sum ok] 1234567:1234567(0) win 5840 <mss 1460,wscale 2> (DF) (ttl 64, id 1, len 60)',
      '12:00:00.000001 IP 10.0.0.2.80 > 10.0.0.1.1234: S [bad tcp cksum 1f2e!] 987654:987654(0) ack 1234568 win 5792 <mss 1400> (DF) [tos 0x10]  (ttl 64, id 0, len 44)',
      '12:00:00.000002 IP 10.0.0.1.1234 > 10.0.0.2.80: . [bad tcp cksum 1f2e (->3c4d)!] ack 1 win 46 (DF) (ttl 64, id 2, len 40)',
      '12:00:00.000003 IP 10.0.0.1.1234 > 10.0.0.2.80: P [tcp sum ok] 1:10(9) ack 1 win 46 (DF) [tos 0x10] ',
    ]);
    assert.deepEqual(t.problems, []);
    assert.deepEqual(fields(t), [
      ['S', 1234567, null, 5840, 0],
      ['S.', 987654, 1234568, 5792, 0],
      ['.', null, 987655, 46, 0],
      ['P.', 1234568, 987655, 46, 9],
    ]);
    assert.equal(t.connections[0].handshake.mss, 1400);
    assert.equal(t.connections[0].handshake.client?.wscale, 2);
    assert.equal(t.connections[0].handshake.wscale, null, 'offered by one side only: not in use');
  });

  it('-v of 3.9: the IP header first, then ", cksum 0x... (correct),"', () => {
    const t = analyzeLines([
      'IP (tos 0x0, ttl  64, id 1, offset 0, flags [DF], proto: TCP (6), length: 60) 10.0.0.1.1234 > 10.0.0.2.80: S, cksum 0x1c2b (correct), 1234567:1234567(0) win 5840 <mss 1460>',
      'IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 44) 10.0.0.2.80 > 10.0.0.1.1234: S, cksum 0x3d4e (incorrect (-> 0x1234), 987654:987654(0) ack 1234568 win 5792 <mss 1400>',
      'IP (tos 0x0, ttl 64, id 2, offset 0, flags [DF], proto TCP (6), length 98) 10.0.0.1.1234 > 10.0.0.2.80: P, cksum 0x7796 (correct), 1:59(58) ack 1 win 46 (56)',
    ]);
    assert.deepEqual(t.problems, []);
    assert.deepEqual(fields(t), [
      ['S', 1234567, null, 5840, 0],
      ['S.', 987654, 1234568, 5792, 0],
      ['P.', 1234568, 987655, 46, 58],
    ]);
  });

  it('DNS right after the window (no space between): the window is the part that fits', () => {
    const t = analyzeLines([
      '1591780863.847323 IP 192.168.1.11.33779 > 209.87.249.18.53: P 1:59(58) ack 1 win 6424017177+ [1au] A? www.tcpdump.org. (56)',
      '1591780863.847324 IP 209.87.249.18.53 > 192.168.1.11.33779: P 1:3(2) ack 59 win 512* 1/0/0 A 1.2.3.4 (100)',
    ]);
    assert.deepEqual(t.problems, []);
    assert.deepEqual([t.packet(0).win, t.packet(1).win], [64240, 51]);
  });

  it('truncated headers are problems that say so; -q lines are packets without flags', () => {
    const t = analyzeLines([
      '12:00:00.000000 IP 10.0.0.1 > 10.0.0.2: [|tcp]',
      '12:00:00.000001 IP 10.0.0.1.1234 > 10.0.0.2.80: [|tcp]',
      '12:00:00.000002 truncated-tcp 12',
      '12:00:00.000003 IP 10.0.0.1.1234 > 10.0.0.2.80: S 1:1(0) win 5840 <mss 1460,[|tcp]>',
      '12:00:00.000004 IP 10.0.0.1.1234 > 10.0.0.2.80: tcp 12',
      '12:00:00.000005 IP 10.0.0.1.1234 > 10.0.0.2.80: P [bad hdr length]',
      '12:00:00.000006 10.0.0.1.1234 > 10.0.0.2.80: P 1891338696:1891338656(4294967256) ack 727404759 win 256 (DF) (ttl 128, id 17097, len 0)',
    ]);
    assert.deepEqual(t.problems.map((p) => p.line), [1, 2, 3, 6, 7]);
    assert.match(t.problems[4].reason, /length is out of range/);
    assert.match(t.problems[0].reason, /\[\|tcp\]/);
    assert.match(t.problems[1].reason, /\[\|tcp\]/);
    assert.match(t.problems[2].reason, /truncated-tcp/);
    assert.match(t.problems[3].reason, /header length/);
    assert.equal(t.packetCount, 2);
    assert.equal(t.packet(0).flags, 'S');
    assert.equal(t.connections[0].handshake.mss, 1460);
    assert.equal(t.packet(1).len, 12);
  });

  it('lines of other protocols and payload text are not TCP', () => {
    const t = analyzeLines([
      '12:00:00.000000 IP 10.0.0.1.53 > 10.0.0.2.1234:  12345 1/0/0 A 1.2.3.4 (45)',
      '12:00:00.000001 IP 10.0.0.1.1234 > 10.0.0.2.53:  4660+ A? www.example.com. (33)',
      '12:00:00.000002 IP 10.0.0.1.123 > 10.0.0.2.123: NTPv4, Client, length 48',
      '12:00:00.000003 arp who-has 10.0.0.2 tell 10.0.0.1',
      'Date: Sat, 20 Nov 2004 10:21:06 GMT',
      'Server: Apache/1.3.33',
      '12:00:00.000004 IP 10.0.0.1 > 10.0.0.2: icmp 64: echo request seq 1',
      '12:00:00.000005 IP 10.0.0.1.1000 > 10.0.0.2.2000: . 123',
    ]);
    assert.equal(t.packetCount, 0);
    assert.deepEqual(t.problems.map((p) => p.line), [8]);
    assert.equal(t.skipped, 7);
  });
});
