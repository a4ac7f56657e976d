// The numbers each connection keeps while packets are added (counters, Zeek's endpoint
// states, the expert analysis' per-direction bookkeeping), for all connections in one growable
// typed array: a block of STRIDE numbers per connection. A trace can hold hundreds of
// thousands of connections; as objects and small arrays they cost several times the memory
// and a garbage collector that copies them while they are young.

/**
 * Offsets within a connection's block. Per-side fields take two slots: [field + 0] for the
 * client (originator), [field + 1] for the server (responder).
 */
export const enum C {
  PACKETS = 0,
  BYTES = 2,
  /** Line of each side's first FIN, or -1. */
  FIN_LINE = 4,
  /** 1 when that side sent a SYN without ACK. */
  SYN_FROM = 6,
  /** Zeek's endpoint state (zeek.ts), bytes sent, and history letters seen (one bit each). */
  ZEEK_ST = 8,
  ZEEK_SIZE = 10,
  ZEEK_SEEN = 12,
  /** Time of the ACK that completed the handshake. */
  ACK_TIME = 14,
  // The expert analysis (expert.ts).
  NEXT_SEQ = 15,
  LAST_ACK = 17,
  MAX_ACK = 19,
  LAST_WIN = 21,
  /** Time of the segment that last advanced NEXT_SEQ. */
  ADVANCE_TIME = 23,
  DUP_ACKS = 25,
  /** Window shift per side once both SYNs carried wscale; 0 otherwise. */
  SHIFT = 27,
  LAST_EVENTS = 29,
  /** Time of the connection's previous packet, either way (one slot). */
  PREV_TIME = 31,
  STRIDE = 32,
}

const DEFAULTS = new Float64Array(C.STRIDE);
DEFAULTS[C.FIN_LINE] = DEFAULTS[C.FIN_LINE + 1] = -1;
DEFAULTS[C.ACK_TIME] = NaN;
for (const k of [C.NEXT_SEQ, C.LAST_ACK, C.MAX_ACK, C.LAST_WIN, C.ADVANCE_TIME]) DEFAULTS[k] = DEFAULTS[k + 1] = NaN;
DEFAULTS[C.PREV_TIME] = NaN;

export class ConnStore {
  /** The blocks; replaced when it grows, so always read through the store. */
  f = new Float64Array(C.STRIDE * 256);
  private count = 0;

  /** Reserves a block set to its defaults and returns its offset. */
  add(): number {
    const o = this.count * C.STRIDE;
    if (o + C.STRIDE > this.f.length) {
      const f = new Float64Array(this.f.length * 2);
      f.set(this.f);
      this.f = f;
    }
    this.f.set(DEFAULTS, o);
    this.count++;
    return o;
  }
}
