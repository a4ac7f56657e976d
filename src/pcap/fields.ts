// A TCP segment's fields read straight from the capture, for analysis without text: the values
// the tcpdump line printed for it would give the text scanner, taken only where that line is
// the plain one ("HH:MM:SS.ffffff IP a.port > b.port: Flags [...], ..., length N"). Anything
// else (a marker, a bad or unusual option, an application summary that could look like a
// packet, another link prefix) answers false, and the segment is printed as text instead.

import { TRUNCATED, type Packet } from './packet';
import { printAppLayer } from './app';
import type { TcpPrinterState } from './tcp';
import { Out } from './writer';

const SYN = 0x02;
const ACK = 0x10;

/** One plain TCP line's fields, as the text scanner would read them from its text. */
export class TcpFields {
  /** Seconds since midnight, computed as the scanner computes it from the printed clock. */
  time = 0;
  /** The header's flag byte. */
  flags = 0;
  /** seq (relative as printed) and its end, NaN where the line prints none. */
  seq = NaN;
  seqEnd = NaN;
  /** NaN without ACK. */
  ack = NaN;
  win = 0;
  len = 0;
  /** Options of a SYN (the scanner reads them on SYN segments only); -1 or false if absent. */
  mss = -1;
  wscale = -1;
  sackOK = false;
  timestamps = false;
  /** Other segments: the bytes the first three SACK blocks cover, -1 without a SACK option. */
  sackBytes = -1;
  /** SACK blocks (at most four), their edges numbered as the line prints them: left, right, ... */
  sackCount = 0;
  readonly sackEdges = new Float64Array(8);
  v6 = false;
  /** IPv4 addresses as 32-bit numbers (not set for IPv6), and the ports. */
  srcIp = 0;
  dstIp = 0;
  srcPort = 0;
  dstPort = 0;
  /**
   * IPv6 endpoints as printed, "addr.port": the source at [0, srcEnd), the destination after.
   * Empty for IPv4, which the numbers name.
   */
  readonly names = new Out();
  srcDot = 0;
  srcEnd = 0;
  dstDot = 0;
  dstEnd = 0;
}

/** What the printer's user supplies to take fields instead of text. */
export interface FieldsMode {
  readonly fields: TcpFields;
  /**
   * False when the text tcpdump prints after "length N" (an HTTP request line, say) would make
   * the reader of the text treat the line specially; the line is then printed.
   */
  plainTail(b: Uint8Array, start: number, end: number): boolean;
  /** Where the link layer's text starts in the printer's output (after the clock, if written). */
  prefixStart: number;
  /** The packet's clock prints as "HH:MM:SS.ffffff". */
  plainClock: boolean;
  /** Set when the last segment was taken as fields (its line was not printed). */
  taken: boolean;
}

/**
 * Seconds since midnight of the clock printed for `sec`, `micros`: the same operations, in the
 * same order, as the text scanner's reading of "HH:MM:SS.ffffff" (scan.ts clock()), so the
 * same number to the last bit.
 */
export function clockSeconds(sec: number, micros: number): number {
  const t = sec % 86400;
  const h = Math.floor(t / 3600);
  const m = Math.floor(t / 60) % 60;
  const s = t % 60;
  return 0 + h * 3600 + m * 60 + s + micros / 1e6;
}

/**
 * Takes the segment at bp (`length` bytes by the IP header, addresses at ip) as fields, when
 * its line would be plain; true if taken. Nothing is printed then, and the relative numbering
 * advances exactly as printing would advance it; false leaves everything as it was.
 */
export function takeFields(pk: Packet, bp: number, length: number, ip: number, v6: boolean, st: TcpPrinterState, mode: FieldsMode): boolean {
  const o = pk.out;
  const b = pk.b;
  if (!mode.plainClock || !plainPrefix(o.buf, mode.prefixStart, o.pos, v6)) return false;
  if (!pk.has(bp, 20)) return false;
  const hlen = (b[bp + 12] >> 4) * 4;
  if (hlen < 20 || hlen > length || !pk.has(bp, hlen)) return false;
  if (hlen > 20 && !plainOptions(b, bp + 20, hlen - 20)) return false;
  const sport = (b[bp] << 8) | b[bp + 1];
  const dport = (b[bp + 2] << 8) | b[bp + 3];
  const payload = length - hlen;
  if (payload > 0 && !plainApp(pk, bp + hlen, payload, sport, dport, st, mode)) return false;

  const f = mode.fields;
  const flags = b[bp + 13];
  let seq = word(b, bp + 4);
  let ack = word(b, bp + 8);
  if (flags & ACK) {
    const t = st.seqs;
    t.rebase(b, v6 ? ip + 8 : ip + 12, v6 ? ip + 24 : ip + 16, v6, sport, dport, (flags & SYN) !== 0, seq, ack);
    seq = t.seq;
    ack = t.ack;
  }
  f.flags = flags;
  f.seq = payload > 0 || flags & 0x07 ? seq : NaN; // printed with data, SYN, FIN or RST
  f.seqEnd = payload > 0 ? (seq + payload) >>> 0 : NaN;
  f.ack = flags & ACK ? ack : NaN;
  f.win = (b[bp + 14] << 8) | b[bp + 15];
  f.len = payload;
  f.mss = -1;
  f.wscale = -1;
  f.sackOK = false;
  f.timestamps = false;
  f.sackBytes = -1;
  f.sackCount = 0;
  if (hlen > 20) optionValues(b, bp + 20, hlen - 20, (flags & SYN) !== 0, f, (word(b, bp + 8) - ack) >>> 0);
  f.v6 = v6;
  f.srcPort = sport;
  f.dstPort = dport;
  const n = f.names;
  n.pos = 0;
  if (v6) {
    n.ipv6(b, ip + 8);
    f.srcDot = n.pos;
    n.ch(46);
    n.dec(sport);
    f.srcEnd = n.pos;
    n.ipv6(b, ip + 24);
    f.dstDot = n.pos;
    n.ch(46);
    n.dec(dport);
  } else {
    // Numbers only: the engine names an IPv4 endpoint from them the first time it sees it.
    f.srcIp = word(b, ip + 12);
    f.dstIp = word(b, ip + 16);
    f.srcDot = f.srcEnd = f.dstDot = 0;
  }
  f.dstEnd = n.pos;
  mode.taken = true;
  return true;
}

/** True if what the link and IP layers printed after the clock is "IP " (or "IP6 ") alone. */
function plainPrefix(b: Uint8Array, s: number, e: number, v6: boolean): boolean {
  if (e - s !== (v6 ? 4 : 3) || b[s] !== 73 || b[s + 1] !== 80) return false;
  return v6 ? b[s + 2] === 54 && b[s + 3] === 32 : b[s + 2] === 32;
}

/**
 * True if the options (all captured) print without a marker: only eol, nop, mss, wscale,
 * sackOK, sack and timestamps, each of its proper length. print-tcp.c's checks, in its order.
 */
function plainOptions(b: Uint8Array, cp: number, hl: number): boolean {
  while (hl > 0) {
    const opt = b[cp++];
    hl--;
    if (opt === 0) return true;
    if (opt === 1) continue;
    const len = b[cp++];
    if (len < 2 || len > hl + 1) return false;
    hl--;
    switch (opt) {
      case 2:
        if (len !== 4) return false;
        break;
      case 3:
        if (len !== 3) return false;
        break;
      case 4:
        if (len !== 2) return false;
        break;
      case 5:
        if ((len - 2) % 8 !== 0) return false;
        break;
      case 8:
        if (len !== 10) return false;
        break;
      default:
        return false;
    }
    cp += len - 2;
    hl -= len - 2;
  }
  return true;
}

/**
 * The option values the scanner reads from the printed options: a SYN's mss, wscale, sackOK and
 * timestamps; another segment's SACK blocks, less `base` as print-tcp.c prints them (the base
 * it takes from the ack number).
 */
function optionValues(b: Uint8Array, cp: number, hl: number, syn: boolean, f: TcpFields, base: number): void {
  while (hl > 0) {
    const opt = b[cp];
    if (opt === 0) return;
    if (opt === 1) {
      cp++;
      hl--;
      continue;
    }
    const len = b[cp + 1];
    if (syn) {
      if (opt === 2) f.mss = (b[cp + 2] << 8) | b[cp + 3];
      else if (opt === 3) f.wscale = b[cp + 2];
      else if (opt === 4) f.sackOK = true;
      else if (opt === 8) f.timestamps = true;
    } else if (opt === 5) {
      let sum = 0;
      const n = Math.min(4, (len - 2) >> 3);
      for (let i = 0; i < n; i++) {
        const left = (word(b, cp + 2 + i * 8) - base) >>> 0;
        const right = (word(b, cp + 6 + i * 8) - base) >>> 0;
        if (i < 3) sum += (right - left + 4294967296) % 4294967296;
        f.sackEdges[2 * i] = left;
        f.sackEdges[2 * i + 1] = right;
      }
      f.sackBytes = sum;
      f.sackCount = n;
    }
    cp += len;
    hl -= len;
  }
}

/**
 * Prints what tcpdump prints after "length N" to the scratch end of the output, asks the
 * mode whether the line stays plain with it, and takes it back out. False when it does not,
 * or when the payload is cut short (the line would end in a marker).
 */
function plainApp(pk: Packet, p: number, length: number, sport: number, dport: number, st: TcpPrinterState, mode: FieldsMode): boolean {
  const o = pk.out;
  const start = o.pos;
  let plain: boolean;
  try {
    printAppLayer(pk, p, length, sport, dport, st);
    plain = o.pos === start || mode.plainTail(o.buf, start, o.pos);
  } catch (e) {
    if (e !== TRUNCATED) throw e;
    plain = false;
  }
  o.pos = start;
  if (!plain) {
    st.appOmitted = false;
    pk.proto = 'tcp';
  }
  return plain;
}

function word(b: Uint8Array, off: number): number {
  return ((b[off] << 24) | (b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]) >>> 0;
}
