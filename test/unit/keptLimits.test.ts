// The limits a snapshot carries for its big connections (TraceSnapshot.keptLimits), which the
// extension host reads instead of working them out: they must be what the host would work out
// from the snapshot's own columns, after crossing a worker boundary, after lines moved
// (shiftSnapshot) and after connections were analysed again (reanalyseTouched). On real
// captures: the kernel's loopback captures (test/fixtures/limits, test/fixtures/captures) and
// the real-world ones (test/fixtures/realworld), each with its SOURCES.md.

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectionLimits } from '../../src/editor/limits';
import { TraceBuilder, analyzeText, type Trace } from '../../src/trace';
import { ColumnTrace } from '../../src/trace/columnTrace';
import { applyChange, shiftSnapshot, type LineShift, type TextChange } from '../../src/trace/edits';
import { reanalyseTouched, touchedPacket } from '../../src/trace/incremental';
import { limitsOf } from '../../src/trace/limits';
import { KEPT_LIMITS_PACKETS, cloneSnapshot } from '../../src/trace/snapshot';
import { fixture, hasFile, rng as random } from './helpers';
import { post } from './traceCompare';

const files = [
  ...['limits', 'captures'].flatMap((dir) => {
    const d = fixture(dir);
    return hasFile(d) ? readdirSync(d).sort().map((s) => join(d, s, 'nn.tcpdump')).filter(hasFile) : [];
  }),
  ...(hasFile(fixture('realworld')) ? readdirSync(fixture('realworld')).filter((f) => f.endsWith('.tcpdump')).sort().map((f) => join(fixture('realworld'), f)) : []),
];

/** The trace with every connection's limits kept (the threshold at one packet), and how it read seq/ack. */
function analyseKeepingAll(text: string) {
  const b = new TraceBuilder();
  b.push(new TextEncoder().encode(text));
  const trace = b.finish({ limitsFrom: 1 });
  return { trace, numbering: b.seqNumbering };
}

/** Each kept limit equals the one worked out from the trace's columns, and from `want`'s. */
function assertKeptHold(got: ColumnTrace, want: Trace, what: string): number {
  let kept = 0;
  for (const c of got.connections) {
    const k = got.keptLimitsOf(c.id);
    if (!k) continue;
    kept++;
    assert.deepStrictEqual(k, limitsOf(got, c), `${what}: connection ${c.id}, from its own columns`);
    assert.deepStrictEqual(k, limitsOf(want, want.connections[c.id]), `${what}: connection ${c.id}, from a full analysis`);
  }
  return kept;
}

const lineStart = (text: string, line: number): number => {
  let at = 0;
  for (let i = 0; i < line; i++) at = text.indexOf('\n', at) + 1;
  return at;
};

describe('limits kept with the snapshot for big connections', () => {
  it('has real captures to check on', () => {
    assert.ok(files.length >= 40, `only ${files.length} captures`);
  });

  it('keeps exactly the connections of at least KEPT_LIMITS_PACKETS packets by default', () => {
    for (const file of files) {
      const trace = analyzeText(readFileSync(file, 'utf8')) as ColumnTrace;
      const kept = (trace.snapshot.keptLimits ?? []).map((k) => k.connection);
      assert.deepStrictEqual(kept, trace.connections.filter((c) => c.packets >= KEPT_LIMITS_PACKETS).map((c) => c.id), file);
    }
  });

  for (const file of files) {
    const name = file.slice(fixture('').length);
    it(`equal the limits worked out on the host, after crossing a worker boundary: ${name}`, () => {
      const { trace } = analyseKeepingAll(readFileSync(file, 'utf8'));
      const host = new ColumnTrace(post(cloneSnapshot(trace.snapshot)));
      assert.equal(assertKeptHold(host, trace, name), trace.connections.length, 'every connection kept');
      // The editor's views take the kept ones.
      for (const c of host.connections) assert.equal(connectionLimits(host, c), host.keptLimitsOf(c.id), `${name}: connection ${c.id}`);
    });
  }

  for (const scenario of ['limit-loss', 'limit-rwnd', 'limit-delack']) {
    const file = join(fixture('limits'), scenario, 'nn.tcpdump');
    if (!hasFile(file)) continue;
    it(`move with their lines when lines are inserted: ${scenario}`, () => {
      const rnd = random(scenario.length * 97);
      let text = readFileSync(file, 'utf8');
      let snap = analyseKeepingAll(text).trace.snapshot;
      const shifts: LineShift[] = [];
      let moved = 0;
      for (let step = 0; step < 30; step++) {
        const lines = text.split('\n').length;
        const line = Math.floor(rnd() * lines);
        const at = lineStart(text, line);
        const ch: TextChange = rnd() < 0.7 ? { offset: at, length: 0, text: '# note\n\n', line } : { offset: at, length: 0, text: '\n', line };
        const r = applyChange(text, ch);
        text = r.text;
        if (!r.shift) continue;
        shifts.push(r.shift);
        moved++;
        if (rnd() < 0.5) continue;
        snap = shiftSnapshot(snap, shifts.splice(0));
        assertKeptHold(new ColumnTrace(post(cloneSnapshot(snap))), analyzeText(text), `${scenario} step ${step}`);
      }
      snap = shiftSnapshot(snap, shifts);
      assert.ok(assertKeptHold(new ColumnTrace(snap), analyzeText(text), `${scenario} at the end`) > 0);
      assert.ok(moved >= 10, `only ${moved} edits moved lines`);
    });

    it(`are dropped for the connections analysed again, kept for the others: ${scenario}`, () => {
      const rnd = random(scenario.length * 31);
      let text = readFileSync(file, 'utf8');
      let { trace, numbering } = analyseKeepingAll(text);
      let snapshot = cloneSnapshot(trace.snapshot);
      let checked = 0;
      for (let step = 0; step < 10; step++) {
        const p = Math.floor(rnd() * snapshot.packetCount);
        const line = snapshot.line[p] - 1;
        const start = lineStart(text, line);
        const win = text.indexOf('win ', start);
        if (win < 0 || win > text.indexOf('\n', start)) continue;
        const ch: TextChange = { offset: win + 4, length: 0, text: String(1 + Math.floor(rnd() * 9)), line };
        const r = applyChange(text, ch);
        const q = r.shift ? -1 : touchedPacket(snapshot, text, ch);
        text = r.text;
        const got = q < 0 ? undefined : reanalyseTouched(snapshot, text, [q], {}, numbering);
        if (!got) {
          ({ trace, numbering } = analyseKeepingAll(text));
          snapshot = cloneSnapshot(trace.snapshot);
          continue;
        }
        const kept = new Set((got.snapshot.keptLimits ?? []).map((k) => k.connection));
        for (const c of got.connections) assert.ok(!kept.has(c), `${scenario} step ${step}: connection ${c} was analysed again`);
        const others = got.snapshot.connectionCount - got.connections.length;
        assert.equal(kept.size, others, `${scenario} step ${step}: the others keep theirs`);
        assertKeptHold(new ColumnTrace(post(cloneSnapshot(got.snapshot))), analyzeText(text), `${scenario} step ${step}`);
        snapshot = got.snapshot;
        checked++;
      }
      assert.ok(checked >= 3, `only ${checked} edits re-analysed incrementally`);
    });
  }
});
