// tcpdump's table for relative sequence numbers. One entry per 4-tuple, both directions
// sharing it (the tuple is put in a fixed order: lower port first, then lower address). The
// first ACK-bearing segment of a tuple, and every SYN with ACK, records the base numbers;
// later ACK-bearing segments print seq and ack relative to them. Kept in typed arrays with
// open addressing, so a lookup allocates nothing.

const WORDS = 10; // family, ports, 4 words of one address, 4 of the other

export class SeqTable {
  private cap = 1024;
  private count = 0;
  private keys = new Uint32Array(this.cap * WORDS);
  private used = new Uint8Array(this.cap);
  /** Per entry: the base seq and ack, as tcpdump stores them. */
  private base = new Uint32Array(this.cap * 2);
  /** The key of the segment being looked up; callers fill it before find(). */
  readonly key = new Uint32Array(WORDS);
  // What rebase() found: the numbers as tcpdump prints them, and the tuple's base numbers.
  seq = 0;
  ack = 0;
  thseq = 0;
  thack = 0;
  /** The segment goes from the tuple's second endpoint to its first. */
  rev = false;

  /**
   * print-tcp.c's numbering of an ACK-bearing segment from the addresses at b[src], b[dst]
   * (4 or 16 bytes), its ports and flags: a tuple's first such segment, and any SYN, sets the
   * base; later ones are printed relative to it. Sets seq, ack, thseq, thack and rev.
   */
  rebase(b: Uint8Array, src: number, dst: number, v6: boolean, sport: number, dport: number, syn: boolean, seq: number, ack: number): void {
    const k = this.key;
    const alen = v6 ? 16 : 4;
    let rev = false;
    if (sport > dport) rev = true;
    else if (sport === dport) {
      for (let i = 0; i < alen; i++) {
        if (b[src + i] !== b[dst + i]) {
          rev = b[src + i] > b[dst + i];
          break;
        }
      }
    }
    k.fill(0);
    k[0] = v6 ? 6 : 4;
    k[1] = rev ? ((dport << 16) | sport) >>> 0 : ((sport << 16) | dport) >>> 0;
    const first = rev ? dst : src;
    const second = rev ? src : dst;
    for (let w = 0; w < alen / 4; w++) {
      k[2 + w] = word(b, first + w * 4);
      k[6 + w] = word(b, second + w * 4);
    }
    let i = this.find();
    if (i < 0 || syn) {
      if (i < 0) i = this.insert();
      if (rev) this.set(i, (ack - 1) >>> 0, seq);
      else this.set(i, seq, (ack - 1) >>> 0);
    } else if (rev) {
      seq = (seq - this.getAck(i)) >>> 0;
      ack = (ack - this.getSeq(i)) >>> 0;
    } else {
      seq = (seq - this.getSeq(i)) >>> 0;
      ack = (ack - this.getAck(i)) >>> 0;
    }
    this.seq = seq;
    this.ack = ack;
    this.rev = rev;
    this.thseq = this.getSeq(i);
    this.thack = this.getAck(i);
  }

  /** Index of the entry for `key`, or -1. */
  find(): number {
    const k = this.key;
    const mask = this.cap - 1;
    for (let i = hash(k) & mask; ; i = (i + 1) & mask) {
      if (!this.used[i]) return -1;
      const o = i * WORDS;
      let same = true;
      for (let w = 0; w < WORDS; w++) {
        if (this.keys[o + w] !== k[w]) {
          same = false;
          break;
        }
      }
      if (same) return i;
    }
  }

  /** Adds an entry for `key` (which must be absent) and returns its index. */
  insert(): number {
    if ((this.count + 1) * 2 > this.cap) this.grow();
    const i = this.slot(this.key);
    this.used[i] = 1;
    this.keys.set(this.key, i * WORDS);
    this.count++;
    return i;
  }

  getSeq(i: number): number {
    return this.base[i * 2];
  }

  getAck(i: number): number {
    return this.base[i * 2 + 1];
  }

  set(i: number, seq: number, ack: number): void {
    this.base[i * 2] = seq;
    this.base[i * 2 + 1] = ack;
  }

  private slot(k: Uint32Array): number {
    const mask = this.cap - 1;
    let i = hash(k) & mask;
    while (this.used[i]) i = (i + 1) & mask;
    return i;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldUsed = this.used;
    const oldBase = this.base;
    const oldCap = this.cap;
    this.cap *= 2;
    this.keys = new Uint32Array(this.cap * WORDS);
    this.used = new Uint8Array(this.cap);
    this.base = new Uint32Array(this.cap * 2);
    for (let j = 0; j < oldCap; j++) {
      if (!oldUsed[j]) continue;
      const k = oldKeys.subarray(j * WORDS, j * WORDS + WORDS);
      const i = this.slot(k);
      this.used[i] = 1;
      this.keys.set(k, i * WORDS);
      this.base[i * 2] = oldBase[j * 2];
      this.base[i * 2 + 1] = oldBase[j * 2 + 1];
    }
  }
}

function word(b: Uint8Array, off: number): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}

function hash(k: Uint32Array): number {
  let h = 0x811c9dc5;
  for (let w = 0; w < WORDS; w++) h = Math.imul(h ^ k[w], 0x01000193) ^ (h >>> 15);
  return h >>> 0;
}
