// IPv4 and IPv6 as tcpdump prints them without -v: "IP " or "IP6 ", the length checks that
// put "truncated-ip - N bytes missing!" or "bad-len" in front, IPv6 extension headers (HBH,
// DSTOPT, frag, RT6), then the next protocol. A datagram's length also bounds what the
// protocols inside may read, so Ethernet padding is never taken for payload.
//
// One module because IPv4 and IPv6 printing share the demultiplexing to TCP and the markers.

import { TRUNCATED, type Packet } from './packet';
import { printTcp, type TcpPrinterState } from './tcp';
import { printIcmp, printIcmp6, printUdp, printOtherProto } from './other';

const TCP = 6;
const UDP = 17;
const DCCP = 33;
const SCTP = 132;

/** The protocols whose printers write the addresses themselves (with ports). */
const withPorts = (p: number) => p === TCP || p === UDP || p === DCCP || p === SCTP;

/** A version 4 or 6 datagram, told apart by its first nibble (raw IP link types). */
export function printIpN(pk: Packet, bp: number, length: number, st: TcpPrinterState): void {
  pk.proto = 'ipn';
  if (length < 1) {
    pk.str('truncated-ip ');
    pk.dec(length);
    return;
  }
  const v = pk.u8(bp) & 0xf0;
  if (v === 0x40) printIPv4(pk, bp, length, st);
  else if (v === 0x60) printIPv6(pk, bp, length, st);
  else {
    pk.str('unknown ip ');
    pk.dec(v >> 4);
  }
}

export function printIPv4(pk: Packet, bp: number, length: number, st: TcpPrinterState): void {
  const o = pk.out;
  pk.proto = 'ip';
  const v = pk.u8(bp) >> 4;
  if (v !== 4) {
    o.str(v === 6 ? 'IP6, wrong link-layer encapsulation' : 'IP');
    if (v !== 6) o.dec(v);
    o.str(' (invalid)');
    return;
  }
  o.str('IP ');
  pk.need(bp, 20);
  if (length < 20) {
    o.str('truncated-ip ');
    o.dec(length);
    return;
  }
  const hlen = (pk.b[bp] & 15) * 4;
  if (hlen < 20) {
    o.str('bad-hlen ');
    o.dec(hlen);
    return;
  }
  let len = pk.u16(bp + 2);
  if (length < len) {
    o.str('truncated-ip - ');
    o.dec(len - length);
    o.str(' bytes missing! ');
  }
  if (len < hlen) {
    o.str('bad-len ');
    o.dec(len);
    return;
  }
  pk.clamp(bp, len);
  len -= hlen;
  const off = pk.u16(bp + 6);
  const proto = pk.u8(bp + 9);
  if ((off & 0x1fff) === 0) {
    if (!withPorts(proto)) {
      pk.ipv4(bp + 12);
      o.str(' > ');
      pk.ipv4(bp + 16);
      o.str(': ');
    }
    pk.needHeader(bp, hlen);
    demux(pk, bp + hlen, len, 4, proto, bp, st);
  } else {
    // A later fragment: no transport header to print.
    pk.ipv4(bp + 12);
    o.str(' > ');
    pk.ipv4(bp + 16);
    o.str(': ip-proto-');
    o.dec(proto);
  }
}

export function printIPv6(pk: Packet, bp: number, length: number, st: TcpPrinterState): void {
  const o = pk.out;
  pk.proto = 'ip6';
  pk.need(bp, 40);
  if (length < 40) {
    o.str('truncated-ip6 ');
    o.dec(length);
    return;
  }
  o.str('IP6 ');
  const v = pk.b[bp] >> 4;
  if (v !== 6) {
    o.str('version error: ');
    o.dec(v);
    o.str(' != 6');
    return;
  }
  let payloadLen = pk.u16(bp + 4);
  let len: number;
  if (payloadLen !== 0) {
    len = payloadLen + 40;
    if (length < len) {
      o.str('truncated-ip6 - ');
      o.dec(len - length);
      o.str(' bytes missing!');
    }
  } else len = length + 40;
  let nh = pk.b[bp + 6];
  pk.clamp(bp, len);
  const datagramEnd = pk.end;
  let cp = bp;
  let advance = 40;
  let total = 0;
  let foundExt = false;
  let foundHbh = false;
  let ph = 255;
  let jumbo: { found: boolean; len: number } | null = null;
  while (cp < pk.end && advance > 0) {
    if (len < advance) throw TRUNCATED;
    cp += advance;
    len -= advance;
    total += advance;
    if (cp === bp + 40 && !withPorts(nh)) {
      pk.ipv6(bp + 8);
      o.str(' > ');
      pk.ipv6(bp + 24);
      o.str(': ');
    }
    switch (nh) {
      case 0: {
        if (foundHbh) {
          o.str('[The Hop-by-Hop Options header was already found] (invalid)');
          return;
        }
        if (ph !== 255) {
          o.str("[The Hop-by-Hop Options header don't follow the IPv6 header] (invalid)");
          return;
        }
        jumbo = { found: false, len: payloadLen };
        advance = hopByHop(pk, cp, jumbo);
        payloadLen = jumbo.len;
        if (payloadLen === 0 && !jumbo.found) {
          o.str('[No valid Jumbo Payload Hop-by-Hop option found] (invalid)');
          return;
        }
        if (advance < 0) return;
        foundExt = foundHbh = true;
        nh = pk.u8(cp);
        break;
      }
      case 60:
        advance = destOptions(pk, cp);
        if (advance < 0) return;
        foundExt = true;
        nh = pk.u8(cp);
        break;
      case 44:
        advance = fragment(pk, cp, bp);
        if (advance < 0 || pk.end <= cp + advance) return;
        foundExt = true;
        nh = pk.u8(cp);
        break;
      case 135:
      case 62:
        o.str('mobility');
        return;
      case 43:
        pk.need(cp, 1);
        advance = routing(pk, cp);
        if (advance < 0) return;
        foundExt = true;
        nh = pk.u8(cp);
        break;
      default:
        if (jumbo?.found) {
          len = payloadLen + 40;
          if (len < total) throw TRUNCATED;
          if (length < len) {
            o.str('truncated-ip6 - ');
            o.dec(len - length);
            o.str(' bytes missing!');
          }
          pk.end = Math.min(datagramEnd, bp + len);
          len -= total;
        } else if (payloadLen === 0) {
          if (foundExt) throw TRUNCATED;
          len = 40;
          pk.end = Math.min(datagramEnd, bp + len);
          len -= total;
        }
        demux(pk, cp, len, 6, nh, bp, st);
        return;
    }
    ph = nh;
    pk.proto = 'ip6';
  }
}

/** What follows the IP header (tcpdump's ip_demux_print), for the protocols printed here. */
function demux(pk: Packet, bp: number, length: number, ver: 4 | 6, nh: number, iph: number, st: TcpPrinterState): void {
  const o = pk.out;
  switch (nh) {
    case TCP:
      printTcp(pk, bp, length, iph, ver === 6, pk.b[ver === 6 ? iph + 6 : iph + 9] === TCP, st);
      return;
    case UDP:
      printUdp(pk, bp, length, iph, ver === 6);
      return;
    case 1:
      if (ver === 4) printIcmp(pk, bp, length);
      else o.str('[ICMP requires IPv4] (invalid)');
      return;
    case 58:
      if (ver === 6) printIcmp6(pk, bp, length);
      else o.str('[ICMPv6 requires IPv6] (invalid)');
      return;
    case 4:
      printIPv4(pk, bp, length, st);
      return;
    case 41:
      printIPv6(pk, bp, length, st);
      return;
    case 59:
      o.str('no next header');
      return;
    default:
      printOtherProto(pk, bp, length, nh, iph, ver === 6);
  }
}

/** Hop-by-hop options: "HBH ", and the Jumbo Payload length when a valid one is present. */
function hopByHop(pk: Packet, cp: number, jumbo: { found: boolean; len: number }): number {
  pk.proto = 'hbhopt';
  const hlen = (pk.u8(cp + 1) + 1) << 3;
  if (!pk.has(cp, hlen)) return truncMark(pk);
  pk.str('HBH ');
  if (ip6Options(pk, cp + 2, hlen - 2, jumbo) < 0) return truncMark(pk);
  return hlen;
}

function destOptions(pk: Packet, cp: number): number {
  pk.proto = 'dstopt';
  const hlen = (pk.u8(cp + 1) + 1) << 3;
  if (!pk.has(cp, hlen)) return truncMark(pk);
  pk.str('DSTOPT ');
  return hlen;
}

function truncMark(pk: Packet): number {
  pk.str(' [|');
  pk.str(pk.proto);
  pk.str(']');
  return -1;
}

/** Walks the options of a hop-by-hop header; only malformed ones print anything without -v. */
function ip6Options(pk: Packet, bp: number, len: number, jumbo: { found: boolean; len: number } | null): number {
  const o = pk.out;
  let seenJumbo = false;
  let optlen = 0;
  for (let i = 0; i < len; i += optlen) {
    const type = pk.u8(bp + i);
    if (type === 0) optlen = 1;
    else if (i + 1 < len) optlen = pk.u8(bp + i + 1) + 2;
    else return -1;
    if (i + optlen > len) return -1;
    switch (type) {
      case 0:
        break;
      case 1:
        if (len - i < 2) {
          o.str('(padn: trunc)');
          return -1;
        }
        break;
      case 5:
        if (len - i < 4) {
          o.str('(rtalert: trunc)');
          return -1;
        }
        if (pk.u8(bp + i + 1) !== 2) {
          o.str('(rtalert: invalid len ');
          o.dec(pk.u8(bp + i + 1));
          o.ch(41);
          return -1;
        }
        break;
      case 0xc2: {
        if (len - i < 6) {
          o.str('(jumbo: trunc)');
          return -1;
        }
        if (pk.u8(bp + i + 1) !== 4) {
          o.str('(jumbo: invalid len ');
          o.dec(pk.u8(bp + i + 1));
          o.ch(41);
          return -1;
        }
        const jl = pk.u32(bp + i + 2);
        if (!seenJumbo) {
          seenJumbo = true;
          if (jumbo && jumbo.len === 0 && jl >= 65536) {
            jumbo.found = true;
            jumbo.len = jl;
          }
        }
        break;
      }
      case 0xc9:
        if (len - i < 18) {
          o.str('(homeaddr: trunc)');
          return -1;
        }
        if (pk.u8(bp + i + 1) < 16) {
          o.str('(homeaddr: invalid len ');
          o.dec(pk.u8(bp + i + 1));
          o.ch(41);
          return -1;
        }
        break;
      default:
        if (len - i < 2) {
          o.str('(type ');
          o.dec(type);
          o.str(': trunc)');
          return -1;
        }
    }
  }
  return 0;
}

/** "frag (offset|size) "; a later fragment ends the line, as its transport header is elsewhere. */
function fragment(pk: Packet, cp: number, ip6: number): number {
  const o = pk.out;
  pk.proto = 'frag6';
  const offlg = pk.u16(cp + 2);
  const size = 40 + pk.u16(ip6 + 4) - (cp - ip6) - 8;
  o.str('frag (');
  o.dec(offlg & 0xfff8);
  o.ch(124);
  // tcpdump computes the size in an unsigned 64-bit type.
  if (size >= 0) o.dec(size);
  else o.str((BigInt(size) + (1n << 64n)).toString());
  o.ch(41);
  if ((offlg & 0xfff8) !== 0) return -1;
  o.ch(32);
  return 8;
}

/** A routing header: "RT6 (len=.., type=.., segleft=.., [0]addr...) ". */
function routing(pk: Packet, cp: number): number {
  const o = pk.out;
  pk.proto = 'rt6';
  o.str('RT6');
  let len = pk.u8(cp + 1);
  o.str(' (len=');
  o.dec(len);
  const type = pk.u8(cp + 2);
  o.str(', type=');
  o.dec(type);
  if (type === 0) o.str(' [Deprecated]');
  o.str(', segleft=');
  o.dec(pk.u8(cp + 3));
  if (type === 0 || type === 2) {
    const rsv = pk.u32(cp + 4);
    if (rsv) {
      o.str(', rsv=0x');
      o.hex(rsv);
    }
  } else if (type === 4) {
    o.str(', last-entry=');
    o.dec(pk.u8(cp + 4));
    const flags = pk.u8(cp + 5);
    if (flags) {
      o.str(', flags=0x');
      o.hex(flags);
    }
    o.str(', tag=');
    o.hex(pk.u16(cp + 6));
  } else {
    o.str(' (unknown type) (invalid)');
    return -1;
  }
  if (len % 2 === 1) {
    o.str(' (invalid length ');
    o.dec(len);
    o.str(') (invalid)');
    return -1;
  }
  len >>= 1;
  for (let i = 0, p = cp + 8; i < len; i++, p += 16) {
    o.str(', [');
    o.dec(i);
    o.ch(93);
    pk.ipv6(p);
  }
  o.str(') ');
  return (pk.u8(cp + 1) + 1) << 3;
}
