// Re-analysing only the connections an edit touched (src/trace/incremental.ts): whenever it
// gives a result, that result must answer every query as a full analysis of the edited text.

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceBuilder } from '../../src/trace';
import { reanalyseTouched, touchedPacket, type SeqNumbering } from '../../src/trace/incremental';
import { ColumnTrace } from '../../src/trace/columnTrace';
import { applyChange, type TextChange } from '../../src/trace/edits';
import { cloneSnapshot, type TraceSnapshot } from '../../src/trace/snapshot';
import { fixture, hasFile, rng as random } from './helpers';
import { assertSame, post } from './traceCompare';

const DIR = fixture('captures');
const files = hasFile(DIR)
  ? readdirSync(DIR).sort().flatMap((d) => readdirSync(join(DIR, d)).filter((f) => f.endsWith('.tcpdump')).sort().map((f) => join(DIR, d, f)))
  : [];

function analyse(text: string): { trace: ColumnTrace; snapshot: TraceSnapshot; numbering: SeqNumbering } {
  const b = new TraceBuilder();
  b.push(new TextEncoder().encode(text));
  const trace = b.finish();
  return { trace, snapshot: cloneSnapshot(trace.snapshot), numbering: b.seqNumbering };
}

/** Where each line starts. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0 && i + 1 < text.length; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** Edits a person makes inside a packet line: a digit typed or changed, flags changed, a character deleted. */
function editInLine(text: string, line: number, start: number, rnd: () => number): TextChange {
  const end = text.indexOf('\n', start) < 0 ? text.length : text.indexOf('\n', start);
  const s = text.slice(start, end);
  const at = (i: number, length: number, t: string): TextChange => ({ offset: start + i, length, text: t, line });
  const digits = [...s.matchAll(/\d/g)].map((m) => m.index!);
  const pick = rnd();
  const flags = s.indexOf('Flags [');
  if (pick < 0.35 && digits.length) return at(digits[Math.floor(rnd() * digits.length)], 1, String(Math.floor(rnd() * 10)));
  if (pick < 0.55) {
    const field = ['win ', 'length ', 'ack ', 'seq '][Math.floor(rnd() * 4)];
    const i = s.indexOf(field);
    if (i >= 0) return at(i + field.length, 0, String(1 + Math.floor(rnd() * 9)));
  }
  if (pick < 0.85 && flags >= 0) {
    const close = s.indexOf(']', flags);
    const next = ['S', 'S.', '.', 'P.', 'F.', 'R', 'R.', 'FP.', 'S.E', 'SEW'][Math.floor(rnd() * 10)];
    return at(flags + 7, close - flags - 7, next);
  }
  const i = Math.floor(rnd() * Math.max(1, s.length));
  return at(i, Math.min(1, s.length - i), '');
}

describe('incremental re-analysis of the connections an edit touched', () => {
  let steps = 0;
  let incremental = 0;
  let wholeConnections = 0;

  it('has fixtures to edit', () => {
    assert.ok(files.length >= 100, `only ${files.length} fixture files`);
  });

  for (const file of files) {
    const name = file.slice(DIR.length + 1);
    it(`equals a full analysis after edits inside packet lines: ${name}`, () => {
      const rnd = random(name.length * 7919 + name.charCodeAt(0));
      let text = readFileSync(file, 'utf8');
      let { snapshot, numbering } = analyse(text);
      if (snapshot.packetCount === 0) return;
      for (let step = 0; step < 12; step++) {
        // Edits inside packet lines need a packet line.
        if (snapshot.packetCount === 0) break;
        // One to three edits, as when a few characters are typed before the analysis runs.
        const touched = new Set<number>();
        let fallback = false;
        const edits = 1 + Math.floor(rnd() * 3);
        for (let e = 0; e < edits; e++) {
          const p = Math.floor(rnd() * snapshot.packetCount);
          const starts = lineStarts(text);
          const line = snapshot.line[p] - 1;
          const ch = editInLine(text, line, starts[line], rnd);
          const r = applyChange(text, ch);
          if (!r.shift) {
            const q = touchedPacket(snapshot, text, ch);
            if (q < 0) fallback = true;
            else touched.add(q);
          }
          text = r.text;
        }
        steps++;
        const want = analyse(text);
        const before = cloneSnapshot(snapshot);
        const got = fallback ? undefined : reanalyseTouched(snapshot, text, touched, {}, numbering);
        if (!got) assert.deepStrictEqual(snapshot, before, 'a snapshot it gives up on is left as it was');
        if (got) {
          incremental++;
          if (got.connections.length) wholeConnections++;
          assertSame(new ColumnTrace(post(cloneSnapshot(got.snapshot))), want.trace, `${name} step ${step}`);
          snapshot = got.snapshot;
        } else {
          ({ snapshot, numbering } = want);
        }
      }
    });
  }

  it('re-analysed most edits incrementally', () => {
    assert.ok(steps > 500, `${steps} steps`);
    // Many of these edits change a time, make a SYN (a new incarnation) or break the line: those
    // are re-analysed whole, and so is a line an edit leaves needing a repair (cut, wrapped).
    assert.ok(wholeConnections / steps > 0.2, `${incremental} of ${steps} incremental, ${wholeConnections} re-analysing connections`);
  });

  it('re-analyses only the touched connection', () => {
    const text = readFileSync(join(DIR, 'sample', 'nn.tcpdump'), 'utf8');
    const { snapshot, numbering } = analyse(text);
    const trace = new ColumnTrace(cloneSnapshot(snapshot));
    const c = trace.connections.filter((x) => x.packets >= 3 && x.handshake.complete).sort((a, b) => a.packets - b.packets)[0];
    assert.ok(c, 'a complete connection');
    const p = trace.packetsOf(c.id)[2];
    const line = trace.packet(p).line - 1;
    const start = lineStarts(text)[line];
    const win = text.indexOf('win ', start) + 4;
    const ch: TextChange = { offset: win, length: 0, text: '7', line };
    assert.equal(touchedPacket(snapshot, text, ch), p);
    const next = applyChange(text, ch).text;
    const got = reanalyseTouched(snapshot, next, [p], {}, numbering);
    assert.ok(got, 'done incrementally');
    assert.deepEqual(got.connections, [c.id]);
    assert.equal(got.packets, c.packets);
    assert.ok(got.packets < snapshot.packetCount / 2, `${got.packets} of ${snapshot.packetCount} packets`);
    const after = new ColumnTrace(got.snapshot);
    assert.equal(after.packet(p).win, Number('7' + String(trace.packet(p).win)));
    assertSame(after, analyse(next).trace, 'win edited');
  });

  it('leaves a changed time to a full analysis (with -ttt it moves every later packet)', () => {
    const text = readFileSync(join(DIR, 'sample', 'nn.tcpdump'), 'utf8');
    const { snapshot, numbering } = analyse(text);
    const line = snapshot.line[1] - 1;
    const start = lineStarts(text)[line];
    const digit = text.slice(start).search(/[1-9]/);
    const ch: TextChange = { offset: start + digit, length: 1, text: '0', line };
    const got = reanalyseTouched(snapshot, applyChange(text, ch).text, [touchedPacket(snapshot, text, ch)], {}, numbering);
    assert.equal(got, undefined, 'a changed time is left to a full analysis');
  });

  it('an edit that adds a line break is not taken', () => {
    const text = readFileSync(join(DIR, 'sample', 'nn.tcpdump'), 'utf8');
    const { snapshot } = analyse(text);
    assert.equal(touchedPacket(snapshot, text, { offset: 30, length: 0, text: '\n', line: 0 }), -1);
    assert.equal(touchedPacket(snapshot, text, { offset: text.indexOf('\n') - 2, length: 4, text: '', line: 0 }), -1);
  });
});
