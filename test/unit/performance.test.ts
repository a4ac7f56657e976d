// Per-connection performance figures (src/trace/performance.ts) on the loopback captures: held
// against the packets' own figures, the handshake RTT and the byte counts the engine already
// gives, and against what each tcpdump rendering lacks.

import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { analyzeFile, analyzeLines, fixture, hasFile } from './helpers';

const scenarios = readdirSync(fixture('captures')).filter((d) => hasFile(fixture('captures', d, 'nn.tcpdump')));

describe('performance: per-connection figures', function () {
  this.timeout(60_000);

  it('RTT statistics are those of the packets\' ackRttMs, by the side whose data was acknowledged', () => {
    let checked = 0;
    for (const s of scenarios) {
      const doc = analyzeFile(fixture('captures', s, 'nn.tcpdump')).toJSON(true);
      for (const c of doc.connections) {
        for (const side of ['client', 'server'] as const) {
          // An ACK from the other side measures this side's data.
          const acker = side === 'client' ? 1 : 0;
          const src = acker === 1 ? c.server : c.client;
          const rtts = doc.packetRecords!
            .filter((p) => p.connection === c.id && `${p.src}.${p.sport}` === src && p.ackRttMs !== null)
            .map((p) => p.ackRttMs!)
            .sort((a, b) => a - b);
          const r = c.performance.rtt[side];
          assert.equal(r.samples, rtts.length, `${s} ${c.id} ${side}`);
          if (!rtts.length) {
            assert.equal(r.minMs, null);
            continue;
          }
          checked++;
          assert.equal(r.minMs, rtts[0]);
          assert.equal(r.maxMs, rtts.at(-1));
          assert.equal(r.p50Ms, rtts[Math.ceil(rtts.length / 2) - 1]);
          assert.ok(r.minMs! <= r.p50Ms! && r.p50Ms! <= r.p95Ms! && r.p95Ms! <= r.maxMs!);
        }
      }
    }
    assert.ok(checked > 20, `${checked} directions with samples`);
  });

  it('the handshake split adds up to the handshake RTT where no SYN or SYN,ACK was sent again', () => {
    let checked = 0;
    for (const s of scenarios) {
      for (const c of analyzeFile(fixture('captures', s, 'nn.tcpdump')).toJSON().connections) {
        const h = c.handshake;
        const split = c.performance.handshakeSplit;
        if (!h.complete || h.simultaneousOpen || h.synRetransmissions || h.synAckRetransmissions || h.rttMs === null) continue;
        assert.ok(split.synToSynAckMs !== null && split.synAckToAckMs !== null, `${s} ${c.id}`);
        assert.ok(Math.abs(split.synToSynAckMs + split.synAckToAckMs - h.rttMs) < 1e-6, `${s} ${c.id}: ${JSON.stringify(split)} against ${h.rttMs}`);
        checked++;
      }
    }
    assert.ok(checked >= 15, `${checked} handshakes`);
  });

  it('throughput counts the bytes the summary counts, over the span of each side\'s data', () => {
    for (const s of scenarios) {
      for (const c of analyzeFile(fixture('captures', s, 'nn.tcpdump')).toJSON().connections) {
        for (const side of ['client', 'server'] as const) {
          const tp = c.performance.throughput[side];
          assert.equal(tp.bytes, c.bytes[side], `${s} ${c.id} ${side}`);
          if (tp.bitsPerSecond !== null) assert.ok(Math.abs(tp.bitsPerSecond - (tp.bytes * 8) / tp.seconds!) <= 1);
          const series = tp.series!;
          if (series.length) {
            // The series spreads the same bytes over its buckets.
            const width = series.length > 1 ? series[1][0] - series[0][0] : 0;
            const total = series.reduce((n, [, bps]) => n + (bps * width) / 8, 0);
            if (series.length > 1) assert.ok(Math.abs(total - tp.bytes) <= series.length, `${s} ${c.id} ${side}: ${total} of ${tp.bytes}`);
          }
        }
      }
    }
  });

  it('a request and its response: time to first byte and the server\'s response time', () => {
    const t = analyzeLines([
      '10:00:00.000000 IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [S], seq 100, win 64240, options [mss 1460,sackOK,nop,wscale 7], length 0',
      '10:00:00.010000 IP 10.0.0.2.80 > 10.0.0.1.5000: Flags [S.], seq 900, ack 101, win 65160, options [mss 1460,sackOK,nop,wscale 7], length 0',
      '10:00:00.020000 IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [.], ack 1, win 502, length 0',
      '10:00:00.021000 IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [P.], seq 1:101, ack 1, win 502, length 100',
      '10:00:00.031000 IP 10.0.0.2.80 > 10.0.0.1.5000: Flags [.], ack 101, win 509, length 0',
      '10:00:00.231000 IP 10.0.0.2.80 > 10.0.0.1.5000: Flags [P.], seq 1:1001, ack 101, win 509, length 1000',
      '10:00:00.241000 IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [.], ack 1001, win 501, length 0',
    ]);
    const doc = t.toJSON(true);
    const p = doc.connections[0].performance;
    assert.deepEqual(p.handshakeSplit, { synToSynAckMs: 10, synAckToAckMs: 10 });
    assert.equal(p.timeToFirstByteMs, 210);
    assert.equal(p.serverResponseMs, 200);
    assert.deepEqual(p.rtt.client, { samples: 2, minMs: 10, p50Ms: 10, p95Ms: 10, maxMs: 10 });
    assert.equal(p.rtt.server.samples, 2);
    assert.equal(p.windowScaleKnown, true);
    assert.deepEqual(p.unknown, []);
    const r = doc.packetRecords!;
    assert.equal(r[2].windowBytes, 502 * 128);
    assert.equal(r[1].windowBytes, 65160, 'a SYN,ACK\'s window is not scaled');
    assert.equal(r[3].bytesInFlight, 100);
    assert.equal(r[4].ackRttMs, 10);
  });

  it('says what the text cannot support: -q lines, a capture begun mid-stream, lines without time', () => {
    const q = analyzeFile(fixture('captures', 'normal-client-close', 'q.tcpdump')).toJSON(true);
    assert.deepEqual(q.connections[0].performance.unknown, ['flags']);
    assert.ok(q.packetRecords!.every((p) => p.ackRttMs === null && p.bytesInFlight === null && p.windowBytes === null));
    const mid = analyzeFile(fixture('captures', 'mid-stream', 'nn.tcpdump')).toJSON(true);
    const c = mid.connections.find((x) => x.midStream)!;
    assert.equal(c.performance.windowScaleKnown, false);
    assert.deepEqual(c.performance.unknown, ['window_scale', 'handshake']);
    assert.ok(mid.packetRecords!.filter((p) => p.connection === c.id).every((p) => p.windowBytes === null));
    const noTime = analyzeLines([
      'IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [S], seq 100, win 64240, length 0',
      'IP 10.0.0.2.80 > 10.0.0.1.5000: Flags [S.], seq 900, ack 101, win 65160, length 0',
    ]).toJSON(true);
    assert.ok(noTime.connections[0].performance.unknown.includes('time'));
    assert.equal(noTime.packetRecords![1].ackRttMs, null);
  });
});
