// Per-packet figures of a connection's data in flight, as tshark's tcp.analysis defines them
// (packet-tcp.c, tcp_analyze_sequence_number), taken as each packet is added:
//
// - ackRtt: on an ACK, the time since the segment it acknowledges exactly (ack == that
//   segment's seq + len, SYN and FIN counting one). tshark measures from the oldest segment
//   that ends there; where that segment was sent again, or was itself a retransmission, the
//   sample is ambiguous and left out (Karn's rule), where tshark still reports one.
// - inFlight: on a segment with data, the sender's unacknowledged range (from the lowest
//   unacknowledged seq to the highest seq + len sent) less the bytes the receiver's last SACK
//   blocks cover (the first three); none after a gap in the sender's numbers until the receiver
//   ACKs again.
// - winBytes: the advertised window shifted by the sender's window scale; a SYN's is never
//   scaled. NaN where the scale is unknown (no SYN seen).
//
// Each connection keeps, per direction, its unacknowledged segments as a stack in typed arrays.

import type { PacketColumns } from './columns';
import { EVENT_BIT } from './expert';
import { Flag } from './flags';
import type { SynOptions } from './model';

/**
 * The most unacknowledged segments kept per direction (tshark keeps 10000). Every ACK and every
 * segment looks at them, so the bound keeps the cost per packet bounded on a trace whose ACKs
 * never come; past it, the direction's bytes in flight are not given until its list empties.
 */
const MAX_UNACKED = 1024;
/** tshark's bound on a believable bytes-in-flight figure. */
const MAX_IN_FLIGHT = 2000000000;
const U32 = 4294967296;

const NONE = new Float64Array(0);

/** a - b as a signed 32-bit difference: > 0 when a is after b in sequence space. */
const diff = (a: number, b: number): number => (a - b) | 0;

/** One direction's unacknowledged segments, oldest first. */
class Unacked {
  n = 0;
  // Made on the first segment: most connections of a SYN flood or a scan never send one.
  seq = NONE;
  end = NONE;
  time = NONE;
  /** 1 where the segment was sent again or is itself a retransmission (Karn). */
  ambiguous = new Uint8Array(0);

  push(seq: number, end: number, time: number, ambiguous: number): void {
    if (this.n === this.seq.length) this.grow();
    const k = this.n++;
    this.seq[k] = seq;
    this.end[k] = end;
    this.time[k] = time;
    this.ambiguous[k] = ambiguous;
  }

  private grow(): void {
    const m = Math.max(4, this.seq.length * 2);
    const f = (a: Float64Array) => {
      const b = new Float64Array(m);
      b.set(a);
      return b;
    };
    this.seq = f(this.seq);
    this.end = f(this.end);
    this.time = f(this.time);
    const a = new Uint8Array(m);
    a.set(this.ambiguous);
    this.ambiguous = a;
  }
}

/** What one connection keeps to compute its packets' figures. */
export class Flight {
  private readonly unacked = [new Unacked(), new Unacked()];
  /** Per direction: the highest seq + len sent (NaN before any), and the first seq seen. */
  private readonly next = [NaN, NaN];
  private readonly base = [NaN, NaN];
  /** True once a direction's list was full (bytes in flight were then left out for a while). */
  overflowed = false;
  /** Per direction: 1 while segments were left off its full list, until the list empties. */
  private readonly overflow = [0, 0];
  /** Per direction: 0 after a gap in its numbers, until the other side ACKs. */
  private readonly validBif = [1, 1];
  /** Per direction: the bytes the SACK option of its last packet covered (-1: none). */
  private readonly sacked = [-1, -1];

  /**
   * Fills ackRtt, inFlight and winBytes of packet p (whose flags, seq, ack, win, len, time,
   * dir and events are set). `shift` is the sender's window scale, NaN if unknown; `sack` the
   * bytes its SACK blocks cover, -1 without any.
   */
  step(
    t: PacketColumns,
    p: number,
    shift: number,
    sack: number,
  ): void {
    const f = t.flags[p];
    const d = t.dir[p];
    const o = 1 - d;
    const win = t.win[p];
    t.ackRtt[p] = NaN;
    t.inFlight[p] = NaN;
    t.winBytes[p] = f & Flag.SYN ? win : win * 2 ** shift;
    if (f & Flag.UNKNOWN || t.events[p] & EVENT_BIT.duplicate_capture) return;
    const seq = t.seq[p];
    const ack = t.ack[p];
    const len = t.len[p];
    const time = t.time[p];
    const hasAck = (f & Flag.ACK) !== 0 && ack === ack;
    if (f & Flag.ACK) this.validBif[o] = 1;

    const probe = (t.events[p] & EVENT_BIT.zero_window_probe) !== 0;
    const next = this.next[d];
    if (!probe && next === next && seq === seq && diff(seq, next) > 0 && !(f & Flag.RST)) this.validBif[d] = 0;

    // The segment joins its direction's unacknowledged list.
    const virtual = f & (Flag.SYN | Flag.FIN) ? 1 : 0;
    let end = NaN;
    if (seq === seq) {
      end = (seq + len + virtual) % U32;
      if (this.base[d] !== this.base[d]) this.base[d] = seq;
      const u = this.unacked[d];
      if ((len > 0 || virtual) && u.n >= MAX_UNACKED) this.overflow[d] = 1, (this.overflowed = true);
      else if (len > 0 || virtual) {
        // Data sent before: a retransmission; the segments it repeats are ambiguous too.
        const again = next === next && diff(seq, next) < 0 ? 1 : 0;
        if (again) for (let k = 0; k < u.n; k++) if (diff(u.seq[k], end) < 0 && diff(u.end[k], seq) > 0) u.ambiguous[k] = 1;
        u.push(seq, end, time, again);
      }
      if (!probe && (next !== next || diff(end, next) > 0)) this.next[d] = end;
    }

    // The ACK takes the other direction's segments it covers off their list.
    if (hasAck) {
      const u = this.unacked[o];
      let rtt = NaN;
      let w = 0;
      for (let k = 0; k < u.n; k++) {
        const e = u.end[k];
        if (ack === e) {
          // The oldest segment ending here gives tshark's figure.
          if (rtt !== rtt) rtt = u.ambiguous[k] ? -1 : time - u.time[k];
          continue;
        }
        if (diff(ack, u.seq[k]) > 0 && diff(ack, e) <= 0) u.seq[k] = ack;
        if (diff(e, ack) > 0) {
          u.seq[w] = u.seq[k];
          u.end[w] = e;
          u.time[w] = u.time[k];
          u.ambiguous[w] = u.ambiguous[k];
          w++;
        }
      }
      u.n = w;
      if (w === 0) this.overflow[o] = 0;
      if (rtt >= 0) t.ackRtt[p] = rtt * 1000;
    }
    this.sacked[d] = sack;

    // Bytes in flight after a segment with data.
    const u = this.unacked[d];
    if (len > 0 && u.n > 0 && this.validBif[d] && !this.overflow[d]) {
      const b = this.base[d];
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = 0; k < u.n; k++) {
        const s = (u.seq[k] - b + U32) % U32;
        const e = (u.end[k] - b + U32) % U32;
        if (s < lo) lo = s;
        if (e > hi) hi = e;
      }
      let inFlight = hi - lo;
      if (this.sacked[o] > 0) inFlight = (inFlight - this.sacked[o] + U32) % U32;
      if (inFlight > 0 && inFlight < MAX_IN_FLIGHT) t.inFlight[p] = inFlight - virtual;
    }
  }
}

/**
 * The window scale that applies to a segment from side d (0 client, 1 server) after the
 * handshake: each side's own when both SYNs carried one, 0 when either SYN went without (RFC
 * 7323: then neither side scales), NaN when the SYNs that would tell were not seen.
 */
export function windowShift(client: SynOptions | null, server: SynOptions | null, d: number): number {
  if (client && server) return client.wscale !== null && server.wscale !== null ? (d === 0 ? client.wscale : server.wscale) : 0;
  const seen = client ?? server;
  return seen && seen.wscale === null ? 0 : NaN;
}
