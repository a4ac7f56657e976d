// What the editor shows of a connection's performance (the tree's Performance node, the hover's
// figures and stall, the Problems panel's slow findings, Next Problem's stall stops), on real
// captures: the five loopback connections each held back by one thing, with the kernel's verdict
// and the scenario's own timings (test/fixtures/limits), and tshark's per-packet figures
// (test/fixtures/flight).

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Trace } from '../../src/trace';
import { limitText } from '../../src/trace/explain';
import { formatBytes, formatMs } from '../../src/trace/report';
import { connectionLimits, slowFindings, stallAt, stallStarts, type SlowFinding, type SlowThresholds } from '../../src/editor/limits';
import { limitName, packetFigures, performanceRows, stallText } from '../../src/editor/performanceText';
import { figureText } from '../../src/editor/terms';
import { setLanguage } from '../../src/editor/l10n';
import { frameOfLines } from './fidelity.test';
import { analyzeFile, fixture } from './helpers';

const LIMITS = fixture('limits');
const SCENARIOS = readdirSync(LIMITS).filter((d) => d.startsWith('limit-'));

function scenario(name: string): { trace: Trace; verdict: string } {
  const truth = JSON.parse(readFileSync(join(LIMITS, name, 'truth.json'), 'utf8')) as { expect: { verdict: string } };
  return { trace: analyzeFile(join(LIMITS, name, 'nn.tcpdump')), verdict: truth.expect.verdict };
}

/** The connection that carries the scenario's data (the one with the most packets). */
function main(trace: Trace) {
  return [...trace.connections].sort((a, b) => b.packets - a.packets)[0];
}

const ALL: SlowThresholds = { stallMs: 0, limitPercent: 0, rttMs: 0 };
const every = () => true;

describe('performance in the editor', () => {
  afterEach(() => setLanguage('en'));

  it('has the five loopback scenarios', () => {
    assert.deepEqual(SCENARIOS.sort(), ['limit-app', 'limit-delack', 'limit-loss', 'limit-rwnd', 'limit-think']);
  });

  for (const name of SCENARIOS) {
    it(`${name}: the Performance node's verdict names the limit the kernel measured, in both languages`, () => {
      const { trace, verdict } = scenario(name);
      const c = main(trace);
      for (const lang of ['en', 'zh'] as const) {
        setLanguage(lang);
        const rows = performanceRows(c, connectionLimits(trace, c));
        assert.equal(rows[0].key, 'verdict');
        assert.ok(rows[0].value.startsWith(limitName(verdict as never)), `${lang}: ${rows[0].value}`);
        // Every figure the connection has is shown, with a tooltip of its own.
        const keys = rows.map((r) => r.key);
        if (c.performance.rtt.client.samples) assert.ok(keys.includes('rttClient'));
        if (c.performance.throughput.server.bitsPerSecond !== null) assert.ok(keys.includes('throughputServer'));
        for (const r of rows) assert.ok(figureText(r.key).length > 20, r.key);
      }
      setLanguage('zh');
      assert.match(performanceRows(c, connectionLimits(trace, c))[0].value, /[\u4e00-\u9fff]/);
    });
  }

  it('limit-think: the hover of the response names the 400 ms the server slept, and its cause', () => {
    const { trace } = scenario('limit-think');
    const c = main(trace);
    // The scenario: twice, the client's request, then 400 ms of sleep before the response.
    const packets = trace.packetsOf(c.id).map((i) => trace.packet(i));
    // The first segment of each response: server data after the client's.
    let lastData = '';
    const responses = packets.filter((p) => {
      const first = p.len > 0 && p.from === 'server' && lastData === 'client';
      if (p.len > 0) lastData = p.from;
      return first;
    });
    assert.equal(responses.length, 2);
    const waits = responses.map((p) => stallAt(trace, p.index)).filter((s) => s && s.cause === 'server_think');
    assert.equal(waits.length, 2, `two think-time stalls, got ${JSON.stringify(waits)}`);
    for (const s of waits) {
      assert.ok(s!.seconds >= 0.4 && s!.seconds < 0.45, `about the 400 ms slept: ${s!.seconds}`);
      assert.match(stallText(s!), /^4\d\d ms waiting on server think time, lines \d+–\d+$/);
    }
    // The handshake's packets are in no stall.
    assert.equal(stallAt(trace, packets[0].index), undefined);
  });

  it('stallAt finds a packet\'s stall by its line, and nothing between stalls', () => {
    const { trace } = scenario('limit-rwnd');
    const c = main(trace);
    const stalls = connectionLimits(trace, c).stalls;
    assert.ok(stalls.length > 0);
    let inside = 0;
    let outside = 0;
    for (const i of trace.packetsOf(c.id)) {
      const line = trace.columns.line[i];
      const want = stalls.find((s) => s.startLine <= line && line <= s.endLine);
      assert.equal(stallAt(trace, i), want, `line ${line}`);
      if (want) inside++;
      else outside++;
    }
    assert.ok(inside > 0 && outside > 0, `${inside} packets in stalls, ${outside} outside`);
    // The tree's sort by stall time reads the seconds stored with the connection: the same stalls.
    assert.ok(Math.abs(c.performance.stallSeconds! - stalls.reduce((s, x) => s + x.seconds, 0)) < 1e-6);
    assert.equal(c.performance.verdict, connectionLimits(trace, c).verdict);
  });

  it('the Problems panel reports stalls from the threshold up, and the verdict as its kind', () => {
    const { trace } = scenario('limit-loss');
    const c = main(trace);
    const l = connectionLimits(trace, c);
    const found = (th: SlowThresholds, on: (k: string) => boolean = every) => {
      const out: SlowFinding[] = [];
      slowFindings(trace, c, th, on, out);
      return out;
    };
    const all = found(ALL).filter((f) => f.kind === 'stall');
    assert.equal(all.length, l.stalls.length);
    const longest = Math.max(...l.stalls.map((s) => s.seconds));
    // Linux's minimum RTO (200 ms) shows as a loss stall at least that long.
    assert.ok(longest >= 0.2, `the RTO stall: ${longest}`);
    const atDefault = found({ ...ALL, stallMs: 200 }).filter((f) => f.kind === 'stall');
    assert.equal(atDefault.length, l.stalls.filter((s) => s.seconds >= 0.2).length);
    assert.ok(atDefault.length >= 1);
    const rto = atDefault.find((f) => f.line === l.stalls.find((s) => s.seconds === longest)!.startLine)!;
    assert.ok(rto.warning, 'loss is a warning');
    assert.match(rto.message(), /^#\d+ .* → .*: stalled \d+ ms waiting on loss, until line \d+\.$/);
    assert.equal(found({ ...ALL, stallMs: longest * 1000 + 1 }).filter((f) => f.kind === 'stall').length, 0);

    const verdicts = found(ALL).filter((f) => f.kind === 'limit');
    assert.equal(verdicts.length, 1);
    assert.match(verdicts[0].message(), /limited by loss, \d+% of its/);
    assert.equal(found({ ...ALL, limitPercent: Math.round(l.limits[0].share * 100) + 1 }).filter((f) => f.kind === 'limit').length, 0);
    // Switched off, nothing.
    assert.equal(found(ALL, (k) => k !== 'stall' && k !== 'limit').filter((f) => f.kind !== 'slowRtt').length, 0);
  });

  it('the Problems panel reports slow round trips from rttMs up; 0 turns it off', () => {
    const { trace } = scenario('limit-rwnd');
    const c = main(trace);
    const r = c.performance.rtt;
    const side = r.client.samples >= r.server.samples ? r.client : r.server;
    assert.ok(side.p95Ms !== null);
    const slow = (rttMs: number) => {
      const out: SlowFinding[] = [];
      slowFindings(trace, c, { ...ALL, rttMs }, every, out);
      return out.filter((f) => f.kind === 'slowRtt');
    };
    assert.equal(slow(0).length, 0);
    assert.ok(slow(side.p95Ms).length >= 1);
    assert.ok(slow(side.p95Ms).some((f) => f.message().includes(`p95 ${formatMs(side.p95Ms!)}`)));
    assert.equal(slow(Math.max(r.client.p95Ms ?? 0, r.server.p95Ms ?? 0) + 1).length, 0);
  });

  it('Next Problem stops at the first packet of each stall from the threshold up', () => {
    const { trace } = scenario('limit-think');
    const starts = stallStarts(trace, 0.2);
    const c = main(trace);
    const long = connectionLimits(trace, c).stalls.filter((s) => s.seconds >= 0.2);
    assert.equal(long.length, 2);
    assert.deepEqual([...starts].map((p) => trace.columns.line[p]).sort((a, b) => a - b), long.map((s) => s.startLine));
    assert.equal(stallStarts(trace, 1).size, 0);
  });

  it('the hover\'s ACK RTT, bytes in flight and window are tshark\'s', () => {
    // tshark's tcp.analysis.ack_rtt, bytes_in_flight and window_size of the zero-window capture.
    const text = fixture('captures', 'zero-window', 'nn.tcpdump');
    const rows = readFileSync(fixture('flight', 'zero-window.tsv'), 'utf8').trim().split('\n').slice(1).map((r) => r.split('\t'));
    const truth = new Map(rows.map(([frame, rtt, bif, win]) => [Number(frame), { rtt, bif, win }]));
    const frameOf = frameOfLines(readFileSync(text, 'utf8'));
    const trace = analyzeFile(text);
    let rtts = 0;
    let flights = 0;
    for (let p = 0; p < trace.packetCount; p++) {
      const want = truth.get(frameOf[trace.columns.line[p]])!;
      const shown = packetFigures(trace.columns, p);
      // An RTT tshark takes from a segment sent twice has none here (Karn's rule; flight.test.ts counts them).
      const hasRtt = trace.columns.ackRtt[p] === trace.columns.ackRtt[p];
      if (want.rtt && hasRtt) {
        rtts++;
        assert.ok(shown.includes(`ACK RTT ${formatMs(Number(want.rtt) * 1000)}`), `${shown.join(' · ')} vs tshark ${want.rtt} s`);
      } else assert.ok(!shown.some((s) => s.startsWith('ACK RTT')), shown.join(' · '));
      if (want.bif) {
        flights++;
        assert.ok(shown.includes(`${formatBytes(Number(want.bif))} in flight`), `${shown.join(' · ')} vs tshark ${want.bif}`);
      }
      if (want.win) assert.ok(shown.includes(`window ${formatBytes(Number(want.win))}`), `${shown.join(' · ')} vs tshark ${want.win}`);
    }
    assert.ok(rtts > 5 && flights > 5, `${rtts} RTTs, ${flights} in flight`);
  });

  it('says what each cause means in the hover, in the language shown', () => {
    setLanguage('zh');
    const { trace } = scenario('limit-delack');
    const c = main(trace);
    const s = connectionLimits(trace, c).stalls[0];
    assert.ok(s);
    assert.match(stallText(s), /^因.+等待 .+，第 \d+–\d+ 行$/);
    assert.notEqual(limitText(s.cause, 'zh'), limitText(s.cause, 'en'));
  });
});
