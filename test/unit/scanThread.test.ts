// The CLI's second thread: lines scanned and numbered elsewhere (ScannedLines, pushScanned)
// must give the same trace as push(), and the CLI the same output with one thread or two.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { needsRepairs, TraceBuilder } from '../../src/trace';
import { ScannedLines } from '../../src/trace/scanned';
import { fixture, hasFile, ROOT, viaPush, viaScanned } from './helpers';

/** The text fixtures: every .tcpdump and .txt under test/fixtures. */
function textFixtures(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(tcpdump|txt)$/.test(e.name)) out.push(p);
    }
  };
  walk(fixture());
  return out.sort();
}

describe('scanned lines (the CLI scanning thread)', () => {
  it('give the same trace as push() on every text fixture', function () {
    this.timeout(60_000);
    const files = textFixtures();
    assert.ok(files.length > 50, `${files.length} fixtures`);
    for (const f of files) {
      const bytes = new Uint8Array(readFileSync(f));
      if (bytes[0] === 0xef || bytes[0] === 0xff || bytes[0] === 0xfe) continue; // a BOM: the CLI reads those with one thread
      if (needsRepairs(bytes)) continue; // so does it text that needs repairs
      const expected = viaPush(bytes);
      assert.equal(viaScanned(bytes, 3), expected, f);
      assert.equal(viaScanned(bytes, 1 << 14), expected, f);
    }
  });

  it('give the same trace for blank lines, CRLF, problems and a last line without newline', () => {
    const sample = readFileSync(fixture('sample.tcpdump'), 'utf8').split('\n');
    const text = ['', ...sample.slice(0, 6), 'x.1 > y.2: S 1:1(0) win 5', ...sample.slice(6).join('\r\n').split('\n')].join('\n').replace(/\n+$/, '');
    const bytes = new TextEncoder().encode(text);
    assert.equal(viaScanned(bytes, 2), viaPush(bytes));
  });

  it('refuse to mix with push()', () => {
    const b = new TraceBuilder();
    b.push(new TextEncoder().encode('\n'));
    assert.throws(() => b.pushScanned(new Uint8Array(0), 0, new ScannedLines(1)));
  });
});

describe('cli: one thread or two', () => {
  const CLI = join(ROOT, 'dist/cli.js');
  const run = (file: string, threads: string) =>
    spawnSync(process.execPath, [CLI, '--json', '--packets', file], { encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, TCP_TRACE_THREADS: threads } });

  it('prints the same JSON', function () {
    if (!hasFile(CLI)) this.skip();
    this.timeout(60_000);
    for (const f of [fixture('sample.tcpdump'), ...textFixtures().filter((f) => f.includes('captures/')).slice(0, 5)]) {
      const one = run(f, '1');
      const two = run(f, '2');
      assert.equal(one.status, 0, one.stderr);
      assert.equal(two.stdout, one.stdout, f);
      assert.equal(two.stderr, one.stderr, f);
    }
  });
});
