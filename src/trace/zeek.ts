// A connection's outcome as Zeek's conn.log reports it: conn_state and history.
// Definitions from Zeek's documentation of the conn log (base/protocols/conn/main.zeek).

import { Slot, type ConnStore } from './connstore';
import { EVENT_BIT } from './expert';
import type { Lang } from './explain';
import { Flag } from './model';

/** Zeek's view of one endpoint. */
const enum EndpointState {
  INACTIVE,
  SYN_SENT,
  SYN_ACK_SENT,
  PARTIAL,
  ESTABLISHED,
  CLOSED,
  RESET,
}

export const CONN_STATE_TEXT: Record<string, Record<Lang, string>> = {
  S0: { en: 'Connection attempt seen, no reply.', zh: '看到连接请求，没有应答。' },
  S1: { en: 'Connection established, not terminated.', zh: '连接已建立，尚未结束。' },
  SF: { en: 'Normal establishment and termination.', zh: '正常建立并正常结束。' },
  REJ: { en: 'Connection attempt rejected.', zh: '连接请求被拒绝。' },
  S2: { en: 'Connection established and close attempt by originator seen (but no reply from responder).', zh: '连接已建立，发起方尝试关闭（响应方没有回应）。' },
  S3: { en: 'Connection established and close attempt by responder seen (but no reply from originator).', zh: '连接已建立，响应方尝试关闭（发起方没有回应）。' },
  RSTO: { en: 'Connection established, originator aborted (sent a RST).', zh: '连接已建立，发起方中止（发送了 RST）。' },
  RSTR: { en: 'Responder sent a RST.', zh: '响应方发送了 RST。' },
  RSTOS0: { en: 'Originator sent a SYN followed by a RST, we never saw a SYN-ACK from the responder.', zh: '发起方发送 SYN 后又发送 RST，没有看到响应方的 SYN-ACK。' },
  RSTRH: { en: 'Responder sent a SYN ACK followed by a RST, we never saw a SYN from the (purported) originator.', zh: '响应方发送 SYN-ACK 后又发送 RST，没有看到（声称的）发起方的 SYN。' },
  SH: { en: 'Originator sent a SYN followed by a FIN, we never saw a SYN ACK from the responder (hence the connection was "half" open).', zh: '发起方发送 SYN 后又发送 FIN，没有看到响应方的 SYN-ACK（连接处于“半”打开）。' },
  SHR: { en: 'Responder sent a SYN ACK followed by a FIN, we never saw a SYN from the originator.', zh: '响应方发送 SYN-ACK 后又发送 FIN，没有看到发起方的 SYN。' },
  OTH: { en: 'No SYN seen, just midstream traffic (one example of this is a "partial connection" that was not later closed).', zh: '没有看到 SYN，只有中途的流量（例如未被关闭的“不完整连接”）。' },
};

/** Zeek's history letters (upper case: the originator, the client; lower case: the responder). */
export const HISTORY_TEXT: Record<string, Record<Lang, string>> = {
  S: { en: 'SYN', zh: 'SYN' },
  H: { en: 'SYN,ACK', zh: 'SYN,ACK' },
  A: { en: 'a pure ACK', zh: '纯 ACK' },
  D: { en: 'data', zh: '数据' },
  F: { en: 'FIN', zh: 'FIN' },
  R: { en: 'RST', zh: 'RST' },
  C: { en: 'a bad checksum', zh: '校验和错误' },
  G: { en: 'a content gap', zh: '内容缺口' },
  T: { en: 'a retransmission', zh: '重传' },
  W: { en: 'a zero window', zh: '零窗口' },
  I: { en: 'an inconsistent packet', zh: '不一致的包' },
  Q: { en: 'a packet with SYN and FIN or RST', zh: 'SYN 与 FIN 或 RST 同时出现的包' },
  '^': { en: 'roles flipped', zh: '角色互换' },
};

/** conn_state and history in words: "SF: Normal ... History ShAD: client SYN, server SYN,ACK, ...". */
export function zeekText(connState: string, history: string, lang: Lang): string {
  const who = lang === 'zh' ? ['客户端', '服务端'] : ['client', 'server'];
  const letters = [...history].map((ch) => {
    const t = HISTORY_TEXT[ch.toUpperCase()];
    if (!t) return ch;
    return ch === '^' ? t[lang] : `${ch} ${who[ch === ch.toUpperCase() ? 0 : 1]} ${t[lang]}`;
  });
  const state = CONN_STATE_TEXT[connState]?.[lang] ?? '';
  return lang === 'zh'
    ? `${connState}：${state} 历史 ${history}：${letters.join('，')}。`
    : `${connState}: ${state} History ${history}: ${letters.join(', ')}.`;
}

/** History letters, as character codes (the responder's are the lower-case ones). */
const enum Letter {
  A = 65, C = 67, D = 68, F = 70, G = 71, H = 72, Q = 81, R = 82, S = 83, T = 84, W = 87,
}

/** Letters recorded once per direction; these are recorded at the 1st, 10th, 100th... time. */
const COUNTED = (1 << (Letter.T - 65)) | (1 << (Letter.W - 65)) | (1 << (Letter.C - 65)) | (1 << (Letter.G - 65));

const RETRANSMISSIONS = EVENT_BIT.retransmission | EVENT_BIT.fast_retransmission | EVENT_BIT.spurious_retransmission;
const ZERO_WINDOW = EVENT_BIT.zero_window;
const LOST_SEGMENT = EVENT_BIT.lost_segment;

/**
 * Zeek's view of a connection. Its endpoint states (0: originator, the client; 1: responder),
 * bytes sent and the history letters seen so far (one bit per letter, A = bit 0) are in the
 * connection's block of the ConnStore (Slot.ZEEK_ST, Slot.ZEEK_SIZE, Slot.ZEEK_SEEN).
 */
export class ZeekState {
  history = '';
  /** Directions (bit 1 << d) that sent anything, and that sent a segment with SYN, ACK or RST. */
  private sent = 0;
  private valid = 0;
  /** How often each counted letter happened, by direction * 32 + letter; made on first use. */
  private counts: Map<number, number> | null = null;

  constructor(
    private readonly store: ConnStore,
    private readonly o: number,
  ) {}

  /** Records `letter` (a character code) for direction d. */
  private mark(d: number, letter: number): void {
    const b = 1 << (letter - 65);
    if (b & COUNTED) {
      const counts = (this.counts ??= new Map());
      const key = d * 32 + letter - 65;
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      if (n === 1 || n === 10 || n === 100 || n === 1000 || n === 10000) this.append(d, letter);
    } else {
      const slot = this.store.slots;
      const k = this.o + Slot.ZEEK_SEEN + d;
      if (!(slot[k] & b)) {
        slot[k] = slot[k] | b;
        this.append(d, letter);
      }
    }
  }

  private append(d: number, letter: number): void {
    this.history += String.fromCharCode(d === 0 ? letter : letter + 32);
  }

  step(d: number, f: number, len: number, events: number): void {
    const st = this.store.slots;
    // The sender's and the other endpoint's state.
    const o = this.o + Slot.ZEEK_ST + d;
    const other = this.o + Slot.ZEEK_ST + 1 - d;
    this.sent |= 1 << d;
    if (f & (Flag.SYN | Flag.ACK | Flag.RST | Flag.UNKNOWN)) this.valid |= 1 << d;
    if (f & Flag.UNKNOWN) {
      if (len > 0) this.mark(d, Letter.D);
      if (st[o] === EndpointState.INACTIVE) st[o] = EndpointState.PARTIAL;
      this.addSize(d, len);
      return;
    }
    if ((f & Flag.SYN) && (f & Flag.FIN)) this.mark(d, Letter.Q);
    if (f & Flag.SYN) {
      this.mark(d, f & Flag.ACK ? Letter.H : Letter.S);
      if (st[o] === EndpointState.INACTIVE || st[o] === EndpointState.PARTIAL) st[o] = f & Flag.ACK ? EndpointState.SYN_ACK_SENT : EndpointState.SYN_SENT;
    }
    if (f & Flag.FIN) {
      this.mark(d, Letter.F);
      if (st[o] !== EndpointState.RESET) st[o] = EndpointState.CLOSED;
    }
    if (f & Flag.RST) {
      this.mark(d, Letter.R);
      st[o] = EndpointState.RESET;
    }
    if (len > 0) this.mark(d, Letter.D);
    else if ((f & Flag.ACK) && !(f & (Flag.SYN | Flag.FIN | Flag.RST))) this.mark(d, Letter.A);
    if (events & RETRANSMISSIONS) this.mark(d, Letter.T);
    if (events & ZERO_WINDOW) this.mark(d, Letter.W);
    if (events & LOST_SEGMENT) this.mark(d, Letter.G);
    if (!(f & (Flag.SYN | Flag.FIN | Flag.RST))) {
      if (st[o] === EndpointState.INACTIVE) st[o] = EndpointState.PARTIAL;
      if ((f & Flag.ACK) && (st[o] === EndpointState.SYN_SENT || st[o] === EndpointState.SYN_ACK_SENT)) {
        st[o] = EndpointState.ESTABLISHED;
        if (st[other] === EndpointState.SYN_SENT || st[other] === EndpointState.SYN_ACK_SENT) st[other] = EndpointState.ESTABLISHED;
      }
    }
    this.addSize(d, len);
  }

  private addSize(d: number, len: number): void {
    if (len > 0) this.store.slots[this.o + Slot.ZEEK_SIZE + d] += len;
  }

  /** Zeek's conn_state(), from the two endpoint states. */
  connState(): string {
    const slot = this.store.slots;
    const os = slot[this.o + Slot.ZEEK_ST];
    const rs = slot[this.o + Slot.ZEEK_ST + 1];
    const oInactive = os === EndpointState.INACTIVE || os === EndpointState.PARTIAL;
    const rInactive = rs === EndpointState.INACTIVE || rs === EndpointState.PARTIAL;
    // A probe (no SYN, ACK or RST: a FIN, Xmas or NULL scan) answered by a RST is refused,
    // like a SYN answered by one.
    if (rs === EndpointState.RESET && this.sent & 1 && !(this.valid & 1)) return 'REJ';
    if (os === EndpointState.RESET && this.sent & 2 && !(this.valid & 2)) return 'REJ';
    if (rs === EndpointState.RESET) {
      if (os === EndpointState.SYN_SENT || os === EndpointState.SYN_ACK_SENT || (os === EndpointState.RESET && slot[this.o + Slot.ZEEK_SIZE] === 0 && slot[this.o + Slot.ZEEK_SIZE + 1] === 0)) return 'REJ';
      return oInactive ? 'RSTRH' : 'RSTR';
    }
    if (os === EndpointState.RESET) {
      if (rInactive) return /^\^?S[^HAFGIQ]*R/.test(this.history) ? 'RSTOS0' : 'OTH';
      return 'RSTO';
    }
    if (rs === EndpointState.CLOSED && os === EndpointState.CLOSED) return 'SF';
    if (os === EndpointState.CLOSED) return rInactive ? 'SH' : 'S2';
    if (rs === EndpointState.CLOSED) return oInactive ? 'SHR' : 'S3';
    if (os === EndpointState.SYN_SENT && rs === EndpointState.INACTIVE) return 'S0';
    if (os === EndpointState.ESTABLISHED && rs === EndpointState.ESTABLISHED) return 'S1';
    return 'OTH';
  }
}
