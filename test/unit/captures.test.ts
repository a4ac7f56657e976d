// Real loopback captures (scripts/make-captures.sh): the kernel's own states, taken with
// `ss -tanoH state all` before the capture stopped, against what the engine infers from the
// text. Every scenario is rendered with several tcpdump option sets; all must agree.

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionSummary, Trace } from '../../src/trace';
import { readTshark } from './corpus.test';
import { analyzeFile, analyzeLines, fixture, hasFile } from './helpers';

interface Truth {
  scenario: string;
  description: string;
  /**
   * The kernel's states (null: no kernel socket, e.g. a raw socket's port), and where the
   * packets cannot show the kernel's state, what a trace viewer must show instead (`shown`).
   */
  connections: Array<{
    client: string;
    server: string;
    clientState: string | null;
    serverState: string | null;
    shown?: { clientState?: string; serverState?: string };
  }>;
  expect: Record<string, unknown>;
  listeners?: string[];
}

const DIR = fixture('captures');
const RENDERINGS = ['nn', 'tttt_v', 'S_vv', 'e', 'names', 'num_ttttt_x', 'A', 'ttt', 'ttttt'];
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
          const wantClient = want.shown?.clientState ?? want.clientState;
          const wantServer = want.shown?.serverState ?? want.serverState;
          if (wantClient !== null) assert.equal(c.clientState, wantClient, `${want.client} client`);
          if (wantServer !== null) {
            // A connection's server end that never existed: the listener, LISTEN in ss.
            const ok = c.serverState === wantServer || (wantServer === 'CLOSED' && c.serverState === 'LISTEN' && listeners.has(want.server));
            assert.ok(ok, `${want.server} server: engine ${c.serverState}, kernel ${wantServer}`);
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
        if ('notes' in e) assert.deepEqual(c.notes, e.notes);
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

describe('captures: -ttt and -ttttt times against the clock', () => {
  const close = (a: number | null, b: number | null, what: string) => {
    assert.ok(a === b || (a !== null && b !== null && Math.abs(a - b) < 1e-6), `${what}: ${a} vs ${b}`);
  };
  const nonNegative = (c: ConnectionSummary, what: string) => {
    for (const x of [c.duration, c.handshake.rttMs, ...c.handshake.synIntervals, ...c.handshake.synAckIntervals]) {
      assert.ok(x === null || x >= 0, `${what} #${c.id}: ${x}`);
    }
  };
  for (const name of scenarios) {
    if (!hasFile(join(DIR, name, 'ttt.tcpdump'))) continue;
    const nn = () => analyzeFile(join(DIR, name, 'nn.tcpdump')).connections;

    it(`${name}: -ttt and -ttttt give the RTTs, durations and backoff gaps of the time of day`, () => {
      const want = nn();
      // -ttt and -ttttt print alike. Deltas that never fall to half the one before (0, 1 s,
      // 2 s: a backoff) are also times since the first packet: such a text is read right when
      // a sender's TCP timestamps tell which it is, and otherwise says that it cannot tell.
      for (const r of ['ttt', 'ttttt']) {
        const trace = analyzeFile(join(DIR, name, `${r}.tcpdump`));
        if (trace.repairs.some((x) => x.kind === 'clock')) {
          const deltas = readFileSync(join(DIR, name, `${r}.tcpdump`), 'utf8').split('\n').filter(Boolean).map((l) => {
            const [h, m, s] = l.trim().split(' ')[0].split(':').map(Number);
            return h * 3600 + m * 60 + s;
          });
          assert.ok(deltas.every((d, i) => i === 0 || d >= deltas[i - 1] / 2), `${r}: the clock note on times that went back`);
          continue;
        }
        const have = trace.connections;
        assert.equal(have.length, want.length, r);
        have.forEach((c, i) => {
          nonNegative(c, r);
          close(c.handshake.rttMs, want[i].handshake.rttMs, `${r} #${i} rtt`);
          close(c.duration, want[i].duration, `${r} #${i} duration`);
          assert.deepEqual(c.handshake.synIntervals, want[i].handshake.synIntervals, `${r} #${i} SYN gaps`);
          assert.deepEqual(c.handshake.synAckIntervals, want[i].handshake.synAckIntervals, `${r} #${i} SYN,ACK gaps`);
        });
      }
    });

    it(`${name}: a paste that starts mid-capture gives the same RTTs, never negative times`, () => {
      const want = nn();
      for (const r of ['ttt', 'ttttt']) {
        const lines = readFileSync(join(DIR, name, `${r}.tcpdump`), 'utf8').split('\n');
        for (let k = 1; k <= 3 && k < lines.length - 2; k++) {
          const have = analyzeLines(lines.slice(k)).connections;
          for (const c of have) {
            nonNegative(c, `${r} from line ${k + 1}`);
            // The same connection in the whole capture: it ends on the same line (its roles may
            // differ where the paste lost a SYN).
            const w = want.find((x) => [x.client, x.server].sort().join() === [c.client, c.server].sort().join() && x.lastLine === c.lastLine + k);
            assert.ok(w, `${r} from line ${k + 1}: #${c.id} not in the whole capture`);
            const h = c.handshake;
            if (h.synLine !== null && h.ackLine !== null && h.synLine + k === w.handshake.synLine && h.ackLine + k === w.handshake.ackLine) {
              close(h.rttMs, w.handshake.rttMs, `${r} from line ${k + 1} #${c.id} rtt`);
            }
            if (c.firstLine + k === w.firstLine) close(c.duration, w.duration, `${r} from line ${k + 1} #${c.id} duration`);
          }
        }
      }
    });
  }
});
