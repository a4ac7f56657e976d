// Shared helpers for the engine's tests.

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { analyzeBytes, analyzeText, type Trace, TraceBuilder, type TraceOptions } from '../../src/trace';
import { PacketKeys } from '../../src/trace/keys';
import { LineRecord } from '../../src/trace/scan';
import { ScannedLines } from '../../src/trace/scanned';

export const ROOT = resolve(__dirname, '../../..');

/**
 * tcpdump's regression corpus, vendored in test/fixtures/tcpdump-tests (see its PROVENANCE.md).
 * $TCPDUMP_CORPUS may name another copy of the same layout, e.g. a newer one.
 */
export const CORPUS = process.env.TCPDUMP_CORPUS ? resolve(process.env.TCPDUMP_CORPUS) : join(ROOT, 'test/fixtures/tcpdump-tests');

export const FIXTURES = join(ROOT, 'test/fixtures');

export function fixture(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

export function hasFile(p: string): boolean {
  return existsSync(p);
}

export function analyzeFile(path: string, options?: TraceOptions): Trace {
  return analyzeBytes(readFileSync(path), options);
}

/** The trace's JSON document (Trace.jsonParts) as text. */
export function jsonText(trace: Pick<Trace, 'jsonParts'>, withPackets = false, size?: number): string {
  return Buffer.concat([...trace.jsonParts(withPackets, size)]).toString('utf8');
}

/** Analyses lines given inline (tests of single shapes). */
export function analyzeLines(lines: string[], options?: TraceOptions): Trace {
  return analyzeText(lines.join('\n') + '\n', options);
}

export interface IndexRow {
  name: string;
  pcap: string;
  out: string;
  options: string;
  tcpLines: number;
  notes: string;
}

export function readIndex(dir: string): IndexRow[] {
  return readFileSync(join(dir, 'INDEX.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split('\t'))
    .map(([name, pcap, out, options, tcpLines, notes]) => ({ name, pcap, out, options, tcpLines: Number(tcpLines), notes }));
}

/** mulberry32: a small seeded generator, so a generated input is the same on every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The trace of `bytes` read with push(), as JSON with its packets. */
export function viaPush(bytes: Uint8Array): string {
  const b = new TraceBuilder();
  b.push(bytes);
  return JSON.stringify(b.finish().toJSON(true));
}

/** The same read as the CLI's scanning thread does it: blocks of whole lines, `capacity` lines at most each. */
export function viaScanned(bytes: Uint8Array, capacity: number): string {
  return JSON.stringify(scannedBuilder(bytes, capacity).finish().toJSON(true));
}

/** A builder fed `bytes` as the CLI's scanning thread feeds it, `capacity` lines at a time. */
export function scannedBuilder(bytes: Uint8Array, capacity: number): TraceBuilder {
  const b = new TraceBuilder();
  const keys = new PacketKeys();
  const r = new LineRecord();
  const ends = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let s = 0; s < bytes.length; ) {
    const lines = new ScannedLines(capacity);
    const next = lines.scan(bytes, ends, s, bytes.length, true, r, keys);
    b.pushScanned(bytes, s, lines);
    s = next;
  }
  return b;
}
