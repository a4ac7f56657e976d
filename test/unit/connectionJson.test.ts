// The JSON written as bytes straight from the columns (jsonBytes.ts, connectionJson.ts,
// ColumnTrace.jsonParts) is the UTF-8 of the text JSON.stringify gives for the summaries and
// packet records read back as objects (toJSON), also with the limits the builder kept
// (limitsStore.ts, as the CLI finishes a trace): on the loopback captures in every rendering,
// the real-world corpus and tcpdump's own regression outputs. The byte writer's numbers and
// strings are JSON.stringify's, edge cases included.

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeBytes, TraceBuilder } from '../../src/trace';
import { JsonBytes } from '../../src/trace/jsonBytes';
import { CORPUS, FIXTURES, jsonText, rng } from './helpers';

function texts(): string[] {
  const files: string[] = [];
  const captures = join(FIXTURES, 'captures');
  for (const d of readdirSync(captures)) {
    for (const f of readdirSync(join(captures, d))) if (f.endsWith('.tcpdump')) files.push(join(captures, d, f));
  }
  const realworld = join(FIXTURES, 'realworld');
  for (const f of readdirSync(realworld)) if (f.endsWith('.tcpdump')) files.push(join(realworld, f));
  for (const f of readdirSync(CORPUS)) if (f.endsWith('.out')) files.push(join(CORPUS, f));
  return files;
}

describe('JSON from the columns', function () {
  this.timeout(300_000);
  const files = texts();

  it('finds the fixtures', () => {
    assert.ok(files.length > 300, `${files.length} files`);
  });

  it('is the text of the summaries and packet records as objects, on every fixture', () => {
    let connections = 0;
    for (const f of files) {
      const trace = analyzeBytes(readFileSync(f));
      connections += trace.connections.length;
      const objects = trace.toJSON(true);
      assert.equal(jsonText(trace, true), JSON.stringify(objects), f);
      delete objects.packetRecords;
      assert.equal(jsonText(trace), JSON.stringify(objects), f);
      const b = new TraceBuilder();
      b.push(readFileSync(f));
      const kept = b.finish({ keepLimits: true });
      assert.equal(jsonText(kept), JSON.stringify(objects), `${f}, limits kept`);
    }
    assert.ok(connections > 1000, `${connections} connections`);
  });

  it('gives the same text in pieces of any size', () => {
    const trace = analyzeBytes(readFileSync(join(FIXTURES, 'realworld', 'ndpi-443-firefox.tcpdump')));
    const whole = jsonText(trace, true);
    const pieces = [...trace.jsonParts(true, 1)];
    assert.ok(pieces.length > trace.connections.length, `${pieces.length} pieces`);
    assert.equal(Buffer.concat(pieces).toString('utf8'), whole);
    // Each piece is an array of its own: a stream may still hold one when the next is written.
    assert.equal(new Set(pieces.map((p) => p.buffer)).size, pieces.length);
  });
});

describe('JSON bytes', () => {
  /** What the writer wrote, as text. */
  function written(write: (out: JsonBytes) => void, size = 16): string {
    const out = new JsonBytes(size);
    write(out);
    return Buffer.from(out.take()).toString('utf8');
  }

  it('writes numbers as JSON.stringify does', () => {
    const next = rng(7);
    const values = [
      0, -0, 1, -1, 9, 10, 99, 100, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 2 ** 32, 2 ** 53, -(2 ** 53), 1e21, 1e-7, 5e-324, -1e300,
      0.1, 1.5, -2.75, 123456.789, 1 / 3, NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.EPSILON,
    ];
    for (let i = 0; i < 2000; i++) values.push(Math.floor((next() - 0.5) * 2 ** (1 + (i % 60))), (next() - 0.5) * 10 ** ((i % 40) - 20));
    // Whole numbers of millionths, as times and milliseconds are rounded (a shorter path), about
    // its bounds (10^-6, 10^9) and with every count of trailing zeros.
    values.push(1e-6, -1e-6, 9.99e-7, 0.000001, 0.0000015, 0.999999, 1.000001, 999999999.999999, 1e9 - 0.5, 1e9 + 0.5, 22720.187144, 0.12, 0.1203, 2147.483648);
    for (let i = 0; i < 5000; i++) {
      const micros = Math.floor(next() * 10 ** (1 + (i % 16)));
      const v = (next() < 0.5 ? -1 : 1) * (micros / 10 ** (i % 7)) / 1e6;
      values.push(v, Math.round(v * 1e6) / 1e6, v + 1e-12);
    }
    for (const v of values) assert.equal(written((out) => out.number(v)), JSON.stringify(v), `${v}`);
  });

  it('writes strings as JSON.stringify does, in UTF-8', () => {
    const strings = ['', 'a', '10.0.0.1.443', '"', '\\', '\n\r\t\b\f', '\u0000\u001f\u007f', 'caf\u00e9', '\u4e2d\u6587', '\u{1f600}', '\ud800', 'a\udc00b', '\u2028\u2029'];
    for (const t of strings) {
      assert.equal(written((out) => out.string(t)), JSON.stringify(t), JSON.stringify(t));
      assert.equal(written((out) => out.string('<' + t + '>', 1, t.length + 1)), JSON.stringify(t), `${JSON.stringify(t)} within a longer string`);
    }
  });

  it('grows a chunk for a value longer than it', () => {
    const long = 'x'.repeat(50_000);
    assert.equal(written((out) => {
      out.string(long);
      out.text('é'.repeat(10_000));
    }, 1), JSON.stringify(long) + 'é'.repeat(10_000));
  });
});
