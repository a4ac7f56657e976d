// Damaged and hostile captures, made from a real fixture by cutting and corrupting bytes: each
// gets a "[tcp-trace: ...]" line and a problem record where the damage is, the rest of the file
// is still read, and nothing throws.

import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { captureToText, PcapPrinter } from '../../src/pcap';
import { analyzeText } from '../../src/trace';
import { fixture, rng as random } from './helpers';
import { readPcap, writePcap, writePcapng, type NgPacket } from './pcapFiles';

const bytes = new Uint8Array(readFileSync(fixture('captures', 'sample', 'capture.pcap')));
const full = captureToText(bytes);
const fullLines = full.text.trimEnd().split('\n');
const pcap = readPcap(bytes);
/** File offsets of each record's header. */
const recordAt: number[] = [];
for (let p = 24, i = 0; i < pcap.records.length; i++) {
  recordAt.push(p);
  p += 16 + pcap.records[i].data.length;
}

const lines = (text: string) => text.trimEnd().split('\n');
const packetLines = (text: string) => lines(text).filter((l) => !l.startsWith('[tcp-trace:'));
const problemLines = (text: string) => lines(text).filter((l) => l.startsWith('[tcp-trace:'));

function ng(bigEndian = false): Uint8Array {
  const packets: NgPacket[] = pcap.records.map((r) => ({ iface: 0, ts: BigInt(r.sec) * 1000000n + BigInt(r.frac), len: r.len, data: r.data }));
  return writePcapng([{ bigEndian, interfaces: [{ linkType: 1 }], packets }]);
}

/** File offsets of the pcapng blocks. */
function blockOffsets(b: Uint8Array): number[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  for (let p = 0; p + 8 <= b.length; p += v.getUint32(p + 4, true)) out.push(p);
  return out;
}

describe('pcap: damaged and hostile captures', () => {
  it('reads the fixture without problems (the baseline for the cases below)', () => {
    assert.equal(full.summary.problemCount, 0);
    assert.equal(fullLines.length, pcap.records.length);
  });

  it('reports a file cut off anywhere and prints every whole packet before the cut', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { text, summary } = captureToText(bytes.subarray(0, cut));
      const got = packetLines(text);
      const whole = recordAt.filter((p, i) => p + 16 + pcap.records[i].data.length <= cut).length;
      for (let i = 0; i < whole; i++) assert.equal(got[i], fullLines[i], `cut at ${cut}`);
      const atBoundary = cut === bytes.length || cut === 24 || recordAt.includes(cut);
      if (atBoundary && cut > 0) assert.equal(summary.problemCount, 0, `cut at ${cut}: ${text}`);
      else assert.ok(summary.problemCount > 0, `cut at ${cut}`);
      // A record whose header survived is printed with the bytes that did.
      assert.ok(got.length === whole || got.length === whole + 1, `cut at ${cut}`);
    }
  });

  it('prints a packet cut off by the end of the file as tcpdump prints it cut by the snap length', () => {
    const k = 5;
    const r = pcap.records[k];
    for (const keep of [10, 30, 40, 54, 60]) {
      const cut = captureToText(bytes.subarray(0, recordAt[k] + 16 + keep)).text;
      assert.match(problemLines(cut).join('\n'), new RegExp(`packet ${k + 1}: the file ends after ${keep} of its ${r.data.length} captured bytes`));
      const shorter = writePcap({ ...pcap, records: [...pcap.records.slice(0, k), { ...r, data: r.data.slice(0, keep) }] });
      assert.equal(packetLines(cut).at(-1), packetLines(captureToText(shorter).text).at(-1));
    }
  });

  it('skips a record with an impossible length and reads on from the next one', () => {
    for (const k of [0, 3, 10, pcap.records.length - 2]) {
      const b = bytes.slice();
      new DataView(b.buffer).setUint32(recordAt[k] + 8, 0xfffffff0, true);
      const { text, summary } = captureToText(b);
      assert.match(problemLines(text)[0], new RegExp(`^\\[tcp-trace: packet ${k + 1}: bad record header \\(captured length 4294967280`));
      assert.match(problemLines(text)[1], /^\[tcp-trace: skipped \d+ bytes to the next readable packet\]$/);
      assert.deepEqual(packetLines(text), [...fullLines.slice(0, k), ...fullLines.slice(k + 1)]);
      assert.equal(summary.problems[0].offset, recordAt[k]);
    }
  });

  it('finds its way back after junk between records and after a length that is wrong but possible', () => {
    const r = random(3);
    for (let trial = 0; trial < 20; trial++) {
      const k = 2 + Math.floor(r() * (pcap.records.length - 4));
      const junk = Uint8Array.from({ length: 1 + Math.floor(r() * 200) }, () => Math.floor(r() * 256));
      const b = new Uint8Array(bytes.length + junk.length);
      b.set(bytes.subarray(0, recordAt[k]));
      b.set(junk, recordAt[k]);
      b.set(bytes.subarray(recordAt[k]), recordAt[k] + junk.length);
      const { text, summary } = captureToText(b);
      assert.ok(summary.problemCount > 0);
      // Everything before the junk, and the last packets after it, are intact.
      const got = packetLines(text);
      assert.deepEqual(got.slice(0, k), fullLines.slice(0, k));
      assert.deepEqual(got.slice(-3), fullLines.slice(-3));
    }
    const b = bytes.slice();
    const v = new DataView(b.buffer);
    v.setUint32(recordAt[4] + 8, v.getUint32(recordAt[4] + 8, true) + 100, true);
    const { text } = captureToText(b);
    assert.ok(problemLines(text).length > 0);
    assert.deepEqual(packetLines(text).slice(-5), fullLines.slice(-5));
  });

  it('reports a pcapng block with a bad length and reads the blocks after it', () => {
    for (const bigEndian of [false, true]) {
      const b = ng(bigEndian);
      const good = captureToText(b);
      assert.equal(good.summary.problemCount, 0);
      assert.equal(good.text, full.text);
      const offsets = bigEndian ? [] : blockOffsets(b);
      if (bigEndian) continue;
      // Block 17 is the 15th packet: SHB, IDB, then packets.
      const bad = b.slice();
      new DataView(bad.buffer).setUint32(offsets[16] + 4, 3, true);
      const { text, summary } = captureToText(bad);
      assert.equal(problemLines(text)[0], '[tcp-trace: block 17: bad block length 3]');
      assert.deepEqual(summary.problems[0], { offset: offsets[16], message: 'block 17: bad block length 3' });
      assert.deepEqual(packetLines(text), [...fullLines.slice(0, 14), ...fullLines.slice(15)]);
      // A trailer that disagrees with the header.
      const trailer = b.slice();
      new DataView(trailer.buffer).setUint32(offsets[9 + 1] - 4, 999, true);
      const t = captureToText(trailer);
      assert.match(problemLines(t.text)[0], /^\[tcp-trace: block 10: block length \d+ does not match the length 999 at its end\]$/);
      assert.deepEqual(packetLines(t.text), [...fullLines.slice(0, 7), ...fullLines.slice(8)]);
    }
  });

  it('reports packets on undescribed interfaces, packets before any interface, and a file cut anywhere', () => {
    const b = ng();
    const offsets = blockOffsets(b);
    const wrongIface = b.slice();
    new DataView(wrongIface.buffer).setUint32(offsets[5] + 8, 7, true);
    const w = captureToText(wrongIface);
    assert.match(problemLines(w.text)[0], /block 6: packet on interface 7, which no interface description block describes/);
    assert.equal(packetLines(w.text).length, fullLines.length - 1);
    // No interface description at all.
    const noIdb = new Uint8Array([...b.subarray(0, offsets[1]), ...b.subarray(offsets[2])]);
    const n = captureToText(noIdb);
    assert.equal(n.summary.packets, 0);
    assert.equal(n.summary.problemCount, fullLines.length);
    for (let cut = 0; cut <= b.length; cut += 3) {
      const { text } = captureToText(b.subarray(0, cut));
      const got = packetLines(text);
      for (let i = 0; i < got.length - 1; i++) assert.equal(got[i], fullLines[i], `cut at ${cut}`);
    }
  });

  it('prints a line for each packet of a link type it cannot decode', () => {
    const b = writePcap({ ...pcap, linkType: 147 });
    const { text, summary } = captureToText(b);
    assert.equal(lines(text).length, pcap.records.length);
    assert.equal(lines(text)[0], `[tcp-trace: packet 1: link type 147 is not supported (${pcap.records[0].data.length} bytes)]`);
    assert.equal(summary.problemCount, pcap.records.length);
    assert.equal(summary.packets, pcap.records.length);
  });

  it('says what is wrong with files that are not captures', () => {
    const one = (b: Uint8Array) => captureToText(b).text;
    assert.equal(one(new Uint8Array(0)), '[tcp-trace: the file is empty]\n');
    assert.equal(one(Uint8Array.of(0xd4, 0xc3)), '[tcp-trace: the file is only 2 bytes long, too short for a capture file]\n');
    assert.equal(one(new TextEncoder().encode('hello, world\n')), '[tcp-trace: not a pcap or pcapng file (unknown magic number)]\n');
    assert.equal(one(bytes.subarray(0, 20)), '[tcp-trace: the file ends inside its header (20 of 24 bytes)]\n');
    const archaic = bytes.slice();
    archaic[4] = 1;
    assert.match(one(archaic), /^\[tcp-trace: archaic pcap file version 1\.4; reading it as 2\.4\]\n\d\d:/);
  });

  it('never throws, whatever the bytes, and the engine reads what it prints', function () {
    this.timeout(60_000);
    const r = random(99);
    const sources = [bytes, ng(), ng(true)];
    for (let trial = 0; trial < 300; trial++) {
      const b = sources[trial % 3].slice();
      const flips = 1 + Math.floor(r() * 20);
      for (let i = 0; i < flips; i++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      const cut = r() < 0.3 ? Math.floor(r() * b.length) : b.length;
      const parts: Uint8Array[] = [];
      const p = new PcapPrinter({ onData: (x) => parts.push(x) });
      for (let i = 0; i < cut; ) {
        const n = 1 + Math.floor(r() * 500);
        p.push(b.subarray(i, Math.min(cut, i + n)));
        i += n;
      }
      const summary = p.finish();
      const text = Buffer.concat(parts).toString('latin1');
      assert.ok(text === '' || text.endsWith('\n'));
      assert.ok(/^[\x09\x0a\x20-\x7e]*$/.test(text), 'ASCII only');
      assert.equal(lines(text).length, summary.lines || 1);
      const trace = analyzeText(text);
      // Damage lines are not TCP lines: the engine skips them without calling them problems.
      assert.ok(trace.problems.every((q) => !lines(text)[q.line - 1].startsWith('[tcp-trace:')));
    }
  });

  it('does not buffer a claimed giant block or record', () => {
    const b = ng();
    const offsets = blockOffsets(b);
    const giant = b.slice(0, offsets[3] + 8);
    new DataView(giant.buffer).setUint32(offsets[3] + 4, 0x7ffffff0, true);
    const t = captureToText(giant);
    assert.match(t.text, /block 4: bad block length 2147483632/);
    // Just under the limit: waited for, then reported as cut off.
    new DataView(giant.buffer).setUint32(offsets[3] + 4, 16 * 1024 * 1024 - 4, true);
    const u = captureToText(giant);
    assert.match(u.text, /block 4: the file ends after 8 of its 16777212 bytes/);
  });
});
