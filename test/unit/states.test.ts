// The transition table against RFC 9293's diagram, and the state machine on the cases the
// product must get right. The sequences here are written as tcpdump -S prints them; the
// same cases are covered on real kernel captures in captures.test.ts.

import * as assert from 'node:assert/strict';
import { CONN_STATE_TEXT, HISTORY_TEXT, State, TcpEvent, TRANSITIONS, transitionIndex, STATE_NAMES, type Trace, zeekText } from '../../src/trace';
import { analyzeLines } from './helpers';

/** The edges of RFC 9293 figure 5, as (from, to, label) triples. */
const RFC_EDGES: Array<[string, string, string]> = [
  ['CLOSED', 'LISTEN', 'passive OPEN'],
  ['CLOSED', 'SYN_SENT', 'active OPEN / snd SYN'],
  ['LISTEN', 'SYN_RECEIVED', 'rcv SYN / snd SYN,ACK'],
  ['LISTEN', 'SYN_SENT', 'SEND / snd SYN'],
  ['LISTEN', 'CLOSED', 'CLOSE'],
  ['SYN_SENT', 'SYN_RECEIVED', 'rcv SYN / snd SYN,ACK'],
  ['SYN_SENT', 'ESTABLISHED', 'rcv SYN,ACK / snd ACK'],
  ['SYN_SENT', 'CLOSED', 'CLOSE'],
  ['SYN_RECEIVED', 'ESTABLISHED', 'rcv ACK of SYN'],
  ['SYN_RECEIVED', 'FIN_WAIT_1', 'CLOSE / snd FIN'],
  ['ESTABLISHED', 'FIN_WAIT_1', 'CLOSE / snd FIN'],
  ['ESTABLISHED', 'CLOSE_WAIT', 'rcv FIN / snd ACK'],
  ['FIN_WAIT_1', 'FIN_WAIT_2', 'rcv ACK of FIN'],
  ['FIN_WAIT_1', 'CLOSING', 'rcv FIN / snd ACK'],
  ['FIN_WAIT_2', 'TIME_WAIT', 'rcv FIN / snd ACK'],
  ['CLOSE_WAIT', 'LAST_ACK', 'CLOSE / snd FIN'],
  ['CLOSING', 'TIME_WAIT', 'rcv ACK of FIN'],
  ['LAST_ACK', 'CLOSED', 'rcv ACK of FIN'],
  ['TIME_WAIT', 'CLOSED', 'Timeout = 2MSL'],
];

describe('states: the transition table', () => {
  it('holds every edge of the RFC 9293 diagram with its label', () => {
    for (const [from, to, label] of RFC_EDGES) {
      const found = TRANSITIONS.find((t) => STATE_NAMES[t.from] === from && STATE_NAMES[t.to] === to && t.label === label);
      assert.ok(found, `${from} -> ${to} (${label})`);
    }
  });

  it('has at most one edge per (state, event), and lookups find it', () => {
    const seen = new Set<string>();
    TRANSITIONS.forEach((t, i) => {
      const k = `${t.from}/${t.event}`;
      assert.ok(!seen.has(k), `duplicate ${STATE_NAMES[t.from]} ${t.event}`);
      seen.add(k);
      assert.equal(transitionIndex(t.from, t.event), i);
    });
    assert.equal(transitionIndex(State.ESTABLISHED, TcpEvent.RCV_SYN), -1);
    assert.equal(transitionIndex(State.UNKNOWN, TcpEvent.RCV_FIN), -1);
  });

  it('resets every synchronized state to CLOSED', () => {
    for (const s of [State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2, State.CLOSE_WAIT, State.CLOSING, State.LAST_ACK, State.TIME_WAIT]) {
      assert.equal(TRANSITIONS[transitionIndex(s, TcpEvent.RCV_RST)].to, State.CLOSED);
      assert.equal(TRANSITIONS[transitionIndex(s, TcpEvent.SND_RST)].to, State.CLOSED);
    }
  });
});

// A tiny writer of tcpdump -S lines: [from, flags, seq, ack, len, seconds].
type Seg = [('c' | 's'), string, number | null, number | null, number?, number?];

function trace(segs: Seg[], timeWaitSeconds?: number): Trace {
  let t = 0;
  const lines = segs.map(([from, flags, seq, ack, len = 0, dt = 0.001]) => {
    t += dt;
    const [src, dst] = from === 'c' ? ['10.0.0.1.40000', '10.0.0.2.80'] : ['10.0.0.2.80', '10.0.0.1.40000'];
    const parts = [`Flags [${flags}]`];
    if (seq !== null && (len > 0 || /[SFR]/.test(flags))) parts.push(`seq ${seq}${len > 0 ? `:${seq + len}` : ''}`);
    if (ack !== null) parts.push(`ack ${ack}`);
    parts.push('win 512', `length ${len}`);
    const hh = Math.floor(t / 3600);
    const mm = Math.floor((t % 3600) / 60);
    const ss = (t % 60).toFixed(6).padStart(9, '0');
    return `${String(hh).padStart(2, '0')}:${String(mm).padStart(2, '0')}:${ss} IP ${src} > ${dst}: ${parts.join(', ')}`;
  });
  return analyzeLines(lines, { absoluteSeq: true, timeWaitSeconds });
}

/** States after each packet as "client/server". */
function path(t: Trace): string[] {
  return t.packetsOf(0).map((i) => {
    const p = t.packet(i);
    return `${p.after.client}/${p.after.server}`;
  });
}

const HS: Seg[] = [
  ['c', 'S', 100, null],
  ['s', 'S.', 500, 101],
  ['c', '.', 101, 501],
];

describe('states: the machine on each case', () => {
  it('three-way handshake and a four-way close by the client', () => {
    const t = trace([...HS, ['c', 'P.', 101, 501, 10], ['s', '.', 501, 111], ['c', 'F.', 111, 501], ['s', '.', 501, 112], ['s', 'F.', 501, 112], ['c', '.', 112, 502]]);
    assert.deepEqual(path(t), [
      'SYN_SENT/LISTEN', 'ESTABLISHED/SYN_RECEIVED', 'ESTABLISHED/ESTABLISHED', 'ESTABLISHED/ESTABLISHED',
      'ESTABLISHED/ESTABLISHED', 'FIN_WAIT_1/CLOSE_WAIT', 'FIN_WAIT_2/CLOSE_WAIT', 'TIME_WAIT/LAST_ACK', 'TIME_WAIT/CLOSED',
    ]);
    const c = t.connections[0];
    assert.equal(c.connState, 'SF');
    assert.equal(c.close.kind, 'four-way');
    assert.equal(c.close.firstFinFrom, 'client');
    assert.equal(c.handshake.complete, true);
    assert.equal(c.handshake.clientIsn, 100);
    assert.equal(c.handshake.serverIsn, 500);
  });

  it('server closes first; combined FIN+ACK makes a three-segment close', () => {
    const t = trace([...HS, ['s', 'F.', 501, 101], ['c', 'F.', 101, 502], ['s', '.', 502, 102]]);
    assert.deepEqual(path(t).slice(3), ['CLOSE_WAIT/FIN_WAIT_1', 'LAST_ACK/TIME_WAIT', 'CLOSED/TIME_WAIT']);
    assert.equal(t.connections[0].close.kind, 'combined');
    assert.equal(t.connections[0].close.firstFinFrom, 'server');
  });

  it('half-close: data keeps flowing after the first FIN', () => {
    const t = trace([...HS, ['c', 'F.', 101, 501], ['s', '.', 501, 102], ['s', 'P.', 501, 102, 100], ['c', '.', 102, 601], ['s', 'F.', 601, 102], ['c', '.', 102, 602]]);
    assert.deepEqual(path(t).slice(3), ['FIN_WAIT_1/CLOSE_WAIT', 'FIN_WAIT_2/CLOSE_WAIT', 'FIN_WAIT_2/CLOSE_WAIT', 'FIN_WAIT_2/CLOSE_WAIT', 'TIME_WAIT/LAST_ACK', 'TIME_WAIT/CLOSED']);
  });

  it('CLOSE_WAIT leak: FIN acknowledged, no FIN back', () => {
    const t = trace([...HS, ['c', 'F.', 101, 501], ['s', '.', 501, 102]]);
    assert.equal(t.connections[0].clientState, 'FIN_WAIT_2');
    assert.equal(t.connections[0].serverState, 'CLOSE_WAIT');
    assert.equal(t.connections[0].connState, 'S2');
  });

  it('connection refused: SYN answered by RST,ACK; nothing was listening', () => {
    const t = trace([['c', 'S', 100, null], ['s', 'R.', 0, 101]]);
    assert.deepEqual(path(t), ['SYN_SENT/CLOSED', 'CLOSED/CLOSED']);
    const p0 = t.packet(0);
    assert.equal(p0.before.server, 'CLOSED');
    assert.equal(t.connections[0].connState, 'REJ');
  });

  it('unanswered SYN with retransmissions: the server never got it', () => {
    const t = trace([['c', 'S', 100, null], ['c', 'S', 100, null, 0, 1], ['c', 'S', 100, null, 0, 2]]);
    assert.deepEqual(path(t), ['SYN_SENT/LISTEN', 'SYN_SENT/LISTEN', 'SYN_SENT/LISTEN']);
    const hs = t.connections[0].handshake;
    assert.equal(hs.synRetransmissions, 2);
    assert.deepEqual(hs.synIntervals, [1, 2]);
    assert.equal(t.connections[0].connState, 'S0');
  });

  it('half-open: the final ACK is lost, the server retransmits its SYN,ACK', () => {
    const t = trace([...HS, ['s', 'S.', 500, 101, 0, 1], ['c', '.', 101, 501], ['s', 'S.', 500, 101, 0, 2], ['c', '.', 101, 501]]);
    const last = path(t).at(-1);
    assert.equal(t.connections[0].serverState, 'SYN_RECEIVED', last);
    assert.equal(t.connections[0].clientState, 'ESTABLISHED');
    assert.equal(t.connections[0].handshake.synAckRetransmissions, 2);
  });

  it('RST from either side closes both ends', () => {
    const byClient = trace([...HS, ['c', 'R.', 101, 501]]);
    assert.deepEqual(path(byClient).at(-1), 'CLOSED/CLOSED');
    assert.equal(byClient.connections[0].close.rstFrom, 'client');
    assert.equal(byClient.connections[0].connState, 'RSTO');
    const byServer = trace([...HS, ['s', 'R', 501, null]]);
    assert.equal(byServer.connections[0].close.rstFrom, 'server');
    assert.equal(byServer.connections[0].connState, 'RSTR');
  });

  it('simultaneous close: both FINs cross, both go through CLOSING', () => {
    const t = trace([...HS, ['c', 'F.', 101, 501], ['s', 'F.', 501, 101], ['c', '.', 102, 502], ['s', '.', 502, 102]]);
    const c = t.connections[0];
    assert.equal(c.close.simultaneous, true);
    assert.equal(c.clientState, 'TIME_WAIT');
    assert.equal(c.serverState, 'TIME_WAIT');
    assert.ok(path(t).some((s) => s.includes('CLOSING')));
  });

  it('simultaneous close where the first FIN is lost after the capture point (evidence from the peer\'s ack)', () => {
    // The server's FIN does not ack the client's FIN, so the server had not received it:
    // the server closed actively (FIN_WAIT_1), not from CLOSE_WAIT.
    const t = trace([...HS, ['c', 'F.', 101, 501], ['s', 'F.', 501, 101], ['c', '.', 102, 502], ['c', 'F.', 101, 502, 0, 0.2], ['s', '.', 502, 102]]);
    const steps = path(t);
    assert.equal(steps[3], 'FIN_WAIT_1/ESTABLISHED', 'the lost FIN is not taken as received');
    assert.equal(steps[4].split('/')[1], 'FIN_WAIT_1');
    assert.equal(t.connections[0].clientState, 'TIME_WAIT');
    assert.equal(t.connections[0].serverState, 'TIME_WAIT');
  });

  it('simultaneous open: SYNs cross', () => {
    const t = trace([['c', 'S', 100, null], ['s', 'S', 500, null], ['c', 'S.', 100, 501], ['s', 'S.', 500, 101]]);
    const c = t.connections[0];
    assert.equal(c.handshake.simultaneousOpen, true);
    assert.equal(c.clientState, 'ESTABLISHED');
    assert.equal(c.serverState, 'ESTABLISHED');
  });

  it('TIME_WAIT ends after 2MSL of trace time', () => {
    const segs: Seg[] = [...HS, ['c', 'F.', 101, 501], ['s', 'F.', 501, 102], ['c', '.', 102, 502]];
    assert.equal(trace(segs).connections[0].clientState, 'TIME_WAIT');
    assert.equal(trace(segs, 0.0001).connections[0].clientState, 'CLOSED');
  });

  it('port reuse: a new SYN after the close starts a new connection', () => {
    const t = trace([...HS, ['c', 'R.', 101, 501], ['c', 'S', 9000, null], ['s', 'S.', 7000, 9001], ['c', '.', 9001, 7001]]);
    assert.equal(t.connections.length, 2);
    assert.equal(t.connections[1].handshake.clientIsn, 9000);
    assert.equal(t.connections[1].clientState, 'ESTABLISHED');
    assert.ok(t.connections[1].events.some((e) => e.kind === 'reused_ports'));
  });

  it('mid-stream start: both ends taken as ESTABLISHED', () => {
    const t = trace([['c', 'P.', 101, 501, 20], ['s', '.', 501, 121], ['s', 'F.', 501, 121], ['c', 'F.', 121, 502], ['s', '.', 502, 122]]);
    const c = t.connections[0];
    assert.equal(c.midStream, true);
    assert.equal(c.connState, 'SF');
    assert.equal(c.clientState, 'CLOSED');
    assert.equal(c.serverState, 'TIME_WAIT');
  });

  it('state census at a line counts both ends like ss -tan', () => {
    const t = trace([...HS, ['c', 'F.', 101, 501], ['s', '.', 501, 102]]);
    assert.deepEqual(t.census(1).counts, { SYN_SENT: 1, LISTEN: 1 });
    assert.deepEqual(t.census(3).counts, { ESTABLISHED: 2 });
    assert.deepEqual(t.census(5).counts, { FIN_WAIT_2: 1, CLOSE_WAIT: 1 });
  });
});

describe("states: Zeek's conn_state and history, in words", () => {
  it('every conn_state and history letter has English and Chinese, and the text names each letter', () => {
    for (const table of [CONN_STATE_TEXT, HISTORY_TEXT]) {
      for (const [k, v] of Object.entries(table)) {
        assert.ok(v.en && v.zh, `${k}: both languages`);
        assert.ok(v.en !== v.zh || /^[A-Z,]+$/.test(v.en), `${k}: translated (flag names stay as they are)`);
      }
    }
    const t = analyzeLines([
      '12:00:00.000000 IP 10.0.0.1.1000 > 10.0.0.2.80: Flags [S], seq 1, win 100, length 0',
      '12:00:00.000100 IP 10.0.0.2.80 > 10.0.0.1.1000: Flags [R.], seq 0, ack 2, win 0, length 0',
    ]);
    const c = t.connections[0];
    assert.equal(c.connState, 'REJ');
    assert.equal(zeekText(c.connState, c.history, 'en'), `REJ: Connection attempt rejected. History ${c.history}: S client SYN, r server RST.`);
    assert.match(zeekText(c.connState, c.history, 'zh'), /^REJ：连接请求被拒绝。 历史 Sr：S 客户端 SYN，r 服务端 RST。$/);
  });
});
