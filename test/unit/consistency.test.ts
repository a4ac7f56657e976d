// The views read one trace through different queries: the tree's census of states at a line
// (census), the status bar and the hover (the packet at the cursor's line, its states before
// and after), and the JSON (toJSON with its packets). Over every fixture they must never
// disagree, and the census must equal one counted from the JSON alone; in the engine's trace
// and in the snapshot of it that the extension host reads. Each expert event's packet carries it.

import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Census, Trace } from '../../src/trace';
import { analyzeFile, CORPUS, fixture, hasFile } from './helpers';
import { restored } from './traceCompare';

function files(): string[] {
  const out: string[] = [fixture('sample.tcpdump')];
  const captures = fixture('captures');
  for (const d of readdirSync(captures)) {
    if (!hasFile(join(captures, d, 'truth.json'))) continue;
    for (const f of readdirSync(join(captures, d))) if (f.endsWith('.tcpdump')) out.push(join(captures, d, f));
  }
  for (const dir of [fixture('realworld'), fixture('pastes'), CORPUS]) {
    if (!hasFile(dir)) continue;
    for (const f of readdirSync(dir)) if (/\.(tcpdump|txt|out)$/.test(f)) out.push(join(dir, f));
  }
  return out;
}

/** TIME_WAIT ends with trace time (2MSL): the census may show CLOSED where the packet showed TIME_WAIT. */
function merged(counts: Census['counts']): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(counts)) {
    const key = k === 'TIME_WAIT' || k === 'CLOSED' ? 'TIME_WAIT|CLOSED' : k;
    out[key] = (out[key] ?? 0) + (v ?? 0);
  }
  return out;
}

/** Every disagreement between the views of one trace, as readable lines (at most a few). */
function disagreements(t: Trace): string[] {
  const out: string[] = [];
  const say = (s: string) => {
    if (out.length < 5) out.push(s);
  };
  const json = t.toJSON(true);
  const records = json.packetRecords!;
  if (records.length !== t.packetCount) say(`JSON has ${records.length} packets, the trace ${t.packetCount}`);

  // The packet at a line: what the status bar and the hover show, against the JSON.
  const lastOf = new Map<number, number>();
  for (let i = 0; i < t.packetCount; i++) {
    const p = t.packet(i);
    const r = records[i];
    if (p.after.client !== r.clientState || p.after.server !== r.serverState) {
      say(`line ${p.line}: the packet's states ${p.after.client}/${p.after.server}, JSON ${r.clientState}/${r.serverState}`);
    }
    if (p.events.join() !== r.events.join()) say(`line ${p.line}: events ${p.events} vs JSON ${r.events}`);
    const prev = lastOf.get(p.connection);
    if (prev !== undefined) {
      const q = t.packet(prev);
      if (q.after.client !== p.before.client || q.after.server !== p.before.server) {
        say(`line ${p.headerLine}: the hover's before ${p.before.client}/${p.before.server}, the previous packet's after ${q.after.client}/${q.after.server}`);
      }
    }
    lastOf.set(p.connection, i);
    // Packets glued on one line share it; the views take the line's first.
    const from = i > 0 ? Math.max(p.headerLine, t.packet(i - 1).line + 1) : p.headerLine;
    for (let line = from; line <= p.line; line++) {
      if (t.packetAtLine(line) !== i) say(`line ${line}: packetAtLine ${t.packetAtLine(line)}, expected packet ${i}`);
    }
  }

  // The census at every line against one counted from the JSON: each started connection in
  // the states after its last packet begun at or before the line.
  const order = Array.from({ length: t.packetCount }, (_, i) => i);
  const latest = new Map<number, number>();
  let k = 0;
  for (let line = 1; line <= t.lines; line++) {
    while (k < order.length && t.packet(order[k]).headerLine <= line) latest.set(t.packet(order[k]).connection, order[k++]);
    const want: Census['counts'] = {};
    for (const [, i] of latest) {
      for (const s of [records[i].clientState, records[i].serverState]) if (s) want[s] = (want[s] ?? 0) + 1;
    }
    const got = t.census(line);
    if (got.connections !== latest.size) say(`line ${line}: census of ${got.connections} connections, ${latest.size} started`);
    if (JSON.stringify(sorted(merged(got.counts))) !== JSON.stringify(sorted(merged(want)))) {
      say(`line ${line}: census ${JSON.stringify(got.counts)}, from the JSON ${JSON.stringify(want)}`);
    }
    // The status bar at this line: its packet's connection is counted in those states (on a
    // line of glued packets the census is after all of them).
    const p = t.packetAtLine(line);
    const alone = p >= 0 && (p + 1 >= t.packetCount || t.packet(p + 1).headerLine > line);
    if (alone) {
      const a = t.packet(p).after;
      const counts = merged(got.counts);
      for (const s of [a.client, a.server]) {
        const key = s === 'TIME_WAIT' || s === 'CLOSED' ? 'TIME_WAIT|CLOSED' : s;
        if (s && !counts[key!]) say(`line ${line}: the status bar shows ${a.client} ⇄ ${a.server}, the census ${JSON.stringify(got.counts)}`);
      }
    }
  }
  // The connection's final states in the JSON: its last packet's, or CLOSED once TIME_WAIT ended.
  for (const c of json.connections) {
    const i = lastOf.get(c.id);
    if (i === undefined) continue;
    const r = records[i];
    const same = (end: string | null, last: string | null) => end === last || (last === 'TIME_WAIT' && end === 'CLOSED');
    if (!same(c.clientState, r.clientState) || !same(c.serverState, r.serverState)) {
      say(`connection ${c.id}: final ${c.clientState}/${c.serverState}, its last packet's ${r.clientState}/${r.serverState}`);
    }
    // Each expert event names the packet that carries it: on its line, of its connection, with its kind.
    for (const e of c.events) {
      const q = records[e.packet];
      if (!q || q.line !== e.line || q.connection !== c.id || !q.events.includes(e.kind)) {
        say(`connection ${c.id}: event ${e.kind} at line ${e.line} names packet ${e.packet} (${q ? `line ${q.line}, ${q.events}` : 'none'})`);
      }
    }
  }
  return out;
}

function sorted(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

describe('consistency: census, status bar, hover and JSON agree on every fixture', function () {
  this.timeout(300_000);
  it('has the fixtures', () => assert.ok(files().length > 300, `${files().length} files`));
  it('no view disagrees with another on any line', () => {
    const failures: string[] = [];
    for (const f of files()) {
      // The trace as the engine built it, and as the extension host reads it (the snapshot the
      // analysis worker sends).
      const t = analyzeFile(f);
      for (const [what, view] of [['engine', t], ['snapshot', restored(t)]] as const) {
        const d = disagreements(view);
        if (d.length) failures.push(`${f.slice(fixture('').length)} (${what}): ${d.join('; ')}`);
      }
    }
    assert.deepEqual(failures.slice(0, 15), []);
  });
});
