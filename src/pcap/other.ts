// One-line summaries of what is not TCP. They follow tcpdump's wording for the common cases
// (UDP, ICMP echo, ARP) but are not meant to match it; the engine skips these lines.

import type { Packet } from './packet';

const PROTO_NAMES: Record<number, string> = {
  2: 'IGMP',
  8: 'EGP',
  9: 'IGRP',
  33: 'DCCP',
  46: 'RSVP',
  47: 'GRE',
  50: 'ESP',
  51: 'AH',
  55: 'MOBILE',
  88: 'EIGRP',
  89: 'OSPF',
  103: 'PIM',
  108: 'IPComp',
  112: 'VRRP',
  113: 'PGM',
  132: 'SCTP',
  143: 'Ethernet',
};

function addrs(pk: Packet, iph: number, v6: boolean): void {
  if (v6) {
    pk.ipv6(iph + 8);
    pk.str(' > ');
    pk.ipv6(iph + 24);
  } else {
    pk.ipv4(iph + 12);
    pk.str(' > ');
    pk.ipv4(iph + 16);
  }
}

export function printUdp(pk: Packet, bp: number, length: number, iph: number, v6: boolean): void {
  const o = pk.out;
  pk.proto = 'udp';
  if (!pk.has(bp, 8)) {
    addrs(pk, iph, v6);
    o.str(': [|udp]');
    return;
  }
  if (v6) pk.ipv6(iph + 8);
  else pk.ipv4(iph + 12);
  o.ch(46);
  o.dec(pk.u16(bp));
  o.str(' > ');
  if (v6) pk.ipv6(iph + 24);
  else pk.ipv4(iph + 16);
  o.ch(46);
  o.dec(pk.u16(bp + 2));
  const ulen = pk.u16(bp + 4);
  o.str(': UDP, length ');
  o.dec(ulen >= 8 ? ulen - 8 : Math.max(0, length - 8));
}

const ICMP_TYPES: Record<number, string> = {
  0: 'echo reply',
  3: 'destination unreachable',
  4: 'source quench',
  5: 'redirect',
  8: 'echo request',
  9: 'router advertisement',
  10: 'router solicitation',
  11: 'time exceeded',
  12: 'parameter problem',
  13: 'time stamp request',
  14: 'time stamp reply',
};

export function printIcmp(pk: Packet, bp: number, length: number): void {
  const o = pk.out;
  pk.proto = 'icmp';
  const type = pk.u8(bp);
  const code = pk.u8(bp + 1);
  o.str('ICMP ');
  const name = ICMP_TYPES[type];
  if (name) o.str(name);
  else {
    o.str('type ');
    o.dec(type);
  }
  if ((type === 0 || type === 8) && pk.has(bp, 8)) {
    o.str(', id ');
    o.dec(pk.u16(bp + 4));
    o.str(', seq ');
    o.dec(pk.u16(bp + 6));
  } else if (code) {
    o.str(', code ');
    o.dec(code);
  }
  o.str(', length ');
  o.dec(length);
}

const ICMP6_TYPES: Record<number, string> = {
  1: 'destination unreachable',
  2: 'packet too big',
  3: 'time exceeded in-transit',
  4: 'parameter problem',
  128: 'echo request',
  129: 'echo reply',
  130: 'multicast listener query',
  131: 'multicast listener report',
  132: 'multicast listener done',
  133: 'router solicitation',
  134: 'router advertisement',
  135: 'neighbor solicitation',
  136: 'neighbor advertisement',
  137: 'redirect',
  143: 'multicast listener report v2',
};

export function printIcmp6(pk: Packet, bp: number, length: number): void {
  const o = pk.out;
  pk.proto = 'icmp6';
  const type = pk.u8(bp);
  o.str('ICMP6, ');
  const name = ICMP6_TYPES[type];
  if (name) o.str(name);
  else {
    o.str('type ');
    o.dec(type);
  }
  if ((type === 128 || type === 129) && pk.has(bp, 8)) {
    o.str(', id ');
    o.dec(pk.u16(bp + 4));
    o.str(', seq ');
    o.dec(pk.u16(bp + 6));
  }
  o.str(', length ');
  o.dec(length);
}

/** Any other protocol over IP: its name and length; unknown numbers as tcpdump -n writes them. */
export function printOtherProto(pk: Packet, _bp: number, length: number, nh: number, iph: number, v6: boolean): void {
  const o = pk.out;
  const name = PROTO_NAMES[nh];
  if (!name) {
    o.str(' ip-proto-');
    o.dec(nh);
    o.ch(32);
    o.dec(length);
    return;
  }
  // SCTP and DCCP print their own addresses in tcpdump, so IP did not.
  if (nh === 33 || nh === 132) {
    addrs(pk, iph, v6);
    o.str(': ');
  }
  o.str(name);
  o.str(', length ');
  o.dec(length);
}

/** ARP for IPv4 over Ethernet-sized hardware addresses; other ARP as its length. */
export function printArp(pk: Packet, bp: number, length: number): void {
  const o = pk.out;
  pk.proto = 'arp';
  o.str('ARP, ');
  if (!pk.has(bp, 8)) {
    o.str('length ');
    o.dec(length);
    return;
  }
  const ptype = pk.u16(bp + 2);
  const hlen = pk.u8(bp + 4);
  const plen = pk.u8(bp + 5);
  const op = pk.u16(bp + 6);
  const sha = bp + 8;
  const spa = sha + hlen;
  const tha = spa + plen;
  const tpa = tha + hlen;
  if (ptype === 0x0800 && plen === 4 && pk.has(bp, 8 + 2 * hlen + 8)) {
    if (op === 1) {
      o.str('Request who-has ');
      pk.ipv4(tpa);
      o.str(' tell ');
      pk.ipv4(spa);
    } else if (op === 2) {
      o.str('Reply ');
      pk.ipv4(spa);
      o.str(' is-at ');
      mac(pk, sha, hlen);
    } else {
      o.str('op ');
      o.dec(op);
    }
    o.str(', ');
  }
  o.str('length ');
  o.dec(length);
}

export function mac(pk: Packet, off: number, n: number): void {
  for (let i = 0; i < n; i++) {
    if (i) pk.out.ch(58);
    pk.out.hex2(pk.u8(off + i));
  }
}
