// Per-packet ack RTT and bytes in flight against tshark (tcp.analysis.ack_rtt and
// tcp.analysis.bytes_in_flight, test/fixtures/flight, made by scripts/flight-fixtures.sh), on the
// loopback captures and the real-world corpus, read from their `tcpdump -nn` text.
//
// Where the engine and tshark differ, the test says why when the text or the definition
// explains it:
// - karn: tshark measured an RTT from a segment that was sent more than once; which copy the
//   ACK answers is unknown, so the engine gives none (Karn's rule).
// - unread: the frame has no packet in the text (tshark dissected a layer tcpdump did not).
// The rest are counted as unexplained, and must stay rare.

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Trace } from '../../src/trace';
import { frameOfLines, realworldIndex } from './fidelity.test';
import { analyzeFile, fixture, hasFile } from './helpers';

const FLIGHT = fixture('flight');
/** tcpdump prints microseconds; tshark nanoseconds. */
const RTT_TOLERANCE_MS = 0.0015;
/** The share of tshark's figures the engine must give exactly, Karn's exclusions aside. */
const TARGET = 0.99;

interface Truth {
  rtt: number | null;
  bif: number | null;
  /** tcp.window_size: scaled where tshark knows the scale. */
  win: number | null;
}

function readTruth(path: string): Map<number, Truth> {
  const rows = readFileSync(path, 'utf8').trim().split('\n').slice(1);
  const out = new Map<number, Truth>();
  for (const r of rows) {
    const [frame, rtt, bif, win] = r.split('\t');
    out.set(Number(frame), { rtt: rtt ? Number(rtt) * 1000 : null, bif: bif ? Number(bif) : null, win: win ? Number(win) : null });
  }
  return out;
}

class Tally {
  tshark = 0;
  engine = 0;
  match = 0;
  karn = 0;
  unread = 0;
  /** Figures the engine gives where tshark has none. */
  extra = 0;
  examples: string[] = [];
  /** Packets whose window scale the engine does not know. */
  unknown = 0;
  get unexplained() { return this.tshark - this.match - this.karn - this.unread; }
  get rate() { return this.tshark - this.karn - this.unread ? this.match / (this.tshark - this.karn - this.unread) : 1; }
  miss(what: string) { if (this.examples.length < 8) this.examples.push(what); }
}

/**
 * Per connection and direction, the ranges [seq, end] of segments sent more than once: a
 * segment repeated, or one the expert analysis marks as a retransmission or out of order
 * (which may repeat several earlier segments at once).
 */
function resentRanges(t: Trace): Map<string, Array<[number, number]>> {
  const c = t.columns;
  const count = new Map<string, number>();
  const out = new Map<string, Array<[number, number]>>();
  for (let p = 0; p < t.packetCount; p++) {
    const f = t.packet(p);
    const virtual = /[SF]/.test(f.flags) ? 1 : 0;
    if (f.seq === null || (f.len === 0 && !virtual)) continue;
    const end = (f.seq + f.len + virtual) % 4294967296;
    const same = `${c.conn[p]}/${c.dir[p]}/${f.seq}/${end}`;
    count.set(same, (count.get(same) ?? 0) + 1);
    if (count.get(same)! > 1 || f.events.some((e) => e.includes('retransmission') || e === 'out_of_order')) {
      const key = `${c.conn[p]}/${c.dir[p]}`;
      out.set(key, [...(out.get(key) ?? []), [f.seq, end]]);
    }
  }
  return out;
}

/** True when an ACK of `ack` from side 1 - dir could answer a segment that was sent more than once. */
function ambiguous(resent: Map<string, Array<[number, number]>>, conn: number, dir: number, ack: number): boolean {
  return (resent.get(`${conn}/${dir}`) ?? []).some(([s, e]) => ((ack - s) | 0) > 0 && ((e - ack) | 0) >= 0);
}

function compare(name: string, text: string, truthPath: string, rtt: Tally, bif: Tally, win: Tally): void {
  const truth = readTruth(truthPath);
  const frameOf = frameOfLines(readFileSync(text, 'utf8'));
  const t = analyzeFile(text);
  const c = t.columns;
  const resent = resentRanges(t);
  const seen = new Set<number>();
  for (let p = 0; p < t.packetCount; p++) {
    const frame = frameOf[c.line[p]];
    const want = truth.get(frame);
    if (!want || seen.has(frame)) continue;
    seen.add(frame);
    const gotRtt = c.ackRtt[p];
    const gotBif = c.inFlight[p];
    if (gotRtt === gotRtt) rtt.engine++;
    if (gotBif === gotBif) bif.engine++;
    if (want.rtt !== null) {
      rtt.tshark++;
      if (gotRtt === gotRtt && Math.abs(gotRtt - want.rtt) <= RTT_TOLERANCE_MS) rtt.match++;
      else if (gotRtt !== gotRtt && ambiguous(resent, c.conn[p], 1 - c.dir[p], c.ack[p])) rtt.karn++;
      else rtt.miss(`${name} frame ${frame}: ${gotRtt} ms, tshark ${want.rtt} ms`);
    } else if (gotRtt === gotRtt) {
      rtt.extra++;
      rtt.miss(`${name} frame ${frame}: ${gotRtt} ms, tshark none`);
    }
    if (want.bif !== null) {
      bif.tshark++;
      if (gotBif === want.bif) bif.match++;
      else bif.miss(`${name} frame ${frame}: ${gotBif}, tshark ${want.bif}`);
    } else if (gotBif === gotBif) {
      bif.extra++;
      bif.miss(`${name} frame ${frame}: ${gotBif}, tshark none`);
    }
    // The window where the engine knows the scale; where it does not, tshark shows the raw value.
    const gotWin = c.winBytes[p];
    if (gotWin === gotWin) win.engine++;
    if (gotWin !== gotWin) win.unknown++;
    else if (want.win !== null) {
      win.tshark++;
      if (gotWin === want.win) win.match++;
      else win.miss(`${name} frame ${frame}: ${gotWin}, tshark ${want.win}`);
    }
  }
  for (const [frame, want] of truth) {
    if (seen.has(frame)) continue;
    if (want.rtt !== null) { rtt.tshark++; rtt.unread++; }
    if (want.bif !== null) { bif.tshark++; bif.unread++; }
  }
}

function report(label: string, k: Tally): string {
  return `${label}: tshark ${k.tshark}, engine ${k.engine}, equal ${k.match} (${(k.rate * 100).toFixed(2)}% of those the text supports); ` +
    `karn ${k.karn}, unread ${k.unread}, unexplained ${k.unexplained}; engine only ${k.extra}; scale unknown ${k.unknown}\n  ${k.examples.join('\n  ')}`;
}

function sources(): Array<{ name: string; text: string; truth: string }> {
  const out: Array<{ name: string; text: string; truth: string }> = [];
  for (const f of readdirSync(FLIGHT).filter((f) => f.endsWith('.tsv')).sort()) {
    const name = f.slice(0, -4);
    const capture = fixture('captures', name, 'nn.tcpdump');
    const real = fixture('realworld', `${name}.tcpdump`);
    const text = hasFile(capture) ? capture : real;
    if (hasFile(text)) out.push({ name, text, truth: join(FLIGHT, f) });
  }
  return out;
}

describe('flight: ack RTT and bytes in flight against tshark', function () {
  this.timeout(120_000);

  it('covers every loopback capture and every real-world capture', () => {
    const names = new Set(sources().map((s) => s.name));
    for (const d of readdirSync(fixture('captures'))) if (hasFile(fixture('captures', d, 'capture.pcap'))) assert.ok(names.has(d), d);
    for (const e of realworldIndex()) assert.ok(names.has(e.name), e.name);
  });

  for (const [label, pick] of [
    ['loopback captures', (n: string) => hasFile(fixture('captures', n))],
    ['real-world captures', (n: string) => !hasFile(fixture('captures', n))],
  ] as const) {
    it(`${label}: at least ${TARGET * 100}% of tshark's ack RTTs, bytes in flight and scaled windows, Karn's exclusions aside`, () => {
      const rtt = new Tally();
      const bif = new Tally();
      const win = new Tally();
      for (const s of sources().filter((s) => pick(s.name))) compare(s.name, s.text, s.truth, rtt, bif, win);
      console.log(`${label}\n${report('ack_rtt', rtt)}\n${report('bytes_in_flight', bif)}\n${report('window_size', win)}`);
      assert.ok(rtt.tshark > 50 && bif.tshark > 50 && win.tshark > 50, 'enough figures to compare');
      for (const [what, k] of [['ack_rtt', rtt], ['bytes_in_flight', bif], ['window_size', win]] as const) {
        assert.ok(k.rate >= TARGET, `${what}: ${k.rate}`);
        assert.ok(k.extra <= (1 - TARGET) * k.engine, `${what}: ${k.extra} figures tshark does not give`);
      }
    });
  }
});
