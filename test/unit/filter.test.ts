// The filter language: a table of expressions with the connections and packets they select on
// the loopback captures, the errors and their columns, the CLI, and fuzzing of the parser.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { completeFilter, filterConnections, FilterError, filterPackets, FILTER_FIELDS, parseFilter } from '../../src/trace/filter';
import { analyzeFile, fixture, ROOT } from './helpers';

const capture = (name: string) => analyzeFile(fixture('captures', name, 'nn.tcpdump'));

/**
 * The sample: #0 127.0.0.1.41000 > .80 closes normally (SF, the server ends in TIME_WAIT),
 * #1 .41001 > .80 is reset by the client (RSTO), #2 .41002 > .443 is refused (REJ),
 * #3 .41003 > .8080 is left half-closed (S2, the server in CLOSE_WAIT).
 */
const SAMPLE: Array<[string, number[]]> = [
  ['connState == SF', [0]],
  ['connState == REJ', [2]],
  ['connState == rej', [2]],
  ['connState != SF', [1, 2, 3]],
  ['flags.rst', [1, 2]],
  ['not flags.rst', [0, 3]],
  ['flags.rst and port == 443', [2]],
  ['flags.rst && port == 443', [2]],
  ['port == 80', [0, 1]],
  ['port == 80 or port == 8080', [0, 1, 3]],
  ['port != 80', [2, 3]],
  ['state.server == CLOSE_WAIT', [3]],
  ['serverState == close-wait', [3]],
  ['state.server == TIME_WAIT', [0]],
  ['state.client == FIN_WAIT_2', [3]],
  ['rttMs > 0', [0, 1, 3]],
  ['rttMs >= 1000', []],
  ['not (rttMs > 0)', [2]],
  ['host == 127.0.0.1', [0, 1, 2, 3]],
  ['host == 10.0.0.1', []],
  ['server == 127.0.0.1.443', [2]],
  ['line >= 21', [3]],
  ['line == 15', [1]],
  ['line < 11', [0]],
  ['flags.fin and not flags.rst', [0, 3]],
  ['(port == 80 or port == 443) and not connState == SF', [1, 2]],
  ['not not connState == SF', [0]],
  ['!(flags.syn)', []],
  ['len > 100', [0, 1]],
  ['len > 1000', [1]],
  ['packets <= 2', [2]],
  // Each packet field asks whether any packet has it: the server sent packets in #3 and the
  // client a FIN, though the server sent none.
  ['from == server and flags.fin', [0, 3]],
  ['connection == 3', [3]],
];

describe('filter: expressions on the sample capture', () => {
  const trace = capture('sample');
  it('has the four connections the table is written for', () => {
    assert.deepEqual(trace.connections.map((c) => c.connState), ['SF', 'RSTO', 'REJ', 'S2']);
  });
  for (const [expr, ids] of SAMPLE) {
    it(`${expr} selects ${JSON.stringify(ids)}`, () => {
      assert.deepEqual(filterConnections(trace, parseFilter(expr)).map((c) => c.id), ids);
    });
  }

  it('packets: each selected packet is one the expression describes', () => {
    const rst = filterPackets(trace, parseFilter('flags.rst'));
    assert.deepEqual(rst.map((p) => trace.packet(p).line), [18, 20]);
    const fins = filterPackets(trace, parseFilter('flags.fin and from == client'));
    for (const p of fins) assert.match(trace.packet(p).flags, /F/);
    assert.deepEqual(fins.map((p) => trace.packet(p).line), [9, 28]);
    assert.deepEqual(filterPackets(trace, parseFilter('line >= 27 and line <= 28')).map((p) => trace.packet(p).line), [27, 28]);
    assert.deepEqual(filterPackets(trace, parseFilter('state.server == CLOSE_WAIT and len > 0')).length, 0);
  });
});

describe('filter: expressions on other captures', () => {
  it('events, notes and states', () => {
    const flood = capture('syn-flood-small');
    assert.equal(filterConnections(flood, parseFilter('event == retransmission')).length, flood.connections.length);
    assert.equal(filterConnections(flood, parseFilter('note == syn_ack_unanswered and state.server == SYN_RECEIVED')).length, flood.connections.length);
    const reuse = capture('port-reuse');
    assert.deepEqual(filterConnections(reuse, parseFilter('event == reused_ports')).map((c) => c.id), [1]);
    const probes = capture('probe-fin');
    assert.deepEqual(filterConnections(probes, parseFilter('note == refused_probe')).map((c) => c.id), [0, 1]);
    const zero = capture('zero-window');
    const zw = filterPackets(zero, parseFilter('event == zero_window'));
    assert.ok(zw.length > 0);
    for (const p of zw) assert.equal(zero.packet(p).win, 0);
    const v6 = capture('ipv6-normal');
    assert.equal(filterConnections(v6, parseFilter('host == ::1')).length, 1);
  });
});

describe('filter: mistakes point at their column', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['', 0, /empty/],
    ['rttMs >', 7, /value after '>'/],
    ['rttMs > abc', 8, /takes a number/],
    ['connState == XYZ', 13, /not a value of connState/],
    ['foo == 1', 0, /unknown field 'foo'/],
    ['(port == 80', 11, /expected '\)'/],
    ['port == 80)', 10, /closes nothing/],
    ['port == 80 port == 81', 11, /expected 'and', 'or'/],
    ['rttMs', 5, /needs a comparison/],
    ['host == "10.0.0.1', 8, /quote is not closed/],
    ['connState > SF', 10, /takes == or !=/],
    ['flags.rst & port == 1', 10, /'&' alone/],
    ['port == 80 and', 14, /expected a field/],
  ];
  for (const [expr, column, message] of cases) {
    it(`${JSON.stringify(expr)}: column ${column + 1}`, () => {
      assert.throws(() => parseFilter(expr), (e: unknown) => e instanceof FilterError && e.column === column && message.test(e.message));
    });
  }
  it('every field offered for completion parses', () => {
    for (const f of FILTER_FIELDS) {
      const expr = f.values ? `${f.name} == ${f.values[0]}` : f.name.startsWith('flags.') || f.name === 'midStream' || f.name === 'roleInferred' ? f.name : /host|src|dst|client|server|history/.test(f.name) ? `${f.name} == x` : `${f.name} > 0`;
      assert.doesNotThrow(() => parseFilter(expr), expr);
    }
  });
});

describe('filter: tcp-trace --filter', function () {
  this.timeout(30_000);
  const cli = (...args: string[]) => spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), ...args], { encoding: 'utf8' });
  const sample = fixture('captures', 'sample', 'nn.tcpdump');
  it('prints the matching connections, and with --packets the packets', () => {
    const r = cli('--filter', 'connState == REJ', sample);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /127\.0\.0\.1\.41002 > 127\.0\.0\.1\.443/);
    assert.match(r.stdout, /1 of 4 connections match/);
    const j = JSON.parse(cli('--json', '--packets', '--filter', 'flags.rst', sample).stdout);
    assert.deepEqual(j.connections.map((c: { id: number }) => c.id), [1, 2]);
    assert.deepEqual(j.packetRecords.map((p: { line: number }) => p.line), [18, 20]);
    const csv = cli('--csv', '--filter', 'port == 80', sample).stdout.trim().split('\n');
    assert.equal(csv.length, 3);
  });
  it('a mistake exits 2 with a caret under its column', () => {
    const r = cli('--filter', 'rttMs > abc', sample);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /takes a number \(column 9\)\n {2}rttMs > abc\n {10}\^/);
  });
});

describe('filter: fuzzing the parser', function () {
  this.timeout(60_000);
  const tokens = ['(', ')', 'and', 'or', 'not', '!', '&&', '||', '==', '!=', '<', '<=', '>', '>=', '=', '"', 'flags.rst', 'port', 'host', 'rttMs', 'connState', 'REJ', '443', '10.0.0.1', '::1', 'state.server', 'CLOSE_WAIT', 'line', '-1', '1e999', 'x', ' ', '&', '|'];
  const trace = capture('sample');
  it('any text: a filter or a FilterError, never another error, quickly', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.array(fc.constantFrom(...tokens), { maxLength: 60 }).map((a) => a.join(' '))), (s) => {
        const t0 = Date.now();
        try {
          const f = parseFilter(s);
          filterConnections(trace, f);
          filterPackets(trace, f);
        } catch (e) {
          if (!(e instanceof FilterError)) throw e;
          assert.ok(e.column >= 0 && e.column <= s.length, `column ${e.column} of ${s.length}`);
        }
        assert.ok(Date.now() - t0 < 1000, 'took over a second');
      }),
      { numRuns: 2000, seed: 24 },
    );
  });
  it('deep nesting is an error, not a stack overflow', () => {
    assert.throws(() => parseFilter('('.repeat(100000) + 'flags.rst' + ')'.repeat(100000)), FilterError);
    assert.throws(() => parseFilter('not '.repeat(100000) + 'flags.rst'), FilterError);
    assert.doesNotThrow(() => parseFilter(Array(5000).fill('flags.rst').join(' or ')));
  });
});

describe('filter completion', () => {
  const said = (text: string) => completeFilter(text).items.map((i) => i.text);
  it('offers what may come next where the expression ends', () => {
    const table: Array<[string, number, string[]]> = [
      ['conn', 0, ['connection', 'connState']],
      ['not st', 4, ['state.client', 'state.server', 'stallSeconds']],
      ['verdict == d', 11, ['delayed_ack']],
      ['connState ', 10, ['==', '!=']],
      ['rttMs ', 6, ['==', '!=', '<', '<=', '>', '>=']],
      ['connState == R', 13, ['REJ', 'RSTO', 'RSTR', 'RSTOS0', 'RSTRH']],
      ['state.server == close', 16, ['CLOSED', 'CLOSE_WAIT']],
      ['event == zero', 9, ['zero_window', 'zero_window_probe', 'zero_window_probe_ack']],
      ['midStream == ', 13, ['true', 'false']],
      ['connState == REJ ', 17, ['and', 'or']],
      ['(port == 443) o', 14, ['or']],
      ['flags.rst ', 10, ['and', 'or', '==']],
      ['rttMs > ', 8, []],
      ['connState', 0, []],
    ];
    for (const [text, from, items] of table) {
      const c = completeFilter(text);
      assert.deepEqual([c.from, c.items.map((i) => i.text)], [from, items], JSON.stringify(text));
    }
    assert.ok(said('').includes('host') && said('').includes('not'), 'every field where a test starts');
  });

  it('completes every field into an expression that parses', () => {
    let checked = 0;
    for (const f of FILTER_FIELDS) {
      assert.ok(said(f.name.slice(0, -1)).includes(f.name), `${f.name} offered for its prefix`);
      for (const op of said(`${f.name} `).filter((o) => o !== 'and' && o !== 'or')) {
        const values = said(`${f.name} ${op} `);
        // A field without named values takes any word or number: 1 is both.
        for (const v of values.length ? values : ['1']) {
          assert.doesNotThrow(() => parseFilter(`${f.name} ${op} ${v}`), `${f.name} ${op} ${v}`);
          checked++;
        }
      }
    }
    assert.ok(checked > 100, `${checked} expressions`);
  });
});

