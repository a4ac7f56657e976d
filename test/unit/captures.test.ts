// Real loopback captures (scripts/make-captures.sh): the kernel's own states, taken with
// `ss -tanoH state all` before the capture stopped, against what the engine infers from the
// text. Every scenario is rendered with several tcpdump option sets; all must agree.

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionSummary, Trace } from '../../src/trace';
import { readTshark } from './corpus.test';
import { analyzeFile, fixture, hasFile } from './helpers';

interface Truth {
  scenario: string;
  description: string;
  connections: Array<{ client: string; server: string; clientState: string | null; serverState: string | null }>;
  expect: Record<string, unknown>;
  listeners?: string[];
}

const DIR = fixture('captures');
const RENDERINGS = ['nn', 'tttt_v', 'S_vv', 'e', 'names', 'num_ttttt_x', 'A'];
const scenarios = hasFile(DIR) ? readdirSync(DIR).filter((d) => hasFile(join(DIR, d, 'truth.json'))) : [];

/** What must be the same whichever way tcpdump printed the capture. */
function essence(c: ConnectionSummary) {
  return {
    clientState: c.clientState,
    serverState: c.serverState,
    connState: c.connState,
    history: c.history,
    packets: c.packets,
    bytes: c.bytes,
    close: c.close,
    isn: [c.handshake.clientIsn, c.handshake.serverIsn],
    complete: c.handshake.complete,
    events: c.events.map((e) => e.kind).sort(),
  };
}

function closeKind(segments: unknown): string {
  return segments === 4 ? 'four-way' : segments === 3 ? 'combined' : String(segments);
}

describe('captures: real loopback traffic against the kernel', () => {
  it('has the capture fixtures', () => {
    assert.ok(scenarios.length >= 15, `only ${scenarios.length} scenarios under test/fixtures/captures`);
  });

  for (const name of scenarios) {
    describe(name, () => {
      const truth = JSON.parse(readFileSync(join(DIR, name, 'truth.json'), 'utf8')) as Truth;
      const traces = new Map<string, Trace>();
      const get = (r: string) => {
        let t = traces.get(r);
        if (!t) traces.set(r, (t = analyzeFile(join(DIR, name, `${r}.tcpdump`))));
        return t;
      };

      it('final states match ss', () => {
        const t = get('nn');
        assert.equal(t.problems.length, 0, JSON.stringify(t.problems.slice(0, 3)));
        const listeners = new Set(truth.listeners ?? []);
        for (const want of truth.connections) {
          // Connections on the same 4-tuple (port reuse) appear in order.
          const c = t.connections.filter((x) => x.client === want.client && x.server === want.server)[countBefore(truth, want)];
          assert.ok(c, `no connection ${want.client} > ${want.server}; have ${t.connections.map((x) => `${x.client} > ${x.server}`).join(', ')}`);
          if (want.clientState !== null) assert.equal(c.clientState, want.clientState, `${want.client} client`);
          if (want.serverState !== null) {
            // A connection's server end that never existed: the listener, LISTEN in ss.
            const ok = c.serverState === want.serverState || (want.serverState === 'CLOSED' && c.serverState === 'LISTEN' && listeners.has(want.server));
            assert.ok(ok, `${want.server} server: engine ${c.serverState}, kernel ${want.serverState}`);
          }
        }
      });

      it('meets the scenario\'s expectations', () => {
        const t = get('nn');
        const e = truth.expect;
        const c = t.connections[0];
        if ('connections' in e) assert.equal(t.connections.length, e.connections);
        if ('connState' in e) assert.equal(c.connState, e.connState);
        if ('firstFinFrom' in e) {
          const want = Array.isArray(e.firstFinFrom) ? e.firstFinFrom : [e.firstFinFrom];
          assert.deepEqual(t.connections.slice(0, want.length).map((x) => x.close.firstFinFrom), want);
        }
        if ('rstFrom' in e) assert.equal(c.close.rstFrom, e.rstFrom);
        if ('simultaneousOpen' in e) assert.equal(c.handshake.simultaneousOpen, e.simultaneousOpen);
        if ('simultaneousClose' in e) assert.equal(c.close.simultaneous, e.simultaneousClose);
        if ('synRetransmissions' in e) assert.equal(c.handshake.synRetransmissions, e.synRetransmissions);
        if ('synAckRetransmissions' in e) assert.equal(c.handshake.synAckRetransmissions, e.synAckRetransmissions);
        if ('closeSegments' in e) assert.equal(c.close.kind, closeKind(e.closeSegments));
        if ('handshakeSeen' in e) assert.equal(c.handshake.complete, e.handshakeSeen);
        if ('events' in e) {
          const have = new Set(t.connections.flatMap((x) => x.events.map((ev) => ev.kind)));
          for (const k of e.events as string[]) assert.ok(have.has(k as never), `event ${k} not found; have ${[...have].join(', ')}`);
        }
      });

      it('every rendering gives the same connections and states', () => {
        const base = get('nn').connections.map(essence);
        for (const r of RENDERINGS.slice(1)) {
          if (!hasFile(join(DIR, name, `${r}.tcpdump`))) continue;
          const t = get(r);
          assert.equal(t.problems.length, 0, `${r}: ${JSON.stringify(t.problems.slice(0, 3))}`);
          assert.deepEqual(t.connections.map(essence), base, r);
        }
      });

      it('-S and relative numbering give the same absolute seq/ack per packet', () => {
        const a = get('nn').toJSON(true).packetRecords!;
        const b = get('S_vv').toJSON(true).packetRecords!;
        // -vv prints the seq of every segment, -nn only where the segment has data or SYN/FIN/RST.
        assert.deepEqual(b.map((p, i) => [a[i].seq === null ? null : p.seq, p.ack]), a.map((p) => [p.seq, p.ack]));
      });

      it('-q (no flags) still finds every packet and 4-tuple', () => {
        const q = get('q');
        const nn = get('nn');
        assert.equal(q.packetCount, nn.packetCount);
        // Without flags a reused 4-tuple cannot be split into incarnations.
        const tuples = new Set(nn.connections.map((c) => `${c.client} ${c.server}`));
        assert.equal(q.connections.length, tuples.size);
      });
    });
  }
});

/** For a truth entry on a reused 4-tuple: how many earlier entries share its tuple. */
function countBefore(truth: Truth, want: Truth['connections'][number]): number {
  const i = truth.connections.indexOf(want);
  return truth.connections.slice(0, i).filter((x) => x.client === want.client && x.server === want.server).length;
}

describe('captures: expert events against tshark', () => {
  for (const name of scenarios) {
    const ts = fixture('tshark', `${name}.tsv`);
    if (!hasFile(ts)) continue;
    it(`${name}: the same tcp.analysis events on every frame`, () => {
      // In -nn output each packet is one line, so line N is frame N.
      const frames = new Map(readTshark(ts).map((f) => [f.frame, f.analysis.sort().join(',')]));
      const t = analyzeFile(join(DIR, name, 'nn.tcpdump'));
      const diff: string[] = [];
      for (const p of t.toJSON(true).packetRecords!) {
        const want = frames.get(p.line) ?? '';
        const got = [...p.events].sort().join(',');
        if (got !== want) diff.push(`frame ${p.line}: engine [${got}] tshark [${want}]`);
      }
      assert.deepEqual(diff, []);
    });
  }
});
