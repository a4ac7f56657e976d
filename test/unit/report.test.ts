// Whole-trace reports (src/trace/report.ts): connections as CSV, and summed per server or client.

import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, type ConnectionSummary } from '../../src/trace';
import { aggregate, connectionsCsv } from '../../src/trace/report';
import { fixture, ROOT } from './helpers';

const sample = () => analyzeText(readFileSync(fixture('sample.tcpdump'), 'utf8'));

/** RFC 4180 fields of one CSV record (no line breaks inside fields here). */
function fields(line: string): string[] {
  const out: string[] = [];
  const re = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
  for (let m = re.exec(line); m && m.index < line.length; m = re.exec(line)) {
    out.push(m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]);
    if (!m[2]) break;
  }
  return out;
}

describe('report: connections as CSV', () => {
  it('a header, then one record per connection with the JSON summary values', () => {
    const t = sample();
    const lines = [...connectionsCsv(t.connections)].join('').split('\r\n').filter(Boolean);
    assert.equal(lines.length, t.connections.length + 1);
    const head = fields(lines[0]);
    assert.deepEqual(head.slice(0, 4), ['id', 'client', 'server', 'conn_state']);
    for (let i = 0; i < t.connections.length; i++) {
      const c = t.connections[i];
      const row = Object.fromEntries(fields(lines[i + 1]).map((v, k) => [head[k], v]));
      assert.equal(row.client, c.client);
      assert.equal(row.conn_state, c.connState);
      assert.equal(Number(row.packets), c.packets);
      assert.equal(row.handshake_rtt_ms, c.handshake.rttMs === null ? '' : String(c.handshake.rttMs));
    }
  });

  it('quotes a field that holds a comma or a quote', () => {
    const c = { ...JSON.parse(JSON.stringify(sample().connections[0])), client: 'a,"b".1' } as ConnectionSummary;
    const line = [...connectionsCsv([c])][1];
    assert.ok(line.includes('"a,""b"".1"'), line);
    assert.equal(fields(line.trimEnd())[1], 'a,"b".1');
  });
});

describe('report: connections per server and per client', () => {
  it('counts connections, resets, refusals and unanswered SYNs, with RTT percentiles', () => {
    const by = aggregate(sample().connections, 'server');
    const at80 = by.find((a) => a.key === '127.0.0.1.80')!;
    assert.deepEqual({ ...at80, rttP50Ms: undefined, rttP95Ms: undefined }, { key: '127.0.0.1.80', connections: 2, resets: 1, refused: 0, unanswered: 0, rttP50Ms: undefined, rttP95Ms: undefined });
    assert.ok(at80.rttP50Ms! > 0 && at80.rttP50Ms! <= at80.rttP95Ms!);
    assert.equal(by.find((a) => a.key === '127.0.0.1.443')!.refused, 1);
    assert.equal(by[0].key, '127.0.0.1.80', 'most connections first');
    const clients = aggregate(sample().connections, 'client');
    assert.deepEqual(clients.map((a) => [a.key, a.connections]), [['127.0.0.1', 4]]);
  });

  it('tcp-trace --csv and --by print them, and refuses to mix output modes', function () {
    this.timeout(30_000); // four runs of the CLI
    const cli = join(ROOT, 'dist/cli.js');
    const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args, fixture('sample.tcpdump')], { encoding: 'utf8' });
    const csv = run(['--csv']);
    assert.equal(csv.status, 0, csv.stderr);
    assert.equal(csv.stdout.split('\r\n').filter(Boolean).length, sample().connections.length + 1);
    const by = run(['--by', 'server']);
    assert.match(by.stdout, /^server\tconnections\tresets\trefused\tunanswered\trtt p50\trtt p95\n127\.0\.0\.1\.80\t2\t1\t0\t0\t/);
    assert.equal(run(['--by', 'port']).status, 2);
    assert.equal(run(['--csv', '--json']).status, 2);
  });
});
