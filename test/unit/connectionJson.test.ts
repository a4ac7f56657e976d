// The JSON written straight from the columns (connectionJson.ts, ColumnTrace.jsonParts) is the
// text JSON.stringify gives for the summaries and packet records read back as objects
// (toJSON), also with the limits the builder kept (limitsStore.ts, as the CLI finishes a
// trace): on the loopback captures in every rendering, the real-world corpus and tcpdump's own
// regression outputs.

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeBytes, TraceBuilder } from '../../src/trace';
import { CORPUS, FIXTURES } from './helpers';

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
      assert.equal([...trace.jsonParts(true)].join(''), JSON.stringify(objects), f);
      delete objects.packetRecords;
      assert.equal([...trace.jsonParts(false)].join(''), JSON.stringify(objects), f);
      const b = new TraceBuilder();
      b.push(readFileSync(f));
      const kept = b.finish({ keepLimits: true });
      assert.equal([...kept.jsonParts(false)].join(''), JSON.stringify(objects), `${f}, limits kept`);
    }
    assert.ok(connections > 1000, `${connections} connections`);
  });

  it('gives the same text in pieces of any size', () => {
    const trace = analyzeBytes(readFileSync(join(FIXTURES, 'realworld', 'ndpi-443-firefox.tcpdump')));
    const whole = [...trace.jsonParts(true)].join('');
    const pieces = [...trace.jsonParts(true, 1)];
    assert.ok(pieces.length > trace.connections.length, `${pieces.length} pieces`);
    assert.equal(pieces.join(''), whole);
  });
});
