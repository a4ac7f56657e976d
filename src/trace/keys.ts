// Numbers the endpoints and 4-tuples of packet lines in the order they first appear. The
// builder does it as it reads; the CLI's scanning thread does it for the main thread (see
// scanned.ts), which then only learns the new endpoints' names.

import { Endpoints } from './endpoints';
import { IntPairMap } from './intmap';
import type { LineRecord } from './scan';

export class PacketKeys {
  readonly endpoints = new Endpoints();
  /** Tuple ids by their two endpoint ids (lower first). */
  private readonly tuples = new IntPairMap();
  // What key() found.
  src = 0;
  dst = 0;
  tuple = 0;
  /** Tuples numbered so far. */
  tupleCount = 0;

  /** Sets src, dst and tuple for the packet line r. */
  key(r: LineRecord): void {
    const e = this.endpoints;
    const src = r.ipv4 ? e.internIpv4(r.srcIp, r.srcPort, r.epBuf, r.srcStart, r.srcEnd, r.srcDot) : e.intern(r.epBuf, r.srcStart, r.srcEnd, r.srcDot);
    const dst = r.ipv4 ? e.internIpv4(r.dstIp, r.dstPort, r.epBuf, r.dstStart, r.dstEnd, r.dstDot) : e.intern(r.epBuf, r.dstStart, r.dstEnd, r.dstDot);
    const lo = src < dst ? src : dst;
    const hi = src < dst ? dst : src;
    let tuple = this.tuples.get(lo, hi);
    if (tuple < 0) {
      tuple = this.tupleCount++;
      this.tuples.set(lo, hi, tuple);
    }
    this.src = src;
    this.dst = dst;
    this.tuple = tuple;
  }
}
