// Builds output lines as ASCII bytes in one growing buffer. Numbers and addresses are written
// digit by digit, so printing a packet allocates no strings.

const HEX = '0123456789abcdef';

export class Out {
  buf = new Uint8Array(1 << 16);
  pos = 0;

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  /** The bytes written so far, copied, and an empty buffer after. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.pos = 0;
    return out;
  }

  /** An ASCII string (every caller passes ASCII). */
  str(s: string): void {
    this.ensure(s.length);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  ch(c: number): void {
    this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /** Raw bytes that the caller has checked are printable. */
  bytes(src: Uint8Array, start: number, end: number): void {
    this.ensure(end - start);
    this.buf.set(src.subarray(start, end), this.pos);
    this.pos += end - start;
  }

  /** A non-negative integer below 2^53 in decimal. */
  dec(n: number): void {
    this.ensure(16);
    const b = this.buf;
    if (n < 10) {
      b[this.pos++] = 48 + n;
      return;
    }
    let p = this.pos + digitCount(n);
    this.pos = p;
    if (n <= 0xffffffff) {
      // Integer division keeps to 32-bit arithmetic for the usual sizes.
      let v = n >>> 0;
      while (v >= 10) {
        const q = (v / 10) >>> 0;
        b[--p] = 48 + v - q * 10;
        v = q;
      }
      b[--p] = 48 + v;
    } else {
      let v = n;
      while (v >= 10) {
        const d = v % 10;
        b[--p] = 48 + d;
        v = (v - d) / 10;
      }
      b[--p] = 48 + v;
    }
  }

  /** A non-negative integer, zero-padded to at least `width` digits (printf's %0Nu). */
  decPad(n: number, width: number): void {
    this.ensure(width);
    for (let i = digitCount(n); i < width; i++) this.buf[this.pos++] = 48;
    this.dec(n);
  }

  /** printf's %x. */
  hex(n: number): void {
    this.ensure(14);
    let digits = 1;
    for (let v = n; v >= 16; v = Math.floor(v / 16)) digits++;
    let p = this.pos + digits;
    this.pos = p;
    const b = this.buf;
    let v = n;
    do {
      b[--p] = HEX.charCodeAt(v % 16);
      v = Math.floor(v / 16);
    } while (v > 0);
  }

  /** printf's %02x. */
  hex2(n: number): void {
    this.ensure(2);
    this.buf[this.pos++] = HEX.charCodeAt(n >> 4);
    this.buf[this.pos++] = HEX.charCodeAt(n & 15);
  }

  /** printf's %04x. */
  hex4(n: number): void {
    this.hex2(n >> 8);
    this.hex2(n & 255);
  }

  /** An unsigned 64-bit value given as two 32-bit halves, in decimal (PRIu64). */
  decU64(hi: number, lo: number): void {
    if (hi < 0x200000) {
      this.dec(hi * 4294967296 + lo);
      return;
    }
    // Long division by 10^7 over 16-bit limbs keeps every intermediate exact.
    const limbs = [hi >>> 16, hi & 0xffff, lo >>> 16, lo & 0xffff];
    const parts: number[] = [];
    let nonzero = true;
    while (nonzero) {
      let r = 0;
      nonzero = false;
      for (let i = 0; i < 4; i++) {
        const cur = r * 65536 + limbs[i];
        limbs[i] = Math.floor(cur / 1e7);
        r = cur - limbs[i] * 1e7;
        if (limbs[i]) nonzero = true;
      }
      parts.push(r);
    }
    this.dec(parts[parts.length - 1]);
    for (let i = parts.length - 2; i >= 0; i--) this.decPad(parts[i], 7);
  }

  /** An unsigned 64-bit value in hex (PRIx64). */
  hexU64(hi: number, lo: number): void {
    if (hi === 0) {
      this.hex(lo);
      return;
    }
    this.hex(hi);
    for (let s = 28; s >= 0; s -= 4) this.ch(HEX.charCodeAt((lo >>> s) & 15));
  }

  /** Dotted-quad IPv4 address at b[off..off+4). */
  ipv4(b: Uint8Array, off: number): void {
    this.dec(b[off]);
    this.ch(46);
    this.dec(b[off + 1]);
    this.ch(46);
    this.dec(b[off + 2]);
    this.ch(46);
    this.dec(b[off + 3]);
  }

  /**
   * IPv6 address at b[off..off+16) the way tcpdump prints it: lower-case hex, the longest run
   * of two or more zero groups (the first of equal runs) as "::", and an IPv4 tail for
   * IPv4-compatible and IPv4-mapped addresses.
   */
  ipv6(b: Uint8Array, off: number): void {
    let bestBase = -1;
    let bestLen = 0;
    let curBase = -1;
    let curLen = 0;
    for (let i = 0; i < 8; i++) {
      const w = (b[off + 2 * i] << 8) | b[off + 2 * i + 1];
      if (w === 0) {
        if (curBase < 0) {
          curBase = i;
          curLen = 1;
        } else curLen++;
      } else if (curBase >= 0) {
        if (bestBase < 0 || curLen > bestLen) {
          bestBase = curBase;
          bestLen = curLen;
        }
        curBase = -1;
      }
    }
    if (curBase >= 0 && (bestBase < 0 || curLen > bestLen)) {
      bestBase = curBase;
      bestLen = curLen;
    }
    if (bestBase >= 0 && bestLen < 2) bestBase = -1;
    for (let i = 0; i < 8; i++) {
      if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
        if (i === bestBase) this.ch(58);
        continue;
      }
      if (i !== 0) this.ch(58);
      const w5 = (b[off + 10] << 8) | b[off + 11];
      if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && w5 === 0xffff))) {
        this.ipv4(b, off + 12);
        return;
      }
      this.hex((b[off + 2 * i] << 8) | b[off + 2 * i + 1]);
    }
    if (bestBase >= 0 && bestBase + bestLen === 8) this.ch(58);
  }

  /** Pads with spaces to `width` bytes since `start` (printf's %-Ns). */
  padTo(start: number, width: number): void {
    while (this.pos - start < width) this.ch(32);
  }
}

function digitCount(n: number): number {
  if (n < 1e5) return n < 10 ? 1 : n < 100 ? 2 : n < 1000 ? 3 : n < 1e4 ? 4 : 5;
  if (n < 1e10) return n < 1e6 ? 6 : n < 1e7 ? 7 : n < 1e8 ? 8 : n < 1e9 ? 9 : 10;
  let d = 10;
  while (n >= 10 ** d) d++;
  return d;
}
