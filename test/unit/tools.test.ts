// The assistants' tools (src/tools/traceTools.ts) on captures nobody here wrote and on loopback
// captures with the kernel's own states: what they say is checked against tshark and `ss`,
// their lists against their caps, and the editor's contribution against the one table.

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeText, type Trace } from '../../src/trace';
import { findTool, inputSchema, MAX_LIMIT, TRACE_TOOLS, type ToolInput } from '../../src/tools/traceTools';
import { fixture, ROOT } from './helpers';

const ctx = { cite: (line: number) => `line ${line}`, lang: 'en' as const };

function run(name: string, trace: Trace, input: ToolInput = {}): string {
  const tool = findTool(name);
  assert.ok(tool, name);
  return tool.run(trace, input, ctx);
}

/** Event kind -> [count, first frame] from a realworld capture's tshark TSV (tcp.analysis is column 11). */
function tsharkEvents(name: string): Map<string, [number, number]> {
  const rows = readFileSync(fixture('realworld', `${name}.tsv`), 'utf8').trim().split('\n').slice(1).map((r) => r.split('\t'));
  const out = new Map<string, [number, number]>();
  for (const r of rows) {
    for (const kind of r[10] ? r[10].split(',') : []) {
      const e = out.get(kind);
      if (e) e[0]++;
      else out.set(kind, [1, Number(r[0])]);
    }
  }
  return out;
}

describe('assistant tools', () => {
  describe('on real captures, against tshark', () => {
    // Captures where the engine's events agree with tshark's one for one (others differ on
    // keep-alives and port reuse, which test/unit/fidelity.test.ts follows).
    for (const name of ['ndpi-alexa-app', 'ndpi-ipp', 'ndpi-dnp3', 'ndpi-reddit', 'ndpi-weibo', 'tcpreplay-test']) {
      it(`${name}: the summary counts tshark's events and cites the first frame of each`, () => {
        const text = readFileSync(fixture('realworld', `${name}.tcpdump`), 'utf8');
        // tcpdump prints a frame per line; hex dumps and decoders add indented lines.
        const frameLine: number[] = [];
        text.split('\n').forEach((l, i) => {
          if (l && !/^\s/.test(l)) frameLine.push(i + 1);
        });
        const answer = run('tcp_trace_summary', analyzeText(text));
        const said = new Map<string, [number, number]>();
        for (const m of answer.matchAll(/^ {2}(\w+) ×(\d+) in \d+ connections?, first line (\d+)$/gm)) said.set(m[1], [Number(m[2]), Number(m[3])]);
        const truth = tsharkEvents(name);
        assert.ok(truth.size > 0, 'tshark flags something');
        for (const [kind, [n, frame]] of truth) assert.deepEqual(said.get(kind), [n, frameLine[frame - 1]], kind);
        assert.deepEqual([...said.keys()].sort(), [...truth.keys()].sort());
      });
    }

    it('tcpreplay-test: explaining a connection says which events rest on a seq tcpdump did not print', () => {
      const trace = analyzeText(readFileSync(fixture('realworld', 'tcpreplay-test.tcpdump'), 'utf8'));
      const events = run('tcp_trace_explain', trace, { connection: 0 }).split('\n').find((l) => l.startsWith('Events: '));
      // tshark's two retransmissions are FINs (their seq printed); its two duplicate ACKs are bare ACKs.
      assert.equal(events, 'Events: a retransmission ×2 (first line 4); a duplicate ACK ×2 (first line 8; 2 on a seq inferred where tcpdump printed none)');
      assert.deepEqual(trace.connections[0].events.filter((e) => e.inferred).map((e) => e.kind), ['duplicate_ack', 'duplicate_ack']);
    });

    it('ndpi-ipp: a zero window and a full window are why the transfer was slow, at tshark\'s frames', () => {
      const text = readFileSync(fixture('realworld', 'ndpi-ipp.tcpdump'), 'utf8');
      const truth = tsharkEvents('ndpi-ipp');
      const answer = run('tcp_trace_slow', analyzeText(text));
      assert.match(answer, /^1 connection of 3 show signs of slowness/);
      assert.ok(answer.includes(`zero window 1 time`) && answer.includes(`(first line ${truth.get('zero_window')![1]})`), answer);
      assert.ok(answer.includes(`filled the receiver's window ${truth.get('window_full')![0]} times`), answer);
    });
  });

  describe('on loopback captures, against the kernel', () => {
    const dir = fixture('captures');
    for (const scenario of readdirSync(dir)) {
      const truthFile = join(dir, scenario, 'truth.json');
      type Kernel = { clientState: string | null; serverState: string | null };
      let truth: { expect: { connState?: string }; listeners?: string[]; connections: Array<Kernel & { client: string; server: string; shown?: Partial<Kernel> }> };
      try {
        truth = JSON.parse(readFileSync(truthFile, 'utf8'));
      } catch {
        continue;
      }
      if (truth.connections.length !== 1) continue;
      it(`${scenario}: explaining the connection gives ss's states and the outcome`, () => {
        const trace = analyzeText(readFileSync(join(dir, scenario, 'nn.tcpdump'), 'utf8'));
        const k = truth.connections[0];
        const c = trace.connections.find((x) => x.client === k.client && x.server === k.server);
        assert.ok(c, `${k.client} > ${k.server}`);
        const answer = run('tcp_trace_explain', trace, { connection: c.id });
        // What the answer says of both ends, against ss (where the capture alone cannot show
        // the kernel's state, truth.json's `shown` says what it shows instead).
        const [, client, server] = /client (\S+) {2}server (\S+)/.exec(answer)!;
        const wantClient = k.shown?.clientState ?? k.clientState;
        const wantServer = k.shown?.serverState ?? k.serverState;
        if (wantClient !== null) assert.equal(client, wantClient, answer);
        // A server end that never existed is the listener: LISTEN in ss.
        if (wantServer !== null) assert.ok(server === wantServer || (wantServer === 'CLOSED' && server === 'LISTEN' && truth.listeners?.includes(k.server)), answer);
        if (truth.expect.connState) assert.ok(answer.split('\n')[1].trim().startsWith(`${truth.expect.connState} `), answer);
      });
    }

    it('refused: a filter finds the refusal, and the RST\'s line is explained', () => {
      const trace = analyzeText(readFileSync(fixture('captures', 'refused', 'nn.tcpdump'), 'utf8'));
      assert.match(run('tcp_trace_connections', trace, { filter: 'connState == REJ and flags.rst' }), /^1 of 1 connection match/);
      assert.match(run('tcp_trace_connections', trace, { filter: 'connState == SF' }), /^0 of 1 connection match connState == SF$/);
      const answer = run('tcp_trace_explain', trace, { line: 2 });
      assert.match(answer, /^line 2: 127\.0\.0\.1\.8081 > 127\.0\.0\.1\.40008 \[R\.\]/);
      assert.match(answer, /nothing listens on this port/);
      assert.match(answer, /client SYN_SENT → CLOSED/);
    });
  });

  it('unanswered-syn: the SYN\'s backoff is why, as the kernel retried it (1 s, then 2 s), not data retransmissions', () => {
    const trace = analyzeText(readFileSync(fixture('captures', 'unanswered-syn', 'nn.tcpdump'), 'utf8'));
    const answer = run('tcp_trace_slow', trace, { connection: 0 });
    assert.match(answer, /^- The SYN was sent 3 times \(backoff 1\.0 s, 2\.0 s\): no SYN,ACK came in 3\.0 s \(SYN first at line 1\)\.$/m);
    assert.doesNotMatch(answer, /data retransmission/);
  });

  it('retransmission: the server\'s pause before answering (the capture script sleeps 0.1 s) is named as the application\'s time', () => {
    const trace = analyzeText(readFileSync(fixture('captures', 'retransmission', 'nn.tcpdump'), 'utf8'));
    const answer = run('tcp_trace_slow', trace, { connection: 0 });
    const took = /^- The server took ([\d.]+) ms from acknowledging the whole request to its first response byte.*not the network\.$/m.exec(answer);
    assert.ok(took && Number(took[1]) >= 100 && Number(took[1]) < 200, answer);
    // The handshake's two halves add up to its RTT (no SYN was sent twice).
    const [, rtt, a, b] = /^Handshake RTT ([\d.]+) ms: ([\d.]+) ms from SYN to SYN,ACK .*, ([\d.]+) ms from SYN,ACK to ACK/m.exec(answer)!;
    assert.ok(Math.abs(Number(a) + Number(b) - Number(rtt)) < 0.002, answer);
  });

  it('limit captures: the answer for a connection leads with the verdict the kernel\'s figures call for, its longest stall cited', () => {
    for (const [name, verdict] of [['limit-rwnd', 'receiver_window'], ['limit-think', 'server_think']] as const) {
      const trace = analyzeText(readFileSync(fixture('limits', name, 'nn.tcpdump'), 'utf8'));
      const c = trace.connections.reduce((a, b) => (b.packets > a.packets ? b : a));
      const answer = run('tcp_trace_slow', trace, { connection: c.id });
      const line = answer.split('\n')[1];
      assert.match(line, new RegExp(`^What limited it: ${verdict} \\(\\d+% of `), answer);
      assert.match(line, /longest stall .* lines (\d+)-\d+ \(the stall begins at line \1\)$/, answer);
    }
  });

  describe('answers stay small', () => {
    // 2,000 copies of a real capture's connection, each on its own client port: 54,000 packets.
    const lines = readFileSync(fixture('captures', 'retransmission', 'nn.tcpdump'), 'utf8').trimEnd().split('\n');
    const copies: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const port = String(20000 + i);
      for (const l of lines) copies.push(l.replaceAll('.40018', `.${port}`));
    }
    let trace: Trace;
    before(() => {
      trace = analyzeText(copies.join('\n') + '\n');
      assert.equal(trace.connections.length, 2000);
    });

    for (const [name, input] of [['tcp_trace_summary', {}], ['tcp_trace_connections', {}], ['tcp_trace_slow', {}], ['tcp_trace_connections', { limit: 10_000 }], ['tcp_trace_explain', { connection: 1999 }]] as const) {
      it(`${name} ${JSON.stringify(input)}: a few kB whatever the trace's size`, () => {
        const answer = run(name, trace, input);
        assert.ok(answer.length < (input.limit ? 200 * 450 : 8000), `${answer.length} characters`);
        if (name === 'tcp_trace_connections') assert.match(answer, new RegExp(`… ${2000 - (input.limit ? MAX_LIMIT : 20)} more connections not shown$`));
        if (name === 'tcp_trace_slow') assert.match(answer, /^2000 connections of 2000 show signs of slowness[^]*… 1995 more connections not shown$/);
      });
    }
  });

  describe('mistakes in the input', () => {
    const trace = analyzeText(readFileSync(fixture('captures', 'refused', 'nn.tcpdump'), 'utf8'));
    it('are said plainly', () => {
      assert.throws(() => run('tcp_trace_connections', trace, { filter: 'rttMs >' }), /filter: .* \(column 8\)\n {2}rttMs >\n {9}\^/);
      assert.throws(() => run('tcp_trace_explain', trace, { connection: 5 }), /no connection 5: the ids go from 0 to 0/);
      assert.throws(() => run('tcp_trace_explain', trace, { line: 99 }), /line 99 holds no TCP packet/);
      assert.throws(() => run('tcp_trace_explain', trace, {}), /give a connection id or a line number/);
      assert.throws(() => run('tcp_trace_summary', trace, { limit: 0 }), /limit must be/);
    });
  });

  describe('the editor\'s contribution', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const nls = JSON.parse(readFileSync(join(ROOT, 'package.nls.json'), 'utf8'));
    const zh = JSON.parse(readFileSync(join(ROOT, 'package.nls.zh-cn.json'), 'utf8'));
    it('declares every tool of the table, with its schema and its description in both languages', () => {
      const contributed: Array<{ name: string; inputSchema: unknown; modelDescription: string; displayName: string; userDescription: string }> = pkg.contributes.languageModelTools;
      assert.deepEqual(contributed.map((t) => t.name), TRACE_TOOLS.map((t) => t.name));
      for (const tool of TRACE_TOOLS) {
        const c = contributed.find((t) => t.name === tool.name)!;
        assert.deepEqual(c.inputSchema, inputSchema(tool, false), tool.name);
        const key = (s: string) => /^%(.+)%$/.exec(s)![1];
        assert.equal(nls[key(c.modelDescription)], tool.description, tool.name);
        for (const field of [c.displayName, c.userDescription, c.modelDescription]) {
          assert.ok(nls[key(field)], `${field} in English`);
          assert.match(zh[key(field)], /[\u4e00-\u9fff]/, `${field} in Chinese`);
        }
      }
    });
  });
});
