// The packet being printed: its bytes, how far they were captured, and the output. Reads past
// the captured end throw TRUNCATED, which the printer turns into tcpdump's " [|proto]" marker
// (tcpdump leaves its printers the same way, with a long jump, at the first missing byte).

import { Out } from './writer';

/** Thrown by the readers below when a field lies beyond the captured bytes. */
export const TRUNCATED = { truncated: true } as const;

export class Packet {
  b: Uint8Array = new Uint8Array(0);
  /** One past the last byte that may be read; printers lower it to a datagram's end. */
  end = 0;
  /** The protocol named in a truncation marker (tcpdump's ndo_protocol). */
  proto = '';
  constructor(readonly out: Out) {}

  has(off: number, n: number): boolean {
    return off >= 0 && off + n <= this.end;
  }

  /** Stops printing, as tcpdump does, where a header of `hlen` bytes at `off` was cut by the snaplen. */
  needHeader(off: number, hlen: number): void {
    if (this.has(off, hlen)) return;
    const o = this.out;
    o.str(' [remaining caplen(');
    o.dec(Math.max(0, this.end - off));
    o.str(') < header length(');
    o.dec(hlen);
    o.str(')]');
    throw TRUNCATED;
  }

  u8(off: number): number {
    if (off >= this.end || off < 0) throw TRUNCATED;
    return this.b[off];
  }

  u16(off: number): number {
    if (off + 2 > this.end || off < 0) throw TRUNCATED;
    return (this.b[off] << 8) | this.b[off + 1];
  }

  u32(off: number): number {
    if (off + 4 > this.end || off < 0) throw TRUNCATED;
    const b = this.b;
    return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
  }

  /** Throws unless n bytes from off were captured. */
  need(off: number, n: number): void {
    if (off < 0 || off + n > this.end) throw TRUNCATED;
  }

  /** Lowers the captured end to off + len (tcpdump's nd_push_snaplen); returns the old end. */
  clamp(off: number, len: number): number {
    const old = this.end;
    if (off + len < this.end) this.end = off + len;
    return old;
  }

  ipv4(off: number): void {
    this.need(off, 4);
    this.out.ipv4(this.b, off);
  }

  ipv6(off: number): void {
    this.need(off, 16);
    this.out.ipv6(this.b, off);
  }

  str(s: string): void {
    this.out.str(s);
  }

  dec(n: number): void {
    this.out.dec(n);
  }
}
