// A hash map from a pair of 32-bit integers to a non-negative integer, in typed arrays:
// looking up an endpoint (address, port) or a 4-tuple (endpoint, endpoint) once per packet
// allocates nothing, where a Map keyed by a 48-bit number would box the key on every call.

export class IntPairMap {
  private a: Int32Array;
  private b: Int32Array;
  /** The value + 1; 0 marks an empty slot. */
  private v: Int32Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.a = new Int32Array(n);
    this.b = new Int32Array(n);
    this.v = new Int32Array(n);
    this.mask = n - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The value stored for (a, b), or -1. */
  get(a: number, b: number): number {
    const mask = this.mask;
    for (let i = hash(a, b) & mask; ; i = (i + 1) & mask) {
      const v = this.v[i];
      if (v === 0) return -1;
      if (this.a[i] === (a | 0) && this.b[i] === (b | 0)) return v - 1;
    }
  }

  /** Stores value (>= 0) for (a, b). */
  set(a: number, b: number, value: number): void {
    if ((this.count + 1) * 2 > this.v.length) this.rehash();
    const mask = this.mask;
    for (let i = hash(a, b) & mask; ; i = (i + 1) & mask) {
      if (this.v[i] === 0) {
        this.a[i] = a;
        this.b[i] = b;
        this.v[i] = value + 1;
        this.count++;
        return;
      }
      if (this.a[i] === (a | 0) && this.b[i] === (b | 0)) {
        this.v[i] = value + 1;
        return;
      }
    }
  }

  private rehash(): void {
    const { a, b, v } = this;
    const n = v.length * 2;
    this.a = new Int32Array(n);
    this.b = new Int32Array(n);
    this.v = new Int32Array(n);
    this.mask = n - 1;
    this.count = 0;
    for (let i = 0; i < v.length; i++) if (v[i] !== 0) this.set(a[i], b[i], v[i] - 1);
  }
}

function hash(a: number, b: number): number {
  let h = Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 15;
  return Math.imul(h, 0xc2b2ae35) ^ (h >>> 13);
}
