// Reads pcap and pcapng framing from byte chunks split anywhere, and hands each packet to a
// sink with its link type and a timestamp computed the way libpcap computes it for tcpdump
// (microseconds unless nanoseconds are asked for; pcapng's per-interface if_tsresol and
// if_tsoffset). Only an unfinished record is kept between chunks, so a capture of any size
// streams through.
//
// libpcap stops at the first damaged record; this reader reports it to the sink and looks
// for the next record that makes sense (a plausible pcap record header followed by another,
// or a pcapng block whose trailer repeats its length), so the rest of the file is still read.
//
// One module because pcap and pcapng framing share the chunk buffer and the timestamp rules.

export interface PacketSink {
  /**
   * One packet: `caplen` captured bytes at b[off..], `len` bytes on the wire. `frac` is in
   * microseconds (nanoseconds when the reader was made for them). The bytes are only valid
   * during the call.
   */
  packet(b: Uint8Array, off: number, caplen: number, len: number, sec: number, frac: number, linkType: number, iface: number): void;
  /** Something in the file could not be read as it claims; `offset` is a byte offset in the file. */
  problem(message: string, offset: number): void;
}

/** libpcap's largest capture length for all but a few link types. */
export const MAX_SNAPLEN = 262144;
/** The largest pcapng block accepted (libpcap's limit too). */
const MAX_BLOCK = 16 * 1024 * 1024;

const enum State {
  Detect,
  PcapHeader,
  PcapRecords,
  PcapResync,
  NgBlocks,
  NgResync,
  Unknown,
}

interface Iface {
  linkType: number;
  snaplen: number;
  /** Timestamp units per second. */
  tsresol: number;
  binary: boolean;
  tsoffset: number;
}

const BT_SHB = 0x0a0d0d0a;
const BT_IDB = 1;
const BT_OPB = 2;
const BT_SPB = 3;
const BT_EPB = 6;
const KNOWN_BLOCKS = new Set([BT_SHB, BT_IDB, BT_OPB, BT_SPB, 4, 5, BT_EPB, 9, 10, 0xbad, 0x40000bad]);

/** libpcap's snapshot length for a link type: the file's, unless 0 or above the maximum. */
function maxSnaplen(linkType: number): number {
  return linkType === 231 ? 128 * 1024 * 1024 : linkType === 279 ? 8 * 1024 * 1024 : linkType === 249 ? 1024 * 1024 : MAX_SNAPLEN;
}

export class CaptureReader {
  private state = State.Detect;
  private pending = new Uint8Array(0);
  private plen = 0;
  /** Bytes needed from the start of the unread data before the next step can run. */
  private need = 4;
  /** File offset of the first unread byte. */
  private offset = 0;
  private eof = false;

  // pcap
  private little = true;
  private nanoFile = false;
  private hdrSize = 16;
  private lengthsSwapped = 0; // 0 never, 1 always, 2 when caplen > len
  private linkType = 0;
  private snapshot = MAX_SNAPLEN;
  private maxCaplen = MAX_SNAPLEN;
  private lastSec = -1;

  // pcapng
  private ifaces: Iface[] = [];
  private block = 0;

  /** File offset of the damaged record being skipped over. */
  private skipFrom = 0;

  /** Packets handed to the sink. */
  packets = 0;
  /** 'pcap', 'pcapng', or null until the first bytes are seen (or when they are neither). */
  format: 'pcap' | 'pcapng' | null = null;

  // results of div64()
  private q = 0;
  private r = 0;

  constructor(
    private readonly sink: PacketSink,
    private readonly nano = false,
  ) {}

  /** File offset of the record being read (during a sink call, the packet's record). */
  get recordOffset(): number {
    return this.offset;
  }

  push(chunk: Uint8Array): void {
    let off = 0;
    while (this.plen > 0 && off < chunk.length) {
      const take = Math.min(Math.max(this.need - this.plen, 1), chunk.length - off);
      this.append(chunk, off, off + take);
      off += take;
      if (this.plen >= this.need) this.drain();
    }
    if (off < chunk.length) {
      const used = this.run(chunk, off, chunk.length);
      this.append(chunk, used, chunk.length);
    }
  }

  finish(): void {
    this.eof = true;
    if (this.offset === 0 && this.plen === 0) {
      this.sink.problem('the file is empty', 0);
      return;
    }
    this.drain();
  }

  private drain(): void {
    const used = this.run(this.pending, 0, this.plen);
    this.pending.copyWithin(0, used, this.plen);
    this.plen -= used;
  }

  private append(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    if (this.plen + n > this.pending.length) {
      const next = new Uint8Array(Math.max(this.plen + n, this.pending.length * 2, 4096));
      next.set(this.pending.subarray(0, this.plen));
      this.pending = next;
    }
    this.pending.set(src.subarray(start, end), this.plen);
    this.plen += n;
  }

  /** Runs steps over b[pos..end) until one needs more bytes; returns where it stopped. */
  private run(b: Uint8Array, pos: number, end: number): number {
    while (pos < end) {
      const n = this.step(b, pos, end);
      if (n === 0) break;
      pos += n;
      this.offset += n;
    }
    if (!this.eof) return pos;
    // Nothing more will come: what is left cannot be read as a whole record.
    if (pos < end) this.truncatedAtEnd(b, pos, end);
    this.offset += end - pos;
    if (this.state === State.PcapResync || this.state === State.NgResync) {
      this.reportSkipped(this.offset, 'at the end of the file, finding no readable record after them');
      this.state = State.Unknown;
    }
    return end;
  }

  private u32(b: Uint8Array, p: number, little = this.little): number {
    return little ? (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0 : ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0;
  }

  private u16(b: Uint8Array, p: number, little = this.little): number {
    return little ? b[p] | (b[p + 1] << 8) : (b[p] << 8) | b[p + 1];
  }

  /** One step: returns bytes consumed, or 0 with `need` set when more bytes are required. */
  private step(b: Uint8Array, pos: number, end: number): number {
    const avail = end - pos;
    switch (this.state) {
      case State.Detect: {
        if (avail < 4) {
          this.need = 4;
          return 0;
        }
        const m = this.u32(b, pos, false);
        if (m === 0xa1b2c3d4 || m === 0xa1b23c4d || m === 0xa1b2cd34) this.little = false;
        else if (m === 0xd4c3b2a1 || m === 0x4d3cb2a1 || m === 0x34cdb2a1) this.little = true;
        else if (m === BT_SHB) {
          this.format = 'pcapng';
          this.state = State.NgBlocks;
          return this.stepNg(b, pos, end);
        } else {
          this.sink.problem('not a pcap or pcapng file (unknown magic number)', 0);
          this.state = State.Unknown;
          return avail;
        }
        this.format = 'pcap';
        this.state = State.PcapHeader;
        this.need = 24;
        return avail >= 24 ? this.pcapHeader(b, pos) : 0;
      }
      case State.PcapHeader:
        if (avail < 24) {
          this.need = 24;
          return 0;
        }
        return this.pcapHeader(b, pos);
      case State.PcapRecords:
        return this.pcapRecord(b, pos, end);
      case State.PcapResync:
        return this.pcapResync(b, pos, end);
      case State.NgBlocks:
        return this.stepNg(b, pos, end);
      case State.NgResync:
        return this.ngResync(b, pos, end);
      default:
        return avail;
    }
  }

  // ---- pcap ----

  private pcapHeader(b: Uint8Array, pos: number): number {
    const m = this.u32(b, pos);
    this.nanoFile = m === 0xa1b23c4d;
    this.hdrSize = m === 0xa1b2cd34 ? 24 : 16;
    const major = this.u16(b, pos + 4);
    const minor = this.u16(b, pos + 6);
    const snaplen = this.u32(b, pos + 16);
    this.linkType = this.u32(b, pos + 20) & 0x03ffffff;
    if (major < 2) this.sink.problem(`archaic pcap file version ${major}.${minor}; reading it as 2.4`, this.offset);
    else if (!((major === 2 && minor <= 4) || (major === 543 && minor === 0))) this.sink.problem(`unsupported pcap file version ${major}.${minor}; reading it as 2.4`, this.offset);
    this.lengthsSwapped = major === 2 && minor < 3 ? 1 : major === 2 && minor === 3 ? 2 : major === 543 ? 1 : 0;
    this.maxCaplen = maxSnaplen(this.linkType);
    this.snapshot = snaplen === 0 || snaplen > this.maxCaplen ? this.maxCaplen : snaplen;
    if (this.hdrSize === 24 && this.linkType === 1) this.snapshot += 14;
    this.state = State.PcapRecords;
    this.need = this.hdrSize;
    return 24;
  }

  private pcapRecord(b: Uint8Array, pos: number, end: number): number {
    const h = this.hdrSize;
    const avail = end - pos;
    if (avail < h) {
      this.need = h;
      return 0;
    }
    const sec = this.u32(b, pos);
    const usec = this.u32(b, pos + 4);
    let caplen = this.u32(b, pos + 8);
    let len = this.u32(b, pos + 12);
    if (this.lengthsSwapped === 1 || (this.lengthsSwapped === 2 && caplen > len)) [caplen, len] = [len, caplen];
    if (caplen > this.maxCaplen) {
      this.sink.problem(`packet ${this.packets + 1}: bad record header (captured length ${caplen}, more than ${this.maxCaplen})`, this.offset);
      this.startResync(State.PcapResync);
      return 1;
    }
    if (avail < h + caplen) {
      this.need = h + caplen;
      return 0;
    }
    this.deliverPcap(b, pos + h, Math.min(caplen, this.snapshot), len, sec, usec);
    return h + caplen;
  }

  private deliverPcap(b: Uint8Array, off: number, caplen: number, len: number, sec: number, usec: number): void {
    // libpcap hands tcpdump a signed 32-bit fraction, scaled to the precision asked for.
    let frac = usec | 0;
    if (this.nanoFile && !this.nano) frac = Math.trunc(frac / 1000);
    else if (!this.nanoFile && this.nano) frac *= 1000;
    this.lastSec = sec;
    this.packets++;
    this.sink.packet(b, off, caplen, len, sec, frac >>> 0, this.linkType, 0);
  }

  /** Whether a pcap record header could start at p (used only to find the way back in). */
  private plausibleRecord(b: Uint8Array, p: number): boolean {
    const sec = this.u32(b, p);
    const frac = this.u32(b, p + 4);
    const caplen = this.u32(b, p + 8);
    const len = this.u32(b, p + 12);
    if (caplen > this.maxCaplen || caplen > len || len > 0x4000000 || len === 0) return false;
    if (frac >= (this.nanoFile ? 1e9 : 1e6)) return false;
    return this.lastSec < 0 || Math.abs(sec - this.lastSec) <= 7 * 86400;
  }

  private pcapResync(b: Uint8Array, pos: number, end: number): number {
    const h = this.hdrSize;
    for (let q = pos; ; q++) {
      if (end - q < h) {
        this.need = h;
        return q - pos;
      }
      if (!this.plausibleRecord(b, q)) continue;
      const next = q + h + this.u32(b, q + 8);
      if (end - next < h) {
        // The record after the candidate decides; wait for it (or take the candidate at the end).
        if (!this.eof) {
          this.need = next + h - q;
          return q - pos;
        }
        if (next > end) continue;
      } else if (!this.plausibleRecord(b, next)) continue;
      this.reportSkipped(this.offset + q - pos, 'to the next readable packet');
      this.state = State.PcapRecords;
      this.need = h;
      return q > pos ? q - pos : this.pcapRecord(b, q, end);
    }
  }

  // ---- pcapng ----

  private stepNg(b: Uint8Array, pos: number, end: number): number {
    const avail = end - pos;
    if (avail < 8) {
      this.need = 8;
      return 0;
    }
    const n = this.block + 1;
    const type = this.u32(b, pos);
    if (type === BT_SHB) {
      if (avail < 12) {
        this.need = 12;
        return 0;
      }
      const bom = this.u32(b, pos + 8, true);
      if (bom === 0x1a2b3c4d) this.little = true;
      else if (bom === 0x4d3c2b1a) this.little = false;
      else {
        this.block = n;
        this.sink.problem(`block ${n}: section header with a bad byte-order magic`, this.offset);
        this.startResync(State.NgResync);
        return 4;
      }
    }
    const len = this.u32(b, pos + 4);
    if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) {
      this.block = n;
      this.sink.problem(`block ${n}: bad block length ${len}`, this.offset);
      this.startResync(State.NgResync);
      return 4;
    }
    if (avail < len) {
      this.need = len;
      return 0;
    }
    this.block = n;
    const trailer = this.u32(b, pos + len - 4);
    if (trailer !== len) {
      this.sink.problem(`block ${n}: block length ${len} does not match the length ${trailer} at its end`, this.offset);
      this.startResync(State.NgResync);
      return 4;
    }
    this.ngBlock(b, pos, type, len);
    return len;
  }

  private ngBlock(b: Uint8Array, pos: number, type: number, len: number): void {
    const body = pos + 8;
    const bodyLen = len - 12;
    switch (type) {
      case BT_SHB: {
        const major = bodyLen >= 8 ? this.u16(b, body + 4) : 0;
        if (major !== 1) this.sink.problem(`block ${this.block}: section header version ${major}, expected 1`, this.offset);
        this.ifaces = [];
        return;
      }
      case BT_IDB: {
        if (bodyLen < 8) {
          this.sink.problem(`block ${this.block}: interface description too short`, this.offset);
          this.ifaces.push({ linkType: -1, snaplen: MAX_SNAPLEN, tsresol: 1e6, binary: false, tsoffset: 0 });
          return;
        }
        const linkType = this.u16(b, body);
        const snaplen = this.u32(b, body + 4);
        const max = maxSnaplen(linkType);
        const iface: Iface = { linkType, snaplen: snaplen === 0 || snaplen > max ? max : snaplen, tsresol: 1e6, binary: false, tsoffset: 0 };
        this.ifaceOptions(b, body + 8, body + bodyLen, iface);
        this.ifaces.push(iface);
        return;
      }
      case BT_EPB:
      case BT_OPB: {
        if (bodyLen < 20) {
          this.sink.problem(`block ${this.block}: packet block too short`, this.offset);
          return;
        }
        const ifId = type === BT_EPB ? this.u32(b, body) : this.u16(b, body);
        const hi = this.u32(b, body + 4);
        const lo = this.u32(b, body + 8);
        let caplen = this.u32(b, body + 12);
        const wire = this.u32(b, body + 16);
        if (caplen > bodyLen - 20) {
          this.sink.problem(`block ${this.block}: captured length ${caplen} is more than the block holds`, this.offset);
          caplen = bodyLen - 20;
        }
        this.ngPacket(b, body + 20, caplen, wire, hi, lo, ifId);
        return;
      }
      case BT_SPB: {
        if (bodyLen < 4) {
          this.sink.problem(`block ${this.block}: packet block too short`, this.offset);
          return;
        }
        const wire = this.u32(b, body);
        const snap = this.ifaces.length ? this.ifaces[0].snaplen : MAX_SNAPLEN;
        this.ngPacket(b, body + 4, Math.min(wire, snap, bodyLen - 4), wire, 0, 0, 0);
        return;
      }
      default:
    }
  }

  private ngPacket(b: Uint8Array, off: number, caplen: number, wire: number, hi: number, lo: number, ifId: number): void {
    const iface = this.ifaces[ifId];
    if (!iface) {
      this.sink.problem(`block ${this.block}: packet on interface ${ifId}, which no interface description block describes`, this.offset);
      return;
    }
    const user = this.nano ? 1e9 : 1e6;
    this.div64(hi, lo, iface.tsresol);
    const sec = this.q + iface.tsoffset;
    let frac = this.r;
    if (iface.tsresol !== user) {
      if (iface.binary) frac = frac * user < 2 ** 53 ? Math.floor((frac * user) / iface.tsresol) : Number((BigInt(frac) * BigInt(user)) / BigInt(iface.tsresol));
      else if (iface.tsresol > user) frac = Math.floor(frac / (iface.tsresol / user));
      else frac *= user / iface.tsresol;
    }
    this.packets++;
    this.sink.packet(b, off, caplen, wire, sec, frac >>> 0, iface.linkType, ifId);
  }

  /** q and r of the unsigned 64-bit hi:lo divided by d, without allocating in the usual cases. */
  private div64(hi: number, lo: number, d: number): void {
    if (hi < 0x200000) {
      const t = hi * 4294967296 + lo;
      this.r = t % d;
      this.q = (t - this.r) / d;
      return;
    }
    if (d <= 2 ** 36) {
      // Long division over 16-bit limbs: every intermediate stays below 2^53.
      let r = 0;
      let q = 0;
      for (let i = 0; i < 4; i++) {
        const limb = i === 0 ? hi >>> 16 : i === 1 ? hi & 0xffff : i === 2 ? lo >>> 16 : lo & 0xffff;
        const cur = r * 65536 + limb;
        let ql = Math.floor(cur / d);
        r = cur - ql * d;
        if (r < 0) {
          ql--;
          r += d;
        } else if (r >= d) {
          ql++;
          r -= d;
        }
        q = q * 65536 + ql;
      }
      this.q = q;
      this.r = r;
      return;
    }
    const t = (BigInt(hi) << 32n) | BigInt(lo);
    const bd = BigInt(d);
    this.q = Number(t / bd);
    this.r = Number(t % bd);
  }

  /** if_tsresol and if_tsoffset; a malformed option list is reported and the rest ignored. */
  private ifaceOptions(b: Uint8Array, p: number, end: number, iface: Iface): void {
    while (p + 4 <= end) {
      const code = this.u16(b, p);
      const olen = this.u16(b, p + 2);
      const v = p + 4;
      if (code === 0) return;
      if (v + olen > end) {
        this.sink.problem(`block ${this.block}: interface option ${code} runs past the end of the block`, this.offset);
        return;
      }
      if (code === 9 && olen === 1) {
        const r = b[v];
        if (r & 0x80) {
          if ((r & 0x7f) > 63) this.sink.problem(`block ${this.block}: timestamp resolution 2^-${r & 0x7f} is too fine; using microseconds`, this.offset);
          else {
            iface.tsresol = 2 ** (r & 0x7f);
            iface.binary = true;
          }
        } else if (r > 19) this.sink.problem(`block ${this.block}: timestamp resolution 10^-${r} is too fine; using microseconds`, this.offset);
        else iface.tsresol = 10 ** r;
      } else if (code === 14 && olen === 8) {
        iface.tsoffset = this.little ? this.u32(b, v + 4) * 4294967296 + this.u32(b, v) : this.u32(b, v) * 4294967296 + this.u32(b, v + 4);
      }
      p = v + ((olen + 3) & ~3);
    }
  }

  /** Whether a pcapng block could start at p: a known type, a sane length and a matching trailer. */
  private ngCandidate(b: Uint8Array, p: number, end: number): number {
    // Returns the block length, 0 if not a block, -1 if more bytes are needed to decide.
    if (end - p < 12) {
      this.need = 12;
      return this.eof ? 0 : -1;
    }
    let type = this.u32(b, p);
    let little = this.little;
    if (type === BT_SHB) {
      const bom = this.u32(b, p + 8, true);
      if (bom === 0x1a2b3c4d) little = true;
      else if (bom === 0x4d3c2b1a) little = false;
      else return 0;
    } else if (!KNOWN_BLOCKS.has(type)) {
      // A section may also have switched byte order.
      type = this.u32(b, p, !little);
      if (type === BT_SHB || !KNOWN_BLOCKS.has(type)) return 0;
      little = !little;
    }
    const len = this.u32(b, p + 4, little);
    if (len < 12 || len % 4 !== 0 || len > MAX_BLOCK) return 0;
    if (end - p < len) {
      this.need = len;
      return this.eof ? 0 : -1;
    }
    if (this.u32(b, p + len - 4, little) !== len) return 0;
    if (type === BT_EPB && (len < 32 || this.u32(b, p + 8, little) >= this.ifaces.length)) return 0;
    this.little = little;
    return len;
  }

  private ngResync(b: Uint8Array, pos: number, end: number): number {
    for (let q = pos; q < end; q++) {
      const c = this.ngCandidate(b, q, end);
      if (c < 0) return q - pos;
      if (c === 0) continue;
      this.reportSkipped(this.offset + q - pos, 'to the next readable block');
      this.state = State.NgBlocks;
      this.need = 12;
      return q > pos ? q - pos : this.stepNg(b, q, end);
    }
    this.need = 12;
    return end - pos;
  }

  // ---- damage ----

  private startResync(state: State): void {
    this.state = state;
    this.skipFrom = this.offset;
  }

  /** Reports the bytes from the damaged record up to `upTo`, passed over to get back in step. */
  private reportSkipped(upTo: number, where: string): void {
    const n = upTo - this.skipFrom;
    if (n > 0) this.sink.problem(`skipped ${n} bytes ${where}`, this.skipFrom);
  }

  /** The file ended inside a record: say so, and print what there is of a packet. */
  private truncatedAtEnd(b: Uint8Array, pos: number, end: number): void {
    const avail = end - pos;
    switch (this.state) {
      case State.Detect:
        this.sink.problem(`the file is only ${avail} bytes long, too short for a capture file`, this.offset);
        return;
      case State.PcapHeader:
        this.sink.problem(`the file ends inside its header (${avail} of 24 bytes)`, this.offset);
        return;
      case State.PcapRecords: {
        const h = this.hdrSize;
        if (avail < h) {
          this.sink.problem(`packet ${this.packets + 1}: the file ends inside its record header (${avail} of ${h} bytes)`, this.offset);
          return;
        }
        const caplen = this.u32(b, pos + 8);
        this.sink.problem(`packet ${this.packets + 1}: the file ends after ${avail - h} of its ${caplen} captured bytes`, this.offset);
        let len = this.u32(b, pos + 12);
        if (this.lengthsSwapped === 1) len = caplen;
        this.deliverPcap(b, pos + h, Math.min(avail - h, this.snapshot), Math.max(len, avail - h), this.u32(b, pos), this.u32(b, pos + 4));
        return;
      }
      case State.NgBlocks: {
        if (avail < 8) {
          this.sink.problem(`block ${this.block + 1}: the file ends inside its header (${avail} bytes)`, this.offset);
          return;
        }
        const type = this.u32(b, pos);
        const len = this.u32(b, pos + 4);
        this.block++;
        this.sink.problem(`block ${this.block}: the file ends after ${avail} of its ${len} bytes`, this.offset);
        if ((type === BT_EPB || type === BT_OPB) && avail >= 28) {
          const body = pos + 8;
          const caplen = this.u32(b, body + 12);
          const ifId = type === BT_EPB ? this.u32(b, body) : this.u16(b, body);
          this.ngPacket(b, body + 20, Math.min(caplen, avail - 28), this.u32(b, body + 16), this.u32(b, body + 4), this.u32(b, body + 8), ifId);
        }
        return;
      }
      default:
    }
  }
}
