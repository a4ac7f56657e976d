// Text that went through other hands (src/trace/repair.ts): snippets people published, read
// packet for packet, and every capture rendering made glued, wrapped, quoted, escaped and
// duplicated, which must read as the clean text does, with each repair listed.

import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { analyzeText, normalizeText, type Trace } from '../../src/trace';
import { pieceRanges } from '../../src/trace/repair';
import { fixture, rng } from './helpers';

const PASTES = fixture('pastes');

interface Expected {
  file: string;
  tcpPackets: number;
  /** Packet lines the author pasted a second time: read, and marked as copies. */
  pastedCopies?: number;
  facts: { handshake?: 'complete' | 'incomplete'; resetBy?: string; firstFin?: string; notes?: string };
}

/** Facts a snippet's text does not settle, with why: its packets are still counted. */
const NOT_SETTLED: Record<string, string> = {
  '05-lkl-study-11-client-raspberrypi.txt': "handshake: the client's kernel resets the SYN,ACK, then its user-space stack ACKs it",
  '10-netdev-conntrack-shortened-v.txt': 'handshake: the author shortened the numbers (seq 82, ack 83), which then read as relative',
};

describe('repair: tcpdump text people published', () => {
  const expected: Expected[] = existsSync(join(PASTES, 'expected.json')) ? JSON.parse(readFileSync(join(PASTES, 'expected.json'), 'utf8')) : [];
  const present = expected.filter((e) => existsSync(join(PASTES, e.file)));

  it('has at least 40 snippets, each with its source', () => {
    const sources = readFileSync(join(PASTES, 'SOURCES.md'), 'utf8');
    assert.ok(present.length >= 40, `${present.length} snippets`);
    for (const e of present) assert.ok(sources.includes(e.file), `${e.file} in SOURCES.md`);
  });

  for (const e of present) {
    it(`${e.file}: ${e.tcpPackets} packets and the facts the author shows`, () => {
      const t = analyzeText(readFileSync(join(PASTES, e.file), 'utf8'));
      const pasted = t.repairs.find((r) => r.kind === 'pasted')?.count ?? 0;
      assert.equal(pasted, e.pastedCopies ?? 0, 'lines pasted twice');
      assert.equal(t.packetCount - pasted, e.tcpPackets, JSON.stringify({ problems: t.problems.slice(0, 3), repairs: t.repairs }));
      const conns = t.connections;
      if (NOT_SETTLED[e.file]) return;
      if (e.facts.handshake === 'complete') assert.ok(conns.some((c) => c.handshake.complete), 'a handshake completes');
      if (e.facts.handshake === 'incomplete') assert.ok(!conns.some((c) => c.handshake.complete), 'no handshake completes');
      const by = e.facts.resetBy;
      if (by) {
        const from = resetSenders(t);
        assert.ok(from.some((s) => s.side === by || s.src === by || s.src.startsWith(`${by}.`)), `RST from ${by}, seen from ${JSON.stringify(from)}`);
      }
      const fin = e.facts.firstFin;
      if (fin) {
        const closers = conns.filter((c) => c.close.firstFinFrom).map((c) => (c.close.firstFinFrom === 'client' ? c.client : c.server));
        assert.ok(closers.includes(fin), `first FIN from ${fin}, seen from ${JSON.stringify(closers)}`);
      }
    });
  }
});

/** Sender (addr.port, and client or server) of every RST in the trace. */
function resetSenders(t: Trace): Array<{ src: string; side: string }> {
  const out: Array<{ src: string; side: string }> = [];
  for (let i = 0; i < t.packetCount; i++) {
    const p = t.packet(i);
    if (p.flags.includes('R')) out.push({ src: `${p.src}.${p.sport}`, side: p.from });
  }
  return out;
}

describe('repair: the shapes text takes on its way', () => {
  it('a prompt, the banner and three packets on one line are three packets (a page lost its line breaks)', () => {
    const t = analyzeText(
      '[root@localhost ~]# tcpdump -i eth0 -nn port 80 tcpdump: verbose output suppressed, use -v or -vv for full protocol decode listening on eth0, link-type EN10MB (Ethernet), capture size 262144 bytes ' +
        '10:09:11.123456 IP 192.168.1.2.52000 > 192.168.1.3.80: Flags [S], seq 3839207465, win 29200, options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7], length 0 ' +
        '10:09:11.123600 IP 192.168.1.3.80 > 192.168.1.2.52000: Flags [S.], seq 1048011040, ack 3839207466, win 28960, options [mss 1460,sackOK,TS val 2 ecr 1,nop,wscale 7], length 0 ' +
        '10:09:11.123700 IP 192.168.1.2.52000 > 192.168.1.3.80: Flags [.], ack 1, win 229, options [nop,nop,TS val 3 ecr 2], length 0',
    );
    assert.equal(t.packetCount, 3);
    assert.equal(t.connections[0].handshake.complete, true);
    assert.deepEqual(kinds(t), { split: 3, banner: 1 });
  });

  it('a packet cut from a longer capture has no absolute numbers and no invented loss', () => {
    const t = analyzeText(
      '10:09:11.123456 IP 10.0.0.1.52000 > 10.0.0.2.80: Flags [P.], seq 124345:124669, ack 26260, win 229, length 324\n' +
        '10:09:11.125600 IP 10.0.0.2.80 > 10.0.0.1.52000: Flags [.], ack 124669, win 28960, length 0\n',
    );
    const j = t.toJSON(true);
    assert.deepEqual(j.packetRecords!.map((p) => [p.seq, p.ack]), [[null, null], [null, null]]);
    assert.deepEqual(t.connections[0].events, []);
    assert.deepEqual(kinds(t), { relative: 1 });
  });

  it("a capture that starts mid-connection prints its first packet absolute: the next one shows it (tcpdump's ldp-common-session)", () => {
    // seq 96201:96233, ack 83737, then seq 32, ack 1: offsets from the first packet's numbers.
    const t = analyzeText(readFileSync(fixture('tcpdump-tests', 'ldp-common-session.out'), 'utf8'));
    const j = t.toJSON(true);
    const flow = j.packetRecords!.filter((p) => p.connection === 0);
    assert.deepEqual(flow.map((p) => [p.seq, p.ack]), [[96201, 83737], [96233, 83737]]);
    assert.deepEqual(t.connections[0].events, []);
    assert.deepEqual(t.repairs, []);
  });

  it('under -S a flow read as cut from a longer capture is absolute once another flow shows -S', () => {
    const t = analyzeText(readFileSync(fixture('tcpdump-3x', 'rendered', 'ldp-common-session.Svv.out'), 'utf8'));
    const j = t.toJSON(true);
    assert.deepEqual(j.packetRecords!.filter((p) => p.connection === 0).map((p) => [p.seq, p.ack]), [[96201, 83737], [96233, 83737]]);
    assert.deepEqual(t.repairs, []);
  });

  it('the same packet on two interfaces (-i any) is one packet seen twice', () => {
    const t = analyzeText(
      '23:37:55.897786 tun0  In  IP 172.30.0.1.41626 > 192.168.255.8.10001: Flags [P.], seq 1:101, ack 1, win 502, length 100\n' +
        '23:37:55.897816 eth0  Out IP 172.30.0.1.41626 > 192.168.255.8.10001: Flags [P.], seq 1:101, ack 1, win 502, length 100\n',
    );
    assert.equal(t.packetCount, 2);
    assert.deepEqual(t.packet(1).events, ['duplicate_capture']);
    assert.equal(t.connections[0].bytes.client, 100);
    // It starts mid-connection too, with relative numbers.
    assert.deepEqual(kinds(t), { relative: 1, duplicate: 1 });
  });

  it('a -v TCP line pasted again under its packet is that packet twice; another packet there is not', () => {
    const head = '21:58:17.342134 IP (tos 0x0, ttl 64, id 58638, offset 0, flags [DF], proto TCP (6), length 60)';
    const syn = '    127.0.0.1.34420 > 127.0.0.1.9999: Flags [S], seq 1676447712, win 65495, length 0';
    const t = analyzeText([head, syn, syn].join('\n'));
    assert.equal(t.packetCount, 2);
    assert.deepEqual(t.packet(1).events, ['duplicate_capture']);
    assert.equal(t.connections[0].handshake.synRetransmissions, 0);
    assert.deepEqual(kinds(t), { pasted: 1 });
    const other = analyzeText([head, syn, syn.replace('Flags [S], seq 1676447712', 'Flags [R], seq 1676447713')].join('\n'));
    assert.deepEqual(other.packet(1).events, []);
    assert.equal(other.packet(1).time, null, 'a line with no time of its own');
    assert.deepEqual(kinds(other), {});
  });

  it('a timestamp glued to the length before it has a two-digit hour; a lost bracket and deleted addresses are mended', () => {
    const a = '09:26:21.336706 IP 10.0.0.1.5000 > 10.0.0.2.80: Flags [P., seq 1:11, ack 1, win 502, length 10';
    const b = '09:26:21.336832 IP 10.0.0.2.80 > Flags [.], ack 11, win 506, length 0';
    const c = '09:26:21.336900 IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 40) > 10.0.0.2.80: Flags [R], seq 11, win 0, length 0';
    const t = analyzeText(`${a}${b}\n${c}\n`);
    assert.deepEqual([0, 1, 2].map((i) => [t.packet(i).flags, t.packet(i).len]), [['P.', 10], ['.', 0], ['R', 0]]);
    // The deleted address is one endpoint: the ACK and the RST come from the same side.
    assert.equal(t.connections.length, 2);
    assert.equal(t.packet(1).dst, t.packet(2).src);
  });

  it('packets glued on with their times cut are said not to be read, never dropped silently', () => {
    // As a scraped page gives it: the hours and minutes of every later time lost.
    const line =
      '15:38:07.695683 IP 127.0.0.1.35648 > 127.0.0.1.8081: Flags [S], seq 87768135, win 43690, length 0 ' +
      '07.695692 IP 127.0.0.1.8081 > 127.0.0.1.35648: Flags [S.], seq 872635961, ack 87768136, win 43690, length 0 ' +
      '07.695699 IP 127.0.0.1.35648 > 127.0.0.1.8081: Flags [.], ack 1, win 342, length 0';
    const t = analyzeText(`${line}\n`);
    assert.equal(t.packetCount, 1);
    assert.deepEqual(t.problems.map((p) => [p.line, /what looks like 2 more packets .* not read/.test(p.reason)]), [[1, true]]);
    // Glued packets with whole times are split, with nothing unread.
    const whole = analyzeText(`${line.replace(/ 07\.69/g, ' 15:38:07.69')}\n`);
    assert.equal(whole.packetCount, 3);
    assert.deepEqual(whole.problems, []);
  });

  it('the columns of each packet on a glued line, for hovers and the cursor', () => {
    const a = '10:09:11.123456 IP 1.2.3.4.5 > 6.7.8.9.80: Flags [S], seq 1, win 2, length 0';
    const b = '10:09:11.123600 IP 6.7.8.9.80 > 1.2.3.4.5: Flags [S.], seq 3, ack 2, win 2, length 0';
    const line = `$ tcpdump -nn ${a} ${b}`;
    assert.deepEqual(pieceRanges(line).map(([s, e]) => line.slice(s, e)), [a, b]);
    assert.deepEqual(pieceRanges(a), [], 'one packet: the whole line');
  });

  it('clean tcpdump output needs no repair: every text fixture but the pastes', () => {
    const files = textFixtures();
    assert.ok(files.length > 500, `${files.length} files`);
    for (const file of files) {
      // -ttttt text whose times no clock tells from -ttt's says so (see the clock tests).
      const t = analyzeText(readFileSync(file, 'utf8'));
      const repairs = t.repairs.filter((r) => r.kind !== 'clock' || !/ttttt/.test(file));
      assert.deepEqual(repairs, [], file);
      assert.deepEqual(t.problems.filter((p) => /glued on/.test(p.reason)), [], file);
    }
  });
});

describe('repair: -ttt or -ttttt, when their times print alike', () => {
  // A SYN sent again after 1 s and 2 s (a real loopback capture): -ttt prints 0, 1.004, 2.016,
  // -ttttt 0, 1.004, 3.020. Neither goes back, so only the sender's TS val can tell them apart.
  const text = (r: string) => readFileSync(fixture('captures', 'unanswered-syn', `${r}.tcpdump`), 'utf8');
  const gaps = (t: Trace) => t.connections[0].handshake.synIntervals.map((x) => Math.round(x * 1000));

  it('the sender\'s TCP timestamps tell -ttt from -ttttt', () => {
    for (const r of ['ttt', 'ttttt']) {
      const t = analyzeText(text(r));
      assert.deepEqual(gaps(t), [1004, 2016], r);
      assert.deepEqual(t.repairs, [], r);
    }
  });

  it('without them the text is read as -ttttt and says it cannot tell', () => {
    for (const r of ['ttt', 'ttttt']) {
      const t = analyzeText(text(r).replace(/TS val \d+ ecr \d+,?/g, ''));
      assert.deepEqual(gaps(t), r === 'ttttt' ? [1004, 2016] : [1004, 1011], r);
      assert.deepEqual(kinds(t), { clock: 1 }, r);
    }
  });

  it('times that go back are -ttt, with nothing to say', () => {
    const t = analyzeText(text('ttt').replace(/TS val \d+ ecr \d+,?/g, '') + text('ttt').split('\n')[0].replace('00:00:00.000000', '00:00:00.000050') + '\n');
    assert.equal(t.packetCount, 4);
    assert.deepEqual(t.repairs, []);
  });
});

describe('repair: the normalised copy', () => {
  it('reads as the original does, needs no repair itself, and gives its packet lines back unchanged', () => {
    const files = readdirSync(PASTES).filter((f) => f.endsWith('.txt'));
    assert.ok(files.length >= 40);
    for (const f of files) {
      const text = readFileSync(join(PASTES, f), 'utf8');
      const once = normalizeText(text);
      const t = analyzeText(text);
      const n = analyzeText(once.text);
      assert.deepEqual(once.repairs, t.repairs, f);
      assert.equal(n.packetCount, t.packetCount, f);
      assert.deepEqual(n.connections.map((c) => [c.client, c.server, c.clientState, c.serverState]), t.connections.map((c) => [c.client, c.server, c.clientState, c.serverState]), f);
      // Copies of one packet (captured or pasted twice) and flows cut from a longer capture stay what they were.
      assert.deepEqual(n.repairs.filter((r) => r.kind !== 'duplicate' && r.kind !== 'pasted' && r.kind !== 'relative'), [], f);
      // Its packet lines come back unchanged (other lines are kept as they were found).
      assert.deepEqual(packetLines(normalizeText(once.text).text), packetLines(once.text), f);
    }
  });
});

/** The text of each packet's line (or lines, -v). */
function packetLines(text: string): string[] {
  const lines = text.split('\n');
  const t = analyzeText(text);
  const out: string[] = [];
  for (let i = 0; i < t.packetCount; i++) {
    const p = t.packet(i);
    out.push(lines.slice(p.headerLine - 1, p.line).join('\n'));
  }
  return out;
}

function kinds(t: Trace): Record<string, number> {
  return Object.fromEntries(t.repairs.map((r) => [r.kind, r.count]));
}

// --- Transformations of every capture rendering ------------------------------------------

/** The -nn and -tttt -v renderings of the loopback captures. */
/** Every tcpdump text among the fixtures, the pastes aside: captures' renderings, real-world and regression outputs. */
function textFixtures(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory() || (e.isSymbolicLink() && statSync(p).isDirectory())) walk(p);
      else if (/\.(tcpdump|out)$/.test(e.name)) out.push(p);
    }
  };
  for (const d of readdirSync(fixture(), { withFileTypes: true })) if (d.name !== 'pastes' && !d.isFile()) walk(fixture(d.name));
  return out.sort();
}

function renderings(): string[] {
  const dir = fixture('captures');
  return readdirSync(dir)
    .sort()
    .flatMap((d) => ['nn.tcpdump', 'tttt_v.tcpdump'].map((f) => join(dir, d, f)))
    .filter((f) => existsSync(f));
}

/** What a reader takes from a trace, without line numbers (the transformations move lines). */
function reading(t: Trace) {
  return t.connections.map((c) => ({
    client: c.client,
    server: c.server,
    packets: c.packets,
    bytes: c.bytes,
    states: [c.clientState, c.serverState],
    connState: c.connState,
    history: c.history,
    handshake: c.handshake.complete,
    close: c.close.kind,
    events: c.events.map((e) => e.kind).filter((k) => k !== 'duplicate_capture'),
  }));
}

type Transform = (lines: string[], rnd: () => number) => string;

/** Breaks each line at the last space before `width`, as a mail client or a book does. */
const wrapAt = (width: number): Transform => (lines) =>
  lines
    .map((l) => {
      const out: string[] = [];
      let rest = l;
      while (rest.length > width) {
        const cut = rest.lastIndexOf(' ', width);
        if (cut <= 0) break;
        out.push(rest.slice(0, cut));
        rest = rest.slice(cut + 1);
      }
      out.push(rest);
      return out.join('\n');
    })
    .join('\n');

const FULL_WIDTH: Record<string, string> = { ':': '：', ',': '，', '[': '［', ']': '］' };

const TRANSFORMS: Record<string, Transform> = {
  'glued (line breaks lost at random)': (lines, rnd) => lines.map((l, i) => (i === 0 ? l : (rnd() < 0.5 ? ' ' : '\n') + l)).join(''),
  'wrapped at 60 columns': wrapAt(60),
  'wrapped at 72 columns': wrapAt(72),
  'wrapped at 80 columns': wrapAt(80),
  'quoted with "> "': (lines) => lines.map((l) => `> ${l}`).join('\n'),
  'indented four spaces (a markdown code block)': (lines) => lines.map((l) => `    ${l}`).join('\n'),
  'HTML-escaped': (lines) => lines.map((l) => l.replace(/&/g, '&amp;').replace(/>/g, '&gt;').replace(/</g, '&lt;')).join('\n'),
  'with full-width punctuation (a CJK input method)': (lines, rnd) => lines.map((l) => l.replace(/[:,[\]]/g, (c) => (rnd() < 0.5 ? FULL_WIDTH[c] : c))).join('\n'),
  'after a prompt and the banner, with the statistics after': (lines) =>
    ['$ sudo tcpdump -i lo -nn', 'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode', 'listening on lo, link-type EN10MB (Ethernet), snapshot length 262144 bytes', ...lines, '^C', `${lines.length} packets captured`, `${lines.length} packets received by filter`, '0 packets dropped by kernel'].join('\n'),
};

describe('repair: every capture rendering, transformed, reads as the clean text', function () {
  this.timeout(120_000);
  const files = renderings();

  it('has renderings to transform', () => assert.ok(files.length >= 30, `${files.length} renderings`));

  for (const [name, transform] of Object.entries(TRANSFORMS)) {
    it(name, () => {
      fc.assert(
        fc.property(fc.constantFrom(...files), fc.integer(), (file, seed) => {
          const text = readFileSync(file, 'utf8');
          const clean = analyzeText(text);
          const lines = text.split('\n').filter((l) => l.length);
          const changed = transform(lines, rng(seed));
          const t = analyzeText(changed);
          assert.deepEqual(reading(t), reading(clean), `${file}, ${name}`);
          assert.equal(t.packetCount, clean.packetCount);
          // Glued, a -v header and its TCP line are one line as older tcpdump printed them: no repair.
          const needs = name.startsWith('glued') ? changed.split('\n').some((l) => (l.match(/Flags \[/g) ?? []).length > 1) : changed !== lines.join('\n');
          if (needs) assert.ok(t.repairs.length > 0, 'the repairs are listed');
        }),
        { numRuns: 25, seed: 20261206 },
      );
    });
  }

  it('duplicated as -i any prints a forwarded packet: the copies are counted once', () => {
    fc.assert(
      fc.property(fc.constantFrom(...files.filter((f) => f.endsWith('nn.tcpdump'))), (file) => {
        const text = readFileSync(file, 'utf8');
        const clean = analyzeText(text);
        const lines = text.split('\n').filter((l) => l.length);
        const doubled = lines.flatMap((l) => {
          const m = /^(\S+) (IP6? .*)$/.exec(l);
          return m ? [`${m[1]} veth0 P   ${m[2]}`, `${m[1]} br0   Out ${m[2]}`] : [l];
        });
        const t = analyzeText(doubled.join('\n'));
        assert.equal(t.packetCount, 2 * clean.packetCount);
        const copies = t.repairs.find((r) => r.kind === 'duplicate');
        assert.equal(copies?.count, clean.packetCount);
        // A copy is listed with its original, so a connection's packet count doubles; all else is the clean reading.
        assert.deepEqual(
          reading(t).map((c) => ({ ...c, packets: c.packets / 2 })),
          reading(clean),
        );
      }),
      { numRuns: 20, seed: 20261206 },
    );
  });

  it('a packet that set the relative base, printed twice, keeps its absolute numbers (every capture)', () => {
    // A flow's first ACK-bearing packet is printed absolute; its copy must not be read as relative to itself.
    for (const file of files.filter((f) => f.endsWith('nn.tcpdump'))) {
      const text = readFileSync(file, 'utf8');
      const clean = analyzeText(text);
      const doubled = text.split('\n').filter((l) => l.length).flatMap((l) => {
        const m = /^(\S+) (IP6? .*)$/.exec(l);
        return m ? [`${m[1]} veth0 P   ${m[2]}`, `${m[1]} br0   Out ${m[2]}`] : [l];
      });
      const t = analyzeText(doubled.join('\n'));
      assert.equal(t.repairs.find((r) => r.kind === 'duplicate')?.count, clean.packetCount, file);
      assert.deepEqual(reading(t).map((c) => ({ ...c, packets: c.packets / 2 })), reading(clean), file);
    }
  });
});
