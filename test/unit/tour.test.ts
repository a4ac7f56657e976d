// The TCP tour (the walkthrough) against its examples: every line a lesson names, in English
// and in Chinese, is a packet of that lesson's example, with the flags, states, seq and ack the
// lesson says; and each lesson's main claims hold in the engine's analysis of the capture.

import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PacketInfo, Trace } from '../../src/trace';
import { STATE_NAMES } from '../../src/trace/states';
import { ROOT, analyzeFile, fixture } from './helpers';

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown: string };
}

const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { walkthroughs: Array<{ id: string; title: string; description: string; steps: Step[] }> };
};
const NLS = {
  en: JSON.parse(readFileSync(join(ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>,
  zh: JSON.parse(readFileSync(join(ROOT, 'package.nls.zh-cn.json'), 'utf8')) as Record<string, string>,
};
type Lang = keyof typeof NLS;
const LANGS: Lang[] = ['en', 'zh'];

const key = (s: string) => /^%(.+)%$/.exec(s)?.[1] ?? assert.fail(`${s} is not localised`);
const nls = (lang: Lang, s: string) => NLS[lang][key(s)] ?? assert.fail(`${key(s)} missing for ${lang}`);

const EXAMPLES_DIR = join(ROOT, 'examples');
const exampleIds = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.tcpdump')).map((f) => f.replace(/\.tcpdump$/, ''));
const traces = new Map<string, Trace>();
function traceOf(id: string): Trace {
  let t = traces.get(id);
  if (!t) traces.set(id, (t = analyzeFile(join(EXAMPLES_DIR, `${id}.tcpdump`))));
  return t;
}
function packetAt(id: string, line: number): PacketInfo {
  const t = traceOf(id);
  const i = t.packetAtLine(line);
  assert.ok(i >= 0, `${id}.tcpdump line ${line} is not a packet`);
  return t.packet(i);
}

/** The [id, line] arguments of each "Open the example" link in a step's description. */
function links(description: string): Array<[string, number]> {
  return [...description.matchAll(/\(command:tcpTrace\.openExample\?([^)]+)\)/g)].map((m) => JSON.parse(decodeURIComponent(m[1])) as [string, number]);
}

/** A lesson's list items that name lines, with the example each belongs to. */
interface Item { example: string; lines: number[]; text: string }
const LINE_MARK: Record<Lang, RegExp> = {
  en: /^- \*\*Lines? ([\d, and]+)\*\*/,
  zh: /^- \*\*第 ([\d、]+) 行\*\*/,
};
function items(markdown: string, lang: Lang, firstExample: string): Item[] {
  const out: Item[] = [];
  let example = firstExample;
  let current: Item | undefined;
  for (const line of markdown.split('\n')) {
    const heading = /^#{2,} `([\w-]+)\.tcpdump`/.exec(line);
    if (heading) example = heading[1];
    const m = LINE_MARK[lang].exec(line);
    if (m) {
      current = { example, lines: m[1].split(/\D+/).filter(Boolean).map(Number), text: line };
      out.push(current);
    } else if (current && /^ {2}\S/.test(line)) current.text += ' ' + line.trim();
    else current = undefined;
  }
  return out;
}

const statesIn = (text: string) => new Set(STATE_NAMES.filter((s) => new RegExp(`\`${s}\``).test(text)));
const flagsIn = (text: string) => [...text.matchAll(/`Flags \[([^\]]*)\]`/g)].map((m) => m[1]);

const tour = manifest.contributes.walkthroughs.find((w) => w.id === 'tcpTour');

describe('tour: the walkthrough and its examples', () => {
  it('is contributed with nine lessons, titled and described in both languages', () => {
    assert.ok(tour, 'no tcpTour walkthrough');
    assert.equal(tour.steps.length, 9);
    for (const lang of LANGS) {
      nls(lang, tour.title);
      nls(lang, tour.description);
      for (const s of tour.steps) for (const f of [s.title, s.description, s.media.markdown]) assert.ok(nls(lang, f).trim(), `${s.id} ${f} (${lang})`);
    }
  });

  it('ships every example the tour and the quick pick name, each a copy of its capture fixture', () => {
    const source = readFileSync(join(ROOT, 'src/editor/examples.ts'), 'utf8');
    const listed = [...source.matchAll(/\{ id: '([\w-]+)'/g)].map((m) => m[1]);
    assert.deepEqual([...listed].sort(), [...exampleIds].sort());
    // examples/README.md says which scenario each file is; the copy must be that fixture, byte for byte.
    const readme = readFileSync(join(EXAMPLES_DIR, 'README.md'), 'utf8');
    for (const id of exampleIds) {
      const row = new RegExp(`^\\| \`${id}\\.tcpdump\` \\| \`([\\w-]+)\``, 'm').exec(readme);
      assert.ok(row, `${id} is not in examples/README.md`);
      assert.ok(readFileSync(join(EXAMPLES_DIR, `${id}.tcpdump`)).equals(readFileSync(fixture('captures', row[1], 'nn.tcpdump'))), `${id} differs from captures/${row[1]}`);
      assert.equal(traceOf(id).problems.length, 0);
    }
    const ignore = readFileSync(join(ROOT, '.vscodeignore'), 'utf8');
    assert.match(ignore, /^!examples\/\*\.tcpdump$/m);
  });

  for (const step of tour?.steps ?? []) {
    describe(`lesson ${step.id}`, () => {
      const opened = links(NLS.en[key(step.description)] ?? '');

      it('has buttons that open examples at packet lines, the same in both languages', () => {
        assert.ok(opened.length >= 1);
        assert.deepEqual(links(nls('zh', step.description)), opened);
        for (const [id, line] of opened) {
          assert.ok(exampleIds.includes(id), `no example ${id}`);
          packetAt(id, line);
        }
      });

      it('names lines that show the flags, states, seq and ack it says (English and Chinese alike)', () => {
        const perLang = LANGS.map((lang) => {
          const md = readFileSync(join(ROOT, nls(lang, step.media.markdown)), 'utf8');
          return items(md, lang, opened[0][0]);
        });
        const [en, zh] = perLang;
        assert.ok(en.length >= 1, 'the lesson names no lines');
        assert.deepEqual(zh.map((i) => [i.example, i.lines]), en.map((i) => [i.example, i.lines]), 'the Chinese lesson names other lines');
        for (const [n, item] of en.entries()) {
          assert.ok(opened.some(([id]) => id === item.example), `${item.example} has no button in this lesson`);
          assert.deepEqual([...statesIn(zh[n].text)].sort(), [...statesIn(item.text)].sort(), `states differ between languages at ${item.lines}`);
          assert.deepEqual(flagsIn(zh[n].text), flagsIn(item.text), `flags differ between languages at ${item.lines}`);
          for (const { text } of [item, zh[n]]) {
            for (const line of item.lines) {
              const p = packetAt(item.example, line);
              for (const f of flagsIn(text)) assert.equal(f, p.flags, `${item.example}:${line} flags`);
              const seen = new Set([p.before.client, p.before.server, p.after.client, p.after.server]);
              for (const s of statesIn(text)) assert.ok(seen.has(s), `${item.example}:${line} never shows ${s} (${JSON.stringify([p.before, p.after])})`);
              for (const m of text.matchAll(/`ack (\d+)`/g)) assert.ok([p.ack, p.relAck].includes(Number(m[1])), `${item.example}:${line} ack ${m[1]} is ${p.relAck} (${p.ack})`);
              for (const m of text.matchAll(/`seq (\d+):(\d+)`/g)) assert.deepEqual([Number(m[1]), Number(m[2])], [p.relSeq, (p.relSeq ?? 0) + p.len], `${item.example}:${line} seq`);
            }
          }
        }
      });
    });
  }
});

describe('tour: what each lesson teaches holds in its capture', () => {
  const only = (id: string) => {
    const t = traceOf(id);
    assert.equal(t.connections.length, 1);
    return t.connections[0];
  };

  it('handshake: x, x+1, y, y+1 on lines 1 to 3, and the values the lesson quotes', () => {
    const c = only('client-close');
    const h = c.handshake;
    assert.ok(h.complete);
    assert.deepEqual([h.synLine, h.synAckLine, h.ackLine], [1, 2, 3]);
    assert.equal(packetAt('client-close', 1).seq, h.clientIsn);
    assert.equal(packetAt('client-close', 2).seq, h.serverIsn);
    assert.equal(packetAt('client-close', 2).ack, h.clientIsn! + 1);
    assert.equal(packetAt('client-close', 3).ack, h.serverIsn! + 1);
    for (const lang of ['en', 'zh-cn']) {
      const md = readFileSync(join(ROOT, 'media/tour', lang, 'handshake.md'), 'utf8');
      for (const v of [h.clientIsn!, h.serverIsn!, h.clientIsn! + 1, h.serverIsn! + 1]) assert.ok(md.includes(String(v)), `${lang} lesson lacks ${v}`);
    }
  });

  it('teardown: the client closes first, four segments, and waits in TIME_WAIT', () => {
    const c = only('client-close');
    assert.deepEqual([c.close.kind, c.close.firstFinFrom], ['four-way', 'client']);
    assert.deepEqual([c.clientState, c.serverState], ['TIME_WAIT', 'CLOSED']);
  });

  it('CLOSE_WAIT leak: the server is left in CLOSE_WAIT, S2 and ShADadF', () => {
    const c = only('close-wait-leak');
    assert.deepEqual([c.clientState, c.serverState, c.connState, c.history], ['FIN_WAIT_2', 'CLOSE_WAIT', 'S2', 'ShADadF']);
  });

  it("half-close: the server sends data after the client's FIN, then closes", () => {
    const t = traceOf('half-close');
    const fin = packetAt('half-close', 6);
    assert.equal(fin.from, 'client');
    const after = t.connections[0];
    const serverData = t.packetsOf(after.id).map((i) => t.packet(i)).filter((p) => p.from === 'server' && p.len > 0 && p.line > fin.line);
    assert.deepEqual(serverData.map((p) => p.line), [8, 10, 12, 14, 16]);
    assert.equal(after.close.firstFinFrom, 'client');
    assert.equal(after.serverState, 'CLOSED');
  });

  it('reset and refused: RSTO from the client; REJ with an ack of the ISN + 1', () => {
    const r = only('rst-client');
    assert.deepEqual([r.connState, r.close.rstFrom], ['RSTO', 'client']);
    const c = only('refused');
    assert.equal(c.connState, 'REJ');
    assert.equal(packetAt('refused', 2).ack, c.handshake.clientIsn! + 1);
  });

  it('SYN flood: 60 half-open from 6 sources; SYN,ACK retransmitted 1, 2, 4 and 8 s apart on the lines named', () => {
    const t = traceOf('syn-flood');
    assert.equal(t.connections.length, 60);
    assert.ok(t.connections.every((c) => c.serverState === 'SYN_RECEIVED' && !c.handshake.complete));
    assert.equal(t.halfOpenFloods.length, 1);
    assert.deepEqual([t.halfOpenFloods[0].listener, t.halfOpenFloods[0].peak, t.halfOpenFloods[0].sources], ['127.0.0.1.8086', 60, 6]);
    const first = t.connections[0];
    assert.equal(first.client, '127.0.0.2.50000');
    const gaps = first.handshake.synAckIntervals;
    assert.equal(gaps.length, 4);
    for (const [i, want] of [1, 2, 4, 8].entries()) assert.ok(Math.abs(gaps[i] - want) < want * 0.1, `gap ${i + 1}: ${gaps[i]} s, not about ${want} s`);
    const resent = t.packetsOf(first.id).map((i) => t.packet(i)).filter((p) => p.flags === 'S.').map((p) => p.line);
    assert.deepEqual(resent, [2, 121, 181, 248, 301]);
  });

  it('simultaneous open and close: four SYNs; both ends pass through CLOSING and end in TIME_WAIT', () => {
    assert.ok(only('simultaneous-open').handshake.simultaneousOpen);
    const c = only('simultaneous-close');
    assert.ok(c.close.simultaneous);
    assert.deepEqual([c.clientState, c.serverState], ['TIME_WAIT', 'TIME_WAIT']);
    const t = traceOf('simultaneous-close');
    const states = t.packetsOf(c.id).map((i) => t.packet(i).after);
    assert.ok(states.some((s) => s.client === 'CLOSING') && states.some((s) => s.server === 'CLOSING'));
  });

  it('retransmission: duplicate ACKs on lines 14 to 20, a fast retransmission of the hole on line 21', () => {
    const c = only('retransmission');
    const at = (kind: string) => c.events.filter((e) => e.kind === kind).map((e) => e.line);
    assert.deepEqual(at('duplicate_ack'), [14, 16, 18, 20]);
    assert.deepEqual(at('fast_retransmission'), [21]);
    const lost = packetAt('retransmission', 8);
    const again = packetAt('retransmission', 21);
    assert.deepEqual([again.relSeq, again.len], [lost.relSeq, lost.len]);
  });
});
