// Hostile and broken input, for the engine and for the tcp-trace command: every input gives a
// partial result and, where something is wrong, a clear message; never an exception, a hang or
// unbounded memory. The big inputs (a 20 MB line, 10 million lines) are made on the fly.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyzeBytes, analyzeText, TraceBuilder, type Trace, type TraceJson } from '../../src/trace';
import { fixture, hasFile, ROOT, rng } from './helpers';
import {
  analyzeAndExercise, analyzeChunked, corpus, exercise, fingerprint, randomBytes, randomCuts, toCrlf, toUtf16,
} from './hostile-inputs';
import { HOSTILE_NAMES, hostileTrace } from './hostile-trace';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

const CLI = join(ROOT, 'dist/cli.js');
const MB = 1 << 20;
const enc = new TextEncoder();

const captures = readdirSync(fixture('captures')).sort();
const nn = (name: string) => readFileSync(fixture('captures', name, 'nn.tcpdump'));

/** Packet records without the states, which later lines may revise. */
function parsed(t: Trace): unknown[] {
  return (t.toJSON(true).packetRecords ?? []).map((r) => ({ ...r, clientState: undefined, serverState: undefined, events: undefined }));
}

/** A full collection, after buffers freed by the last one are given back (that takes a turn). */
async function settle(): Promise<void> {
  gc();
  await new Promise((r) => setTimeout(r, 50));
  gc();
}

/** Memory in use now: the JS heap and the buffers outside it. */
function used(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Feeds `total` lines made by `make` to a builder, a block at a time, never holding them all. */
function streamLines(total: number, make: (i: number) => string, block = 10000): Trace {
  const b = new TraceBuilder();
  for (let i = 0; i < total; ) {
    const parts: string[] = [];
    const end = Math.min(total, i + block);
    for (; i < end; i++) parts.push(make(i));
    b.push(enc.encode(parts.join('\n') + '\n'));
  }
  return b.finish();
}

/** Ten million lines: mostly -x hex dump lines, ARP and blank lines, one TCP data segment in a hundred. */
function tenMillionLine(i: number): string {
  if (i % 100 === 0) {
    const k = i / 100;
    const seq = 1 + k * 100;
    return `12:00:${String(Math.floor(k / 1e6) % 60).padStart(2, '0')}.${String(k % 1e6).padStart(6, '0')} IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [P.], seq ${seq}:${seq + 100}, ack 1, win 512, length 100`;
  }
  return ['\t0x0010:  0a00 0002 9c40 0050', '', 'ARP, Request who-has 10.0.0.9', '\t0x0000:  4500 0098'][i % 4];
}

describe('hostile input: the engine', function () {
  this.timeout(120_000);

  it('random bytes: no exception, every line counted, streaming gives the same result', () => {
    const bytes = randomBytes(MB, 1);
    assert.ok(!(bytes[0] === 0xff && bytes[1] === 0xfe) && !(bytes[0] === 0xfe && bytes[1] === 0xff), 'seed gives no BOM');
    const t = analyzeAndExercise(bytes);
    let newlines = 0;
    for (const b of bytes) if (b === 10) newlines++;
    assert.equal(t.lines, newlines + (bytes[bytes.length - 1] === 10 ? 0 : 1));
    assert.equal(t.packetCount, 0);
    assert.equal(fingerprint(analyzeChunked(bytes, randomCuts(bytes.length, 200, 2))), fingerprint(t));
  });

  it('a binary pcap opened as text: no exception, same result in any chunking', () => {
    const pcaps = captures.map((c) => fixture('captures', c, 'capture.pcap')).filter(hasFile);
    assert.ok(pcaps.length > 10, 'capture files present');
    for (const p of pcaps) {
      const bytes = readFileSync(p);
      const t = analyzeAndExercise(bytes);
      assert.equal(fingerprint(analyzeChunked(bytes, randomCuts(bytes.length, 50, bytes.length))), fingerprint(t), p);
    }
  });

  it('UTF-16 with a BOM (either byte order) and a UTF-8 BOM give the same analysis as UTF-8', () => {
    let files = 0;
    for (const c of captures) {
      for (const f of readdirSync(fixture('captures', c)).filter((x) => x.endsWith('.tcpdump'))) {
        const bytes = readFileSync(fixture('captures', c, f));
        const want = fingerprint(analyzeBytes(bytes));
        const text = bytes.toString('utf8');
        for (const endian of ['le', 'be'] as const) {
          const u16 = toUtf16(text, endian);
          assert.equal(fingerprint(analyzeBytes(u16)), want, `${c}/${f} UTF-16${endian.toUpperCase()}`);
          // Cut anywhere, also between the two bytes of a code unit or of the BOM.
          assert.equal(fingerprint(analyzeChunked(u16, [1, ...randomCuts(u16.length, 30, files)])), want, `${c}/${f} UTF-16${endian.toUpperCase()} in chunks`);
        }
        const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
        assert.equal(fingerprint(analyzeChunked(bom, [1, 2])), want, `${c}/${f} with a UTF-8 BOM`);
        files++;
      }
    }
    assert.ok(files >= 100, `${files} renderings`);
  });

  it('CRLF line ends give the same analysis as LF, for every capture rendering and corpus file', () => {
    let n = 0;
    for (const f of corpus()) {
      const want = fingerprint(analyzeBytes(f.bytes));
      const crlf = toCrlf(f.bytes);
      assert.equal(fingerprint(analyzeBytes(crlf)), want, f.name);
      // A chunk boundary between the CR and the LF.
      const cr = crlf.indexOf(13);
      if (cr >= 0) assert.equal(fingerprint(analyzeChunked(crlf, [cr + 1])), want, `${f.name} cut inside CRLF`);
      n++;
    }
    assert.ok(n >= 100, `${n} files`);
  });

  it('a NUL byte inside a line: that line is skipped or reported, the others are read', () => {
    for (const c of captures) {
      const lines = nn(c).toString('latin1').split('\n').filter(Boolean);
      const base = analyzeText(lines.join('\n'));
      // After "length N" the line is an application summary: a NUL there changes nothing.
      const tail = analyzeText(lines.map((l) => `${l}\0\0junk`).join('\n'));
      assert.equal(fingerprint(tail), fingerprint(base), `${c}: NUL in the summary`);
      // A NUL in the flags of one line: that line becomes a problem record, and nothing else changes.
      const k = lines.length >> 1;
      const hit = lines.map((l, i) => (i === k ? l.replace('Flags [', 'Flags [\0') : l)).join('\n');
      const t = analyzeText(hit);
      exercise(t);
      assert.equal(t.lines, lines.length);
      assert.equal(t.packetCount, base.packetCount - 1, c);
      assert.deepEqual(t.problems.map((p) => p.line), [k + 1], c);
      assert.match(t.problems[0].reason, /unknown TCP flag/);
    }
  });

  describe('a single 20 MB line', () => {
    const after = nn('normal-client-close').toString('utf8');
    const shapes: Array<[string, () => string, (t: Trace) => void]> = [
      ['garbage', () => 'x'.repeat(20 * MB), (t) => assert.equal(t.skipped, 1)],
      ['a TCP line with a 20 MB options list', () => `12:00:00.000000 IP 10.9.9.9.1 > 10.9.9.8.2: Flags [S], seq 1, win 1, options [mss 1460${',nop'.repeat(5 * MB)}], length 0`, (t) => {
        const c = t.connections.find((x) => x.client === '10.9.9.9.1');
        assert.ok(c, 'the long line is a packet');
        assert.equal(c.handshake.client?.mss, 1460);
      }],
      ['a 20 MB host name', () => `12:00:00.000000 IP ${'a'.repeat(20 * MB)}.1 > b.2: Flags [S], seq 1, win 1, length 0`, (t) => {
        assert.equal(t.problems.length, 1);
        assert.match(t.problems[0].reason, /endpoint is longer than/);
      }],
      ['20 MB of ": "', () => ': '.repeat(10 * MB), (t) => assert.equal(t.skipped, 1)],
      ['20 MB of unclosed brackets after the flags', () => `IP a.1 > b.2: Flags [S], ${'['.repeat(20 * MB)}`, (t) => assert.ok(t.connections.some((c) => c.client === 'a.1'), 'the line is a packet')],
    ];
    for (const [name, make, check] of shapes) {
      it(`${name}: read in 64 kB chunks in bounded time and memory, the lines after it still read`, async () => {
        await settle();
        const base = used();
        let peak = 0;
        let size = 0;
        const t0 = Date.now();
        const read = (): Trace => {
          const bytes = enc.encode(make() + '\n' + after);
          size = bytes.length;
          const b = new TraceBuilder();
          for (let i = 0; i < bytes.length; i += 65536) {
            b.push(bytes.subarray(i, i + 65536));
            if ((i & 0xfffff) === 0) peak = Math.max(peak, used());
          }
          const t = b.finish();
          peak = Math.max(peak, used());
          return t;
        };
        const t = read();
        const ms = Date.now() - t0;
        assert.ok(ms < 20_000, `${ms} ms`);
        // The text, its bytes, the line's pieces and the line joined once, and some slack.
        assert.ok(peak - base < 4 * size + 64 * MB, `peak ${((peak - base) / MB).toFixed(0)} MB for a ${(size / MB).toFixed(0)} MB input`);
        exercise(t);
        check(t);
        assert.ok(t.connections.some((c) => c.client === '127.0.0.1.40001' && c.connState === 'SF'), 'the capture after the long line is read');
        // Nothing of the long line is kept: endpoints are capped, problems hold a short reason.
        await settle();
        const retained = used() - base;
        assert.ok(retained < 16 * MB, `retained ${(retained / MB).toFixed(1)} MB after reading a ${(size / MB).toFixed(0)} MB line`);
        assert.ok(t.lines > 1);
      });
    }
  });

  it('a truncated last line, cut at every byte: the lines before it are read as without it', () => {
    for (const c of ['normal-client-close', 'rst-server', 'ipv6-normal']) {
      const text = nn(c).toString('utf8').replace(/\n$/, '');
      const cut = text.lastIndexOf('\n') + 1;
      const before = parsed(analyzeText(text.slice(0, cut)));
      for (let k = cut; k <= text.length; k++) {
        const t = analyzeText(text.slice(0, k));
        exercise(t);
        assert.deepEqual(parsed(t).slice(0, before.length), before, `${c} cut at ${k}`);
        assert.ok(t.packetCount === before.length || t.packetCount === before.length + 1, `${c} cut at ${k}`);
      }
      // Cut in the middle of the flags: a problem on the last line, with its number.
      const mid = analyzeText(text.slice(0, text.indexOf('Flags [', cut) + 8));
      assert.equal(mid.problems.at(-1)?.line, mid.lines);
    }
  });

  it('two captures concatenated, time going backwards: both read, each connection as alone', () => {
    const a = nn('rst-client').toString('utf8');
    const b = nn('normal-client-close').toString('utf8');
    const [ta, tb] = [analyzeText(a), analyzeText(b)];
    assert.ok(ta.connections[0].start! > tb.connections[0].start!, 'the second capture starts earlier');
    const t = analyzeText(a + b);
    exercise(t);
    assert.equal(t.connections.length, ta.connections.length + tb.connections.length);
    const outcome = (x: Trace) => x.connections.map((c) => [c.client, c.server, c.connState, c.history, c.clientState, c.serverState, c.packets, c.duration]);
    assert.deepEqual(outcome(t), [...outcome(ta), ...outcome(tb)]);
    // The same capture twice: the second SYN on the closed 4-tuple starts a second incarnation.
    const twice = analyzeText(b + b);
    exercise(twice);
    assert.equal(twice.connections.length, 2);
    assert.deepEqual(twice.connections.map((c) => c.connState), ['SF', 'SF']);
    assert.ok(twice.connections.every((c) => c.duration !== null && c.duration >= 0));
    // No newline at the end of the first file: its last line and the second's first run together.
    const joined = analyzeText(a.replace(/\n$/, '') + b);
    exercise(joined);
    assert.equal(joined.lines, t.lines - 1);
  });

  it('lines from other tcpdump versions: the old format is read, unknown new fields are skipped', () => {
    const t = analyzeText([
      '12:00:00.000001 10.0.0.1.1234 > 10.0.0.2.80: S 1234567:1234567(0) win 5840 <mss 1460,sackOK,timestamp 1 0,nop,wscale 2>',
      '12:00:00.000002 10.0.0.2.80 > 10.0.0.1.1234: S 7654321:7654321(0) ack 1234568 win 5792 <mss 1460>',
      '12:00:00.000003 10.0.0.1.1234 > 10.0.0.2.80: . ack 1 win 46',
      '12:00:00.000004 10.0.0.1.1234 > 10.0.0.2.80: P [tcp sum ok] 1:10(9) ack 1 win 46',
      '12:00:00.000005 IP 10.0.0.1.40000 > 10.0.0.2.80: Flags [S], seq 1, win 512, future-field 7 [a, b], options [mss 1460], length 0',
      '12:00:00.000006 IP 10.0.0.1.53 > 10.0.0.2.1234: 12345 1/0/0 A 1.2.3.4 (45)',
    ].join('\n'));
    exercise(t);
    assert.deepEqual(t.problems, []);
    assert.equal(t.packetCount, 5);
    assert.equal(t.connections[0].handshake.complete, true);
    assert.equal(t.connections[1].handshake.client?.mss, 1460, 'the field after the unknown one is read');
    assert.equal(t.skipped, 1);
  });

  it('lines mangled at random positions: every line is still counted, nothing throws', () => {
    const r = rng(42);
    const bytes = ['normal-client-close', 'retransmission', 'simultaneous-close', 'port-reuse'].flatMap((c) =>
      readdirSync(fixture('captures', c)).filter((f) => f.endsWith('.tcpdump')).map((f) => readFileSync(fixture('captures', c, f))));
    const junk = [0, 9, 13, 32, 46, 58, 62, 91, 93, 44, 0xff, 0xfe, 0xc3];
    for (const file of bytes) {
      for (let round = 0; round < 20; round++) {
        const b = Buffer.from(file);
        for (let k = 0; k < 8; k++) {
          const at = Math.floor(r() * b.length);
          if (b[at] === 10) continue;
          b[at] = r() < 0.5 ? junk[Math.floor(r() * junk.length)] : Math.floor(r() * 256);
          if (b[at] === 10) b[at] = 11; // a new line break would change the count
        }
        if (b[0] === 0xff || b[0] === 0xfe || b[0] === 0xef) b[0] = 32;
        const t = analyzeBytes(b);
        exercise(t);
        assert.equal(t.lines, analyzeBytes(file).lines, 'no line lost or made up');
      }
    }
  });

  it('10 million lines, streamed: counted exactly, one connection of 100,000 segments', () => {
    const t0 = Date.now();
    const t = streamLines(10_000_000, tenMillionLine);
    const ms = Date.now() - t0;
    assert.equal(t.lines, 10_000_000);
    assert.equal(t.packetCount, 100_000);
    assert.equal(t.connections.length, 1);
    // Hex dump and ARP lines are skipped; blank lines are not counted as skipped.
    assert.equal(t.skipped, 7_400_000);
    exercise(t, 2000);
    assert.ok(ms < 60_000, `${ms} ms`);
  });

  it('an empty file, a lone newline, a lone BOM, a lone 0xff byte', () => {
    for (const [name, bytes, lines] of [
      ['empty', [], 0], ['newline', [10], 1], ['UTF-8 BOM', [0xef, 0xbb, 0xbf], 0], ['UTF-16 BOM', [0xff, 0xfe], 0], ['0xff', [0xff], 1], ['CR', [13], 1],
    ] as Array<[string, number[], number]>) {
      const t = analyzeAndExercise(Uint8Array.from(bytes));
      assert.equal(t.lines, lines, name);
      assert.equal(t.packetCount, 0, name);
      assert.deepEqual(t.toJSON().connections, [], name);
    }
  });

  it('hostile host names are kept as printed, character for character', () => {
    const t = analyzeText(hostileTrace());
    exercise(t);
    assert.equal(t.connections.length, HOSTILE_NAMES.length);
    assert.deepEqual(t.problems, []);
    t.connections.forEach((c, k) => {
      assert.equal(c.client, `${HOSTILE_NAMES[k]}.${40000 + k}`);
      assert.equal(c.server, `${HOSTILE_NAMES[k]}.http`);
      assert.equal(c.connState, 'SF');
    });
  });

  it('deterministic: the same text analysed again gives the same result', () => {
    for (const f of corpus().slice(0, 60)) assert.equal(fingerprint(analyzeBytes(f.bytes)), fingerprint(analyzeBytes(f.bytes)), f.name);
  });
});

describe('hostile input: the tcp-trace command', function () {
  this.timeout(180_000);
  let dir = '';

  before(function () {
    if (!hasFile(CLI)) throw new Error('dist/cli.js is missing: run npm run build first');
    dir = mkdtempSync(join(tmpdir(), 'tcp-trace-hostile-'));
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  function file(name: string, data: Uint8Array | string): string {
    const p = join(dir, name);
    writeFileSync(p, data);
    return p;
  }

  function run(args: string[], input?: Uint8Array) {
    const r = spawnSync(process.execPath, [CLI, ...args], { input, maxBuffer: 256 * MB, timeout: 120_000 });
    const err = r.stderr.toString('utf8');
    assert.doesNotMatch(err, /\n\s+at /, `no stack trace: ${err.slice(0, 500)}`);
    assert.ok(err.split('\n').filter(Boolean).length <= 1, `at most one line on stderr: ${err.slice(0, 500)}`);
    assert.ok(r.signal === null, `killed by ${r.signal}`);
    return { code: r.status, out: r.stdout.toString('utf8'), outBytes: r.stdout, err };
  }

  const json = (args: string[], input?: Uint8Array) => {
    const r = run(['--json', '--packets', ...args], input);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out) as TraceJson;
  };

  it('random bytes: exit 0, an empty result and one line saying no TCP was found', () => {
    const r = run([file('random.bin', randomBytes(MB, 3))]);
    assert.equal(r.code, 0);
    assert.match(r.out, /^\d+ lines, 0 TCP packets, 0 connections/);
    assert.match(r.err, /^tcp-trace: no TCP packets in .*random\.bin: \d+ lines/);
  });

  it('a binary pcap: read or refused with a hint, never parsed as noise', () => {
    const r = run([fixture('captures/normal-client-close/capture.pcap')]);
    if (r.code === 0) assert.match(r.out, /1 connection\b/);
    else {
      assert.equal(r.code, 2);
      assert.match(r.err, /tcpdump -nn -r/);
    }
  });

  it('UTF-16 (both byte orders, with BOM) and CRLF give the same JSON as UTF-8 with LF, from a file and from stdin', () => {
    const src = readFileSync(fixture('captures/retransmission/tttt_v.tcpdump'), 'utf8');
    const want = json([file('lf.tcpdump', src)]);
    assert.ok(want.packets > 0);
    const crlf = src.replace(/\n/g, '\r\n');
    assert.deepEqual(json([file('crlf.tcpdump', crlf)]), want, 'CRLF');
    for (const endian of ['le', 'be'] as const) {
      const u16 = toUtf16(crlf, endian);
      assert.deepEqual(json([file(`u16${endian}.tcpdump`, u16)]), want, `UTF-16${endian.toUpperCase()}`);
      assert.deepEqual(json(['-'], u16), want, `UTF-16${endian.toUpperCase()} on stdin`);
    }
  });

  it('a NUL byte inside a line: exit 0, the line reported', () => {
    const src = nn('normal-client-close').toString('utf8').replace('Flags [S.]', 'Flags [S\0.]');
    const r = run([file('nul.tcpdump', src)]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /line 2: unknown TCP flag '\\x00'/);
  });

  it('a single 20 MB line before a capture: exit 0, the capture read', () => {
    const p = file('long.tcpdump', `IP ${'a'.repeat(20 * MB)}.1 > b.2: Flags [S], seq 1, win 1, length 0\n${nn('normal-client-close')}`);
    const r = run([p]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /127\.0\.0\.1\.40001 > 127\.0\.0\.1\.8080/);
    assert.match(r.out, /line 1: an endpoint is longer than 1024 characters/);
    assert.ok(r.out.length < 10_000, 'the long line is not echoed');
  });

  it('a truncated last line: exit 0, the lines before it read', () => {
    const text = nn('normal-client-close').toString('utf8');
    const cut = text.slice(0, text.lastIndexOf('Flags [') + 9);
    const doc = json([file('truncated.tcpdump', cut)]);
    assert.equal(doc.lines, text.split('\n').filter(Boolean).length);
    assert.equal(doc.packets, doc.lines);
  });

  it('two captures concatenated, time going backwards: exit 0, both read', () => {
    const doc = json([file('concat.tcpdump', Buffer.concat([nn('rst-client'), nn('normal-client-close')]))]);
    assert.equal(doc.connections.length, 2);
    assert.deepEqual(doc.connections.map((c) => c.connState), ['RSTO', 'SF']);
  });

  it('old-format lines, unreadable ones and random mangling: exit 0, with problem records', () => {
    const old = run([file('old.tcpdump', '12:00:00.000001 10.0.0.1.1234 > 10.0.0.2.80: S 1234567:1234567(0) win 5840 <mss 1460>\n')]);
    assert.equal(old.code, 0);
    assert.match(old.out, /1 TCP packet, 1 connection, .* 0 problems/);
    const r = run([file('bad-old.tcpdump', '12:00:00.000001 10.0.0.1.1234 > 10.0.0.2.80: S 1234567:(0) win 5840 <mss 1460>\n')]);
    assert.equal(r.code, 0);
    assert.match(r.out, /line 1: seq is not 'first:last\(length\)'/);
    assert.match(r.err, /no TCP packets .*1 could not be read/);
    const rand = rng(9);
    const b = Buffer.from(readFileSync(fixture('captures/zero-window/S_vv.tcpdump')));
    for (let k = 0; k < 200; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
    if (b[0] >= 0xef) b[0] = 32;
    const m = run([file('mangled.tcpdump', b)]);
    assert.equal(m.code, 0);
    const mj = run(['--json', '--packets', file('mangled.tcpdump', b)]);
    assert.equal(mj.code, 0);
    JSON.parse(mj.out);
  });

  it('10 million lines: exit 0, every line counted', () => {
    const p = join(dir, 'ten-million.tcpdump');
    const fd = openSync(p, 'w');
    for (let i = 0; i < 10_000_000; ) {
      const parts: string[] = [];
      const end = i + 100_000;
      for (; i < end; i++) parts.push(tenMillionLine(i));
      writeSync(fd, parts.join('\n') + '\n');
    }
    closeSync(fd);
    const r = run([p]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^10000000 lines, 100000 TCP packets, 1 connection\b/);
    rmSync(p);
  });

  it('an empty file: exit 0, an empty result and a message', () => {
    const r = run([file('empty.tcpdump', '')]);
    assert.equal(r.code, 0);
    assert.match(r.out, /^0 lines, 0 TCP packets/);
    assert.match(r.err, /^tcp-trace: .*empty\.tcpdump is empty\n$/);
    const doc = json([file('empty.tcpdump', '')]);
    assert.deepEqual(doc.connections, []);
  });

  it('host names with terminal control sequences are printed escaped', () => {
    const r = run([file('hostile.tcpdump', hostileTrace())]);
    assert.equal(r.code, 0, r.err);
    for (const c of [0x1b, 0x07]) assert.equal(r.outBytes.indexOf(c), -1, `byte 0x${c.toString(16)} reached the terminal`);
    assert.ok(r.out.includes('\\x1b]0;pwned\\x07'), 'shown escaped');
    assert.ok(r.out.includes('<img/src="x"/onerror=window.__pwned=1>.40000'), 'other names as printed');
    assert.ok(r.out.includes('<img\\x09src=x'), 'a tab is shown escaped');
    // JSON keeps the exact text (JSON escapes control characters itself).
    const doc = json([file('hostile.tcpdump', hostileTrace())]);
    assert.deepEqual(doc.connections.map((c) => c.client), HOSTILE_NAMES.map((n, k) => `${n}.${40000 + k}`));
  });
});
