// A capture analysed from its packets' fields (no text printed for plain TCP segments) gives
// the JSON, packet records and line numbers included, that analysing the text printed for it
// gives: on every capture fixture, the tcpdump corpus's captures, and the same captures in
// pcapng and at a short snap length. The real-world corpus's captures are not kept in the
// repository (test/fixtures/realworld/SOURCES.md): with REALWORLD_CAPTURES naming a folder
// that holds them, they are compared too.

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeInput } from '../../src/ingest/ingest';
import { captureToText, isCapture, PcapPrinter } from '../../src/pcap';
import { analyzeBytes, type Trace } from '../../src/trace';
import { CORPUS, jsonText, ROOT } from './helpers';
import { readPcap, writePcap, writePcapng } from './pcapFiles';

function captureFiles(): string[] {
  const files: string[] = [];
  const captures = join(ROOT, 'test/fixtures/captures');
  for (const d of readdirSync(captures)) files.push(join(captures, d, 'capture.pcap'));
  for (const f of readdirSync(CORPUS)) if (/\.(pcap|pcapng|cap)$/.test(f)) files.push(join(CORPUS, f));
  const realworld = process.env.REALWORLD_CAPTURES;
  if (realworld) for (const f of readdirSync(realworld)) if (/\.(pcap|pcapng|cap)$/.test(f)) files.push(join(realworld, f));
  const old = join(ROOT, 'test/fixtures/tcpdump-3x');
  for (const f of readdirSync(old)) if (/\.(pcap|pcapng|cap)$/.test(f)) files.push(join(old, f));
  return files;
}

const json = (t: Pick<Trace, 'jsonParts'>) => jsonText(t, true);

/** The JSON of the capture's printed text: what the fields must reproduce. */
function viaText(bytes: Uint8Array): string {
  return json(analyzeBytes(new TextEncoder().encode(captureToText(bytes).text)));
}

/** How many segments a capture hands over as fields. */
function segmentsTaken(bytes: Uint8Array): number {
  let n = 0;
  const p = new PcapPrinter({ onData: () => undefined, onSegment: () => n++, plainTail: () => true });
  p.push(bytes);
  p.finish();
  return n;
}

describe('pcap fields: a capture analysed without its text', function () {
  this.timeout(120_000);
  const files = captureFiles().filter((f) => isCapture(readFileSync(f)));

  it('finds the capture fixtures and the corpus', () => {
    assert.ok(files.length > 100, `${files.length} captures`);
  });

  it('takes most TCP segments of the fixtures as fields', () => {
    // Else the comparisons below would compare text with text.
    let taken = 0;
    let lines = 0;
    for (const f of files) {
      const bytes = readFileSync(f);
      taken += segmentsTaken(bytes);
      lines += captureToText(bytes).summary.lines;
    }
    assert.ok(taken > lines / 4, `${taken} of ${lines} lines taken as fields`);
  });

  it('prints every other line as it prints it without fields', () => {
    const latin1 = new TextDecoder('latin1');
    for (const f of files) {
      const bytes = readFileSync(f);
      const lines: (string | null)[] = [];
      const p = new PcapPrinter({
        onData: (b) => lines.push(...latin1.decode(b).replace(/\n$/, '').split('\n')),
        onSegment: () => lines.push(null),
        plainTail: () => true,
      });
      p.push(bytes);
      p.finish();
      const printed = captureToText(bytes).text.replace(/\n$/, '').split('\n');
      assert.equal(lines.length, printed.length, f);
      lines.forEach((l, i) => {
        if (l !== null) assert.equal(l, printed[i], `${f} line ${i + 1}`);
      });
    }
  });

  for (const f of captureFiles()) {
    const name = f.startsWith(ROOT) ? f.slice(ROOT.length + 1) : f;
    it(`the same JSON as the printed text: ${name}`, () => {
      const bytes = readFileSync(f);
      if (!isCapture(bytes)) return;
      assert.equal(json(analyzeInput(bytes)), viaText(bytes));
    });
  }

  it('the same in pcapng, and cut to 60 bytes a packet (headers and options cut short)', () => {
    for (const d of readdirSync(join(ROOT, 'test/fixtures/captures'))) {
      const p = readPcap(readFileSync(join(ROOT, 'test/fixtures/captures', d, 'capture.pcap')));
      const ng = writePcapng([{ interfaces: [{ linkType: p.linkType }], packets: p.records.map((r) => ({ iface: 0, ts: BigInt(r.sec) * 1000000n + BigInt(r.frac), len: r.len, data: r.data })) }]);
      assert.equal(json(analyzeInput(ng)), viaText(ng), `${d} as pcapng`);
      const cut = writePcap({ ...p, snaplen: 60, records: p.records.map((r) => ({ ...r, data: r.data.slice(0, 60) })) });
      assert.equal(json(analyzeInput(cut)), viaText(cut), `${d} cut to 60 bytes`);
    }
  });
});
