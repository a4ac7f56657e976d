// Evidence before trust: what the packets prove, on real loopback captures (captures.test.ts
// checks them against the kernel's states) and on small variations of their lines.
//   handshake-bad-ack      the third segment acks the server's ISN+1001; the server answers RST
//   handshake-ack-refused  the third segment acks ISN+1, but the listener is gone: RST
//   probe-fin, probe-null  FIN, FIN+PSH+URG and no-flags segments from a raw socket
//   half-open              the client never answers three SYN,ACKs
//   synack-backscatter     a SYN,ACK that answers no SYN, refused with RST seq=SEG.ACK
// and times printed with -ttt (since the previous packet) and -ttttt (since the first).

import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explainPacket, noteText, NOTE_KINDS, type Trace } from '../../src/trace';
import { restored } from './traceCompare';
import { explainTerm, TERM_PATTERN } from '../../src/editor/terms';
import { language, setLanguage } from '../../src/editor/l10n';
import { analyzeFile, analyzeLines, fixture } from './helpers';

const DIR = fixture('captures');
const lines = (name: string, render = 'nn') => readFileSync(join(DIR, name, `${render}.tcpdump`), 'utf8').split('\n').filter(Boolean);
const states = (t: Trace, c = 0) => t.packetsOf(c).map((p) => `${t.packet(p).after.client}/${t.packet(p).after.server}`);

describe('evidence: the third segment of a handshake', () => {
  it('an ACK that does not acknowledge the server\'s ISN+1 completes nothing, and the RST to it leaves the server in SYN_RECEIVED', () => {
    for (const r of ['nn', 'S_vv', 'tttt_v', 'ttt']) {
      const t = analyzeFile(join(DIR, 'handshake-bad-ack', `${r}.tcpdump`));
      const c = t.connections[0];
      assert.equal(c.handshake.complete, false, r);
      assert.equal(c.handshake.ackLine, null, r);
      assert.equal(c.handshake.rttMs, null, r);
      // SYN, SYN+ACK, ACK (ack ISN+1001), RST (seq ISN+1001): the client shows no receipt of the
      // SYN+ACK (its ACK does not acknowledge it), the server refuses the ACK and stays.
      assert.deepEqual(states(t), ['SYN_SENT/LISTEN', 'SYN_SENT/SYN_RECEIVED', 'SYN_SENT/SYN_RECEIVED', 'SYN_SENT/SYN_RECEIVED'], r);
      assert.deepEqual(c.notes, ['handshake_ack_unacceptable'], r);
    }
  });

  it('an ACK of ISN+1 answered by a RST (no listener any more) does not complete the handshake', () => {
    for (const r of ['nn', 'S_vv', 'ttt']) {
      const t = analyzeFile(join(DIR, 'handshake-ack-refused', `${r}.tcpdump`));
      const c = t.connections[0];
      assert.equal(c.handshake.complete, false, r);
      assert.equal(c.handshake.rttMs, null, r);
      // The server never took the ACK: SYN_RECEIVED until its RST, then nothing (CLOSED).
      assert.deepEqual(states(t), ['SYN_SENT/LISTEN', 'ESTABLISHED/SYN_RECEIVED', 'ESTABLISHED/SYN_RECEIVED', 'CLOSED/CLOSED'], r);
      assert.deepEqual(c.notes, ['handshake_ack_refused'], r);
    }
  });

  it('the same ACK of ISN+1 without the RST completes the handshake, with its RTT', () => {
    const t = analyzeLines(lines('handshake-ack-refused').slice(0, 3));
    const c = t.connections[0];
    assert.equal(c.handshake.complete, true);
    assert.ok(c.handshake.rttMs !== null && c.handshake.rttMs > 50, String(c.handshake.rttMs));
    assert.deepEqual(states(t).at(-1), 'ESTABLISHED/ESTABLISHED');
    assert.deepEqual(c.notes, []);
  });

  it('a RST with ACK after the handshake is an abort, not a refusal of the ACK', () => {
    const l = lines('handshake-ack-refused');
    // The kernel's abort carries ACK: [R.], seq ISN+1, ack the client's ISN+1.
    const abort = l[3].replace('Flags [R], seq 1806744780,', 'Flags [R.], seq 1, ack 1,');
    const t = analyzeLines([...l.slice(0, 3), abort]);
    assert.equal(t.connections[0].handshake.complete, true);
    assert.deepEqual(t.connections[0].notes, []);
  });

  it('explains both packets, in English and Chinese', () => {
    const t = analyzeFile(join(DIR, 'handshake-bad-ack', 'nn.tcpdump'));
    assert.match(explainPacket(t, 2, 'en'), /not the server's ISN\+1 \(1451715177\)/);
    assert.match(explainPacket(t, 2, 'zh'), /不是服务端 ISN\+1（1451715177）/);
    assert.match(explainPacket(t, 3, 'en'), /refuses the ACK/);
    assert.match(explainPacket(t, 3, 'zh'), /拒绝/);
  });
});

describe('evidence: simultaneous open', () => {
  // The capture: both SYNs cross (lines 1, 2), both ends answer SYN,ACK (3 from the end whose
  // SYN came second, 4 from the first), then each ACKs (5, 6). Without line 4 or line 3, one
  // SYN,ACK and the other end's ACK make the handshake.
  const all = lines('simultaneous-open');
  const variants: Array<[string, string[], number]> = [
    ['as captured', all, 5],
    ['only the second end answers SYN,ACK', all.filter((_, i) => i !== 3), 4],
    ['only the first end answers SYN,ACK', all.filter((_, i) => i !== 2), 5],
  ];
  for (const [what, text, ackLine] of variants) {
    it(`${what}: the handshake completes with its RTT, and neither end is ever shown LISTEN`, () => {
      const t = analyzeLines(text);
      assert.equal(t.connections.length, 1);
      const h = t.connections[0].handshake;
      assert.equal(h.simultaneousOpen, true);
      assert.equal(h.complete, true);
      assert.equal(h.synAckLine, 3);
      assert.equal(h.ackLine, ackLine);
      assert.ok(h.rttMs !== null && h.rttMs > 0, `rtt ${h.rttMs}`);
      const s = states(t);
      assert.equal(s[0], 'SYN_SENT/CLOSED');
      assert.ok(!s.some((x) => x.includes('LISTEN')), s.join(' '));
      assert.equal(s[ackLine - 1], 'ESTABLISHED/ESTABLISHED');
      const census = t.census(1).counts;
      assert.deepEqual(census, { CLOSED: 1, SYN_SENT: 1 });
    });
  }
});

describe('evidence: a SYN,ACK that answers no SYN (backscatter)', () => {
  it('the end that refuses it with a RST never sent a SYN: CLOSED throughout, not SYN_SENT or SYN_RECEIVED', () => {
    const t = analyzeFile(join(DIR, 'synack-backscatter', 'nn.tcpdump'));
    assert.deepEqual(states(t, 0), ['CLOSED/SYN_RECEIVED', 'CLOSED/LISTEN']);
    assert.equal(t.connections[0].handshake.complete, false);
    assert.equal(t.connections[0].close.rstFrom, 'client');
  });
});

describe('evidence: segments with no flags, and FIN/PSH/URG probes', () => {
  it('a Flags [none] segment changes no state: not as a first packet, not in a handshake', () => {
    const t = analyzeFile(join(DIR, 'probe-null', 'nn.tcpdump'));
    // To a closed port (the RST shows nothing listened there), to a listening one.
    assert.deepEqual(states(t, 0), ['CLOSED/CLOSED', 'CLOSED/CLOSED']);
    assert.deepEqual(states(t, 1), ['CLOSED/LISTEN']);
    // SYN, SYN+ACK, [none] with the right numbers: the server stays in SYN_RECEIVED.
    assert.deepEqual(states(t, 2).map((s) => s.split('/')[1]), ['LISTEN', 'SYN_RECEIVED', 'SYN_RECEIVED']);
    assert.equal(t.connections[2].handshake.complete, false);
    assert.equal(t.connections[0].midStream, false);
    assert.equal(t.connections[0].connState, 'REJ');
    assert.deepEqual(t.connections[0].notes, ['probe', 'refused_probe', 'no_flags']);
    assert.deepEqual(t.connections[2].notes, ['no_flags']);
  });

  it('a Flags [none] segment from a server in SYN_RECEIVED or inside an open connection changes nothing', () => {
    const hs = lines('normal-client-close');
    const t0 = analyzeLines(hs);
    // The same trace with a no-flags segment after each packet, from either end in turn.
    const withNone: string[] = [];
    let n = 0;
    for (const l of hs) {
      withNone.push(l);
      const tcp = /^(\S+) IP (\S+) > (\S+): Flags/.exec(l);
      if (!tcp) continue;
      const [src, dst] = n++ % 2 ? [tcp[3], tcp[2]] : [tcp[2], tcp[3]];
      withNone.push(`${tcp[1]} IP ${src} > ${dst}: Flags [none], win 512, length 0`);
    }
    const t1 = analyzeLines(withNone);
    assert.equal(t1.connections.length, t0.connections.length);
    assert.deepEqual(states(t1).filter((_, i) => i % 2 === 0), states(t0));
    // Each no-flags segment leaves both ends as the packet before it did.
    const all = states(t1);
    for (let i = 1; i < all.length; i += 2) assert.equal(all[i], all[i - 1], `segment ${i}`);
  });

  it('hovering [none] explains it, in English and Chinese', () => {
    const line = lines('probe-null')[0];
    const at = line.indexOf('[none]');
    const word = new RegExp(TERM_PATTERN.source, 'g');
    const found = [...line.matchAll(word)].find((m) => m.index! <= at + 2 && at + 2 < m.index! + m[0].length);
    assert.equal(found?.[0], '[none]');
    const before = language();
    try {
      setLanguage('en');
      assert.match(explainTerm('[none]')!, /changes no state/);
      setLanguage('zh');
      assert.match(explainTerm('[none]')!, /不改变任何状态/);
    } finally {
      setLanguage(before);
    }
  });

  it('a FIN+PSH+URG or FIN probe to a closed port answered by RST is a refused probe, not a close', () => {
    const t = analyzeFile(join(DIR, 'probe-fin', 'nn.tcpdump'));
    for (const c of t.connections.slice(0, 2)) {
      assert.equal(c.connState, 'REJ');
      assert.equal(c.close.firstFinFrom, null);
      assert.equal(c.midStream, false);
      assert.deepEqual(c.notes, ['probe', 'refused_probe']);
      for (const s of states(t, c.id)) assert.ok(!/FIN_WAIT|CLOSE_WAIT|ESTABLISHED/.test(s), s);
    }
    // Unanswered, to a listening port: nothing changes, the listener still listens.
    assert.deepEqual(states(t, 2), ['CLOSED/LISTEN']);
    assert.match(explainPacket(t, 0, 'en'), /FIN, PSH, URG without SYN or ACK/);
    assert.match(explainPacket(t, 1, 'en'), /refused probe/);
    assert.match(explainPacket(t, 1, 'zh'), /探测被拒绝/);
  });
});

describe('evidence: an end that never answers', () => {
  it('a client that never answers repeated SYN,ACKs is not shown ESTABLISHED, and the note says what is inferred', () => {
    for (const r of ['nn', 'S_vv', 'tttt_v', 'ttt', 'ttttt']) {
      const t = analyzeFile(join(DIR, 'half-open', `${r}.tcpdump`));
      const c = t.connections[0];
      assert.ok(!states(t).some((s) => s.startsWith('ESTABLISHED')), `${r}: ${states(t).join()}`);
      assert.equal(c.clientState, 'SYN_SENT', r);
      assert.equal(c.serverState, 'SYN_RECEIVED', r);
      assert.deepEqual(c.notes, ['syn_ack_unanswered'], r);
    }
    assert.match(noteText('syn_ack_unanswered', 'en'), /Inferred/);
    assert.match(noteText('syn_ack_unanswered', 'zh'), /推断/);
  });

  it('once the client answers the last SYN,ACK it is ESTABLISHED, from its ACK on', () => {
    const l = lines('half-open');
    // The missing ACK (ack 1: the server's ISN+1, relative), from the client.
    const ack = '05:43:57.500000 IP 127.0.0.1.40010 > 127.0.0.1.8083: Flags [.], ack 1, win 64, length 0';
    const t = analyzeLines([...l, ack]);
    assert.deepEqual(states(t).slice(-2), ['SYN_SENT/SYN_RECEIVED', 'ESTABLISHED/ESTABLISHED']);
    assert.equal(t.connections[0].handshake.complete, true);
    assert.deepEqual(t.connections[0].notes, []);
  });

  it('a single SYN,ACK at the end of a capture is still taken as received', () => {
    const t = analyzeLines(lines('half-open').slice(0, 2));
    assert.deepEqual(states(t), ['SYN_SENT/LISTEN', 'ESTABLISHED/SYN_RECEIVED']);
  });
});

describe('evidence: notes cross the snapshot', () => {
  it('a snapshot keeps every connection\'s notes', () => {
    for (const name of ['handshake-bad-ack', 'handshake-ack-refused', 'probe-fin', 'probe-null', 'half-open']) {
      const t = analyzeFile(join(DIR, name, 'nn.tcpdump'));
      const s = restored(t);
      assert.deepEqual(s.connections.map((c) => c.notes), t.connections.map((c) => c.notes), name);
      assert.deepEqual(s.connections.map((c) => JSON.parse(JSON.stringify(c)).notes), t.connections.map((c) => c.notes), name);
    }
  });

  it('every note has English and Chinese text', () => {
    for (const k of NOTE_KINDS) {
      assert.ok(noteText(k, 'en').length > 20, k);
      assert.ok(/[\u4e00-\u9fff]/.test(noteText(k, 'zh')), k);
    }
  });
});

describe('evidence: -ttt and -ttttt times', () => {
  it('a -ttt paste that starts mid-capture gives the handshake RTT of the whole capture', () => {
    const want = analyzeFile(join(DIR, 'sample', 'nn.tcpdump')).connections;
    const ttt = lines('sample', 'ttt');
    // From the second connection's SYN on: its first delta is the gap to a packet not pasted.
    const from = ttt.findIndex((l) => l.includes('.41001 > ') && l.includes('Flags [S]'));
    assert.ok(from > 0);
    const t = analyzeLines(ttt.slice(from));
    const c = t.connections.find((x) => x.client === '127.0.0.1.41001')!;
    const w = want.find((x) => x.client === '127.0.0.1.41001')!;
    assert.ok(c.handshake.rttMs !== null && c.handshake.rttMs > 0, String(c.handshake.rttMs));
    assert.ok(Math.abs(c.handshake.rttMs - w.handshake.rttMs!) < 1e-6, `${c.handshake.rttMs} vs ${w.handshake.rttMs}`);
    assert.ok(Math.abs(c.duration! - w.duration!) < 1e-6);
  });

  it('-ttt and -ttttt times never go back, so hover times, durations and RTTs are never negative', () => {
    for (const name of ['sample', 'port-reuse', 'retransmission', 'keepalive']) {
      for (const r of ['ttt', 'ttttt']) {
        const l = lines(name, r);
        for (const from of [0, 1, 3, 5]) {
          const t = analyzeLines(l.slice(from));
          let last = -Infinity;
          for (let p = 0; p < t.packetCount; p++) {
            const time = t.packet(p).time!;
            assert.ok(time >= last, `${name} ${r} from ${from}: packet ${p} at ${time} after ${last}`);
            last = time;
          }
          for (const c of t.toJSON().connections) {
            assert.ok(c.duration === null || c.duration >= 0, `${name} ${r} from ${from}: duration ${c.duration}`);
            assert.ok(c.handshake.rttMs === null || c.handshake.rttMs >= 0, `${name} ${r} from ${from}: rtt ${c.handshake.rttMs}`);
          }
        }
      }
    }
  });

  it('-ttttt times that go back a little (timestamps out of order) are not read as -ttt', () => {
    const l = lines('sample', 'ttttt');
    // Swap the times of two packets a few microseconds apart, once the clock is past 10 ms.
    const times = l.map((x) => x.slice(0, 16));
    const at = times.findIndex((x, i) => i > 0 && x > ' 00:00:00.010000' && times[i + 1] !== x);
    assert.ok(at > 0);
    const swapped = l.map((x, i) => (i === at ? times[at + 1] + x.slice(16) : i === at + 1 ? times[at] + x.slice(16) : x));
    const want = analyzeLines(l);
    const t = analyzeLines(swapped);
    assert.equal(t.packet(t.packetCount - 1).time, want.packet(want.packetCount - 1).time);
  });

  it('a time that goes back gives no RTT rather than a negative one', () => {
    const l = lines('sample');
    // The SYN's time moved after the ACK's.
    const late = l[0].replace(/^\S+/, '05:44:16.000000');
    const t = analyzeLines([late, ...l.slice(1, 3)]);
    assert.equal(t.connections[0].handshake.rttMs, null);
  });
});
