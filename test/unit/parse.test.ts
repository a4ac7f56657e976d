// Every shape of TCP line tcpdump prints: one test per shape, on real lines.

import * as assert from 'node:assert/strict';
import { analyzeLines } from './helpers';

const HANDSHAKE_NN = [
  '03:57:35.938066 IP 127.0.0.1.55920 > 127.0.0.1.80: Flags [S], seq 928549246, win 32767, options [mss 16396,sackOK,TS val 1306300950 ecr 0,nop,wscale 2], length 0',
  '03:57:35.938122 IP 127.0.0.1.80 > 127.0.0.1.55920: Flags [S.], seq 930778609, ack 928549247, win 32767, options [mss 16396,sackOK,TS val 1306300950 ecr 1306300950,nop,wscale 2], length 0',
  '03:57:35.938167 IP 127.0.0.1.55920 > 127.0.0.1.80: Flags [.], ack 1, win 8192, options [nop,nop,TS val 1306300950 ecr 1306300950], length 0',
  '03:57:35.939423 IP 127.0.0.1.55920 > 127.0.0.1.80: Flags [P.], seq 1:203, ack 1, win 8192, options [nop,nop,TS val 1306300951 ecr 1306300950], length 202: HTTP: GET / HTTP/1.1',
];

describe('parse: line shapes', () => {
  it('reads a -nn handshake with relative numbers made absolute', () => {
    const t = analyzeLines(HANDSHAKE_NN);
    assert.equal(t.packetCount, 4);
    assert.equal(t.problems.length, 0);
    const p = [0, 1, 2, 3].map((i) => t.packet(i));
    assert.deepEqual(p.map((x) => x.flags), ['S', 'S.', '.', 'P.']);
    assert.equal(p[0].seq, 928549246);
    assert.equal(p[1].ack, 928549247);
    assert.equal(p[2].ack, 930778610);
    assert.equal(p[3].seq, 928549247);
    assert.equal(p[3].relSeq, 1);
    assert.equal(p[3].len, 202);
    assert.equal(p[0].src, '127.0.0.1');
    assert.equal(p[0].sport, '55920');
    assert.equal(t.connections[0].handshake.mss, 16396);
    assert.deepEqual(t.connections[0].handshake.wscale, { client: 2, server: 2 });
    assert.equal(t.connections[0].handshake.sackPermitted, true);
    assert.equal(t.connections[0].handshake.timestamps, true);
    assert.equal(Math.round(t.connections[0].handshake.rttMs! * 1000), 101);
  });

  it('detects -S absolute numbers and gives the same absolute values', () => {
    const t = analyzeLines([
      HANDSHAKE_NN[0],
      HANDSHAKE_NN[1],
      '03:57:35.938167 IP 127.0.0.1.55920 > 127.0.0.1.80: Flags [.], ack 930778610, win 8192, length 0',
      '03:57:35.939423 IP 127.0.0.1.55920 > 127.0.0.1.80: Flags [P.], seq 928549247:928549449, ack 930778610, win 8192, length 202',
    ]);
    assert.equal(t.packet(2).ack, 930778610);
    assert.equal(t.packet(3).seq, 928549247);
    assert.equal(t.packet(3).relSeq, 1);
  });

  it('reads service names as ports and infers roles from them', () => {
    const t = analyzeLines([
      '03:57:35.939423 IP localhost.55920 > localhost.http: Flags [P.], seq 1:203, ack 1, win 8192, length 202: HTTP: GET / HTTP/1.1',
      '03:57:35.940000 IP localhost.http > localhost.55920: Flags [.], ack 203, win 8192, length 0',
    ]);
    const c = t.connections[0];
    assert.equal(c.server, 'localhost.http');
    assert.equal(c.client, 'localhost.55920');
    assert.equal(c.roleInferred, true);
    assert.equal(c.midStream, true);
    assert.equal(t.packet(0).dport, 'http');
  });

  it('reads every timestamp form', () => {
    const body = 'IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [S], seq 1, win 100, length 0';
    const cases: Array<[string, number | null]> = [
      [`17:16:09.924505 ${body}`, 17 * 3600 + 16 * 60 + 9.924505],
      [`17:16:09.924505488 ${body}`, 17 * 3600 + 16 * 60 + 9.924505488],
      [`1306300950.938066 ${body}`, 1306300950.938066],
      [`2005-07-06 03:57:35.938066 ${body}`, Date.UTC(2005, 6, 6, 3, 57, 35) / 1000 + 0.938066],
      [` 00:00:00.127522 ${body}`, 0.127522],
      [`    1  17:16:09.924505 ${body}`, 17 * 3600 + 16 * 60 + 9.924505],
      [`    1   00:00:00.000088 ${body}`, 0.000088],
      [`${body}`, null],
      [`    7  ${body}`, null],
    ];
    for (const [line, time] of cases) {
      const t = analyzeLines([line]);
      assert.equal(t.packetCount, 1, line);
      const got = t.packet(0).time;
      if (time === null) assert.equal(got, null, line);
      else assert.ok(Math.abs(got! - time) < 1e-6, `${line}: ${got} != ${time}`);
    }
  });

  it('adds up -ttt deltas and keeps -ttttt offsets', () => {
    const body = (s: string) => `IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [${s}], seq 1, win 100, length 0`;
    const ttt = analyzeLines([` 00:00:00.000000 ${body('S')}`, ` 00:00:00.127522 ${body('S')}`, ` 00:00:00.000088 ${body('S')}`]);
    assert.ok(Math.abs(ttt.packet(2).time! - 0.12761) < 1e-9);
    const ttttt = analyzeLines([` 00:00:00.000000 ${body('S')}`, ` 00:00:00.127522 ${body('S')}`, ` 00:00:00.127610 ${body('S')}`]);
    assert.ok(Math.abs(ttttt.packet(2).time! - 0.12761) < 1e-9);
  });

  it('joins the -v two-line form and maps both lines to the packet', () => {
    const t = analyzeLines([
      '03:57:35.938066 IP (tos 0x0, ttl 64, id 7016, offset 0, flags [DF], proto TCP (6), length 60)',
      '    127.0.0.1.55920 > 127.0.0.1.80: Flags [S], cksum 0x1421 (correct), seq 928549246, win 32767, options [mss 16396,sackOK,TS val 1306300950 ecr 0,nop,wscale 2], length 0',
    ]);
    assert.equal(t.packetCount, 1);
    assert.equal(t.skipped, 0);
    assert.equal(t.packetAtLine(1), 0);
    assert.equal(t.packetAtLine(2), 0);
    assert.equal(t.packet(0).headerLine, 1);
    assert.equal(t.packet(0).line, 2);
    assert.ok(Math.abs(t.packet(0).time! - (3 * 3600 + 57 * 60 + 35.938066)) < 1e-6);
  });

  it('reads IPv6, and the one-line IPv6 -v header', () => {
    const t = analyzeLines([
      '11:21:59.145495 IP6 2a02:abc::17.37754 > 2a02:abc::123.179: Flags [P.], seq 3973869487:3973869510, ack 742445183, win 501, length 23: BGP',
      '16:27:33.363746 IP6 (flowlabel 0x6e481, hlim 61, next-header TCP (6) payload length: 7172) 2604:1380:4091:ce00::b.36539 > 2604:1380:4091:ce00::d.45393: Flags [P.], cksum 0xac4e (incorrect -> 0xd25e), seq 1110639583:1110646723, ack 3034762532, win 169, length 7140',
    ]);
    assert.equal(t.packetCount, 2);
    assert.equal(t.packet(0).src, '2a02:abc::17');
    assert.equal(t.packet(0).sport, '37754');
    assert.equal(t.packet(1).dst, '2604:1380:4091:ce00::d');
    assert.equal(t.packet(1).len, 7140);
  });

  it('reads -e link prefixes: Ethernet, Linux cooked, and -i any', () => {
    const t = analyzeLines([
      '03:57:35.938066 00:00:00:00:00:00 > 00:00:00:00:00:00, ethertype IPv4 (0x0800), length 74: 127.0.0.1.55920 > 127.0.0.1.80: Flags [S], seq 928549246, win 32767, length 0',
      '17:16:09.924505 Out ethertype IPv4 (0x0800), length 76: 131.155.215.69.46656 > 137.116.81.94.80: Flags [S], seq 797190859, win 27200, length 0',
      '17:16:10.052027 lo    In  IP 137.116.81.94.80 > 131.155.215.69.46656: Flags [S.], seq 3078856592, ack 797190860, win 8192, length 0',
      '17:16:10.052027 eth0  Out ifindex 2 52:54:00:12:34:56 ethertype IPv4 (0x0800), length 76: 10.0.0.1.5 > 10.0.0.2.6: Flags [R], seq 1, win 0, length 0',
    ]);
    assert.equal(t.packetCount, 4);
    assert.equal(t.problems.length, 0);
    assert.equal(t.packet(0).src, '127.0.0.1');
    assert.equal(t.packet(2).sport, '80');
    assert.equal(t.packet(3).flags, 'R');
  });

  it('reads -q lines: no flags, so states are unknown', () => {
    const t = analyzeLines([
      '17:16:09.924505 IP 131.155.215.69.46656 > 137.116.81.94.80: tcp 0',
      '17:16:10.052027 IP 137.116.81.94.80 > 131.155.215.69.46656: tcp 12',
    ]);
    assert.equal(t.packetCount, 2);
    assert.equal(t.packet(1).len, 12);
    assert.equal(t.connections[0].clientState, null);
    assert.equal(t.connections[0].server, '137.116.81.94.80');
  });

  it('skips dumps and non-TCP lines, and counts them', () => {
    const t = analyzeLines([
      HANDSHAKE_NN[0],
      '\t0x0000:  4500 003c 1b68 4000 4006 2152 7f00 0001  E..<.h@.@.!R....',
      '\t0x0010:  7f00 0001 da70 0050 3758 897e 0000 0000  .....p.P7X.~....',
      '03:57:36.000000 IP 127.0.0.1.53 > 127.0.0.1.4000: 1234 A? example.com. (29)',
      '03:57:36.000001 ARP, Request who-has 10.0.0.1 tell 10.0.0.2, length 28',
      'E..<.h@.@.!R....',
      '',
    ]);
    assert.equal(t.packetCount, 1);
    assert.equal(t.skipped, 5);
    assert.equal(t.problems.length, 0);
  });

  it('reads CRLF text exactly as LF text', () => {
    const lf = analyzeLines(HANDSHAKE_NN);
    const crlf = analyzeLines(HANDSHAKE_NN.map((l) => l + '\r'));
    assert.deepEqual(crlf.toJSON(true), lf.toJSON(true));
  });

  it('reads CRLF text as LF text where a wrapped line\'s rest ends in "IP " near its end', () => {
    // Found by the fuzz test (seed 1849584998): the CR made the rest of a wrap look like a new
    // packet's start, so the held line was not continued and one more line was skipped.
    const lines = [
      '1700000000.000001 , urg 23:59:59.999999 FP.: > host.httpFlags [',
      ']a   12   IP [[]]',
      'IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 60) 2024-01-01 12:00:00.000001 }S., ack fe80::1.443',
    ];
    const lf = analyzeLines(lines);
    const crlf = analyzeLines(lines.map((l) => l + '\r'));
    assert.deepEqual(crlf.toJSON(true), lf.toJSON(true));
  });

  it('reads a TCP packet inside a tunnel and ports printed after an IPv6 extension header', () => {
    const t = analyzeLines([
      '\tIP6 (flowlabel 0x4cb3f, hlim 64, next-header TCP (6), payload length 4166) fd00::2.34235 > fd00::1.37399: Flags [.], cksum 0x0a51 (incorrect -> 0xeedb), seq 1812075153:1812079287, ack 1385650056, win 169, length 4134',
      '    1  2025-10-06 14:13:27.172200 IP6 (flowlabel 0xa31ee, hlim 64, next-header HBH (0), payload length 0) 2604:1380:4091:ce00::d > 2604:1380:4091:ce00::b: HBH (jumbo: 80040)  41851 > 43913: Flags [P.], seq 592820498:592900498, ack 2512896041, win 2128, length 80000',
    ]);
    assert.equal(t.packetCount, 2);
    assert.equal(t.packet(1).src, '2604:1380:4091:ce00::d');
    assert.equal(t.packet(1).sport, '41851');
    assert.equal(t.packet(1).dport, '43913');
  });

  it("reads macOS pktap metadata before the packet: (en0, proc curl:43210, svc BE, out)", () => {
    const t = analyzeLines([
      '1753912000.123456 (en0, proc curl:43210, svc BE, out) IP 192.0.2.1.50000 > 198.51.100.2.443: Flags [S], seq 1, win 65535, length 0',
      '1753912000.223456 (en0, proc curl:43210, svc BE, in) IP 198.51.100.2.443 > 192.0.2.1.50000: Flags [S.], seq 7, ack 2, win 65535, length 0',
      '12:00:00.000001 (en0, proc curl:43210, eproc curl:43210, svc BE, out, so) IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 64)',
      '    192.0.2.1.50001 > 198.51.100.2.443: Flags [S], cksum 0x0 (correct), seq 1, win 65535, length 0',
    ]);
    assert.equal(t.packetCount, 3);
    assert.deepEqual(t.problems, []);
    assert.deepEqual(t.connections.map((c) => [c.client, c.server]), [['192.0.2.1.50000', '198.51.100.2.443'], ['192.0.2.1.50001', '198.51.100.2.443']]);
    assert.equal(t.packet(1).ack, 2);
    assert.equal(t.packet(2).line, 4);
  });

  it('turns unreadable TCP-looking lines into problem records, never exceptions', () => {
    const t = analyzeLines([
      '03:57:35.938066 IP 127.0.0.1 > 127.0.0.2:  [|tcp]',
      '03:57:35.938066 IP 127.0.0.1.1 > 127.0.0.2.2: Flags [SX], seq 1, length 0',
      '03:57:35.938066 IP 127.0.0.1.1 > 127.0.0.2.2: Flags [S], seq x, length 0',
      '03:57:35.938066 IP 127.0.0.1.1 127.0.0.2.2: Flags [S], seq 1, length 0',
      '03:57:35.938066 IP 127.0.0.1.1 > 127.0.0.2.2: Flags [S',
    ]);
    // Line 4 lost its '>' (as a web page loses it): that is put back, and said.
    assert.equal(t.packetCount, 1);
    assert.equal(t.packet(0).line, 4);
    assert.deepEqual(t.repairs.map((r) => [r.kind, r.lines]), [['characters', [4]]]);
    assert.deepEqual(t.problems.map((p) => p.line), [1, 2, 3, 5]);
    assert.match(t.problems[0].reason, /\[\|tcp\]/);
    assert.match(t.problems[1].reason, /flag 'X'/);
    assert.match(t.problems[2].reason, /seq/);
  });

  it('reads flags none, AccECN e, and the options of a SYN', () => {
    const t = analyzeLines([
      '12:00:00.000000 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [SEWe], seq 5, win 100, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7,tfo  cookiereq,nop,nop], length 0',
      '12:00:00.000100 IP 10.0.0.1.2000 > 10.0.0.2.80: Flags [none], seq 5, win 100, length 0',
    ]);
    assert.equal(t.packet(0).flags, 'SWEe');
    assert.equal(t.packet(1).flags, 'none');
    const hs = t.connections[0].handshake;
    assert.equal(hs.client?.mss, 1460);
    assert.equal(hs.client?.wscale, 7);
    assert.equal(hs.client?.fastOpen, true);
  });

  it('streams: any chunking gives the same result', async () => {
    const { TraceBuilder } = await import('../../src/trace');
    const text = new TextEncoder().encode(HANDSHAKE_NN.join('\r\n'));
    const whole = analyzeLines(HANDSHAKE_NN).toJSON(true);
    for (const size of [1, 7, 64, 1000]) {
      const b = new TraceBuilder();
      for (let i = 0; i < text.length; i += size) b.push(text.subarray(i, i + size));
      assert.deepEqual(b.finish().toJSON(true), whole, `chunk size ${size}`);
    }
  });
});
