// A connection's outcome as Zeek's conn.log reports it: conn_state and history.
// Definitions from Zeek's documentation of the conn log (base/protocols/conn/main.zeek).

import { C, type ConnStore } from './connstore';
import { EVENT_BIT } from './expert';
import { Flag } from './model';

/** Zeek's view of one endpoint. */
const enum Z {
  INACTIVE,
  SYN_SENT,
  SYN_ACK_SENT,
  PARTIAL,
  ESTABLISHED,
  CLOSED,
  RESET,
}

export const CONN_STATE_TEXT: Record<string, string> = {
  S0: 'Connection attempt seen, no reply.',
  S1: 'Connection established, not terminated.',
  SF: 'Normal establishment and termination.',
  REJ: 'Connection attempt rejected.',
  S2: 'Connection established and close attempt by originator seen (but no reply from responder).',
  S3: 'Connection established and close attempt by responder seen (but no reply from originator).',
  RSTO: 'Connection established, originator aborted (sent a RST).',
  RSTR: 'Responder sent a RST.',
  RSTOS0: 'Originator sent a SYN followed by a RST, we never saw a SYN-ACK from the responder.',
  RSTRH: 'Responder sent a SYN ACK followed by a RST, we never saw a SYN from the (purported) originator.',
  SH: 'Originator sent a SYN followed by a FIN, we never saw a SYN ACK from the responder (hence the connection was "half" open).',
  SHR: 'Responder sent a SYN ACK followed by a FIN, we never saw a SYN from the originator.',
  OTH: 'No SYN seen, just midstream traffic (one example of this is a "partial connection" that was not later closed).',
};

/** History letters, as character codes (the responder's are the lower-case ones). */
const enum L {
  A = 65, C = 67, D = 68, F = 70, G = 71, H = 72, Q = 81, R = 82, S = 83, T = 84, W = 87,
}

/** Letters recorded once per direction; these are recorded at the 1st, 10th, 100th... time. */
const COUNTED = (1 << (L.T - 65)) | (1 << (L.W - 65)) | (1 << (L.C - 65)) | (1 << (L.G - 65));

const RETRANSMISSIONS = EVENT_BIT.retransmission | EVENT_BIT.fast_retransmission | EVENT_BIT.spurious_retransmission;
const ZERO_WINDOW = EVENT_BIT.zero_window;
const LOST_SEGMENT = EVENT_BIT.lost_segment;

/**
 * Zeek's view of a connection. Its endpoint states (0: originator, the client; 1: responder),
 * bytes sent and the history letters seen so far (one bit per letter, A = bit 0) are in the
 * connection's block of the ConnStore (C.ZEEK_ST, C.ZEEK_SIZE, C.ZEEK_SEEN).
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
      const f = this.store.f;
      const k = this.o + C.ZEEK_SEEN + d;
      if (!(f[k] & b)) {
        f[k] = f[k] | b;
        this.append(d, letter);
      }
    }
  }

  private append(d: number, letter: number): void {
    this.history += String.fromCharCode(d === 0 ? letter : letter + 32);
  }

  step(d: number, f: number, len: number, events: number): void {
    const st = this.store.f;
    // The sender's and the other endpoint's state.
    const o = this.o + C.ZEEK_ST + d;
    const other = this.o + C.ZEEK_ST + 1 - d;
    this.sent |= 1 << d;
    if (f & (Flag.SYN | Flag.ACK | Flag.RST | Flag.UNKNOWN)) this.valid |= 1 << d;
    if (f & Flag.UNKNOWN) {
      if (len > 0) this.mark(d, L.D);
      if (st[o] === Z.INACTIVE) st[o] = Z.PARTIAL;
      this.addSize(d, len);
      return;
    }
    if ((f & Flag.SYN) && (f & Flag.FIN)) this.mark(d, L.Q);
    if (f & Flag.SYN) {
      this.mark(d, f & Flag.ACK ? L.H : L.S);
      if (st[o] === Z.INACTIVE || st[o] === Z.PARTIAL) st[o] = f & Flag.ACK ? Z.SYN_ACK_SENT : Z.SYN_SENT;
    }
    if (f & Flag.FIN) {
      this.mark(d, L.F);
      if (st[o] !== Z.RESET) st[o] = Z.CLOSED;
    }
    if (f & Flag.RST) {
      this.mark(d, L.R);
      st[o] = Z.RESET;
    }
    if (len > 0) this.mark(d, L.D);
    else if ((f & Flag.ACK) && !(f & (Flag.SYN | Flag.FIN | Flag.RST))) this.mark(d, L.A);
    if (events & RETRANSMISSIONS) this.mark(d, L.T);
    if (events & ZERO_WINDOW) this.mark(d, L.W);
    if (events & LOST_SEGMENT) this.mark(d, L.G);
    if (!(f & (Flag.SYN | Flag.FIN | Flag.RST))) {
      if (st[o] === Z.INACTIVE) st[o] = Z.PARTIAL;
      if ((f & Flag.ACK) && (st[o] === Z.SYN_SENT || st[o] === Z.SYN_ACK_SENT)) {
        st[o] = Z.ESTABLISHED;
        if (st[other] === Z.SYN_SENT || st[other] === Z.SYN_ACK_SENT) st[other] = Z.ESTABLISHED;
      }
    }
    this.addSize(d, len);
  }

  private addSize(d: number, len: number): void {
    if (len > 0) this.store.f[this.o + C.ZEEK_SIZE + d] += len;
  }

  /** Zeek's conn_state(), from the two endpoint states. */
  connState(): string {
    const f = this.store.f;
    const os = f[this.o + C.ZEEK_ST];
    const rs = f[this.o + C.ZEEK_ST + 1];
    const oInactive = os === Z.INACTIVE || os === Z.PARTIAL;
    const rInactive = rs === Z.INACTIVE || rs === Z.PARTIAL;
    // A probe (no SYN, ACK or RST: a FIN, Xmas or NULL scan) answered by a RST is refused,
    // like a SYN answered by one.
    if (rs === Z.RESET && this.sent & 1 && !(this.valid & 1)) return 'REJ';
    if (os === Z.RESET && this.sent & 2 && !(this.valid & 2)) return 'REJ';
    if (rs === Z.RESET) {
      if (os === Z.SYN_SENT || os === Z.SYN_ACK_SENT || (os === Z.RESET && f[this.o + C.ZEEK_SIZE] === 0 && f[this.o + C.ZEEK_SIZE + 1] === 0)) return 'REJ';
      return oInactive ? 'RSTRH' : 'RSTR';
    }
    if (os === Z.RESET) {
      if (rInactive) return /^\^?S[^HAFGIQ]*R/.test(this.history) ? 'RSTOS0' : 'OTH';
      return 'RSTO';
    }
    if (rs === Z.CLOSED && os === Z.CLOSED) return 'SF';
    if (os === Z.CLOSED) return rInactive ? 'SH' : 'S2';
    if (rs === Z.CLOSED) return oInactive ? 'SHR' : 'S3';
    if (os === Z.SYN_SENT && rs === Z.INACTIVE) return 'S0';
    if (os === Z.ESTABLISHED && rs === Z.ESTABLISHED) return 'S1';
    return 'OTH';
  }
}
