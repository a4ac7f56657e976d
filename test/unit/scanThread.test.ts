// The CLI's second thread: lines scanned and numbered elsewhere (ScannedLines, pushScanned)
// must give the same trace as push(), and the CLI the same output with one thread or two.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readWithScanThread } from '../../src/cli/scanThread';
import { analyzeInput } from '../../src/ingest/ingest';
import { needsRepairs, TraceBuilder } from '../../src/trace';
import { TEXT_REPAIRS } from '../../src/trace/repair';
import { ScannedLines } from '../../src/trace/scanned';
import { PacketKeys } from '../../src/trace/keys';
import { LineRecord, scanLine } from '../../src/trace/scan';
import { fixture, hasFile, ROOT, scannedBuilder, viaPush, viaScanned } from './helpers';

/** The files under test/fixtures whose names match `name`. */
function fixtures(name: RegExp): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (name.test(e.name)) out.push(p);
    }
  };
  walk(fixture());
  return out.sort();
}

/** The text fixtures: every .tcpdump and .txt under test/fixtures. */
const textFixtures = () => fixtures(/\.(tcpdump|txt)$/);
/** The captures under test/fixtures/captures (loopback captures of real sockets). */
const captureFixtures = () => fixtures(/\.pcap$/).filter((f) => f.includes('/captures/'));

describe('scanned lines (the CLI scanning thread)', () => {
  it('give the same trace as push() on every text fixture', function () {
    this.timeout(60_000);
    const files = textFixtures();
    assert.ok(files.length > 50, `${files.length} fixtures`);
    for (const f of files) {
      const bytes = new Uint8Array(readFileSync(f));
      if (bytes[0] === 0xef || bytes[0] === 0xff || bytes[0] === 0xfe) continue; // a BOM: the CLI reads those with one thread
      const expected = viaPush(bytes);
      // Text that needs repairs anywhere is read again on one thread (the CLI looks at the first
      // 64 kB only): the scanned reading must name a line then, or else give push()'s trace.
      for (const capacity of [3, 1 << 14]) {
        const scanned = scannedBuilder(bytes, capacity);
        if (scanned.unrepairedLine) assert.ok(needsRepairs(bytes), `${f}: line ${scanned.unrepairedLine} named in text that needs no repair`);
        else assert.equal(JSON.stringify(scanned.finish().toJSON(true)), expected, f);
      }
    }
  });

  it('give the same trace for blank lines, CRLF, problems and a last line without newline', () => {
    const sample = readFileSync(fixture('sample.tcpdump'), 'utf8').split('\n');
    const text = ['', ...sample.slice(0, 6), 'x.1 > y.2: S 1:1(0) win 5', ...sample.slice(6).join('\r\n').split('\n')].join('\n').replace(/\n+$/, '');
    const bytes = new TextEncoder().encode(text);
    assert.equal(viaScanned(bytes, 2), viaPush(bytes));
  });

  it('name the first line that push() would repair and they read as it stands', () => {
    const sample = readFileSync(fixture('sample.tcpdump'), 'utf8');
    const clean = new TextEncoder().encode(sample);
    assert.equal(scannedBuilder(clean, 64).unrepairedLine, 0, 'clean text');
    const lines = sample.split('\n').filter((l) => / IP /.test(l));
    const damaged = [
      // A -A payload line with bytes above ASCII only looks damaged.
      ...lines.slice(0, 5), 'E..4..@.@.\u00e9\u00e8..........',
      ...lines.slice(5, 10), `${lines[10]} ${lines[11]}`, ...lines.slice(12),
    ];
    const b = scannedBuilder(new TextEncoder().encode(damaged.join('\n') + '\n'), 4);
    assert.equal(b.unrepairedLine, 12, 'the glued line');
  });

  it('find no repair where push() makes none: a capture\'s packet line cut short, then a segment record', () => {
    // A packet line whose options end in a damaged one has no length: push() holds it for a
    // wrap's rest, and a segment taken as a record (which has no text) ends it. Looking at a
    // later line that only may hide a packet must not join that line to it.
    const enc = new TextEncoder();
    const cut = '06:18:40.247584 IP 127.0.0.1.8080 > 127.0.0.1.37006: Flags [.], ack 40, win 64, options [[bad opt]\n';
    const segment = '06:18:40.247600 IP 127.0.0.1.37006 > 127.0.0.1.8080: Flags [.], ack 1, win 64, length 0';
    const rest = '[tcp-trace: packet 3: the file ends after 50 of its 96 captured bytes]\n06:18:41.453292 IP 127.0.0.1.40236 > 127.0.0.1.5001:  [|tcp]\n';
    const record = () => {
      const r = new LineRecord();
      const b = enc.encode(segment);
      scanLine(b, 0, b.length, r);
      return r;
    };
    // One thread, as Ingest feeds it.
    const one = new TraceBuilder();
    one.push(enc.encode(cut));
    one.pushRecord(record());
    one.push(enc.encode(rest));
    assert.deepEqual(one.end().filter((r) => TEXT_REPAIRS.includes(r.kind)), []);
    // The scanning thread's way: the record's line ends before the next line's first byte.
    const bytes = enc.encode(cut + rest);
    const ends = Buffer.from(bytes);
    const keys = new PacketKeys();
    const lines = new ScannedLines(8);
    lines.scan(bytes, ends, 0, cut.length, false, new LineRecord(), keys);
    const r = record();
    keys.key(r);
    lines.record(r, cut.length - 1, keys);
    lines.scan(bytes, ends, cut.length, bytes.length, true, new LineRecord(), keys);
    const two = new TraceBuilder();
    two.pushScanned(bytes, 0, lines);
    assert.equal(two.unrepairedLine, 0);
  });

  it('leave to push() lines it reads as one without a packet (a damaged header and the notes after it)', () => {
    const text = [
      '06:18:40.727402 IP 127.0.0.1.11724 > 127.0.0.1.8080: Flags [.], ack 1, win 63, length 0',
      '06:18:40.727410 IP  [|ip]',
      '[tcp-trace: packet 3: bad record header (captured length 1049098208, more than 262144)]',
      '[tcp-trace: skipped 65 bytes to the next readable packet]',
      '06:18:40.727413 IP 127.0.0.1.8080 > 127.0.0.1.11724: Flags [.], ack 60, win 64, length 0',
    ].join('\n') + '\n';
    const bytes = new TextEncoder().encode(text);
    const one = new TraceBuilder();
    one.push(bytes);
    const scanned = scannedBuilder(bytes, 16);
    // push() reads lines 2 to 4 as one line, not TCP: one line skipped where each would be three.
    assert.equal(one.finish().skipped, 1);
    assert.equal(scanned.unrepairedLine, 2);
  });

  it('refuse to mix with push()', () => {
    const b = new TraceBuilder();
    b.push(new TextEncoder().encode('\n'));
    assert.throws(() => b.pushScanned(new Uint8Array(0), 0, new ScannedLines(1)));
  });
});

describe('the scanning thread', () => {
  it('reads a capture itself, segments as records among printed lines, as one thread reads it', async function () {
    this.timeout(60_000);
    for (const f of [fixture('tcpdump-tests/bgp-4byte-asn.pcap'), fixture('captures/normal-client-close/capture.pcap')]) {
      const b = new TraceBuilder();
      const read = await readWithScanThread(f, b, () => true);
      assert.ok(read?.capture, `${f}: read by the worker`);
      assert.ok(read.capture.packets > 0);
      const one = analyzeInput(readFileSync(f));
      assert.equal(JSON.stringify(b.finish().toJSON(true)), JSON.stringify(one.toJSON(true)), f);
    }
  });

  it('reads lines longer than its first slots and than a whole slot', async function () {
    this.timeout(60_000);
    const lines = readFileSync(fixture('sample.tcpdump'), 'utf8').split('\n').filter((l) => / IP /.test(l));
    const file = join(mkdtempSync(join(tmpdir(), 'tcp-trace-')), 'long-lines.tcpdump');
    // An -A payload line of 100 kB (past the first 64 kB slot) and one of 1.5 MB (past a whole slot).
    writeFileSync(file, [lines[0], 'x'.repeat(100_000), ...lines.slice(1, 5), 'y'.repeat(1_500_000), ...lines.slice(5)].join('\n') + '\n');
    const b = new TraceBuilder();
    const read = await readWithScanThread(file, b, () => true);
    assert.ok(read, 'read by the worker');
    const trace = b.finish();
    assert.equal(trace.packetCount, lines.length);
    assert.equal(JSON.stringify(trace.toJSON(true)), JSON.stringify(analyzeInput(readFileSync(file)).toJSON(true)));
  });

  it('stops when the caller finds the file does not suit it', async () => {
    const read = await readWithScanThread(fixture('sample.tcpdump'), new TraceBuilder(), () => false);
    assert.equal(read, null);
  });
});

describe('cli: one thread or two', () => {
  const CLI = join(ROOT, 'dist/cli.js');
  const run = (file: string, threads: string) =>
    spawnSync(process.execPath, [CLI, '--json', '--packets', file], { encoding: 'utf8', maxBuffer: 256 << 20, env: { ...process.env, TCP_TRACE_THREADS: threads } });
  /** The packet lines of sample.tcpdump, and copies of them past the CLI's first look (64 kB) and first slots. */
  const sampleLines = () => readFileSync(fixture('sample.tcpdump'), 'utf8').split('\n').filter((l) => / IP /.test(l));
  const cleanText = (lines: string[]): string[] => {
    const clean: string[] = [];
    while (clean.join('\n').length < 1.2 * (1 << 20)) clean.push(...lines);
    return clean;
  };
  /** A file of `lines` (a new temporary folder each time), and what one thread and two make of it. */
  const oneAndTwo = (name: string, lines: string[]) => {
    const file = join(mkdtempSync(join(tmpdir(), 'tcp-trace-')), name);
    writeFileSync(file, lines.join('\n') + '\n');
    return { one: run(file, '1'), two: run(file, '2') };
  };

  it('reads the file again on one thread when text past the first 64 kB needs a repair', function () {
    if (!hasFile(CLI)) this.skip();
    this.timeout(60_000);
    const lines = sampleLines();
    const clean = cleanText(lines);
    const { one, two } = oneAndTwo('glued.tcpdump', [...clean, `${lines[0]} ${lines[1]}`, ...lines.slice(2)]);
    assert.equal(one.status, 0, one.stderr);
    assert.equal(two.stdout, one.stdout);
    assert.match(one.stderr, /packets split from 1 glued line/);
    assert.match(two.stderr, new RegExp(`line ${clean.length + 1} needs a repair; reading the file again on one thread`));
  });

  it('reads the file again on one thread when lines past the first 64 kB are read as one (tunnel headers of -v)', function () {
    if (!hasFile(CLI)) this.skip();
    this.timeout(60_000);
    const lines = sampleLines();
    const clean = cleanText(lines);
    // tcpdump -v of a GRE tunnel: the outer header's lines and the inner packet's are one packet.
    const tunnel = readFileSync(fixture('tcpdump-tests/wccp_redirect_gre-nosmb.out'), 'utf8').trimEnd();
    const { one, two } = oneAndTwo('tunnel.tcpdump', [...clean, tunnel, ...lines]);
    assert.equal(one.status, 0, one.stderr);
    assert.equal(two.stdout, one.stdout);
    assert.match(two.stderr, new RegExp(`line ${clean.length + 1} is read together with the lines after it; reading the file again on one thread`));
    assert.doesNotMatch(two.stderr, /needs a repair/);
  });

  it('reads on one thread from the start, with no second read, when the first 64 kB needs a repair', function () {
    if (!hasFile(CLI)) this.skip();
    this.timeout(60_000);
    const lines = sampleLines();
    const { one, two } = oneAndTwo('glued-early.tcpdump', [`${lines[0]} ${lines[1]}`, ...lines.slice(2)]);
    assert.equal(two.status, 0, two.stderr);
    assert.equal(two.stdout, one.stdout);
    assert.equal(two.stderr, one.stderr);
    assert.match(two.stderr, /packets split from 1 glued line/);
    assert.doesNotMatch(two.stderr, /reading the file again/);
  });

  it('reads a capture on two threads as on one: segments as records among the lines printed for other packets', function () {
    if (!hasFile(CLI)) this.skip();
    this.timeout(120_000);
    // BGP and LDP captures mix TCP segments with other packets (printed as text); the loopback
    // captures are all plain segments; a capture cut inside a packet ends with a problem line.
    const whole = fixture('captures/normal-client-close/capture.pcap');
    const cut = join(mkdtempSync(join(tmpdir(), 'tcp-trace-')), 'cut.pcap');
    const bytes = readFileSync(whole);
    writeFileSync(cut, bytes.subarray(0, bytes.length - 7));
    const files = [fixture('tcpdump-tests/bgp-4byte-asn.pcap'), fixture('tcpdump-tests/ldp-common-session.pcap'), whole, cut, ...captureFixtures().slice(0, 4)];
    for (const f of files) {
      const one = run(f, '1');
      const two = run(f, '2');
      assert.equal(one.status, 0, one.stderr);
      assert.ok(JSON.parse(one.stdout).packets > 0, f);
      assert.equal(two.stdout, one.stdout, f);
      assert.equal(two.stderr, one.stderr, f);
    }
    assert.match(run(cut, '2').stderr, /problem reading the capture/);
  });

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
