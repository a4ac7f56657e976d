// The pcap printer against tcpdump itself: every capture of tcpdump's regression corpus and
// every fixture capture is printed here and by `TZ=UTC tcpdump -nn -r`, and the TCP lines must
// be the same, byte for byte. The engine must read the printed text as it reads tcpdump's.

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureToText, isCapture, PcapPrinter } from '../../src/pcap';
import { analyzeText } from '../../src/trace';
import { CORPUS, fixture, hasFile, rng as random } from './helpers';
import { compare, hasTcpdump, tcpdumpText, type Comparison } from './pcapOracle';

const FIXTURE_CAPTURES = readdirSync(fixture('captures'))
  .map((d) => fixture('captures', d, 'capture.pcap'))
  .filter(hasFile);

function corpusCaptures(): string[] {
  if (!hasFile(CORPUS)) return [];
  return readdirSync(CORPUS)
    .filter((f) => /\.pcap(ng)?$/.test(f))
    .sort()
    .map((f) => join(CORPUS, f));
}

function tcpdumpOrEmpty(file: string): string {
  try {
    return tcpdumpText(file);
  } catch (e) {
    // tcpdump exits 1 after printing what it could of a damaged file; keep that output.
    return String((e as { stdout?: string }).stdout ?? '');
  }
}

function requireTcpdump(ctx: Mocha.Context): void {
  if (!hasTcpdump()) {
    console.log('      (tcpdump is not installed: the comparison with tcpdump is skipped; CI installs it)');
    ctx.skip();
  }
}

/** Sums per-file comparisons and keeps the mismatches with their file names. */
function compareAll(files: string[]): Comparison & { files: number; details: string[] } {
  const total = { files: 0, packets: 0, tcpLines: 0, equal: 0, upToLength: 0, notDecoded: new Map<string, number>(), mismatches: [] as Comparison['mismatches'], details: [] as string[] };
  for (const file of files) {
    const mine = captureToText(readFileSync(file)).text;
    const c = compare(tcpdumpOrEmpty(file), mine);
    total.files++;
    total.packets += c.packets;
    total.tcpLines += c.tcpLines;
    total.equal += c.equal;
    total.upToLength += c.upToLength;
    for (const [k, v] of c.notDecoded) total.notDecoded.set(k, (total.notDecoded.get(k) ?? 0) + v);
    for (const m of c.mismatches) {
      total.mismatches.push(m);
      total.details.push(`${file.split('/').pop()} packet ${m.packet}\n  tcpdump: ${m.tcpdump}\n  printed: ${m.mine}`);
    }
  }
  return total;
}

describe('pcap: tcpdump -nn as the oracle', () => {
  it('prints the TCP lines of tcpdump\'s regression captures exactly as tcpdump does', function () {
    requireTcpdump(this);
    const files = corpusCaptures();
    if (!files.length) {
      console.log(`      (no corpus at ${CORPUS}: set TCPDUMP_CORPUS)`);
      this.skip();
    }
    this.timeout(120_000);
    const t = compareAll(files);
    const nd = [...t.notDecoded].map(([k, v]) => `${v} ${k}`).join(', ');
    console.log(`      corpus: ${t.files} captures, ${t.tcpLines} TCP lines: ${t.equal} equal, ${t.upToLength} equal up to "length N" (payload decoders not reproduced), ${nd || 'none not decoded'}, ${t.mismatches.length} different`);
    assert.deepEqual(t.details, []);
    // Only link types and tunnels that are not decoded may stay unprinted, and only a few.
    for (const k of t.notDecoded.keys()) assert.match(k, /link type not supported|encapsulation not decoded/);
    assert.ok(t.equal + t.upToLength >= 0.9 * t.tcpLines, `${t.equal + t.upToLength} of ${t.tcpLines}`);
    assert.ok(t.equal > t.upToLength);
  });

  it('prints every line of the fixture captures exactly as tcpdump does', function () {
    requireTcpdump(this);
    this.timeout(60_000); // runs tcpdump once per capture
    for (const file of FIXTURE_CAPTURES) {
      const expected = tcpdumpText(file);
      const { text, summary } = captureToText(readFileSync(file));
      assert.equal(text, expected, file);
      assert.equal(summary.problemCount, 0);
      assert.ok(summary.packets > 0);
    }
    const t = compareAll(FIXTURE_CAPTURES);
    console.log(`      fixtures: ${t.files} captures, ${t.tcpLines} TCP lines, ${t.equal} equal`);
    assert.equal(t.equal, t.tcpLines);
  });

  it('gives the engine the same connections as tcpdump\'s own text', function () {
    requireTcpdump(this);
    this.timeout(60_000); // runs tcpdump once per capture
    for (const file of FIXTURE_CAPTURES) {
      const ours = analyzeText(captureToText(readFileSync(file)).text).toJSON(true);
      const theirs = analyzeText(tcpdumpText(file)).toJSON(true);
      assert.ok(ours.connections.length > 0, file);
      assert.deepEqual(ours, theirs, file);
    }
  });
});

describe('pcap: streaming', () => {
  const bytes = readFileSync(FIXTURE_CAPTURES[0]);
  const whole = captureToText(bytes).text;

  function inChunks(sizes: () => number): string {
    const parts: string[] = [];
    const p = new PcapPrinter({ onData: (b) => parts.push(Buffer.from(b).toString('latin1')), chunkSize: 100 });
    for (let i = 0; i < bytes.length; ) {
      const n = Math.max(1, sizes());
      p.push(bytes.subarray(i, Math.min(bytes.length, i + n)));
      i += n;
    }
    p.finish();
    for (const part of parts) assert.ok(part.endsWith('\n'), 'output comes in whole lines');
    return parts.join('');
  }

  for (const n of [1, 2, 3, 7, 16, 17, 24, 25, 100, 4096]) {
    it(`gives the same text when the file arrives in ${n}-byte chunks`, () => {
      assert.equal(inChunks(() => n), whole);
    });
  }

  it('gives the same text for chunks of random sizes', () => {
    const r = random(7);
    for (let k = 0; k < 20; k++) assert.equal(inChunks(() => Math.floor(r() * 300)), whole);
  });

  it('keeps only an unfinished record between chunks', () => {
    // A large file streams through: feed 20 copies of the records and check nothing piles up.
    const head = bytes.subarray(0, 24);
    const body = bytes.subarray(24);
    let lines = 0;
    const p = new PcapPrinter({ onData: (b) => (lines += b.filter((c) => c === 10).length) });
    p.push(head);
    for (let i = 0; i < 20; i++) p.push(body);
    const s = p.finish();
    assert.equal(s.packets, 20 * captureToText(bytes).summary.packets);
    assert.equal(lines, s.lines);
  });

  it('recognises pcap and pcapng by their magic numbers', () => {
    assert.ok(isCapture(bytes));
    assert.ok(isCapture(Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0)));
    assert.ok(isCapture(Uint8Array.of(0xa1, 0xb2, 0xc3, 0xd4)));
    assert.ok(isCapture(Uint8Array.of(0x4d, 0x3c, 0xb2, 0xa1)));
    assert.ok(!isCapture(new TextEncoder().encode('12:00:00.000000 IP 1.2.3.4.5 > 6.7.8.9.10: Flags [S]')));
    assert.ok(!isCapture(Uint8Array.of(0xa1, 0xb2)));
  });
});
