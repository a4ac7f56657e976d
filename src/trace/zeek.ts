// A connection's outcome as Zeek's conn.log reports it: conn_state and history.
// Definitions from Zeek's documentation of the conn log (base/protocols/conn/main.zeek).

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

/** Letters recorded once per direction; the rest are recorded at the 1st, 10th, 100th... time. */
const COUNTED = 'TWCG';

export class ZeekState {
  /** 0: originator (client), 1: responder (server). */
  st = [Z.INACTIVE, Z.INACTIVE];
  size = [0, 0];
  history = '';
  private seen = [new Set<string>(), new Set<string>()];
  private counts = [new Map<string, number>(), new Map<string, number>()];

  private mark(d: number, letter: string): void {
    const c = d === 0 ? letter : letter.toLowerCase();
    if (COUNTED.includes(letter)) {
      const n = (this.counts[d].get(letter) ?? 0) + 1;
      this.counts[d].set(letter, n);
      if (n === 1 || n === 10 || n === 100 || n === 1000 || n === 10000) this.history += c;
    } else if (!this.seen[d].has(letter)) {
      this.seen[d].add(letter);
      this.history += c;
    }
  }

  step(d: number, f: number, len: number, events: number): void {
    if (f & Flag.UNKNOWN) {
      if (len > 0) this.mark(d, 'D');
      if (this.st[d] === Z.INACTIVE) this.st[d] = Z.PARTIAL;
      this.size[d] += Math.max(0, len);
      return;
    }
    const o = d;
    const other = 1 - d;
    if ((f & Flag.SYN) && (f & Flag.FIN)) this.mark(d, 'Q');
    if (f & Flag.SYN) {
      this.mark(d, f & Flag.ACK ? 'H' : 'S');
      if (this.st[o] === Z.INACTIVE || this.st[o] === Z.PARTIAL) this.st[o] = f & Flag.ACK ? Z.SYN_ACK_SENT : Z.SYN_SENT;
    }
    if (f & Flag.FIN) {
      this.mark(d, 'F');
      if (this.st[o] !== Z.RESET) this.st[o] = Z.CLOSED;
    }
    if (f & Flag.RST) {
      this.mark(d, 'R');
      this.st[o] = Z.RESET;
    }
    if (len > 0) this.mark(d, 'D');
    else if ((f & Flag.ACK) && !(f & (Flag.SYN | Flag.FIN | Flag.RST))) this.mark(d, 'A');
    if (events & (EVENT_BIT.retransmission | EVENT_BIT.fast_retransmission | EVENT_BIT.spurious_retransmission)) this.mark(d, 'T');
    if (events & EVENT_BIT.zero_window) this.mark(d, 'W');
    if (events & EVENT_BIT.lost_segment) this.mark(d, 'G');
    if (!(f & (Flag.SYN | Flag.FIN | Flag.RST))) {
      if (this.st[o] === Z.INACTIVE) this.st[o] = Z.PARTIAL;
      if ((f & Flag.ACK) && (this.st[o] === Z.SYN_SENT || this.st[o] === Z.SYN_ACK_SENT)) {
        this.st[o] = Z.ESTABLISHED;
        if (this.st[other] === Z.SYN_SENT || this.st[other] === Z.SYN_ACK_SENT) this.st[other] = Z.ESTABLISHED;
      }
    }
    this.size[d] += Math.max(0, len);
  }

  /** Zeek's conn_state(), from the two endpoint states. */
  connState(): string {
    const [os, rs] = this.st;
    const oInactive = os === Z.INACTIVE || os === Z.PARTIAL;
    const rInactive = rs === Z.INACTIVE || rs === Z.PARTIAL;
    if (rs === Z.RESET) {
      if (os === Z.SYN_SENT || os === Z.SYN_ACK_SENT || (os === Z.RESET && this.size[0] === 0 && this.size[1] === 0)) return 'REJ';
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
