// Property tests of the parser and the engine (fast-check), seeded so that a run can be made
// again. In the unit suite each property runs a few hundred times (a few seconds in all);
// `npm run fuzz` runs them with FUZZ_RUNS (and a fresh FUZZ_SEED, printed) for a long run.
//
// Properties: no exception escapes, whatever the bytes; the views' queries hold together
// (exercise()); the result does not depend on how the input is cut into chunks, on CRLF or LF,
// on UTF-8 or UTF-16; the same text gives the same result twice; parse time grows linearly with
// the input (no backtracking blow-up on long lines) and memory with the packets kept.

import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyzeBytes, analyzeText, TraceBuilder, type Trace, type TraceOptions } from '../../src/trace';
import { analyzeChunked, corpusLines, exercise, fingerprint, toCrlf, toUtf16, utf8 } from './hostile-inputs';
import { HOSTILE_NAMES } from './hostile-trace';

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

/** Runs per property: FUZZ_RUNS when set (npm run fuzz), else the bounded count given per property. */
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS) || 0;
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 0x7c9d;
const PATH = process.env.FUZZ_PATH;

function params(ciRuns: number): fc.Parameters<unknown> {
  return { seed: SEED, numRuns: FUZZ_RUNS || ciRuns, path: PATH, endOnFailure: true, verbose: 1 };
}

const enc = new TextEncoder();

/** Pieces of tcpdump lines, correct and broken, that a random line is glued from. */
const TOKENS = [
  'IP ', 'IP6 ', ' > ', ': ', ':  ', 'Flags [', ']', '], ', 'S', 'S.', '.', 'F.', 'FP.', 'R', 'R.', 'P.', 'SEW', 'none', 'e',
  ', seq ', ', ack ', ', win ', ', length ', ', urg ', ', cksum 0x1c2d (correct)', 'options [', 'mss 1460', ',', 'wscale 7', 'sackOK',
  'TS val 1 ecr 2', 'nop', 'tfo  cookiereq', 'eol', 'sack 1 {10:20}', '10.0.0.1.40000', '10.0.0.2.80', 'host.http', 'fe80::1.443',
  '::1.22', 'a', '12:00:00.000001 ', '23:59:59.999999 ', '00:00:00.000000 ', '2024-01-01 12:00:00.000001 ', '1700000000.000001 ',
  ' 00:00:00.000010 ', '    1  ', '   12   ', ' ', '  ', '    ', '\t', '\t0x0000:  4500 003c', '0', '1', '1:1', '1:100',
  '65535', '4294967295', '4294967296', '99999999999999999999', ':', '(', ')', '[', '[[', ']]', '{', '}',
  'IP (tos 0x0, ttl 64, id 1, offset 0, flags [DF], proto TCP (6), length 60)', 'proto TCP (6)', 'tcp 0', 'tcp 1448',
  ' [|tcp]', 'HBH (jumbo: 80040)  ', '41851 > 43913', 'ARP, Request', 'UDP, length 10', 'HTTP: GET / HTTP/1.1',
  '\r', '\0', 'é', '\u202e', '\uFFFD', ...HOSTILE_NAMES,
];

const tokenLine = fc.array(fc.constantFrom(...TOKENS), { maxLength: 24 }).map((t) => t.join(''));
const tokenText = fc.array(tokenLine, { maxLength: 40 }).map((l) => l.join('\n'));

type Mutation =
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'token'; at: number; token: string }
  | { kind: 'delete'; at: number; n: number }
  | { kind: 'duplicate'; at: number; n: number }
  | { kind: 'truncate'; at: number };

const position = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: position, byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('token' as const), at: position, token: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant('delete' as const), at: position, n: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: position, n: fc.integer({ min: 1, max: 80 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
);

function mutate(input: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = Buffer.from(input);
  for (const m of ms) {
    const at = Math.floor(m.at * (b.length + 1));
    switch (m.kind) {
      case 'set':
        if (at < b.length) b[at] = m.byte;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]);
        break;
      case 'token':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.token, 'utf8'), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]);
        break;
      case 'duplicate':
        b = Buffer.concat([b.subarray(0, at + m.n), b.subarray(at)]);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
    }
  }
  return b;
}

/** Real lines (tcpdump's corpus and the capture fixtures), picked and then mutated. */
const corpusInput = fc
  .tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), fc.array(mutation, { maxLength: 12 }))
  .map(([picks, ms]) => {
    const pool = corpusLines();
    const joined = Buffer.concat(picks.flatMap((i) => [Buffer.from(pool[i % pool.length]), Buffer.from([10])]));
    return mutate(joined, ms);
  });

/** Lines of one 4-tuple with random flags and numbers: the state machine's evidence rules. */
const FLAGS = ['S', 'S.', '.', 'P.', 'F.', 'F', 'R', 'R.', 'FP.', 'SF', 'SE', 'S.E', 'none', 'U.', 'RF.'];
const oneConnection = fc
  .array(
    fc.record({
      fromClient: fc.boolean(),
      flags: fc.constantFrom(...FLAGS),
      seq: fc.option(fc.integer({ min: 0, max: 60 })),
      len: fc.integer({ min: 0, max: 3 }),
      ack: fc.option(fc.integer({ min: 0, max: 60 })),
      win: fc.constantFrom(0, 1, 512),
      dt: fc.constantFrom(0, 1, 1500, 70_000_000),
    }),
    { minLength: 1, maxLength: 60 },
  )
  .map((ps) => {
    let t = 0;
    return ps
      .map((p) => {
        t += p.dt;
        const s = Math.floor(t / 1e6);
        const time = `${String(Math.floor(s / 3600) % 24).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.${String(t % 1e6).padStart(6, '0')}`;
        const [a, b] = p.fromClient ? ['10.0.0.1.40000', '10.0.0.2.80'] : ['10.0.0.2.80', '10.0.0.1.40000'];
        const seq = p.seq === null ? '' : p.len ? `, seq ${p.seq}:${p.seq + p.len}` : `, seq ${p.seq}`;
        const ack = p.ack === null ? '' : `, ack ${p.ack}`;
        return `${time} IP ${a} > ${b}: Flags [${p.flags}]${seq}${ack}, win ${p.win}, length ${p.len}`;
      })
      .join('\n');
  });

const options: fc.Arbitrary<TraceOptions> = fc.record(
  { absoluteSeq: fc.boolean(), timeWaitSeconds: fc.constantFrom(0, 1, 60), floodThreshold: fc.constantFrom(1, 50) },
  { requiredKeys: [] },
);

/** Random cut points for a given length. */
const cutsFor = (n: number, seed: number) => {
  const cuts: number[] = [];
  let x = seed >>> 0;
  for (let i = 0; i < 6; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    cuts.push(x % (n + 1));
  }
  return cuts;
};

/** Everything that must hold for any input. */
function checkAll(bytes: Uint8Array, opts: TraceOptions = {}, cutSeed = 1): Trace {
  const t = analyzeBytes(bytes, opts);
  exercise(t, 2000);
  const want = fingerprint(t);
  assert.equal(fingerprint(analyzeBytes(bytes, opts)), want, 'deterministic');
  assert.equal(fingerprint(analyzeChunked(bytes, cutsFor(bytes.length, cutSeed), opts)), want, 'independent of chunking');
  const bom = bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
  if (!bom) {
    assert.equal(fingerprint(analyzeBytes(toCrlf(bytes), opts)), want, 'CRLF gives the same as LF');
    const text = utf8(bytes);
    if (text !== undefined) {
      assert.equal(fingerprint(analyzeText(text, opts)), want, 'text and bytes agree');
      const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
      assert.equal(fingerprint(analyzeBytes(toUtf16(body, 'le'), opts)), want, 'UTF-16LE gives the same');
      assert.equal(fingerprint(analyzeBytes(toUtf16(body, 'be'), opts)), want, 'UTF-16BE gives the same');
    }
  }
  return t;
}

describe(`fuzz: properties (seed ${SEED}${FUZZ_RUNS ? `, ${FUZZ_RUNS} runs each` : ''})`, function () {
  this.timeout(FUZZ_RUNS ? 0 : 60_000);

  it('arbitrary bytes: nothing throws, the result is the same in any chunking', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), (bytes, seed) => void checkAll(bytes, {}, seed)), params(300));
  });

  it('lines glued from tcpdump tokens: nothing throws, CRLF, UTF-16 and chunking change nothing', () => {
    fc.assert(fc.property(tokenText, options, fc.nat(), (text, opts, seed) => void checkAll(enc.encode(text), opts, seed)), params(300));
  });

  it('corpus lines mutated at random positions: nothing throws, every line is counted', () => {
    fc.assert(
      fc.property(corpusInput, fc.nat(), (bytes, seed) => {
        const t = checkAll(bytes, {}, seed);
        const bom = bytes[0] === 0xff || bytes[0] === 0xfe;
        if (!bom) {
          let nl = 0;
          for (const b of bytes) if (b === 10) nl++;
          const lead = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
          assert.equal(t.lines, nl + (bytes.length > lead && bytes[bytes.length - 1] !== 10 ? 1 : 0), 'one line per newline');
        }
      }),
      params(300),
    );
  });

  it('one connection with random flags, numbers and gaps: states stay valid, nothing throws', () => {
    fc.assert(
      fc.property(oneConnection, options, fc.nat(), (text, opts, seed) => {
        const t = checkAll(enc.encode(text), opts, seed);
        assert.equal(t.problems.length, 0, JSON.stringify(t.problems));
        assert.equal(t.packetCount, text.split('\n').length);
      }),
      params(400),
    );
  });
});

/** CPU milliseconds of fn (this process, all threads): less disturbed by other processes than wall time. */
function cpuMs(fn: () => void): number {
  const s = process.cpuUsage();
  fn();
  const d = process.cpuUsage(s);
  return (d.user + d.system) / 1000;
}

/**
 * Growth of fn's cost from size n to 4n: the best of three timings at each size, after a
 * warm-up. Linear work gives about 4; quadratic work gives 16. Retried once, so a single
 * disturbance does not fail the test.
 */
function growth(fn: (n: number) => () => void, n: number): number {
  const measure = () => {
    const small = fn(n);
    const big = fn(4 * n);
    small();
    const a = Math.min(cpuMs(small), cpuMs(small), cpuMs(small));
    const b = Math.min(cpuMs(big), cpuMs(big), cpuMs(big));
    return b / Math.max(a, 1);
  };
  // A busy machine (or a garbage collection landing in the larger run, more likely late in
  // the suite when the heap is large) can stretch a measurement; a quadratic cost (16x for
  // 4x) shows in every one, so the best of five counts.
  let best = measure();
  for (let k = 1; k < 5 && best >= 12; k++) best = Math.min(best, measure());
  return best;
}

/** Feeds a line in chunks (64 kB, as the worker and the command read files). */
function streamed(line: string, chunk = 65536): () => void {
  const bytes = enc.encode(line + '\n');
  return () => {
    const b = new TraceBuilder();
    for (let i = 0; i < bytes.length; i += chunk) b.push(bytes.subarray(i, i + chunk));
    b.finish();
  };
}

describe('fuzz: time and memory grow linearly', function () {
  this.timeout(120_000);

  // Long lines shaped to make a backtracking or rescanning parser slow. n is in repeats.
  const LINES: Array<[string, (n: number) => string]> = [
    ['": " again and again', (n) => ': '.repeat(n)],
    ['an unterminated flag list', (n) => `IP a.1 > b.2: Flags [${'S'.repeat(n)}`],
    ['unclosed brackets after the flags', (n) => `IP a.1 > b.2: Flags [S], ${'['.repeat(n)}`],
    ['nested brackets in the options', (n) => `IP a.1 > b.2: Flags [S], options [${'[x, '.repeat(n)}`],
    ['a long options list on a SYN', (n) => `IP a.1 > b.2: Flags [S], seq 1, win 1, options [${'nop,'.repeat(n)}mss 1], length 0`],
    ['many unknown fields', (n) => `IP a.1 > b.2: Flags [S]${', x [a]'.repeat(n)}, length 0`],
    ['many " > "', (n) => `${' > '.repeat(n)}: Flags [S]`],
    ['spaces before " > "', (n) => `IP ${' '.repeat(n)}> b.2: Flags [S]`],
    ['a host name of dots', (n) => `IP a${'.'.repeat(n)} > b.2: Flags [S]`],
    ['a long number as the timestamp', (n) => `${'1'.repeat(n)}:00:00.000 IP a.1 > b.2: Flags [S]`],
    ['a long packet number', (n) => `${'1'.repeat(n)}  12:00:00.000 IP a.1 > b.2: Flags [S]`],
    ['a long seq', (n) => `IP a.1 > b.2: Flags [S], seq ${'9'.repeat(n)}`],
    ['IPv6 ports-only pairs', (n) => `IP6 a > b: ${'1 > 2: '.repeat(n)}1 > 2: Flags [S]`],
    ['a -v header with many "proto TCP (6)"', (n) => `IP (${'proto TCP (6) '.repeat(n)})`],
    ['the old format probe', (n) => `a.1 > b.2: ${'S '.repeat(n)}`],
    ['non-ASCII host names', (n) => `IP ${'é'.repeat(n)}.1 > b.2: Flags [S], seq 1, win 1, length 0`],
    ['carriage returns', (n) => '\r'.repeat(n)],
    ['a TCP line whose summary is long', (n) => `IP a.1 > b.2: Flags [P.], seq 1:2, ack 1, win 1, length 1: ${'HTTP '.repeat(n)}`],
  ];
  for (const [name, make] of LINES) {
    it(`one long line: ${name}`, () => {
      const g = growth((n) => streamed(make(n)), 200_000);
      assert.ok(g < 12, `4x the input took ${g.toFixed(1)}x the time`);
    });
  }

  it('one long line in small chunks: the pieces are joined once, not once per chunk', () => {
    const g = growth((n) => streamed(`IP a.1 > b.2: Flags [S], ${'x'.repeat(n)}`, 2048), 1 << 20);
    assert.ok(g < 12, `4x the input took ${g.toFixed(1)}x the time`);
  });

  // Whole traces shaped to make per-connection bookkeeping rescan: n is in lines. Each run
  // also reads every packet back, as the worker and the tree do.
  const C = '10.0.0.1.40000';
  const S = '10.0.0.2.80';
  const ts = (i: number) => `12:${String(Math.floor(i / 60000) % 60).padStart(2, '0')}:${String(Math.floor(i / 1000) % 60).padStart(2, '0')}.${String((i % 1000) * 1000).padStart(6, '0')}`;
  const TRACES: Array<[string, (i: number) => string]> = [
    ['bare ACKs one way (no seq ever printed)', (i) => `${ts(i)} IP ${C} > ${S}: Flags [.], ack ${i + 1}, win 512, length 0`],
    ['-q lines of one connection', (i) => `${ts(i)} IP ${i % 2 ? C : S} > ${i % 2 ? S : C}: tcp ${i % 7}`],
    ['a SYN,ACK retransmitted forever', (i) => (i === 0 ? `${ts(i)} IP ${C} > ${S}: Flags [S], seq 100, win 512, length 0` : `${ts(i)} IP ${S} > ${C}: Flags [S.], seq 500, ack 101, win 512, length 0`)],
    ['a FIN retransmitted forever', (i) => [`${ts(i)} IP ${C} > ${S}: Flags [S], seq 100, win 512, length 0`, `${ts(i)} IP ${S} > ${C}: Flags [S.], seq 500, ack 101, win 512, length 0`][i] ?? `${ts(i)} IP ${C} > ${S}: Flags [F.], seq 1, ack 1, win 512, length 0`],
    ['a new SYN on the same ports every line', (i) => `${ts(i)} IP ${C} > ${S}: Flags [S], seq ${i * 1000}, win 512, length 0`],
    ['SYN and RST in turn', (i) => (i % 2 ? `${ts(i)} IP ${C} > ${S}: Flags [S], seq ${i * 1000}, win 512, length 0` : `${ts(i)} IP ${S} > ${C}: Flags [R.], seq 0, ack ${i * 1000 + 1}, win 0, length 0`)],
    ['a SYN flood from many sources', (i) => `${ts(i)} IP 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}.${1024 + (i % 60000)} > ${S}: Flags [S], seq ${i}, win 512, length 0`],
    ['acks that contradict earlier receipts', (i) => (i % 2 ? `${ts(i)} IP ${C} > ${S}: Flags [FP.], seq ${i}:${i + 10}, ack ${(i * 7) % 50}, win 512, length 10` : `${ts(i)} IP ${S} > ${C}: Flags [F.], seq ${(i * 13) % 100}, ack ${(i * 3) % 90}, win 512, length 0`)],
  ];
  const traceText = (line: (i: number) => string, n: number) => Array.from({ length: n }, (_, i) => line(i)).join('\n');
  for (const [name, line] of TRACES) {
    it(`many lines: ${name}`, () => {
      const g = growth((n) => {
        const text = traceText(line, n);
        return () => void analyzeText(text).halfOpenFloods;
      }, 2000);
      assert.ok(g < 12, `analysing 4x the lines took ${g.toFixed(1)}x the time`);
      // Reading every packet back, as the worker and the tree do, apart from the analysis.
      const r = growth((n) => {
        const t = analyzeText(traceText(line, n));
        return () => {
          for (let i = 0; i < t.packetCount; i++) t.packet(i);
          JSON.stringify(t.toJSON(true));
        };
      }, 6000);
      assert.ok(r < 12, `reading back 4x the packets took ${r.toFixed(1)}x the time`);
    });
  }

  it('memory kept grows with the packets, not faster', async () => {
    const settle = async () => {
      gc();
      await new Promise((r) => setTimeout(r, 50));
      gc();
    };
    const kept = async (n: number) => {
      await settle();
      const m0 = process.memoryUsage();
      const t = analyzeText(Array.from({ length: n }, (_, i) => TRACES[0][1](i)).join('\n'));
      await settle();
      const m1 = process.memoryUsage();
      assert.equal(t.packetCount, n);
      return m1.heapUsed + m1.arrayBuffers - (m0.heapUsed + m0.arrayBuffers);
    };
    const small = await kept(25_000);
    const big = await kept(100_000);
    assert.ok(big < 100_000 * 200, `${(big / 100_000).toFixed(0)} bytes per packet`);
    assert.ok(big < 6 * Math.max(small, 1 << 20), `4x the packets kept ${(big / small).toFixed(1)}x the memory`);
  });
});
