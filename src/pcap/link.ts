// Link layers, as tcpdump prints them without -e: Ethernet (with 802.1Q/QinQ tags) prints
// nothing of its own; Linux cooked v2 (what `tcpdump -i any` writes) prints the interface name
// and the packet direction; BSD loopback and raw IP go straight to IP.

import { TRUNCATED, type Packet } from './packet';
import { printIPv4, printIPv6, printIpN } from './ip';
import { mac, printArp } from './other';
import type { TcpPrinterState } from './tcp';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_PPP = 9;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_LINUX_SLL2 = 276;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;

/** Link types printed here; 12 and 14 are raw IP as some systems numbered it. */
export function supportedLinkType(t: number): boolean {
  return t === 0 || t === 1 || t === 9 || t === 12 || t === 14 || t === 101 || t === 108 || t === 113 || t === 228 || t === 229 || t === 276;
}

export interface LinkContext {
  tcp: TcpPrinterState;
  /** An interface's name from its index (Linux cooked v2); tcpdump asks the reading host. */
  interfaceName(index: number): string | undefined;
}

/** Prints the frame at bp; caplen bytes were captured of `length`. */
export function printLink(pk: Packet, linkType: number, bp: number, length: number, caplen: number, cx: LinkContext): void {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      ethernet(pk, bp, length, caplen, cx);
      return;
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP:
      loopback(pk, bp, length, cx);
      return;
    case LINKTYPE_RAW:
    case 12:
    case 14:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
      pk.proto = 'raw';
      printIpN(pk, bp, length, cx.tcp);
      return;
    case LINKTYPE_PPP:
      ppp(pk, bp, length, caplen, cx);
      return;
    case LINKTYPE_LINUX_SLL:
      cooked(pk, bp, length, caplen, cx, false);
      return;
    case LINKTYPE_LINUX_SLL2:
      cooked(pk, bp, length, caplen, cx, true);
      return;
  }
}

const VLAN_TYPES = new Set([0x8100, 0x9100, 0x9200, 0x88a8]);

function ethernet(pk: Packet, bp: number, length: number, caplen: number, cx: LinkContext): void {
  pk.proto = 'ether';
  if (caplen < 14) throw TRUNCATED;
  let p = bp + 14;
  let type = pk.u16(bp + 12);
  length -= 14;
  caplen -= 14;
  while (VLAN_TYPES.has(type)) {
    if (caplen < 4 || length < 4) {
      pk.proto = 'vlan';
      throw TRUNCATED;
    }
    type = pk.u16(p + 2);
    p += 4;
    length -= 4;
    caplen -= 4;
  }
  if (type <= 1500) {
    pk.str('802.3, length ');
    pk.dec(Math.min(type, length));
    return;
  }
  if (!ethertype(pk, type, p, length, cx)) {
    mac(pk, bp + 6, 6);
    pk.str(' > ');
    mac(pk, bp, 6);
    pk.str(', ethertype ');
    etherTypeName(pk, type);
    pk.str(', length ');
    pk.dec(length + 14);
  }
}

/** The network protocols an ethertype can carry here; false for the others. */
function ethertype(pk: Packet, type: number, p: number, length: number, cx: LinkContext): boolean {
  switch (type) {
    case 0x0800:
      printIPv4(pk, p, length, cx.tcp);
      return true;
    case 0x86dd:
      printIPv6(pk, p, length, cx.tcp);
      return true;
    case 0x0806:
    case 0x8035:
      printArp(pk, p, length);
      return true;
    case 0x8847:
    case 0x8848:
      mpls(pk, p, length, cx);
      return true;
    default:
      return false;
  }
}

/** An MPLS label stack, then IPv4 or IPv6 as the bottom label or the first nibble says. */
function mpls(pk: Packet, bp: number, length: number, cx: LinkContext): void {
  const o = pk.out;
  pk.proto = 'mpls';
  o.str('MPLS');
  let p = bp;
  let entry: number;
  do {
    if (length < 4) {
      o.str(' (invalid)');
      return;
    }
    entry = pk.u32(p);
    o.str(' (label ');
    o.dec(entry >>> 12);
    o.str(', tc ');
    o.dec((entry >> 9) & 7);
    if (entry & 0x100) o.str(', [S]');
    o.str(', ttl ');
    o.dec(entry & 0xff);
    o.ch(41);
    p += 4;
    length -= 4;
  } while (!(entry & 0x100));
  const label = entry >>> 12;
  let v = 0;
  if (label === 0 || label === 3) v = 4;
  else if (label === 2) v = 6;
  else {
    if (length < 1) return;
    const first = pk.u8(p);
    v = first >= 0x45 && first <= 0x4f ? 4 : first >= 0x60 && first <= 0x6f ? 6 : 0;
  }
  if (v === 4) {
    o.ch(32);
    printIPv4(pk, p, length, cx.tcp);
  } else if (v === 6) {
    o.ch(32);
    printIPv6(pk, p, length, cx.tcp);
  } else {
    o.str(', length ');
    o.dec(length);
  }
}

const ETHERTYPE_NAMES: Record<number, string> = {
  0x0800: 'IPv4',
  0x86dd: 'IPv6',
  0x0806: 'ARP',
  0x8035: 'Reverse ARP',
  0x8100: '802.1Q',
  0x88a8: '802.1Q-QinQ',
  0x9100: '802.1Q-9100',
  0x9200: '802.1Q-9200',
  0x8847: 'MPLS unicast',
  0x8848: 'MPLS multicast',
  0x8863: 'PPPoE D',
  0x8864: 'PPPoE S',
  0x88cc: 'LLDP',
  0x888e: 'EAPOL',
};

function etherTypeName(pk: Packet, type: number): void {
  const name = ETHERTYPE_NAMES[type];
  if (name) pk.str(name);
  else pk.str('Unknown');
  pk.str(' (0x');
  pk.out.hex4(type);
  pk.str(')');
}

/** BSD loopback: a 4-byte address family in the writer's byte order (network order for LOOP). */
function loopback(pk: Packet, bp: number, length: number, cx: LinkContext): void {
  pk.proto = 'null';
  pk.need(bp, 4);
  const b = pk.b;
  let family = (b[bp] | (b[bp + 1] << 8) | (b[bp + 2] << 16) | (b[bp + 3] << 24)) >>> 0;
  if (family & 0xffff0000) family = ((family & 0xff) << 24 | (family & 0xff00) << 8 | (family >>> 8) & 0xff00 | family >>> 24) >>> 0;
  length -= 4;
  if (family === 2) printIPv4(pk, bp + 4, length, cx.tcp);
  else if (family === 24 || family === 28 || family === 30) printIPv6(pk, bp + 4, length, cx.tcp);
  else {
    pk.str('AF ');
    pk.dec(family);
    pk.str(', length ');
    pk.dec(length + 4);
  }
}

/** PPP: optional address and control bytes, then a one- or two-byte protocol number. */
function ppp(pk: Packet, bp: number, length: number, caplen: number, cx: LinkContext): void {
  pk.proto = 'ppp';
  if (caplen < 4 || length < 2) throw TRUNCATED;
  let p = bp;
  const head = pk.u16(p);
  if (head === 0x0003 || head === 0x0103 || head === 0xff03) {
    p += 2;
    length -= 2;
  }
  if (length < 2) throw TRUNCATED;
  let proto: number;
  if (pk.u8(p) % 2) {
    proto = pk.u8(p);
    p++;
    length--;
  } else {
    proto = pk.u16(p);
    p += 2;
    length -= 2;
  }
  if (proto === 0x21 || proto === 0x2f || proto === 0x0800) printIPv4(pk, p, length, cx.tcp);
  else if (proto === 0x57 || proto === 0x86dd) printIPv6(pk, p, length, cx.tcp);
  else if (proto === 0x0281 || proto === 0x0283) mpls(pk, p, length, cx);
  else {
    pk.str('PPP protocol 0x');
    pk.out.hex4(proto);
    pk.str(', length ');
    pk.dec(length);
  }
}

const PACKET_TYPES = ['In', 'B', 'M', 'P', 'Out'];

/** Linux cooked capture, v1 (16-byte header) or v2 (20 bytes, with the interface index). */
function cooked(pk: Packet, bp: number, length: number, caplen: number, cx: LinkContext, v2: boolean): void {
  const o = pk.out;
  const hlen = v2 ? 20 : 16;
  pk.proto = v2 ? 'sll2' : 'sll';
  pk.need(bp, hlen);
  if (v2) {
    const start = o.pos;
    o.str(cx.interfaceName(pk.u32(bp + 4)) ?? '?');
    o.padTo(start, 5);
    o.ch(32);
    const mark = o.pos;
    o.str(PACKET_TYPES[pk.u8(bp + 10)] ?? '?');
    o.padTo(mark, 3);
    o.ch(32);
  }
  const hatype = pk.u16(bp + (v2 ? 8 : 2));
  let type = pk.u16(bp + (v2 ? 0 : 14));
  let p = bp + hlen;
  length -= hlen;
  caplen -= hlen;
  if (hatype === 803) {
    o.str('radiotap, length ');
    o.dec(length);
    return;
  }
  for (;;) {
    if (type <= 1500) {
      o.str('802.2 or 802.3, length ');
      o.dec(length);
      return;
    }
    if (type !== 0x8100) break;
    if (caplen < 4) {
      pk.proto = 'vlan';
      throw TRUNCATED;
    }
    type = pk.u16(p + 2);
    if (type <= 1500) type = 4;
    o.str('ethertype ');
    o.str(ETHERTYPE_NAMES[type] ?? 'Unknown');
    o.str(', ');
    p += 4;
    length -= 4;
    caplen -= 4;
  }
  if (!ethertype(pk, type, p, length, cx)) {
    o.str('ethertype ');
    etherTypeName(pk, type);
    o.str(', length ');
    o.dec(length + hlen);
  }
}
