// A TCP segment printed the way tcpdump 4.99 prints it with -nn: ports, flags, seq/ack
// relative to the tuple's base (see SeqTable), window, options and length, then the first line
// of a few text protocols. Malformed headers get tcpdump's own markers ("[bad hdr length ...]",
// "[bad opt]", " [|tcp]"), in the same places, so the line matches tcpdump's byte for byte.
//
// One module because tcpdump prints a segment in one function (print-tcp.c) whose options,
// markers and numbering depend on each other; it mirrors that to stay byte for byte.

import { TRUNCATED, type Packet } from './packet';
import { SeqTable } from './seqtable';
import { printAppLayer } from './app';
import { WIRE_LETTERS } from '../trace/flags';
import { takeFields, type FieldsMode } from './fields';

const FIN = 0x01;
const SYN = 0x02;
const RST = 0x04;
const ACK = 0x10;
const URG = 0x20;

const OPTION_NAMES: Record<number, string> = {
  0: 'eol',
  1: 'nop',
  2: 'mss',
  3: 'wscale',
  4: 'sackOK',
  5: 'sack',
  6: 'echo',
  7: 'echoreply',
  8: 'TS',
  11: 'cc',
  12: 'ccnew',
  13: '',
  19: 'md5',
  20: 'scps',
  28: 'uto',
  29: 'tcp-ao',
  30: 'mptcp',
  34: 'tfo',
  254: 'exp',
};

/** What the printer keeps between packets. */
export class TcpPrinterState {
  readonly seqs = new SeqTable();
  /** Set when the segment's payload belongs to a protocol whose decoding is not implemented. */
  appOmitted = false;
  /** Set when plain segments are taken as fields rather than printed (see fields.ts). */
  fieldsMode: FieldsMode | null = null;
}

/**
 * Prints the TCP segment at bp, `length` bytes long by the IP header, inside the IP header at
 * ip (version 4 or 6). `viaTcp` says the IP header's own protocol field is TCP; when extension
 * headers come between, tcpdump prints the ports without the addresses.
 */
export function printTcp(pk: Packet, bp: number, length: number, ip: number, v6: boolean, viaTcp: boolean, st: TcpPrinterState): void {
  const o = pk.out;
  const b = pk.b;
  pk.proto = 'tcp';
  st.appOmitted = false;
  if (st.fieldsMode && viaTcp && takeFields(pk, bp, length, ip, v6, st, st.fieldsMode)) return;
  const srcOff = v6 ? ip + 8 : ip + 12;
  const dstOff = v6 ? ip + 24 : ip + 16;
  if (!pk.has(bp + 2, 2)) {
    addr(pk, srcOff, v6);
    o.str(' > ');
    addr(pk, dstOff, v6);
    o.ch(58);
    throw TRUNCATED;
  }
  const sport = pk.u16(bp);
  const dport = pk.u16(bp + 2);
  if (viaTcp) {
    addr(pk, srcOff, v6);
    o.ch(46);
    o.dec(sport);
    o.str(' > ');
    addr(pk, dstOff, v6);
    o.ch(46);
    o.dec(dport);
  } else {
    o.dec(sport);
    o.str(' > ');
    o.dec(dport);
  }
  o.str(': ');
  pk.need(bp, 20);

  let hlen = (b[bp + 12] >> 4) * 4;
  if (hlen < 20) {
    o.str(' tcp ');
    o.dec((length - hlen) >>> 0);
    o.str(' [bad hdr length ');
    o.dec(hlen);
    o.str(' - too short, < 20]');
    return;
  }
  let seq = pk.u32(bp + 4);
  let ack = pk.u32(bp + 8);
  const win = pk.u16(bp + 14);
  const urp = pk.u16(bp + 18);
  const flags = b[bp + 13];
  o.str('Flags [');
  if (flags === 0) o.str('none');
  else for (let i = 0; i < 8; i++) if (flags & (1 << i)) o.ch(WIRE_LETTERS.charCodeAt(i));
  o.ch(93);

  let thseq = 0;
  let thack = 0;
  let rev = false;
  if (flags & ACK) {
    const t = st.seqs;
    t.rebase(b, srcOff, dstOff, v6, sport, dport, (flags & SYN) !== 0, seq, ack);
    seq = t.seq;
    ack = t.ack;
    thseq = t.thseq;
    thack = t.thack;
    rev = t.rev;
  }
  if (hlen > length) {
    o.str(' [bad hdr length ');
    o.dec(hlen);
    o.str(' - too long, > ');
    o.dec(length);
    o.ch(93);
    return;
  }
  length -= hlen;
  if (length > 0 || flags & (SYN | FIN | RST)) {
    o.str(', seq ');
    o.dec(seq);
    if (length > 0) {
      o.ch(58);
      o.dec((seq + length) >>> 0);
    }
  }
  if (flags & ACK) {
    o.str(', ack ');
    o.dec(ack);
  }
  o.str(', win ');
  o.dec(win);
  if (flags & URG) {
    o.str(', urg ');
    o.dec(urp);
  }
  if (hlen > 20 && !printOptions(pk, bp, hlen - 20, length, flags, rev, thseq, thack)) return;

  o.str(', length ');
  o.dec(length);
  if (length === 0) return;
  pk.needHeader(bp, hlen);
  printAppLayer(pk, bp + hlen, length, sport, dport, st);
}

function addr(pk: Packet, off: number, v6: boolean): void {
  if (v6) pk.ipv6(off);
  else pk.ipv4(off);
}

const OK = 0;
const BAD = 1;
const TRUNC = 2;

/**
 * The ", options [...]" part. Returns false when the line ends inside it ("[bad opt]" or a
 * truncation marker), as tcpdump then prints no length.
 */
function printOptions(pk: Packet, bp: number, optLen: number, payloadLen: number, flags: number, rev: boolean, thseq: number, thack: number): boolean {
  const o = pk.out;
  let hl = optLen;
  let cp = bp + 20;
  let sep = 0;
  o.str(', options [');
  let r = OK;
  loop: while (hl > 0) {
    if (sep) o.ch(sep);
    const opt = pk.u8(cp);
    cp++;
    let len: number;
    const zeroLen = opt === 0 || opt === 1;
    if (zeroLen) len = 1;
    else {
      len = pk.u8(cp);
      cp++;
      if (len < 2 || len > hl) {
        r = BAD;
        break;
      }
      hl--;
    }
    hl--;
    let datalen = 0;
    const name = OPTION_NAMES[opt];
    if (name !== undefined) o.str(name);
    else {
      o.str('unknown-');
      o.dec(opt);
    }
    switch (opt) {
      case 2: // mss
        datalen = 2;
        if ((r = lenCheck(pk, cp, hl, 2))) break loop;
        o.ch(32);
        o.dec(pk.u16(cp));
        break;
      case 3: // wscale
        datalen = 1;
        if ((r = lenCheck(pk, cp, hl, 1))) break loop;
        o.ch(32);
        o.dec(pk.u8(cp));
        break;
      case 5: // sack
        datalen = len - 2;
        if (datalen % 8 !== 0) o.str(' invalid sack');
        else {
          o.ch(32);
          o.dec(datalen / 8);
          o.ch(32);
          for (let i = 0; i < datalen; i += 8) {
            if ((r = lenCheck(pk, cp, hl, i + 4))) break loop;
            let s = pk.u32(cp + i);
            if ((r = lenCheck(pk, cp, hl, i + 8))) break loop;
            let e = pk.u32(cp + i + 4);
            const base = rev ? thseq : thack;
            s = (s - base) >>> 0;
            e = (e - base) >>> 0;
            o.ch(123);
            o.dec(s);
            o.ch(58);
            o.dec(e);
            o.ch(125);
          }
        }
        break;
      case 6:
      case 7:
      case 11:
      case 12:
      case 13:
        datalen = 4;
        if ((r = lenCheck(pk, cp, hl, 4))) break loop;
        o.ch(32);
        o.dec(pk.u32(cp));
        break;
      case 8: // timestamps
        datalen = 8;
        if ((r = lenCheck(pk, cp, hl, 8))) break loop;
        o.str(' val ');
        o.dec(pk.u32(cp));
        o.str(' ecr ');
        o.dec(pk.u32(cp + 4));
        break;
      case 19: {
        // TCP-MD5: tcpdump cannot check it without the secret and says why.
        datalen = 16;
        if ((r = lenCheck(pk, cp, hl, 16))) break loop;
        o.ch(32);
        const dataStart = bp + 20 + optLen;
        o.str(dataStart + payloadLen > pk.end ? 'snaplen too short, ' : 'shared secret not supplied with -M, ');
        o.str("can't check - ");
        for (let i = 0; i < 16; i++) o.hex2(pk.b[cp + i]);
        break;
      }
      case 20: // scps
        datalen = 2;
        if ((r = lenCheck(pk, cp, hl, 2))) break loop;
        o.str(' cap ');
        o.hex2(pk.u8(cp));
        o.str(' id ');
        o.dec(pk.u8(cp + 1));
        break;
      case 29: // tcp-ao
        datalen = len - 2;
        if (datalen < 2) o.str(' (invalid)');
        else {
          if ((r = lenCheck(pk, cp, hl, 1))) break loop;
          o.str(' keyid ');
          o.dec(pk.u8(cp));
          if ((r = lenCheck(pk, cp, hl, 2))) break loop;
          o.str(' rnextkeyid ');
          o.dec(pk.u8(cp + 1));
          if (datalen > 2) {
            o.str(' mac 0x');
            for (let i = 2; i < datalen; i++) {
              if ((r = lenCheck(pk, cp, hl, i + 1))) break loop;
              o.hex2(pk.u8(cp + i));
            }
          }
        }
        break;
      case 0:
      case 1:
      case 4:
        break;
      case 28: {
        // user timeout: the raw field, then minutes (low bit set) or seconds
        datalen = 2;
        if ((r = lenCheck(pk, cp, hl, 2))) break loop;
        const v = pk.u16(cp);
        o.str(' 0x');
        o.hex(v);
        o.ch(32);
        o.dec(v & 1 ? (v >> 1) * 60 : v >> 1);
        break;
      }
      case 30: {
        datalen = len - 2;
        if ((r = lenCheck(pk, cp, hl, datalen))) break loop;
        // MPTCP may not read past its own option, whatever follows it.
        const saved = pk.clamp(cp - 2, len);
        const ok = printMptcp(pk, cp - 2, len, flags);
        pk.end = saved;
        if (!ok) {
          r = BAD;
          break loop;
        }
        break;
      }
      case 34:
        datalen = len - 2;
        if ((r = lenCheck(pk, cp, hl, datalen))) break loop;
        o.ch(32);
        printFastOpen(pk, cp, datalen, false);
        break;
      case 254: {
        datalen = len - 2;
        if ((r = lenCheck(pk, cp, hl, datalen))) break loop;
        if (datalen < 2) {
          r = BAD;
          break loop;
        }
        const magic = pk.u16(cp);
        o.ch(45);
        if (magic === 0xf989) printFastOpen(pk, cp + 2, datalen - 2, true);
        else o.hex4(magic);
        break;
      }
      default:
        datalen = len - 2;
        if (datalen) o.str(' 0x');
        for (let i = 0; i < datalen; i++) {
          if ((r = lenCheck(pk, cp, hl, i + 1))) break loop;
          o.hex2(pk.u8(cp + i));
        }
    }
    cp += datalen;
    hl -= datalen;
    const spec = datalen + (zeroLen ? 1 : 2);
    if (spec !== len) {
      o.str('[len ');
      o.dec(len);
      o.ch(93);
    }
    sep = 44;
    if (opt === 0) break;
  }
  if (r === BAD) {
    o.str('[bad opt]');
    if (sep) o.ch(93);
    return false;
  }
  if (r === TRUNC) {
    o.str(' [|');
    o.str(pk.proto);
    o.ch(93);
    if (sep) o.ch(62);
    return false;
  }
  o.ch(93);
  return true;
}

/** tcpdump's LENCHECK: the option must hold l more bytes, and they must have been captured. */
function lenCheck(pk: Packet, cp: number, hl: number, l: number): number {
  return l > hl ? BAD : pk.has(cp, l) ? OK : TRUNC;
}

function printFastOpen(pk: Packet, cp: number, datalen: number, exp: boolean): void {
  const o = pk.out;
  if (exp) o.str('tfo');
  if (datalen === 0) o.str(' cookiereq');
  else if (datalen % 2 !== 0 || datalen < 4 || datalen > 16) o.str(' (invalid)');
  else {
    o.str(' cookie ');
    for (let i = 0; i < datalen; i++) o.hex2(pk.u8(cp + i));
  }
}

function u64hex(pk: Packet, off: number): void {
  pk.out.hexU64(pk.u32(off), pk.u32(off + 4));
}

const ADD_ADDR_LENGTHS = new Set([8, 10, 16, 18, 20, 22, 28, 30]);

const MPTCP_NAMES = ['capable', 'join', 'dss', 'add-addr', 'rem-addr', 'prio', 'fail', 'fast-close', 'unknown'];

/** An MPTCP option starting at its kind byte; false means tcpdump calls it a bad option. */
function printMptcp(pk: Packet, p: number, len: number, flags: number): boolean {
  const o = pk.out;
  pk.proto = 'mptcp';
  if (len < 3) return false;
  const sub = Math.min(pk.u8(p + 2) >> 4, 8);
  o.ch(32);
  o.dec(len);
  o.ch(32);
  o.str(MPTCP_NAMES[sub]);
  switch (sub) {
    case 0: {
      if (!((len === 12 || len === 4) && flags & SYN) && !((len === 20 || len === 22) && (flags & (SYN | ACK)) === ACK)) return false;
      const version = pk.u8(p + 2) & 0xf;
      if (version > 1) {
        o.str(' Unknown Version (');
        o.dec(version);
        o.ch(41);
        return true;
      }
      o.str(' v');
      o.dec(version);
      if (pk.u8(p + 3) & 0x80) o.str(' csum');
      if (len === 12 || len >= 20) {
        o.str(' {0x');
        u64hex(pk, p + 4);
        if (len >= 20) {
          o.str(',0x');
          u64hex(pk, p + 12);
        }
        o.ch(125);
      }
      return true;
    }
    case 1: {
      if (!(len === 12 && flags & SYN) && !(len === 16 && (flags & (SYN | ACK)) === (SYN | ACK)) && !(len === 24 && flags & ACK)) return false;
      if (len !== 24) {
        if (pk.u8(p + 2) & 1) o.str(' backup');
        o.str(' id ');
        o.dec(pk.u8(p + 3));
      }
      if (len === 12) {
        o.str(' token 0x');
        o.hex(pk.u32(p + 4));
        o.str(' nonce 0x');
        o.hex(pk.u32(p + 8));
      } else if (len === 16) {
        o.str(' hmac 0x');
        u64hex(pk, p + 4);
        o.str(' nonce 0x');
        o.hex(pk.u32(p + 12));
      } else {
        o.str(' hmac 0x');
        for (let i = 0; i < 20; i++) o.hex2(pk.b[p + 4 + i]);
      }
      return true;
    }
    case 2: {
      if (len < 4 || flags & SYN) return false;
      const f = pk.u8(p + 3);
      if (f & 0x10) o.str(' fin');
      let q = p + 4;
      let left = len - 4;
      /** A data-level number of 8 bytes when `wide`, else 4; false if the option is too short. */
      const number = (wide: number): boolean => {
        const n = wide ? 8 : 4;
        if (left < n) return false;
        if (wide) o.decU64(pk.u32(q), pk.u32(q + 4));
        else o.dec(pk.u32(q));
        q += n;
        left -= n;
        return true;
      };
      if (f & 0x01) {
        o.str(' ack ');
        if (!number(f & 0x02)) return false;
      }
      if (f & 0x04) {
        o.str(' seq ');
        if (!number(f & 0x08)) return false;
        if (left < 4) return false;
        o.str(' subseq ');
        o.dec(pk.u32(q));
        q += 4;
        left -= 4;
        if (left < 2) return false;
        o.str(' len ');
        o.dec(pk.u16(q));
        q += 2;
        left -= 2;
        if (left >= 2) {
          o.str(' csum 0x');
          o.hex(pk.u16(q));
          left -= 2;
        }
      }
      return left === 0;
    }
    case 3: {
      if (!ADD_ADDR_LENGTHS.has(len)) return false;
      const echo = pk.u8(p + 2) & 0xf;
      o.ch(32);
      o.str(echo === 6 ? 'v0-ip6' : echo === 4 ? 'v0-ip4' : echo === 1 ? 'v1-echo' : echo === 0 ? 'v1' : '[bad version/echo]');
      o.str(' id ');
      o.dec(pk.u8(p + 3));
      if (len <= 18) {
        o.ch(32);
        pk.ipv4(p + 4);
        if (len === 10 || len === 18) {
          o.ch(58);
          o.dec(pk.u16(p + 8));
        }
        if (len === 16 || len === 18) {
          o.str(' hmac 0x');
          u64hex(pk, len === 16 ? p + 8 : p + 10);
        }
      } else {
        o.ch(32);
        pk.ipv6(p + 4);
        if (len === 22 || len === 30) {
          o.ch(58);
          o.dec(pk.u16(p + 20));
        }
        if (len === 28 || len === 30) {
          o.str(' hmac 0x');
          u64hex(pk, len === 28 ? p + 20 : p + 22);
        }
      }
      return true;
    }
    case 4:
      if (len < 4) return false;
      o.str(' id');
      for (let i = 0; i < len - 3; i++) {
        o.ch(32);
        o.dec(pk.u8(p + 3 + i));
      }
      return true;
    case 5:
      if (len !== 3 && len !== 4) return false;
      o.str(pk.u8(p + 2) & 1 ? ' backup' : ' non-backup');
      if (len === 4) {
        o.str(' id ');
        o.dec(pk.u8(p + 3));
      }
      return true;
    case 6:
      if (len !== 12) return false;
      o.str(' seq ');
      o.decU64(pk.u32(p + 4), pk.u32(p + 8));
      return true;
    case 7:
      if (len !== 12) return false;
      o.str(' key 0x');
      u64hex(pk, p + 4);
      return true;
    default:
      return true;
  }
}
