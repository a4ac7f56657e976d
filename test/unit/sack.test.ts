// SACK blocks against tshark (tcp.options.sack_le / sack_re, test/fixtures/sack, made by
// scripts/sack-fixtures.sh): the edges the engine keeps per packet, read from the `tcpdump -nn`
// text of the loopback captures and the real-world corpus, and from the loopback captures
// themselves; and the same edges as the Graphs tab numbers them (relative, as tshark shows them).
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeInput } from '../../src/ingest/ingest';
import { sackBlocks } from '../../src/trace/columns';
import { Flag } from '../../src/trace/flags';
import type { Trace } from '../../src/trace';
import { graphData } from '../../src/editor/graphData';
import { frameOfLines } from './fidelity.test';
import { analyzeFile, fixture, hasFile } from './helpers';

const SACK = fixture('sack');
const U32 = 4294967296;

interface Truth {
  ack: number;
  abs: Array<[number, number]>;
  relAck: number;
  rel: Array<[number, number]>;
}

function readTruth(path: string): Map<number, Truth> {
  const out = new Map<number, Truth>();
  const pairs = (l: string, r: string): Array<[number, number]> => {
    const a = l.split(',').map(Number);
    const b = r.split(',').map(Number);
    return a.map((v, k) => [v, b[k]]);
  };
  for (const row of readFileSync(path, 'utf8').trim().split('\n').slice(1)) {
    const [frame, ack, le, re, relAck, leRel, reRel] = row.split('\t');
    out.set(Number(frame), { ack: Number(ack.split(',').pop()), abs: pairs(le, re), relAck: Number(relAck.split(',').pop()), rel: pairs(leRel, reRel) });
  }
  return out;
}

/** The text tcpdump -nn printed of a capture, and the capture itself where the repository has it. */
function sources(): Array<{ name: string; text: string; pcap: string | null }> {
  const out: Array<{ name: string; text: string; pcap: string | null }> = [];
  for (const f of readdirSync(SACK).filter((f) => f.endsWith('.tsv')).sort()) {
    const name = f.slice(0, -4);
    const dir = [fixture('captures', name), fixture('limits', name)].find((d) => hasFile(join(d, 'nn.tcpdump')));
    if (dir) out.push({ name, text: join(dir, 'nn.tcpdump'), pcap: join(dir, 'capture.pcap') });
    else if (hasFile(fixture('realworld', `${name}.tcpdump`))) out.push({ name, text: fixture('realworld', `${name}.tcpdump`), pcap: null });
  }
  return out;
}

const show = (b: Array<[number, number]>) => b.map(([l, r]) => `{${l}:${r}}`).join('');

describe('SACK blocks against tshark', function () {
  this.timeout(120_000);

  it('has loopback and real-world captures with SACK to check', () => {
    const all = sources();
    assert.ok(all.filter((s) => s.pcap).length >= 4, 'loopback captures');
    assert.ok(all.filter((s) => !s.pcap).length >= 10, 'real-world captures');
  });

  it('every block tshark reads, and no other, is in the engine\'s columns, as absolute numbers, from the text', () => {
    let frames = 0;
    let blocks = 0;
    let relative = 0;
    const wrong: string[] = [];
    for (const s of sources()) {
      const truth = readTruth(join(SACK, `${s.name}.tsv`));
      const frameOf = frameOfLines(readFileSync(s.text, 'utf8'));
      const t = analyzeFile(s.text);
      const c = t.columns;
      const seen = new Set<number>();
      for (let p = 0; p < t.packetCount; p++) {
        const frame = frameOf[c.line[p]];
        const want = truth.get(frame);
        const got = sackBlocks(c, p);
        if (!want) {
          if (got.length) wrong.push(`${s.name} frame ${frame}: ${show(got)}, tshark none`);
          continue;
        }
        seen.add(frame);
        // A flow cut from a longer capture: its numbers stay relative to a base the text never showed.
        if (c.flags[p] & Flag.ACK_RELATIVE) {
          relative++;
          continue;
        }
        frames++;
        blocks += want.abs.length;
        if (c.ack[p] !== want.ack || show(got) !== show(want.abs)) wrong.push(`${s.name} frame ${frame}: ack ${c.ack[p]} ${show(got)}, tshark ack ${want.ack} ${show(want.abs)}`);
      }
      for (const f of truth.keys()) if (!seen.has(f)) wrong.push(`${s.name} frame ${f}: not read`);
    }
    console.log(`    ${frames} frames, ${blocks} blocks compared; ${relative} in flows printed relative to an unseen base`);
    assert.ok(frames > 900 && blocks > 1000, `${frames} frames, ${blocks} blocks`);
    assert.deepEqual(wrong, []);
  });

  it('a capture read without its text gives the same blocks as its text', () => {
    let compared = 0;
    for (const s of sources().filter((s) => s.pcap)) {
      const fromText = analyzeFile(s.text);
      const fromPcap = analyzeInput(new Uint8Array(readFileSync(s.pcap!)));
      assert.equal(fromPcap.packetCount, fromText.packetCount, s.name);
      for (let p = 0; p < fromText.packetCount; p++) {
        assert.deepEqual(sackBlocks(fromPcap.columns, p), sackBlocks(fromText.columns, p), `${s.name} packet ${p}`);
        if (fromText.columns.sackAt[p] >= 0) compared++;
      }
    }
    assert.ok(compared >= 50, `${compared} packets with SACK`);
  });

  it('the Graphs tab numbers each block as tshark does: relative to the data sender\'s first seq', () => {
    let compared = 0;
    let sameBase = 0;
    const wrong: string[] = [];
    for (const s of sources()) {
      const truth = readTruth(join(SACK, `${s.name}.tsv`));
      const frameOf = frameOfLines(readFileSync(s.text, 'utf8'));
      const t: Trace = analyzeFile(s.text);
      for (const conn of t.connections) {
        const g = graphData(t, conn.id, 'k');
        for (let k = 0; k < g.sack.length; ) {
          const i = g.sack[k];
          const got: Array<[number, number]> = [];
          for (; k < g.sack.length && g.sack[k] === i; k += 3) got.push([g.sack[k + 1], g.sack[k + 2]]);
          const frame = frameOf[t.columns.line[g.index[i]]];
          const want = truth.get(frame);
          if (!want) {
            wrong.push(`${s.name} frame ${frame}: ${show(got)}, tshark none`);
            continue;
          }
          // Each block's distance from the ACK line, as tshark has it.
          const offsets = (b: Array<[number, number]>, ack: number) => show(b.map(([l, r]) => [(l - ack + U32) % U32, (r - ack + U32) % U32]));
          compared++;
          if (offsets(got, g.ack[i]) !== offsets(want.rel, want.relAck)) wrong.push(`${s.name} frame ${frame}: ${show(got)} ack ${g.ack[i]}, tshark ${show(want.rel)} ack ${want.relAck}`);
          // The numbers themselves, where the tab took the peer's first seq from the packet tshark
          // took it from (not always so where a capture starts mid-flow; graphData.test.ts).
          if (g.ack[i] === want.relAck) {
            sameBase++;
            if (show(got) !== show(want.rel)) wrong.push(`${s.name} frame ${frame}: ${show(got)}, tshark ${show(want.rel)}`);
          }
        }
      }
    }
    console.log(`    ${compared} ACKs with SACK compared; ${sameBase} with the same base as tshark`);
    assert.ok(compared > 900 && sameBase > 400, `${compared} ACKs with SACK, ${sameBase} with the same base`);
    assert.deepEqual(wrong, []);
  });
});
