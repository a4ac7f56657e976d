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
// Each connection keeps, per direction, its unacknowledged segments in one array of numbers;
// the results go straight into the packet columns.

import type { PacketColumns } from './columns';
import { EVENT_BIT } from './expert';
import { Flag } from './flags';
import type { SynOptions } from './model';
import { mod32, scaleWindow, seqAfter } from './seqspace';

/**
 * The most unacknowledged segments kept per direction (tshark keeps 10000). Every ACK and every
 * segment looks at them, so the bound keeps the cost per packet bounded on a trace whose ACKs
 * never come; past it, the direction's bytes in flight are not given until its list empties.
 */
const MAX_UNACKED = 1024;
/** Numbers an emptied list keeps room for (16 segments). */
const KEPT_ROOM = 64;
/** tshark's bound on a believable bytes-in-flight figure. */
const MAX_IN_FLIGHT = 2000000000;
const U32 = 4294967296;

/** a - b as a signed 32-bit difference: > 0 when a is after b in sequence space. */
const diff = (a: number, b: number): number => (a - b) | 0;

/** A list entry's fields, at k * STRIDE: seq, seq + len (+1 for SYN or FIN), time, and 1 where ambiguous. */
const SEQ = 0;
const END = 1;
const TIME = 2;
/** The segment was sent again, or is itself a retransmission (Karn). */
const AMBIGUOUS = 3;
const STRIDE = 4;
/** Per-direction scalars, at d * SCALARS: */
/** the highest seq + len sent (NaN before any), */
const NEXT = 0;
/** the first seq seen (the base of in-flight arithmetic), */
const BASE = 1;
/** 0 after a gap in its numbers, until the other side ACKs, */
const VALID_BIF = 2;
/** the bytes the SACK option of its last packet covered (-1: none), */
const SACKED = 3;
/** 1 while segments were left off its full list, until the list empties. */
const OVERFLOW = 4;
const SCALARS = 5;

/**
 * What one connection keeps to compute its packets' figures: per direction, its
 * unacknowledged segments (oldest first) and a few scalars. Arrays of numbers rather than
 * typed arrays: a small typed array costs several times its contents, and a SYN flood makes
 * a Flight per SYN.
 */
export class Flight {
  private readonly v: number[] = [NaN, NaN, 1, -1, 0, NaN, NaN, 1, -1, 0];
  /**
   * Each direction's list: its n live entries start at entry `head` (entries taken off the
   * front stay behind until the list is moved down).
   */
  private readonly list: [number[], number[]] = [[], []];
  private readonly head = [0, 0];
  private readonly n = [0, 0];
  /**
   * 1 while a direction's list is in sequence order, each segment starting at or after the
   * end of the one before (no retransmission since it was last empty). Then an ACK takes a
   * prefix off, and the range in flight runs from the first entry to the last: a bulk
   * transfer costs O(1) a packet, not O(segments in flight).
   */
  private readonly ordered = [1, 1];
  /** True once a direction's list was full (bytes in flight were then left out for a while). */
  overflowed = false;

  private push(d: number, seq: number, end: number, time: number, ambiguous: number): void {
    const a = this.list[d];
    const n = this.n[d];
    let h = this.head[d];
    if (n === 0) {
      h = this.head[d] = 0;
      this.ordered[d] = 1;
    } else {
      if (this.ordered[d] && diff(seq, a[(h + n - 1) * STRIDE + END]) < 0) this.ordered[d] = 0;
      // Move the live entries down once the dead ones before them outnumber them.
      if (h >= 64 && h >= n) {
        a.copyWithin(0, h * STRIDE, (h + n) * STRIDE);
        h = this.head[d] = 0;
      }
    }
    const k = (h + n) * STRIDE;
    a[k + SEQ] = seq;
    a[k + END] = end;
    a[k + TIME] = time;
    a[k + AMBIGUOUS] = ambiguous;
    this.n[d] = n + 1;
  }

  /** Takes the segments an ACK covers off direction d's list; the ACK's RTT in seconds (-1: ambiguous, NaN: none). */
  private acked(d: number, ack: number, time: number): number {
    const a = this.list[d];
    const start = this.head[d] * STRIDE;
    const stop = start + this.n[d] * STRIDE;
    let rtt = NaN;
    if (this.ordered[d]) {
      let k = start;
      for (; k < stop && diff(a[k + END], ack) <= 0; k += STRIDE) {
        if (a[k + END] === ack) rtt = a[k + AMBIGUOUS] ? -1 : time - a[k + TIME];
      }
      // Only the first segment left can begin before the ACK.
      if (k < stop && diff(ack, a[k + SEQ]) > 0) a[k + SEQ] = ack;
      this.head[d] = k / STRIDE;
      this.n[d] = (stop - k) / STRIDE;
      return rtt;
    }
    let w = start;
    for (let k = start; k < stop; k += STRIDE) {
      const e = a[k + END];
      if (ack === e) {
        // The oldest segment ending here gives tshark's figure.
        if (rtt !== rtt) rtt = a[k + AMBIGUOUS] ? -1 : time - a[k + TIME];
        continue;
      }
      if (diff(ack, a[k + SEQ]) > 0 && diff(ack, e) <= 0) a[k + SEQ] = ack;
      if (diff(e, ack) > 0) {
        if (w !== k) for (let j = 0; j < STRIDE; j++) a[w + j] = a[k + j];
        w += STRIDE;
      }
    }
    this.n[d] = (w - start) / STRIDE;
    return rtt;
  }

  /** The bytes direction d has in flight, from the base seq `b`: its unacknowledged range. */
  private range(d: number, b: number): number {
    const a = this.list[d];
    const start = this.head[d] * STRIDE;
    const stop = start + this.n[d] * STRIDE;
    let lo = seqAfter(a[start + SEQ], b);
    let hi = seqAfter(a[stop - STRIDE + END], b);
    // Out of order, or wrapped past the base: every entry's own range.
    if (!this.ordered[d] || hi < lo) {
      lo = Infinity;
      hi = -Infinity;
      for (let k = start; k < stop; k += STRIDE) {
        const s = seqAfter(a[k + SEQ], b);
        const e = seqAfter(a[k + END], b);
        if (s < lo) lo = s;
        if (e > hi) hi = e;
      }
    }
    return hi - lo;
  }

  /**
   * Gives back the room of emptied lists, once the connection is over. Tens of thousands of
   * lists kept at their largest would hold megabytes until the trace is done.
   */
  release(): void {
    for (let d = 0; d < 2; d++) if (this.n[d] === 0) this.list[d].length = 0;
  }

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
    t.winBytes[p] = f & Flag.SYN ? win : scaleWindow(win, shift);
    if (f & Flag.UNKNOWN || t.events[p] & EVENT_BIT.duplicate_capture) return;
    const seq = t.seq[p];
    const ack = t.ack[p];
    const len = t.len[p];
    const time = t.time[p];
    const hasAck = (f & Flag.ACK) !== 0 && ack === ack;
    const v = this.v;
    const dv = d * SCALARS;
    const ov = o * SCALARS;
    if (f & Flag.ACK) v[ov + VALID_BIF] = 1;

    const probe = (t.events[p] & EVENT_BIT.zero_window_probe) !== 0;
    const next = v[dv + NEXT];
    if (!probe && next === next && seq === seq && diff(seq, next) > 0 && !(f & Flag.RST)) v[dv + VALID_BIF] = 0;

    // The segment joins its direction's unacknowledged list.
    const virtual = f & (Flag.SYN | Flag.FIN) ? 1 : 0;
    if (seq === seq) {
      const end = mod32(seq + len + virtual);
      if (v[dv + BASE] !== v[dv + BASE]) v[dv + BASE] = seq;
      if ((len > 0 || virtual) && this.n[d] >= MAX_UNACKED) {
        v[dv + OVERFLOW] = 1;
        this.overflowed = true;
      } else if (len > 0 || virtual) {
        // Data sent before: a retransmission; the segments it repeats are ambiguous too.
        const again = next === next && diff(seq, next) < 0 ? 1 : 0;
        if (again) {
          const a = this.list[d];
          const start = this.head[d] * STRIDE;
          const stop = start + this.n[d] * STRIDE;
          for (let k = start; k < stop; k += STRIDE) if (diff(a[k + SEQ], end) < 0 && diff(a[k + END], seq) > 0) a[k + AMBIGUOUS] = 1;
        }
        this.push(d, seq, end, time, again);
      }
      if (!probe && (next !== next || diff(end, next) > 0)) v[dv + NEXT] = end;
    }

    // The ACK takes the other direction's segments it covers off their list.
    if (hasAck && this.n[o] > 0) {
      const rtt = this.acked(o, ack, time);
      if (this.n[o] === 0) {
        v[ov + OVERFLOW] = 0;
        // Emptied: a short list keeps its room, which the next segments fill without growing
        // it again; a long one gives it back (and release() gives back the rest).
        if (this.list[o].length > KEPT_ROOM) this.list[o].length = 0;
      }
      if (rtt >= 0) t.ackRtt[p] = rtt * 1000;
    }
    v[dv + SACKED] = sack;

    // Bytes in flight after a segment with data.
    if (len > 0 && this.n[d] > 0 && v[dv + VALID_BIF] && !v[dv + OVERFLOW]) {
      let inFlight = this.range(d, v[dv + BASE]);
      const sacked = v[ov + SACKED];
      if (sacked > 0) inFlight = (inFlight - sacked + U32) % U32;
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
