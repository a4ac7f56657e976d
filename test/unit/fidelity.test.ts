// Expert events on captures of real networks (test/fixtures/realworld, see its SOURCES.md):
// the engine reads the `tcpdump -nn` text of each capture, tshark dissected the capture
// itself, and every tcp.analysis flag is scored frame by frame (precision, recall, F1).
//
// tcpdump's -nn text prints no seq for a segment without data, SYN, FIN or RST: for those the
// engine infers the seq (the sender's next sequence number, one less for a keep-alive). A flag
// whose rule reads the seq is scored on its own on such packets ("seq inferred"), beside the
// flags that rest on printed numbers; the JSON marks the engine's events of the first kind
// `inferred`, and the test checks that the two agree.

import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_KINDS, type EventKind } from '../../src/trace';
import { EVENT_BIT, SEQ_EVENTS } from '../../src/trace/expert';
import { readTshark } from './corpus.test';
import { analyzeFile, fixture, hasFile } from './helpers';

/** REALWORLD_DIR may name another folder of the same layout, e.g. a larger corpus kept outside the repository. */
const DIR = process.env.REALWORLD_DIR ?? fixture('realworld');

/**
 * The F1 each flag must reach, where tshark reports it at least MIN_SUPPORT times: on packets
 * whose seq tcpdump printed, and (a floor, since the text lacks what tshark reads) on packets
 * whose seq the engine inferred.
 */
const TARGET_F1 = 0.95;
const INFERRED_FLOOR_F1 = 0.8;
const MIN_SUPPORT = 3;

export interface CorpusEntry {
  name: string;
  linktype: string;
  tcpFrames: number;
}

export function realworldIndex(): CorpusEntry[] {
  if (!hasFile(join(DIR, 'INDEX.tsv'))) return [];
  const rows = readFileSync(join(DIR, 'INDEX.tsv'), 'utf8').trim().split('\n').slice(1);
  return rows.map((r) => r.split('\t')).map((c) => ({ name: c[0], linktype: c[6], tcpFrames: Number(c[8]) }));
}

/** Frame number per line of tcpdump text: a packet starts a line; a continuation line is indented. */
export function frameOfLines(text: string): number[] {
  const out = [0];
  let frame = 0;
  for (const line of text.split('\n')) {
    if (line.length > 0 && line[0] !== ' ' && line[0] !== '\t') frame++;
    out.push(frame);
  }
  return out;
}

type Kind = 'printed' | 'inferred';

class Score {
  tp = 0;
  fp = 0;
  fn = 0;
  get support() { return this.tp + this.fn; }
  get found() { return this.tp + this.fp; }
  get precision() { return this.found ? this.tp / this.found : 1; }
  get recall() { return this.support ? this.tp / this.support : 1; }
  get f1() { return this.tp + this.fp + this.fn ? (2 * this.tp) / (2 * this.tp + this.fp + this.fn) : 1; }
}

interface Result {
  scores: Record<Kind | 'all', Map<EventKind, Score>>;
  /** Frames tshark dissected as TCP that the engine read no packet for. */
  unread: number;
  packets: Record<Kind, number>;
  /** Engine events whose JSON `inferred` marker disagrees with the scoring's kind. */
  markerMismatches: string[];
  /** Per flag, a few frames where the engine and tshark differ (to start a diagnosis from). */
  examples: Map<EventKind, string[]>;
}

function score(entries: CorpusEntry[]): Result {
  const mk = () => new Map(EVENT_KINDS.map((k) => [k, new Score()]));
  const res: Result = { scores: { printed: mk(), inferred: mk(), all: mk() }, unread: 0, packets: { printed: 0, inferred: 0 }, markerMismatches: [], examples: new Map() };
  for (const e of entries) {
    const path = join(DIR, `${e.name}.tcpdump`);
    const frameOf = frameOfLines(readFileSync(path, 'utf8'));
    const truth = new Map(readTshark(join(DIR, `${e.name}.tsv`)).map((f) => [f.frame, new Set(f.analysis)]));
    const t = analyzeFile(path);
    const json = t.toJSON(true);
    const marked = new Set(json.connections.flatMap((c) => c.events.filter((ev) => ev.inferred).map((ev) => `${ev.packet} ${ev.kind}`)));
    const seen = new Set<number>();
    json.packetRecords!.forEach((p, i) => {
      const frame = frameOf[p.line];
      const want = truth.get(frame);
      if (!want) return; // not TCP to tshark (e.g. a tunnel it does not open)
      seen.add(frame);
      const seqPrinted = t.columns.seq[i] === t.columns.seq[i];
      res.packets[seqPrinted ? 'printed' : 'inferred']++;
      const got = new Set<string>(p.events);
      for (const k of EVENT_KINDS) {
        const g = got.has(k);
        const w = want.has(k);
        if (!g && !w) continue;
        const kind: Kind = !seqPrinted && SEQ_EVENTS & EVENT_BIT[k] ? 'inferred' : 'printed';
        if (g && marked.has(`${i} ${k}`) !== (kind === 'inferred')) res.markerMismatches.push(`${e.name} frame ${frame} ${k}`);
        for (const s of [res.scores[kind].get(k)!, res.scores.all.get(k)!]) {
          if (g && w) s.tp++;
          else if (g) s.fp++;
          else s.fn++;
        }
        if (g !== w) {
          const ex = res.examples.get(k) ?? [];
          if (ex.length < 6) ex.push(`${e.name} frame ${frame} (${g ? 'engine only' : 'tshark only'}, ${kind})`);
          res.examples.set(k, ex);
        }
      }
    });
    for (const [frame, want] of truth) {
      if (seen.has(frame)) continue;
      res.unread++;
      for (const k of want) {
        const s = res.scores.all.get(k as EventKind);
        if (s) s.fn++;
      }
    }
  }
  return res;
}

function table(res: Result): string {
  const pct = (x: number) => x.toFixed(3);
  const rows = [`flag                      | tshark | engine |  P     R     F1   | printed numbers: n  F1 | seq inferred: n  F1`];
  for (const k of EVENT_KINDS) {
    const a = res.scores.all.get(k)!;
    const p = res.scores.printed.get(k)!;
    const i = res.scores.inferred.get(k)!;
    if (a.support === 0 && a.found === 0) continue;
    rows.push(
      `${k.padEnd(25)} | ${String(a.support).padStart(6)} | ${String(a.found).padStart(6)} | ${pct(a.precision)} ${pct(a.recall)} ${pct(a.f1)} | ` +
      `${String(p.support).padStart(18)} ${pct(p.f1)} | ${String(i.support).padStart(15)} ${pct(i.f1)}`,
    );
  }
  rows.push(`packets: ${res.packets.printed} with their seq printed, ${res.packets.inferred} with it inferred; ${res.unread} TCP frames tshark has and the text does not`);
  const inferredEvents = [...res.scores.inferred.values()].reduce((n, s) => n + s.found, 0);
  const allEvents = [...res.scores.all.values()].reduce((n, s) => n + s.found, 0);
  rows.push(`engine events: ${allEvents}, of which ${inferredEvents} rest on an inferred seq (marked inferred in the JSON)`);
  return rows.join('\n');
}

describe('fidelity: expert events against tshark on captures of real networks', function () {
  this.timeout(120_000);
  const entries = realworldIndex();

  it('the corpus is large and varied enough', () => {
    assert.ok(entries.length >= 30, `${entries.length} captures`);
    const frames = entries.reduce((n, e) => n + e.tcpFrames, 0);
    assert.ok(frames >= 20_000, `${frames} TCP frames`);
    assert.ok(new Set(entries.map((e) => e.linktype)).size >= 3, 'at least three link types');
    for (const e of entries) assert.ok(hasFile(join(DIR, `${e.name}.tcpdump`)) && hasFile(join(DIR, `${e.name}.tsv`)), e.name);
  });

  it(`every tcp.analysis flag reaches F1 >= ${TARGET_F1} where the seq was printed, ${INFERRED_FLOOR_F1} where it was inferred`, () => {
    const res = score(entries);
    console.log(table(res));
    const low: string[] = [];
    for (const k of EVENT_KINDS) {
      for (const [kind, target] of [['printed', TARGET_F1], ['inferred', INFERRED_FLOOR_F1]] as const) {
        const s = res.scores[kind].get(k)!;
        if (s.support >= MIN_SUPPORT && s.f1 < target) low.push(`${k} (seq ${kind}): F1 ${s.f1.toFixed(3)}; ${(res.examples.get(k) ?? []).join('; ')}`);
      }
    }
    assert.ok(res.packets.printed + res.packets.inferred >= 20_000, 'packets scored');
    assert.deepEqual(low, []);
    assert.deepEqual(res.markerMismatches, [], 'the JSON marks inferred exactly the events scored as inferred');
  });
});

/** The engine's events and tshark's flags on some frames of one capture of the corpus. */
function framesOf(name: string, frames: number[]): Array<{ frame: number; engine: string[]; tshark: string[]; inferred: string[] }> {
  const path = join(DIR, `${name}.tcpdump`);
  const frameOf = frameOfLines(readFileSync(path, 'utf8'));
  const truth = new Map(readTshark(join(DIR, `${name}.tsv`)).map((f) => [f.frame, f.analysis]));
  const json = analyzeFile(path).toJSON(true);
  const marked = json.connections.flatMap((c) => c.events.filter((ev) => ev.inferred));
  return frames.map((frame) => {
    const i = json.packetRecords!.findIndex((p) => frameOf[p.line] === frame);
    assert.ok(i >= 0, `${name} frame ${frame} read`);
    return { frame, engine: json.packetRecords![i].events, tshark: truth.get(frame) ?? [], inferred: marked.filter((ev) => ev.packet === i).map((ev) => ev.kind) };
  });
}

describe('fidelity: the inferences, frame by frame', function () {
  this.timeout(60_000);
  const corpus = () => realworldIndex().length > 0;

  it('a side that has answered a keep-alive and sends the same ACK again sends its own keep-alive; the peer answers it', function () {
    if (!corpus()) this.skip();
    // An IoT device and its server each keep the connection alive: the client every minute,
    // the server every two, right after answering the client's.
    const got = framesOf('ndpi-nest_log_sink', [15, 16, 17, 18, 25, 26, 27, 28]);
    for (const f of got) assert.deepEqual(f.engine, f.tshark, `frame ${f.frame}`);
    assert.deepEqual(got.map((f) => f.engine.join()), ['keep_alive', 'keep_alive_ack', 'keep_alive', 'keep_alive_ack', 'keep_alive', 'keep_alive_ack', 'keep_alive', 'keep_alive_ack']);
    for (const f of got) assert.deepEqual(f.inferred, f.engine, `frame ${f.frame}: marked inferred (a bare ACK: no seq printed)`);
  });

  it('a repeated ACK after the peer\'s RST, or in a one-sided capture, is not a keep-alive', function () {
    if (!corpus()) this.skip();
    // The peer reset the connection: its RST says window 0, which is no zero window.
    for (const f of framesOf('ndpi-ethereum', [656, 658, 1782])) assert.deepEqual(f.engine, f.tshark, `ethereum frame ${f.frame}`);
    // Only one direction of the connection was captured: what the ACK answers is not there.
    for (const f of framesOf('ndpi-wechat', [1671])) assert.deepEqual(f.engine, ['duplicate_ack'], `wechat frame ${f.frame}`);
  });

  it('reused_ports on a SYN,ACK with an ISN other than its sender\'s first seq, and on none of its copies', function () {
    if (!corpus()) this.skip();
    // A second SYN,ACK with a new ISN after the first was answered.
    for (const [name, frame] of [['ndpi-KakaoTalk_chat', 46], ['ndpi-KakaoTalk_talk', 21]] as const) {
      const [f] = framesOf(name, [frame]);
      assert.deepEqual(f.engine, f.tshark, `${name} frame ${frame}`);
      assert.ok(f.engine.includes('reused_ports'));
    }
    // A SYN refused by RST (seq 0) is sent again with the same ISN and now answered: the
    // SYN,ACK differs from the RST's seq; its copies are retransmissions.
    const rtsp = framesOf('ndpi-rtsp', [297, 301, 302, 303]);
    for (const f of rtsp) assert.deepEqual(f.engine, f.tshark, `rtsp frame ${f.frame}`);
    assert.deepEqual(rtsp.map((f) => f.engine.join()), ['retransmission', 'reused_ports', 'retransmission', 'retransmission']);
  });
});
