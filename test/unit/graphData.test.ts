// The Graphs tab's data (src/editor/graphData.ts) on captures of real networks
// (test/fixtures/realworld, see its SOURCES.md), read from their tcpdump -nn text and checked
// against tshark's dissection of the capture itself: relative seq and ack per packet, and the
// retransmissions the time-sequence graph marks.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText } from '../../src/trace';
import { graphData, graphSlices, thinGraphs } from '../../src/editor/graphData';
import { bucketSums, decimate, where } from '../../src/protocol/decimate';
import { isHostMessage } from '../../src/protocol/protocol';
import { GRAPH_SLICE, GraphMark } from '../../src/protocol/protocol';
import { readTshark } from './corpus.test';
import { frameOfLines, realworldIndex } from './fidelity.test';
import { fixture } from './helpers';

const DIR = process.env.REALWORLD_DIR ?? fixture('realworld');
const U32 = 4294967296;

describe('graph data against tshark on real captures', function () {
  this.timeout(120_000);
  const entries = realworldIndex();

  it('has captures to check', () => assert.ok(entries.length >= 10, `${entries.length} captures`));

  it('relative seq and ack equal tshark\'s where tcpdump printed them, and retransmissions are marked as tshark marks them', () => {
    let checkedSeq = 0;
    let checkedAck = 0;
    let unsupported = 0;
    const wrong: string[] = [];
    const score = { tp: 0, fp: 0, fn: 0 };
    for (const e of entries) {
      const text = readFileSync(join(DIR, `${e.name}.tcpdump`), 'utf8');
      const lines = text.split('\n');
      const frameOf = frameOfLines(text);
      const frames = new Map(readTshark(join(DIR, `${e.name}.tsv`)).map((f) => [f.frame, f]));
      const trace = analyzeText(text);
      for (const c of trace.connections) {
        const g = graphData(trace, c.id, 'k');
        assert.equal(g.index.length, c.packets);
        // tshark's relative numbers count from each side's first seq in the capture (its ISN
        // when the SYN is there). Where tcpdump printed no seq on that first packet (a bare ACK),
        // the text does not hold tshark's base: that side is not checked, only counted.
        const first: [number | null, number | null] = [null, null];
        const seen = [false, false];
        for (let i = 0; i < g.index.length; i++) {
          const p = trace.packet(g.index[i]);
          const f = frames.get(frameOf[p.line]);
          if (!f || seen[g.dir[i]]) continue;
          seen[g.dir[i]] = true;
          if (/ seq \d/.test(lines[p.line - 1])) first[g.dir[i]] = f.seq;
          else unsupported++;
        }
        for (let i = 0; i < g.index.length; i++) {
          const p = trace.packet(g.index[i]);
          const f = frames.get(frameOf[p.line]);
          if (!f) continue;
          const d = g.dir[i];
          const text = lines[p.line - 1];
          const where = `${e.name} line ${p.line}`;
          if (/ seq \d/.test(text) && first[d] !== null) {
            checkedSeq++;
            const want = (f.seq - first[d]! + U32) % U32;
            if (g.seq[i] % U32 !== want) wrong.push(`${where}: seq ${g.seq[i]}, tshark ${want}`);
          }
          if (/ ack \d/.test(text) && f.ack !== null && first[1 - d] !== null) {
            checkedAck++;
            const want = (f.ack - first[1 - d]! + U32) % U32;
            if (g.ack[i] % U32 !== want) wrong.push(`${where}: ack ${g.ack[i]}, tshark ${want}`);
          }
          const marked = (g.marks[i] & GraphMark.RETRANSMISSION) !== 0;
          const truth = f.analysis.some((a) => a.endsWith('retransmission'));
          if (marked && truth) score.tp++;
          else if (marked) score.fp++;
          else if (truth) score.fn++;
        }
      }
    }
    assert.ok(checkedSeq > 5000 && checkedAck > 5000, `${checkedSeq} seqs, ${checkedAck} acks checked`);
    // Mid-stream captures whose first packet of a side is a bare ACK: a few, not most.
    assert.ok(unsupported < 200, `${unsupported} sides start with a bare ACK`);
    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} of ${checkedSeq + checkedAck} differ`);
    assert.ok(score.tp >= 20, `only ${score.tp} retransmissions in the corpus`);
    const precision = score.tp / (score.tp + score.fp);
    const recall = score.tp / (score.tp + score.fn);
    assert.ok(precision >= 0.95 && recall >= 0.95, `retransmissions: precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (${JSON.stringify(score)})`);
  });

  it('times count from the connection\'s first packet, in order, and what the text lacks is named', () => {
    const text = readFileSync(join(DIR, 'ndpi-netflix.tcpdump'), 'utf8');
    const trace = analyzeText(text);
    const c = trace.connections.reduce((a, b) => (b.packets > a.packets ? b : a));
    const g = graphData(trace, c.id, 'k');
    assert.equal(g.time[0], 0);
    for (let i = 1; i < g.time.length; i++) assert.ok(g.time[i] >= g.time[i - 1] - 1e-9, `time goes back at ${i}`);
    const last = trace.packet(g.index[g.index.length - 1]).time! - trace.packet(g.index[0]).time!;
    assert.ok(Math.abs(g.time[g.time.length - 1] - last) < 1e-9);
    assert.deepEqual(g.unknown, c.performance.unknown);
  });

  it('goes to the webview in slices that put together give the series back', () => {
    const text = readFileSync(join(DIR, 'ndpi-gnutella.tcpdump'), 'utf8');
    const trace = analyzeText(text);
    // A real connection's series repeated to over three slices' worth.
    const one = graphData(trace, 0, 'k');
    const n = 3 * GRAPH_SLICE + 5;
    const tile = <T extends { length: number; [i: number]: number }>(a: T, make: (n: number) => T): T => {
      const out = make(n);
      for (let i = 0; i < n; i++) out[i] = a[i % a.length];
      return out;
    };
    const g = {
      ...one, total: n,
      index: tile(one.index, (k) => new Int32Array(k)), dir: tile(one.dir, (k) => new Uint8Array(k)), time: tile(one.time, (k) => new Float64Array(k)),
      seq: tile(one.seq, (k) => new Float64Array(k)), len: tile(one.len, (k) => new Int32Array(k)), ack: tile(one.ack, (k) => new Float64Array(k)),
      win: tile(one.win, (k) => new Float32Array(k)), rtt: tile(one.rtt, (k) => new Float32Array(k)), inFlight: tile(one.inFlight, (k) => new Float32Array(k)),
      marks: tile(one.marks, (k) => new Uint8Array(k)),
    };
    const slices = [...graphSlices(g)];
    assert.equal(slices.length, 4);
    const seq: number[] = [];
    let at = 0;
    for (const s of slices) {
      assert.equal(s.start, at);
      assert.equal(s.total, g.total);
      assert.ok(s.index.length <= GRAPH_SLICE);
      for (const k of ['dir', 'time', 'seq', 'len', 'ack', 'win', 'rtt', 'inFlight', 'marks'] as const) assert.equal(s[k].length, s.index.length, k);
      // Each slice's arrays are its own, so only its bytes are posted.
      assert.equal(s.seq.buffer.byteLength, s.seq.length * 8);
      seq.push(...s.seq);
      at += s.index.length;
    }
    assert.equal(at, g.total);
    assert.deepEqual(seq, [...g.seq]);
    assert.equal(one.total, one.index.length);
  });

  it('thinned on the host, a connection draws as it would whole: each pixel column\'s lows, highs and bytes, and the cursor\'s packet kept', () => {
    // The real connections with the most packets, thinned to 64 columns, drawn at 32 and 16 pixels.
    const all = realworldIndex().flatMap((e) => {
      const trace = analyzeText(readFileSync(join(DIR, `${e.name}.tcpdump`), 'utf8'));
      return trace.connections.map((c) => ({ trace, c }));
    }).sort((a, b) => b.c.packets - a.c.packets).slice(0, 4);
    assert.ok(all[3].c.packets > 300, `${all[3].c.packets} packets`);
    for (const { trace, c } of all) {
      const g = graphData(trace, c.id, 'k');
      let x0 = Infinity;
      let x1 = -Infinity;
      for (const t of g.time) if (t === t) [x0, x1] = [Math.min(x0, t), Math.max(x1, t)];
      const cursor = g.index[Math.floor(g.index.length / 3)];
      // The whole range, and a zoomed part of it.
      for (const [a, b] of [[x0, x1], [x0 + (x1 - x0) * 0.25, x0 + (x1 - x0) * 0.5]]) {
        const th = thinGraphs(g, a, b, 64, cursor);
        assert.ok(isHostMessage(th), 'a message the webview accepts');
        assert.equal(th.thinned?.packets, g.index.length);
        assert.ok(th.index.includes(cursor), 'the cursor\'s packet');
        assert.ok(th.total <= 2 * 8 * 2 * 64 + 2 * 64 + 3, `${th.total} of ${g.total} points`);
        for (const px of [32, 16]) {
          const draw = (m: typeof g) => {
            const n = m.index.length;
            const segs = where(n, (i) => m.len[i] > 0 && m.seq[i] === m.seq[i] && m.dir[i] === 0);
            const ends = Float64Array.from(m.seq, (v, i) => v + m.len[i]);
            const acks = where(n, (i) => m.ack[i] === m.ack[i] && m.dir[i] === 1);
            const rtts = where(n, (i) => m.rtt[i] === m.rtt[i]);
            const flights = where(n, (i) => m.inFlight[i] === m.inFlight[i]);
            const cols = (x: ReturnType<typeof decimate>) => [...x.col].map((col, j) => `${col}:${x.min[j]}:${x.max[j]}`).join(' ');
            return {
              segs: cols(decimate(segs, m.time, m.seq, ends, a, b, px)),
              acks: cols(decimate(acks, m.time, m.ack, null, a, b, px)),
              rtts: cols(decimate(rtts, m.time, m.rtt, null, a, b, px)),
              flights: cols(decimate(flights, m.time, m.inFlight, null, a, b, px)),
              bytes: [...bucketSums(where(n, (i) => m.len[i] > 0 && m.seq[i] === m.seq[i]), m.time, m.bytes, a, b, px / 4)].join(' '),
            };
          };
          assert.deepEqual(draw(th), draw(g), `#${c.id}, ${px} px over [${a}, ${b}]`);
        }
      }
    }
  });

  it('a connection of 200,000 packets thins to a few points per column, in steps of bounded size', () => {
    const lines = [
      '00:00:00.000000 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [S], seq 1000000, win 64240, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0',
      '00:00:00.000050 IP 10.0.0.2.80 > 10.0.0.1.1000: Flags [S.], seq 2000000, ack 1000001, win 65160, options [mss 1460,sackOK,TS val 2 ecr 1,nop,wscale 7], length 0',
      '00:00:00.000100 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [.], ack 1, win 502, length 0',
    ];
    let seq = 1;
    for (let k = 0; lines.length < 200_000; k++) {
      const us = 200 + k * 10;
      const t = `00:00:${String(Math.floor(us / 1e6)).padStart(2, '0')}.${String(us % 1e6).padStart(6, '0')}`;
      if (k % 3 === 2) lines.push(`${t} IP 10.0.0.2.80 > 10.0.0.1.1000: Flags [.], ack ${seq}, win 501, length 0`);
      else {
        lines.push(`${t} IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [.], seq ${seq}:${seq + 1448}, ack 1, win 502, length 1448`);
        seq += 1448;
      }
    }
    const trace = analyzeText(lines.join('\n') + '\n');
    const g = graphData(trace, 0, 'k');
    const th = thinGraphs(g, g.time[0], g.time[g.total - 1], 4096);
    assert.ok(th.total <= 6 * 4096, `${th.total} points`);
    let total = 0;
    for (const v of th.bytes) total += v;
    assert.equal(total, seq - 1, 'every byte counted once');
    const n = th.total;
    const segs = (m: typeof g) => decimate(where(m.total, (i) => m.len[i] > 0), m.time, m.seq, Float64Array.from(m.seq, (v, i) => v + m.len[i]), g.time[0], g.time[g.total - 1], 1024);
    const [a, b] = [segs(th), segs(g)];
    assert.deepEqual([...a.min], [...b.min]);
    assert.deepEqual([...a.max], [...b.max]);
    assert.ok(n < g.total / 8);
  });
});
