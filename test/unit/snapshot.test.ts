// The columns of a trace (the snapshot the worker posts to the extension host): their
// connection summaries must be the ones the engine computed, and a trace posted across a
// worker boundary must answer every query as before.

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceBuilder, analyzeText } from '../../src/trace';
import { ColumnTrace, restoreSnapshot } from '../../src/trace/columnTrace';
import { applyChange, shiftSnapshot, type LineShift, type TextChange } from '../../src/trace/edits';
import { readSummary } from '../../src/trace/connectionColumns';
import { cloneSnapshot, isTraceSnapshot, type TraceSnapshot } from '../../src/trace/snapshot';
import { fixture, hasFile, rng as random } from './helpers';
import { assertSame, post, restored } from './traceCompare';

const DIR = fixture('captures');
const files = hasFile(DIR)
  ? readdirSync(DIR).sort().flatMap((d) => readdirSync(join(DIR, d)).filter((f) => f.endsWith('.tcpdump')).sort().map((f) => join(DIR, d, f)))
  : [];

describe('snapshot: the host-side Trace over typed arrays', () => {
  it('has fixtures to compare on', () => {
    assert.ok(files.length >= 100, `only ${files.length} fixture files`);
  });

  for (const file of files) {
    const name = file.slice(DIR.length + 1);
    it(`reads each connection the same whole and field by field: ${name}`, () => {
      const trace = analyzeText(readFileSync(file, 'utf8')) as ColumnTrace;
      const s = trace.snapshot;
      for (let c = 0; c < s.connectionCount; c++) {
        const whole = readSummary(s, c);
        assert.equal(JSON.stringify(trace.connections[c]), JSON.stringify(whole), `${name}: connection ${c} as JSON`);
        const record = trace.connections[c] as unknown as Record<string, unknown>;
        for (const [k, v] of Object.entries(whole)) assert.deepStrictEqual(record[k], v, `${name}: connection ${c} ${k}`);
      }
    });

    it(`answers the same after crossing a worker boundary: ${name}`, () => {
      const want = analyzeText(readFileSync(file, 'utf8'));
      const got = restored(want);
      assert.ok(isTraceSnapshot(got.snapshot));
      assertSame(got, want, name);
    });
  }

  it('restores in slices with the same result', async () => {
    const want = analyzeText(readFileSync(join(DIR, 'syn-flood-small', 'nn.tcpdump'), 'utf8'));
    let pauses = 0;
    const got = await restoreSnapshot(post(cloneSnapshot((want as ColumnTrace).snapshot)), async () => void pauses++, { budgetMs: 0, batch: 7 });
    assert.ok(got);
    assert.ok(pauses >= Math.floor(want.connections.length / 7) - 1, `paused ${pauses} times`);
    assertSame(got, want, 'sliced');
    const none = await restoreSnapshot(post(cloneSnapshot((want as ColumnTrace).snapshot)), async () => undefined, { budgetMs: 0, batch: 7, abandon: () => true });
    assert.equal(none, undefined, 'abandoned restores give nothing');
  });

  it('owns its arrays: transferring them leaves the trace it came from intact', () => {
    const text = readFileSync(join(DIR, 'sample', 'nn.tcpdump'), 'utf8');
    const trace = analyzeText(text) as ColumnTrace;
    const first = post(cloneSnapshot(trace.snapshot));
    assert.equal(trace.snapshot.line.byteLength > 0, true, 'the trace still has its arrays');
    assertSame(new ColumnTrace(first), analyzeText(text), 'after transfer');
    const copy = cloneSnapshot(first);
    post(first);
    assertSame(new ColumnTrace(copy), analyzeText(text), 'a clone outlives the original');
  });

  it('a partial snapshot is the analysis of the lines read so far', () => {
    const text = readFileSync(join(DIR, 'sample', 'tttt_v.tcpdump'), 'utf8');
    const lines = text.split('\n');
    const b = new TraceBuilder();
    const enc = new TextEncoder();
    for (let n = 0; n < lines.length - 1; n++) {
      b.push(enc.encode(lines[n] + '\n'));
      // A -v header line waits for its TCP line; a full analysis of the prefix would count the
      // header as read, so compare only where the prefix ends on a complete packet.
      if (/^\s/.test(lines[n + 1] ?? '')) continue;
      const prefix = lines.slice(0, n + 1).join('\n') + '\n';
      const part = new ColumnTrace(post(b.peek().snapshot));
      assert.equal(part.partial, true);
      assertSame(part, analyzeText(prefix), `after line ${n + 1}`);
    }
  });

  describe('edits that touch no packet line', () => {
    const pick = <T>(rnd: () => number, list: T[]): T => list[Math.floor(rnd() * list.length)];
    for (const scenario of ['sample', 'port-reuse', 'syn-flood-small', 'zero-window']) {
      for (const render of ['nn', 'tttt_v', 'S_vv', 'e']) {
        const file = join(DIR, scenario, `${render}.tcpdump`);
        if (!hasFile(file)) continue;
        it(`${scenario}/${render}: shifting the snapshot equals analysing the edited text`, () => {
          const rnd = random(scenario.length * 131 + render.length);
          let text = readFileSync(file, 'utf8');
          let snap: TraceSnapshot = (analyzeText(text) as ColumnTrace).snapshot;
          let pending: LineShift[] = [];
          let shifted = 0;
          let reanalysed = 0;
          for (let step = 0; step < 40; step++) {
            const starts = [0];
            for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
            const line = Math.floor(rnd() * starts.length);
            const at = starts[line];
            const lineEnd = text.indexOf('\n', at) < 0 ? text.length : text.indexOf('\n', at);
            const kinds: Array<() => TextChange> = [
              () => ({ offset: at, length: 0, text: pick(rnd, ['# a note\n', '\n', '\n\n', 'ARP, Request who-has 10.0.0.1\n', '   \n']), line }),
              () => ({ offset: text.length, length: 0, text: pick(rnd, ['\n', '  ', 'trailing words', '\n\n# end\n']), line: starts.length - 1 }),
              () => ({ offset: lineEnd, length: 0, text: pick(rnd, [' ', '  \t', ' and more']), line }),
              () => ({ offset: at, length: lineEnd - at + (lineEnd < text.length ? 1 : 0), text: '', line }),
              () => ({ offset: at, length: Math.min(lineEnd - at, 5), text: pick(rnd, ['', 'x', 'UDP ']), line }),
            ];
            const ch = pick(rnd, kinds)();
            const r = applyChange(text, ch);
            assert.equal(r.text, text.slice(0, ch.offset) + ch.text + text.slice(ch.offset + ch.length));
            text = r.text;
            const want = analyzeText(text);
            if (r.shift) {
              shifted++;
              pending.push(r.shift);
              // Shifts pile up and are applied together, as the worker does.
              if (rnd() < 0.5) continue;
              const next = shiftSnapshot(snap, pending);
              pending = [];
              assertSame(new ColumnTrace(post(cloneSnapshot(next))), want, `step ${step} ${JSON.stringify(ch)}`);
              snap = next;
            } else {
              pending = [];
              reanalysed++;
              snap = cloneSnapshot((want as ColumnTrace).snapshot);
            }
          }
          assertSame(new ColumnTrace(shiftSnapshot(snap, pending)), analyzeText(text), 'at the end');
          assert.ok(shifted >= 5, `only ${shifted} edits avoided re-analysis`);
          assert.ok(reanalysed >= 1, 'some edits touched packets and were re-analysed');
        });
      }
    }

    it('a comment line inserted above a packet line moves it without re-analysis', () => {
      const text = readFileSync(join(DIR, 'sample', 'nn.tcpdump'), 'utf8');
      const snap = (analyzeText(text) as ColumnTrace).snapshot;
      const at = text.indexOf('\n', text.indexOf('\n') + 1) + 1; // the start of line 3, a packet line
      const r = applyChange(text, { offset: at, length: 0, text: '# here it goes wrong\n\n', line: 2 });
      assert.ok(r.shift, 'no re-analysis');
      assert.deepEqual(r.shift, { afterLine: 2, delta: 2, linesDelta: 2, skippedDelta: 1 });
      assertSame(new ColumnTrace(shiftSnapshot(snap, [r.shift])), analyzeText(r.text), 'inserted above line 3');
      // Removing them again is the same kind of edit.
      const back = applyChange(r.text, { offset: at, length: '# here it goes wrong\n\n'.length, text: '', line: 2 });
      assert.ok(back.shift);
      assert.equal(back.text, text);
      assertSame(new ColumnTrace(shiftSnapshot(snap, [r.shift, back.shift])), analyzeText(text), 'and removed');
    });

    it('deleting a whole packet line is re-analysed', () => {
      const text = readFileSync(join(DIR, 'sample', 'nn.tcpdump'), 'utf8');
      const at = text.indexOf('\n') + 1;
      const r = applyChange(text, { offset: at, length: text.indexOf('\n', at) + 1 - at, text: '', line: 1 });
      assert.equal(r.shift, undefined);
    });

    it('an edit inside a packet line is re-analysed', () => {
      const text = readFileSync(join(DIR, 'sample', 'nn.tcpdump'), 'utf8');
      const r = applyChange(text, { offset: 20, length: 1, text: '9', line: 0 });
      assert.equal(r.shift, undefined);
    });

    it('an edit next to a -v header keeps the header with its TCP line', () => {
      const text = readFileSync(join(DIR, 'sample', 'tttt_v.tcpdump'), 'utf8');
      const nl = text.indexOf('\n');
      // Inserting between the header (line 1) and its indented TCP line touches the TCP line.
      const r = applyChange(text, { offset: nl + 1, length: 0, text: '\n', line: 1 });
      assert.equal(r.shift, undefined);
    });
  });
});
