// Shared by the hostile-input and fuzz tests: real lines to mutate, a seeded random source,
// streaming with random chunk boundaries, and a walk over everything a Trace answers.

import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeBytes, explainPacket, STATE_NAMES, TraceBuilder, type Trace, type TraceOptions } from '../../src/trace';
import { CORPUS, FIXTURES, rng } from './helpers';

export function randomBytes(n: number, seed: number): Uint8Array {
  const r = rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 256) | 0;
  return out;
}

export interface CorpusFile {
  name: string;
  bytes: Uint8Array;
}

let corpusFiles: CorpusFile[] | undefined;

/** The capture fixtures (every rendering) and tcpdump's regression outputs, when present. */
export function corpus(): CorpusFile[] {
  if (corpusFiles) return corpusFiles;
  const out: CorpusFile[] = [];
  const captures = join(FIXTURES, 'captures');
  for (const dir of readdirSync(captures).sort()) {
    const d = join(captures, dir);
    for (const f of readdirSync(d).sort()) if (f.endsWith('.tcpdump')) out.push({ name: `captures/${dir}/${f}`, bytes: readFileSync(join(d, f)) });
  }
  for (const dir of [CORPUS, join(CORPUS, 'debian-4.99.3-supplement')]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (f.endsWith('.out')) out.push({ name: `corpus/${f}`, bytes: readFileSync(join(dir, f)) });
  }
  corpusFiles = out;
  return out;
}

let lines: Uint8Array[] | undefined;

/** Every distinct line of the corpus, as bytes, TCP lines and the rest alike. */
export function corpusLines(): Uint8Array[] {
  if (lines) return lines;
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  for (const f of corpus()) {
    const b = Buffer.from(f.bytes);
    let s = 0;
    for (;;) {
      const nl = b.indexOf(10, s);
      const line = b.subarray(s, nl < 0 ? b.length : nl);
      const key = line.toString('latin1');
      if (line.length && !seen.has(key)) {
        seen.add(key);
        out.push(new Uint8Array(line));
      }
      if (nl < 0) break;
      s = nl + 1;
    }
  }
  lines = out;
  return out;
}

/** Everything a trace says, as one string: two analyses agree when their fingerprints do. */
export function fingerprint(t: Trace): string {
  return JSON.stringify(t.toJSON(true));
}

/** Streams bytes into a TraceBuilder cut at the given offsets. */
export function analyzeChunked(bytes: Uint8Array, cuts: number[], options?: TraceOptions): Trace {
  const b = new TraceBuilder(options);
  let at = 0;
  for (const c of [...cuts].sort((x, y) => x - y)) {
    const to = Math.max(at, Math.min(bytes.length, c));
    b.push(bytes.subarray(at, to));
    at = to;
  }
  b.push(bytes.subarray(at));
  return b.finish();
}

/** Random cut points, including cuts inside a CRLF pair and inside a UTF-16 code unit. */
export function randomCuts(length: number, count: number, seed: number): number[] {
  const r = rng(seed);
  const cuts: number[] = [];
  for (let i = 0; i < count; i++) cuts.push(Math.floor(r() * (length + 1)));
  return cuts;
}

const STATES = new Set<string>(STATE_NAMES);

/**
 * Asks a trace everything the views ask (JSON, every packet, explanations in both languages,
 * censuses, floods) and checks that the answers hold together. Throws on the first one that
 * does not. `limit` caps the packets walked, for big traces.
 */
export function exercise(t: Trace, limit = 5000): void {
  const doc = t.toJSON(true);
  JSON.stringify(doc);
  assert.equal(doc.packets, t.packetCount);
  assert.ok(t.lines >= 0 && t.skipped >= 0 && t.skipped <= t.lines, 'line counts');
  for (const p of t.problems) assert.ok(p.line >= 1 && p.line <= t.lines && typeof p.reason === 'string' && p.reason.length > 0, `problem ${JSON.stringify(p)}`);
  let total = 0;
  const lists = new Map<number, number[]>();
  let previousFirst = 0;
  for (const c of t.connections) {
    // The Connections view lists them in this order as line order, without sorting.
    assert.ok(c.firstLine >= previousFirst, `connection ${c.id} starts after connection ${c.id - 1}`);
    previousFirst = c.firstLine;
    const list = t.packetsOf(c.id);
    lists.set(c.id, list);
    assert.equal(list.length, c.packets, `connection ${c.id}: packetsOf has every packet`);
    total += list.length;
    for (let i = 1; i < list.length; i++) assert.ok(list[i] > list[i - 1], 'packets of a connection in order');
    for (const s of [c.clientState, c.serverState]) assert.ok(s === null || STATES.has(s), `state ${s}`);
    assert.ok(c.firstLine >= 1 && c.firstLine <= c.lastLine && c.lastLine <= t.lines, `connection ${c.id} lines`);
    assert.equal(typeof c.connState, 'string');
    assert.ok(c.duration === null || Number.isFinite(c.duration), 'duration is finite or null');
  }
  assert.equal(total, t.packetCount, 'every packet is in one connection');
  const n = Math.min(t.packetCount, limit);
  for (let i = 0; i < n; i++) {
    const p = t.packet(i);
    assert.equal(p.index, i);
    // Packets split from one glued line share it: the line finds the first of them.
    const first = t.packetAtLine(p.line);
    assert.ok(first === i || (first >= 0 && first < i && t.packet(first).line === p.line), `packetAtLine(${p.line})`);
    assert.ok(p.ordinal >= 0 && lists.get(p.connection)?.[p.ordinal] === i, 'ordinal');
    for (const s of [p.before.client, p.before.server, p.after.client, p.after.server]) assert.ok(s === null || STATES.has(s), `state ${s}`);
    if (i < 300) {
      assert.equal(typeof explainPacket(t, i, 'en'), 'string');
      assert.equal(typeof explainPacket(t, i, 'zh'), 'string');
    }
  }
  for (const line of [0, 1, t.lines >> 1, t.lines, t.lines + 1]) {
    const census = t.census(line);
    let states = 0;
    for (const [k, v] of Object.entries(census.counts)) {
      assert.ok(STATES.has(k), `census state ${k}`);
      states += v ?? 0;
    }
    assert.ok(states <= 2 * census.connections, 'census counts at most two ends per connection');
  }
  for (const f of t.halfOpenFloods) assert.ok(f.peak > 0 && typeof f.listener === 'string');
}

/** analyzeBytes, which must never throw, followed by exercise(). */
export function analyzeAndExercise(bytes: Uint8Array, options?: TraceOptions): Trace {
  const t = analyzeBytes(bytes, options);
  exercise(t);
  return t;
}

/** Each "\n" becomes "\r\n" (where it is not one already). */
export function toCrlf(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 10 && (i === 0 || bytes[i - 1] !== 13)) out.push(13);
    out.push(bytes[i]);
  }
  return Uint8Array.from(out);
}

/** The same text as UTF-16 with its byte-order mark. */
export function toUtf16(text: string, endian: 'le' | 'be'): Uint8Array {
  const le = Buffer.from(text, 'utf16le');
  if (endian === 'be') for (let i = 0; i + 1 < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1], le[i]];
  return Buffer.concat([Buffer.from(endian === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]), le]);
}

/** The text of valid UTF-8 bytes, or undefined. */
export function utf8(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** Milliseconds for fn, the median of `runs` runs. */
export function medianMs(fn: () => void, runs = 3): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}
