// The CLI's progress line on standard error: shown only on a terminal and only for a read that
// takes a while, rewritten in place, erased before the report.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Progress } from '../../src/cli/progress';
import { fixture, hasFile, ROOT } from './helpers';

/** A stand-in for standard error and a clock the test moves. */
function terminal(isTTY: boolean) {
  const written: string[] = [];
  let now = 1000;
  return {
    out: { isTTY, write: (s: string) => written.push(s) },
    written,
    clock: () => now,
    advance: (ms: number) => (now += ms),
  };
}

describe('cli: progress line', () => {
  it('says nothing when standard error is not a terminal', () => {
    const t = terminal(false);
    const p = new Progress(t.out, 'big.tcpdump', t.clock);
    t.advance(5000);
    p.update(50, 100);
    p.end();
    assert.deepEqual(t.written, []);
  });

  it('says nothing for a read that ends within half a second', () => {
    const t = terminal(true);
    const p = new Progress(t.out, 'small.tcpdump', t.clock);
    t.advance(499);
    p.update(100, 100);
    p.end();
    assert.deepEqual(t.written, []);
  });

  it('shows the share read, rewrites it in place at most every 200 ms, and erases it', () => {
    const t = terminal(true);
    const p = new Progress(t.out, 'big.tcpdump', t.clock);
    t.advance(600);
    p.update(26214400, 104857600);
    assert.deepEqual(t.written, ['\r\x1b[Ktcp-trace: reading big.tcpdump: 25% (25.0 MB of 100.0 MB)']);
    t.advance(100);
    p.update(52428800, 104857600);
    assert.equal(t.written.length, 1, 'an update 100 ms after the last is not shown');
    t.advance(100);
    p.update(52428800, 104857600);
    assert.equal(t.written[1], '\r\x1b[Ktcp-trace: reading big.tcpdump: 50% (50.0 MB of 100.0 MB)');
    p.end();
    assert.equal(t.written[2], '\r\x1b[K');
    p.end();
    assert.equal(t.written.length, 3, 'erased once');
  });

  it('shows the bytes read when the size is not known (standard input)', () => {
    const t = terminal(true);
    const p = new Progress(t.out, 'standard input', t.clock);
    t.advance(1000);
    p.update(3 * 1048576, 0);
    assert.deepEqual(t.written, ['\r\x1b[Ktcp-trace: reading standard input: 3.0 MB']);
  });

  it('on a real terminal: the line goes to standard error and the JSON on standard output is intact', function () {
    this.timeout(60_000);
    const cli = join(ROOT, 'dist/cli.js');
    if (!hasFile(cli)) throw new Error('dist/cli.js is missing: run npm run build first');
    // script(1) gives the command a pseudo-terminal; standard input arrives in two parts, 2 s
    // apart, so the read outlasts the half second before the line is shown.
    const dir = mkdtempSync(join(tmpdir(), 'tcp-trace-progress-'));
    try {
      const text = readFileSync(fixture('captures/normal-client-close/nn.tcpdump'), 'utf8');
      const half = text.indexOf('\n', text.length >> 1) + 1;
      writeFileSync(join(dir, 'a'), text.slice(0, half));
      writeFileSync(join(dir, 'b'), text.slice(half));
      const cmd = `(cat a; sleep 2; cat b) | '${process.execPath}' '${cli}' --json - > out.json`;
      const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /\r\x1b\[Ktcp-trace: reading standard input: 0\.0 MB/);
      assert.ok(r.stdout.endsWith('\r\x1b[K'), 'the line is erased at the end');
      const doc = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
      const alone = JSON.parse(spawnSync(process.execPath, [cli, '--json', '-'], { input: text, encoding: 'utf8' }).stdout);
      assert.deepEqual(doc, alone);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
