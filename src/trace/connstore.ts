// The numbers each connection keeps while packets are added (counters, the state machine,
// Zeek's endpoint states, the expert analysis' per-direction bookkeeping), for all connections
// in one growable typed array: a block of STRIDE numbers per connection; and the state
// machines' tentative receipts in a pool of records. A trace can hold hundreds of thousands of
// connections; as objects and small arrays they cost several times the memory and a garbage
// collector that copies them while they are young.

/**
 * Offsets within a connection's block. Per-side fields take two slots: [field + 0] for the
 * client (originator), [field + 1] for the server (responder).
 */
export const enum Slot {
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
  /** The ACK that completed the handshake: its packet (index in the packet table), or -1. */
  ACK_PACKET = 14,
  // The expert analysis (expert.ts).
  NEXT_SEQ = 15,
  LAST_ACK = 17,
  /** The highest sequence number the peer can acknowledge without skipping a gap (tshark's maxseqtobeacked). */
  TO_BE_ACKED = 19,
  LAST_WIN = 21,
  /** Time of the segment that last advanced NEXT_SEQ. */
  ADVANCE_TIME = 23,
  DUP_ACKS = 25,
  /** Window shift per side once both SYNs carried wscale; 0 after a SYN without it; NaN before a SYN. */
  SHIFT = 27,
  LAST_EVENTS = 29,
  /** Time of the connection's previous packet, either way (one slot). */
  PREV_TIME = 31,
  // The state machine (machine.ts). The nine slots from ST to TIME_WAIT_SINCE are its state
  // and stay in this order: a snapshot copies them as one block.
  ST = 32,
  /** Sequence number of each side's SYN and FIN, NaN until seen. */
  SYN_SEQ = 34,
  FIN_SEQ = 36,
  /** Which SYNs and FINs were taken as received (bits, see machine.ts). */
  DELIVERED = 38,
  /** The packet at which each side entered TIME_WAIT (NaN if it never did). */
  TIME_WAIT_SINCE = 39,
  /** Each side's state before the first packet. */
  INITIAL = 41,
  // Handshake evidence (connection.ts): the first SYN's and SYN,ACK's packet and how many of
  // each. Packets, not times: the times of a -ttt trace are summed only once it shows it is one.
  SYN_PACKET = 43,
  SYN_COUNT = 44,
  SYN_ACK_PACKET = 45,
  SYN_ACK_COUNT = 46,
  /** Time of each side's last segment (expert.ts: when its ACK was last repeated or moved). */
  LAST_ACK_TIME = 47,
  /** What the peer sent since each side's last segment (expert.ts, PEER_* bits). */
  PEER_SINCE = 49,
  STRIDE = 51,
}

/** Slots of the state machine's state, from Slot.ST. */
export const MACHINE_SLOTS = 9;

const DEFAULTS = new Float64Array(Slot.STRIDE);
DEFAULTS[Slot.FIN_LINE] = DEFAULTS[Slot.FIN_LINE + 1] = -1;
DEFAULTS[Slot.ACK_PACKET] = -1;
for (const k of [Slot.NEXT_SEQ, Slot.LAST_ACK, Slot.TO_BE_ACKED, Slot.LAST_WIN, Slot.ADVANCE_TIME, Slot.SHIFT, Slot.LAST_ACK_TIME]) DEFAULTS[k] = DEFAULTS[k + 1] = NaN;
DEFAULTS[Slot.PREV_TIME] = NaN;
for (const k of [Slot.SYN_SEQ, Slot.FIN_SEQ, Slot.TIME_WAIT_SINCE]) DEFAULTS[k] = DEFAULTS[k + 1] = NaN;
DEFAULTS[Slot.SYN_PACKET] = DEFAULTS[Slot.SYN_ACK_PACKET] = -1;

export class ConnStore {
  /** The blocks; replaced when it grows, so always read through the store. */
  slots = new Float64Array(Slot.STRIDE * 256);
  private count = 0;
  /** The state machines' tentative receipts (machine.ts), few at a time. */
  readonly receipts = new RecordPool(RECEIPT_SIZE);

  /**
   * Makes room for `n` connections at once. Spare room that is never written costs no
   * memory, while growing by doubling copies the blocks and touches twice the memory.
   */
  reserve(n: number): void {
    if (n * Slot.STRIDE > this.slots.length) this.slots = grown(this.slots.subarray(0, this.count * Slot.STRIDE), n * Slot.STRIDE);
  }

  /** Reserves a block set to its defaults and returns its offset. */
  add(): number {
    const o = this.count * Slot.STRIDE;
    if (o + Slot.STRIDE > this.slots.length) this.slots = grown(this.slots, this.slots.length * 2);
    this.slots.set(DEFAULTS, o);
    this.count++;
    return o;
  }
}

/** Numbers in a tentative receipt's record (see Machine): its fields and the state before it. */
export const enum ReceiptField {
  PACKET = 0,
  KIND = 1,
  RECEIVER = 2,
  /** The sequence number of the SYN or FIN concerned. */
  SEQ = 3,
  /** The next record of the same machine, or -1. */
  NEXT = 4,
  /** The machine's MACHINE_SLOTS numbers before the packet. */
  STATE = 5,
}
const RECEIPT_SIZE = ReceiptField.STATE + MACHINE_SLOTS;

/**
 * Records of `size` numbers in one growable typed array, taken and given back through a free
 * list: for short-lived state that would otherwise be an object and an array each.
 */
export class RecordPool {
  /** The records; replaced when the pool grows, so always read through the pool. */
  slots: Float64Array;
  private used = 0;
  /** First free record, linked through the record's first number; -1 when none. */
  private free = -1;

  constructor(private readonly size: number) {
    this.slots = new Float64Array(size * 64);
  }

  /** Takes a record and returns its offset in slots. */
  take(): number {
    if (this.free >= 0) {
      const o = this.free;
      this.free = this.slots[o];
      return o;
    }
    const o = this.used * this.size;
    if (o + this.size > this.slots.length) this.slots = grown(this.slots, this.slots.length * 2);
    this.used++;
    return o;
  }

  /** Gives back the record at offset o. */
  give(o: number): void {
    this.slots[o] = this.free;
    this.free = o;
  }
}

/** A copy of `a` with room for `n` numbers. */
function grown(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
