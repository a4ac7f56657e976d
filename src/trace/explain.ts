// What a packet means in its connection's life, in a sentence a person can read at a glance,
// in English and Chinese (the engine's own wording: the views' labels are in
// src/editor/describe.ts, the glossary of tcpdump's words in src/editor/terms.ts).

import type { LimitKind, LimitsUnknown } from './limits';
import { Flag, type NoteKind, type PacketInfo, type Trace } from './model';

export type Lang = 'en' | 'zh';

type Phrase = { en: string; zh: string };

const P = {
  syn: { en: 'step 1 of the three-way handshake: SYN, the {from} opens with ISN {seq}', zh: '三次握手第 1 步：{from}发送 SYN，初始序号 ISN={seq}' },
  synRetx: { en: 'SYN retransmitted: no SYN,ACK arrived in time (backoff)', zh: 'SYN 重传：未及时收到 SYN,ACK（指数退避）' },
  synAck: { en: 'step 2 of the three-way handshake: SYN+ACK, acknowledges the client\'s ISN+1 ({ack}) and sends the server\'s ISN {seq}', zh: '三次握手第 2 步：SYN+ACK，确认客户端 ISN+1（{ack}），并发送服务端 ISN {seq}' },
  synAckRetx: { en: 'SYN+ACK retransmitted: the final ACK of the handshake has not arrived (half-open)', zh: 'SYN+ACK 重传：握手的最后一个 ACK 未到达（半连接）' },
  simulSyn: { en: 'SYN from the {from} while its own SYN is outstanding: simultaneous open', zh: '{from}在自己的 SYN 未确认时又收到/发送 SYN：同时打开' },
  ack3: { en: 'step 3 of the three-way handshake: ACK of the server\'s ISN+1 ({ack}); the connection is established', zh: '三次握手第 3 步：确认服务端 ISN+1（{ack}），连接建立' },
  ack3Data: { en: 'step 3 of the three-way handshake, carrying {len} bytes of data', zh: '三次握手第 3 步，同时携带 {len} 字节数据' },
  refused: { en: 'RST answering a SYN: nothing listens on this port (connection refused)', zh: '用 RST 回应 SYN：该端口没有监听（连接被拒绝）' },
  refusedProbe: { en: 'RST answering the probe: the port is closed (a refused probe, not a close)', zh: '用 RST 回应探测：该端口关闭（探测被拒绝，并非关闭连接）' },
  probe: { en: '{flags} without SYN or ACK: no connection exists, so this segment changes no state (a probe, such as a FIN or Xmas scan)', zh: '不带 SYN 和 ACK 的 {flags}：并无连接存在，该报文不改变任何状态（探测报文，如 FIN 扫描或 Xmas 扫描）' },
  none: { en: 'no flags at all (Flags [none]): not valid in any TCP state, so it changes no state (a probe, such as a NULL scan)', zh: '没有任何标志（Flags [none]）：在任何 TCP 状态下都无效，不改变任何状态（探测报文，如 NULL 扫描）' },
  ackUnacceptable: { en: 'ACK after the SYN,ACK, but its ack ({ack}) is not the server\'s ISN+1 ({isn1}): it acknowledges nothing the server sent, so the handshake does not complete', zh: 'SYN,ACK 之后的 ACK，但其确认号（{ack}）不是服务端 ISN+1（{isn1}）：它确认的不是服务端发出的内容，握手没有完成' },
  ackRefused: { en: 'RST answering the client\'s ACK (its seq is that ACK\'s ack): the server refuses the ACK, so the handshake does not complete', zh: '用 RST 回应客户端的 ACK（seq 等于该 ACK 的确认号）：服务端拒绝了这个 ACK，握手没有完成' },
  rst: { en: 'RST from the {from}: the connection is aborted, both ends go to CLOSED', zh: '{from}发送 RST：连接被中止，双方进入 CLOSED' },
  fin1: { en: 'the {from} closes first (active close): FIN', zh: '{from}先关闭（主动关闭）：发送 FIN' },
  fin1Data: { en: 'the {from} closes first (active close): FIN with {len} bytes of data', zh: '{from}先关闭（主动关闭）：FIN 携带 {len} 字节数据' },
  fin2: { en: 'the {from} closes too (passive close): FIN', zh: '{from}随后关闭（被动关闭）：发送 FIN' },
  fin2Ack: { en: 'the {from} closes too and acknowledges the peer\'s FIN in the same segment (FIN+ACK, three-segment close)', zh: '{from}也关闭，并在同一报文中确认对端的 FIN（FIN+ACK，三次挥手）' },
  finSimul: { en: 'the {from} sends its FIN before the peer\'s FIN arrived: simultaneous close', zh: '{from}在收到对端 FIN 之前发送了自己的 FIN：同时关闭' },
  finRetx: { en: 'FIN retransmitted: its ACK has not arrived', zh: 'FIN 重传：尚未收到对它的 ACK' },
  ackFin: { en: 'ACK of the peer\'s FIN', zh: '确认对端的 FIN' },
  lastAck: { en: 'the last ACK of the teardown: the peer\'s FIN is acknowledged', zh: '四次挥手的最后一个 ACK：确认对端的 FIN' },
  data: { en: '{len} bytes of data from the {from}', zh: '{from}发送 {len} 字节数据' },
  ack: { en: 'acknowledgement from the {from}, nothing else', zh: '{from}的纯确认（ACK）' },
  noFlags: { en: 'tcpdump -q prints no flags, so this packet\'s role is unknown ({len} bytes)', zh: 'tcpdump -q 不打印标志，无法判断该报文的作用（{len} 字节）' },
  client: { en: 'client', zh: '客户端' },
  server: { en: 'server', zh: '服务端' },
} satisfies Record<string, Phrase>;

const FLAG_WORDS: Record<string, string> = { F: 'FIN', P: 'PSH', U: 'URG', W: 'CWR', E: 'ECE', e: 'AE' };

const EVENT_TEXT: Record<string, Phrase> = {
  retransmission: { en: 'a retransmission', zh: '重传' },
  fast_retransmission: { en: 'a fast retransmission (after duplicate ACKs)', zh: '快速重传（收到重复 ACK 后）' },
  spurious_retransmission: { en: 'a spurious retransmission (already acknowledged)', zh: '虚假重传（数据已被确认）' },
  out_of_order: { en: 'out of order', zh: '乱序' },
  lost_segment: { en: 'a previous segment was not captured', zh: '之前的报文段未被捕获' },
  ack_lost_segment: { en: 'acknowledges a segment that was not captured', zh: '确认了未被捕获的报文段' },
  duplicate_ack: { en: 'a duplicate ACK', zh: '重复 ACK' },
  zero_window: { en: 'zero window: the receiver\'s buffer is full', zh: '零窗口：接收缓冲区已满' },
  zero_window_probe: { en: 'a zero-window probe', zh: '零窗口探测' },
  zero_window_probe_ack: { en: 'the answer to a zero-window probe', zh: '零窗口探测的应答' },
  window_update: { en: 'a window update', zh: '窗口更新' },
  window_full: { en: 'fills the receiver\'s window', zh: '填满了接收窗口' },
  keep_alive: { en: 'a keep-alive probe', zh: '保活探测' },
  keep_alive_ack: { en: 'the answer to a keep-alive', zh: '保活探测的应答' },
  reused_ports: { en: 'a new connection on a 4-tuple used before (port reuse)', zh: '在用过的四元组上建立新连接（端口复用）' },
  duplicate_capture: { en: 'the previous packet captured again (another interface, or In and Out): not counted twice', zh: '同一个包被再次捕获（另一个接口，或 In 和 Out）：不重复计算' },
};

export function eventText(kind: string, lang: Lang): string {
  return EVENT_TEXT[kind]?.[lang] ?? kind;
}

const NOTE_TEXT: Record<NoteKind, Phrase> = {
  handshake_ack_unacceptable: {
    en: 'The client\'s ACK after the SYN,ACK does not acknowledge the server\'s ISN+1, so the handshake is not complete and the server stays in SYN_RECEIVED.',
    zh: '客户端在 SYN,ACK 之后发送的 ACK 没有确认服务端的 ISN+1，因此握手没有完成，服务端仍处于 SYN_RECEIVED。',
  },
  handshake_ack_refused: {
    en: 'The server answered the client\'s handshake ACK with a RST: the ACK was refused, so the handshake is not complete.',
    zh: '服务端用 RST 回应了客户端握手的 ACK：该 ACK 被拒绝，因此握手没有完成。',
  },
  syn_ack_unanswered: {
    en: 'Inferred: the client never answered the server\'s repeated SYN,ACKs, so nothing shows that any of them arrived, and the client is shown in SYN_SENT. It may in fact be ESTABLISHED with its ACKs lost on the way, or the SYN\'s source may be spoofed or gone.',
    zh: '推断：客户端从未回应服务端重复发送的 SYN,ACK，没有证据表明其中任何一个已到达，因此客户端显示为 SYN_SENT。实际上它可能已是 ESTABLISHED 而其 ACK 在途中丢失，也可能 SYN 的源地址是伪造的或已不存在。',
  },
  probe: {
    en: 'No connection: the segments carry neither SYN nor ACK (a probe, such as a FIN, Xmas or NULL scan) and change no state. The probed end is taken to listen until a RST says otherwise.',
    zh: '没有连接：这些报文既不带 SYN 也不带 ACK（探测报文，如 FIN、Xmas 或 NULL 扫描），不改变任何状态。在收到 RST 之前，假定被探测的一端在监听。',
  },
  refused_probe: {
    en: 'The probe was answered by a RST: the port is closed. A refused probe (like Zeek\'s REJ), not a connection being closed.',
    zh: '探测被 RST 回应：该端口关闭。这是被拒绝的探测（类似 Zeek 的 REJ），而不是连接的关闭。',
  },
  no_flags: {
    en: 'Segments with no flags at all (Flags [none]) are not valid in any TCP state; they change no state.',
    zh: '没有任何标志的报文（Flags [none]）在任何 TCP 状态下都无效，不改变任何状态。',
  },
};

/** A connection note (ConnectionSummary.notes) as a sentence or two. */
export function noteText(kind: NoteKind, lang: Lang): string {
  return NOTE_TEXT[kind][lang];
}

const LIMIT_TEXT: Record<LimitKind, Phrase> = {
  receiver_window: { en: 'the receiver\'s window: the sender waited with data at a full or zero window', zh: '接收窗口：发送方有数据待发，但窗口已满或为零' },
  loss: { en: 'loss: waiting for retransmissions (timeouts and fast-retransmit recoveries)', zh: '丢包：等待重传（超时重传与快速重传恢复）' },
  application: { en: 'the application: nothing in flight and nothing waiting to be sent', zh: '应用：没有在途数据，也没有待发数据' },
  server_think: { en: 'the server\'s think time: the request was in, the response not yet begun', zh: '服务端处理时间：请求已到达，响应尚未开始' },
  handshake: { en: 'the handshake: a SYN or SYN,ACK had to be sent again, or the SYN,ACK came late (over 200 ms and three times the usual round trip)', zh: '握手：SYN 或 SYN,ACK 需要重发，或 SYN,ACK 来得太迟（超过 200 ms，且超过通常往返时间的三倍）' },
  delayed_ack: { en: 'delayed ACKs: a small segment waited for the peer\'s delayed ACK (Nagle and delayed ACK)', zh: '延迟确认：小报文段在等待对端的延迟 ACK（Nagle 与延迟确认）' },
  none: { en: 'nothing in particular: data in flight at the network\'s pace', zh: '无特别限制：数据按网络速度在途传输' },
  unknown: { en: 'cannot be told: data was in flight but the peer\'s ACKs are not in the capture (one direction was not captured)', zh: '无法判断：有数据在途，但抓包中没有对端的 ACK（有一个方向没有抓到）' },
};

const LIMITS_UNKNOWN_TEXT: Record<LimitsUnknown, Phrase> = {
  no_time: { en: 'no timestamps (tcpdump -t), or all packets at one moment: the time each cause cost cannot be measured', zh: '没有时间戳（tcpdump -t），或所有报文在同一时刻：无法计算各原因耗费的时间' },
  no_seq: { en: 'no sequence numbers (tcpdump -q): what was in flight cannot be told', zh: '没有序号（tcpdump -q）：无法判断哪些数据在途' },
};

/** What a limit kind (Limits.verdict, Limit.kind, Stall.cause) means, in a phrase. */
export function limitText(kind: LimitKind, lang: Lang): string {
  return LIMIT_TEXT[kind][lang];
}

/** Why a connection has no verdict (Limits.unknown). */
export function limitsUnknownText(reason: LimitsUnknown, lang: Lang): string {
  return LIMITS_UNKNOWN_TEXT[reason][lang];
}

function fill(p: Phrase, lang: Lang, v: Record<string, string | number | null>): string {
  return p[lang].replace(/\{(\w+)\}/g, (_, k: string) => String(v[k] ?? '?'));
}

/** One sentence (or two) on what packet `index` is in its connection's life. */
export function explainPacket(trace: Trace, index: number, lang: Lang = 'en'): string {
  const p = trace.packet(index);
  const c = trace.connections[p.connection];
  const f = p.flagBits;
  const from = P[p.from][lang];
  const v = { from, seq: p.seq, ack: p.ack, len: p.len };
  const hs = c.handshake;
  let what: string;
  if (f & Flag.UNKNOWN) what = fill(P.noFlags, lang, v);
  else if (!(f & (Flag.SYN | Flag.ACK | Flag.RST))) {
    const words = [...p.flags].map((ch) => FLAG_WORDS[ch] ?? ch).join(lang === 'zh' ? '、' : ', ');
    what = fill(p.flags === 'none' ? P.none : P.probe, lang, { ...v, flags: words });
  } else if (f & Flag.RST) {
    if (c.notes.includes('refused_probe')) what = fill(P.refusedProbe, lang, v);
    else if (c.notes.includes('handshake_ack_refused') && p.before.server === 'SYN_RECEIVED' && !(f & Flag.ACK) && p.from === 'server') what = fill(P.ackRefused, lang, v);
    else if (c.notes.includes('handshake_ack_unacceptable') && p.before.server === 'SYN_RECEIVED' && p.after.server === 'SYN_RECEIVED' && p.from === 'server') what = fill(P.ackRefused, lang, v);
    else what = fill(c.connState === 'REJ' && p.from === 'server' ? P.refused : P.rst, lang, v);
  } else if ((f & Flag.SYN) && !(f & Flag.ACK)) {
    if (hs.simultaneousOpen && p.from === 'server') what = fill(P.simulSyn, lang, v);
    else what = fill(p.line === hs.synLine || hs.synLine === null ? P.syn : P.synRetx, lang, v);
  } else if (f & Flag.SYN) {
    what = fill(p.line === hs.synAckLine || hs.synAckLine === null ? P.synAck : P.synAckRetx, lang, v);
  } else if (f & Flag.FIN) {
    what = finPhrase(trace, p, c.close.firstFinFrom, lang, v);
  } else if (p.line === hs.ackLine) {
    what = fill(p.len > 0 ? P.ack3Data : P.ack3, lang, v);
  } else if (p.from === 'client' && p.before.server === 'SYN_RECEIVED' && hs.serverIsn !== null && hs.ackLine === null && p.ack !== null &&
    p.ack !== (hs.serverIsn + 1) % 4294967296 && (c.notes.includes('handshake_ack_unacceptable'))) {
    what = fill(P.ackUnacceptable, lang, { ...v, isn1: (hs.serverIsn + 1) % 4294967296 });
  } else if (p.len > 0) {
    what = fill(P.data, lang, v);
  } else {
    what = fill(ackPhrase(p) ?? P.ack, lang, v);
  }
  const ev = p.events.map((k) => eventText(k, lang));
  if (ev.length) what += lang === 'zh' ? `（${ev.join('，')}）` : ` (${ev.join(', ')})`;
  return what;
}

function finPhrase(trace: Trace, p: PacketInfo, firstFrom: string | null, lang: Lang, v: Record<string, string | number | null>): string {
  const mine = p.from === 'client' ? 'client' : 'server';
  const before = p.before[mine];
  if (before === 'FIN_WAIT_1' || before === 'CLOSING' || before === 'LAST_ACK' || before === 'FIN_WAIT_2') return fill(P.finRetx, lang, v);
  if (firstFrom === p.from || firstFrom === null) return fill(p.len > 0 ? P.fin1Data : P.fin1, lang, v);
  const c = trace.connections[p.connection];
  if (c.close.simultaneous) return fill(P.finSimul, lang, v);
  return fill(c.close.kind === 'combined' ? P.fin2Ack : P.fin2, lang, v);
}

function ackPhrase(p: PacketInfo): Phrase | null {
  const peer = p.from === 'client' ? 'server' : 'client';
  const t = p.transitions[peer];
  if (t.length === 0) return null;
  const after = p.after[peer];
  if (after === 'CLOSED' || after === 'TIME_WAIT') return P.lastAck;
  if (after === 'FIN_WAIT_2') return P.ackFin;
  return null;
}
