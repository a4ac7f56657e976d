// A hand-written scanner for one line of tcpdump text, read as bytes. It fills one reused
// record instead of allocating per line or per token, and never backtracks: each byte of a
// line is looked at a bounded number of times.
//
// One module because the scanner is one state machine over a line's bytes; its pieces share
// the record and the position and are called only from here.

import { ascii, COLON, COMMA, DOT, GT, isDigit, LBRACK, matches, numEnd, RBRACK, readFraction, readUint, SP, TAB } from './bytes';
import { Flag, FLAG_OF_LETTER } from './flags';
import { readOldFormat } from './oldFormat';

export const enum LineKind {
  /** Not TCP: UDP, ARP, ICMP, decoder or dump lines. */
  Other = 0,
  /** A TCP packet line. */
  Packet = 1,
  /** A -v IP header line whose indented TCP line follows. */
  IpHeader = 2,
  /** Looks like TCP but cannot be read. */
  Problem = 3,
  /** A blank line. */
  Blank = 4,
}

export const enum TimeKind {
  None = 0,
  /** HH:MM:SS.frac, seconds since midnight (default). */
  TimeOfDay = 1,
  /** Seconds since the epoch (-tt, -tttt). */
  Absolute = 2,
  /** A delta printed with a leading space (-ttt since the previous packet, -ttttt since the first). */
  Delta = 3,
}

/** The most SACK blocks a TCP header holds: 40 bytes of options, 2 for the kind and length, 8 per block. */
export const MAX_SACK_BLOCKS = 4;

/** The scanner's output for one line. Byte offsets are absolute within the buffer. */
export class LineRecord {
  kind = LineKind.Other;
  reason = '';
  time = NaN;
  timeKind = TimeKind.None;
  /** Line starts with white space (the second line of -v output). */
  indented = false;
  /** The buffer the endpoint offsets point into: the line's, or a scratch one (see portsOnly). */
  epBuf: Uint8Array = EMPTY;
  srcStart = 0;
  srcEnd = 0;
  /** Offset of the '.' that separates address and port in the source token. */
  srcDot = 0;
  dstStart = 0;
  dstEnd = 0;
  dstDot = 0;
  /**
   * True when both endpoints are numeric IPv4 (a.b.c.d.port) and read already: their
   * addresses (as 32-bit numbers) and ports are then in the four fields below.
   */
  ipv4 = false;
  srcIp = 0;
  srcPort = 0;
  dstIp = 0;
  dstPort = 0;
  flags = 0;
  seq = NaN;
  seqEnd = NaN;
  ack = NaN;
  win = NaN;
  len = -1;
  // Options, read only on SYN segments (the handshake needs them).
  mss = -1;
  wscale = -1;
  sackOK = false;
  timestamps = false;
  fastOpen = false;
  /** The bytes the first three SACK blocks cover (tshark keeps three), -1 without a SACK option. */
  sackBytes = -1;
  /** The TCP timestamp's TS val, read on lines with a delta time only (-ttt or -ttttt); -1 without. */
  tsval = -1;
  /** SACK blocks read (at most MAX_SACK_BLOCKS), their edges as printed in sackEdges: left, right, ... */
  sackCount = 0;
  readonly sackEdges = new Float64Array(2 * MAX_SACK_BLOCKS);
  /** A Flags-form packet line that ended before its `length` (wrapped, perhaps). */
  open = false;
  /** Bytes tcpdump never prints were skipped among the fields (one may hide a field). */
  odd = false;
  /** Offset after `length N` (or `tcp N`): anything from here on is not the TCP header. */
  tail = -1;
  /**
   * A hash of what stands between the timestamp and the source (-i any's interface and
   * direction, -e's addresses); 0 for "IP " alone. Two copies of one packet differ here.
   */
  link = 0;

  reset(): void {
    this.kind = LineKind.Other;
    this.reason = '';
    this.time = NaN;
    this.timeKind = TimeKind.None;
    this.indented = false;
    this.ipv4 = false;
    this.flags = 0;
    this.seq = NaN;
    this.seqEnd = NaN;
    this.ack = NaN;
    this.win = NaN;
    this.len = -1;
    this.mss = -1;
    this.wscale = -1;
    this.sackOK = false;
    this.timestamps = false;
    this.fastOpen = false;
    this.sackBytes = -1;
    this.tsval = -1;
    this.sackCount = 0;
    this.open = false;
    this.odd = false;
    this.tail = -1;
    this.link = 0;
  }
}

const EMPTY = new Uint8Array(0);
/** Sequence and acknowledgment numbers are 32-bit; tcpdump never prints more. */
const MAX_U32 = 4294967295;
/**
 * The longest `address.port` token read. A DNS name has at most 253 characters; a much longer
 * token comes from a corrupted line, and keeping it would carry megabytes into every view.
 */
export const MAX_ENDPOINT = 1024;
/** True if the bytes at b[i..] spell `word` (ASCII). */
function at(b: Uint8Array, i: number, end: number, word: string): boolean {
  if (i + word.length > end) return false;
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** The words looked for on every line. */
const W_FLAGS = ascii('Flags [');
const W_TCP = ascii('tcp ');
const W_TRUNCATED = ascii(' [|tcp]');
const W_NONE = ascii('none]');
const W_SEQ = ascii('seq ');
const W_ACK = ascii('ack ');
const W_WIN = ascii('win ');
const W_LENGTH = ascii('length ');
const W_OPTIONS = ascii('options [');

/** Days from 1970-01-01 to a civil date (proleptic Gregorian). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * Reads the packet number (-#) and timestamp at the start of a line. Returns the offset after
 * them, or `start` when the line has neither.
 */
function readPrefix(b: Uint8Array, start: number, end: number, r: LineRecord): number {
  // Most lines start with the default clock, "HH:MM:SS.ffffff ": read it at once. The general
  // path below gives the same value for it.
  if (start + 16 <= end && b[start + 2] === COLON && b[start + 5] === COLON && b[start + 8] === DOT && b[start + 15] === SP) {
    const t = clock(b, start);
    if (t >= 0) {
      r.time = t;
      r.timeKind = TimeKind.TimeOfDay;
      return start + 16;
    }
  }
  let i = start;
  while (i < end && b[i] === SP) i++;
  const lead = i - start;
  // -# packet number: digits, then at least two spaces.
  if (i < end && isDigit(b[i])) {
    const v = readUint(b, i, end);
    let j = numEnd;
    if (!isNaN(v) && j + 1 < end && b[j] === SP && b[j + 1] === SP) {
      j += 2;
      let extra = 0;
      while (j < end && b[j] === SP) {
        j++;
        extra++;
      }
      const after = readTime(b, j, end, r);
      if (after !== j && extra > 0 && r.timeKind === TimeKind.TimeOfDay) r.timeKind = TimeKind.Delta;
      return after;
    }
  }
  if (lead > 1) return start; // indented: a -v continuation or a dump line
  const after = readTime(b, i, end, r);
  if (after !== i && lead === 1 && r.timeKind === TimeKind.TimeOfDay) r.timeKind = TimeKind.Delta;
  return after === i ? start : after;
}

/** Seconds since midnight of "HH:MM:SS.ffffff" at b[i] (separators checked by the caller), or -1. */
function clock(b: Uint8Array, i: number): number {
  if (!isDigit(b[i]) || !isDigit(b[i + 1]) || !isDigit(b[i + 3]) || !isDigit(b[i + 4]) || !isDigit(b[i + 6]) || !isDigit(b[i + 7])) return -1;
  let v = 0;
  for (let k = i + 9; k < i + 15; k++) {
    const c = b[k];
    if (c < 48 || c > 57) return -1;
    v = v * 10 + (c - 48);
  }
  const h = (b[i] - 48) * 10 + (b[i + 1] - 48);
  const m = (b[i + 3] - 48) * 10 + (b[i + 4] - 48);
  const s = (b[i + 6] - 48) * 10 + (b[i + 7] - 48);
  // The same operations, in the same order, as readClock and readFraction.
  return 0 + h * 3600 + m * 60 + s + v / 1e6;
}

/** Reads one timestamp at b[i]; returns the offset after it and its trailing space, or i. */
function readTime(b: Uint8Array, i: number, end: number, r: LineRecord): number {
  if (i >= end || !isDigit(b[i])) return i;
  const a = readUint(b, i, end);
  let j = numEnd;
  let days = NaN;
  // -tttt: YYYY-MM-DD HH:MM:SS.frac
  if (b[j] === 45 /* - */ && j - i === 4) {
    const mo = readUint(b, j + 1, end);
    if (b[numEnd] !== 45) return i;
    const d = readUint(b, numEnd + 1, end);
    if (isNaN(mo) || isNaN(d) || b[numEnd] !== SP) return i;
    days = daysFromCivil(a, mo, d);
    j = numEnd + 1;
    return readClock(b, j, end, r, days * 86400, TimeKind.Absolute, i);
  }
  if (b[j] === COLON) return readClock(b, i, end, r, 0, TimeKind.TimeOfDay, i);
  if (b[j] === DOT) {
    // -tt: seconds since the epoch. Must end in a space, which rules out an IPv4 address.
    const frac = readFraction(b, j, end);
    if (numEnd < end && b[numEnd] === SP && numEnd > j + 1) {
      r.time = a + frac;
      r.timeKind = TimeKind.Absolute;
      return numEnd + 1;
    }
  }
  return i;
}

function readClock(b: Uint8Array, i: number, end: number, r: LineRecord, base: number, kind: TimeKind, fail: number): number {
  const h = readUint(b, i, end);
  if (b[numEnd] !== COLON) return fail;
  const m = readUint(b, numEnd + 1, end);
  if (b[numEnd] !== COLON) return fail;
  const s = readUint(b, numEnd + 1, end);
  if (isNaN(h) || isNaN(m) || isNaN(s)) return fail;
  const frac = readFraction(b, numEnd, end);
  if (numEnd < end && b[numEnd] !== SP) return fail;
  r.time = base + h * 3600 + m * 60 + s + frac;
  r.timeKind = kind;
  return numEnd < end ? numEnd + 1 : numEnd;
}

/**
 * Finds ": Flags [", ": tcp " or ":  [|tcp]" after `from`. Returns the offset of the colon,
 * or -1. Sets `markerKind`: 1 flags, 2 -q form, 3 truncated header.
 */
let markerKind = 0;
function findMarker(b: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end - 2; i++) {
    if (b[i] !== COLON || b[i + 1] !== SP) continue;
    const c = b[i + 2];
    if (c === 70 /* F */ && matches(b, i + 2, end, W_FLAGS)) {
      markerKind = 1;
      return i;
    }
    if (c === 116 /* t */ && matches(b, i + 2, end, W_TCP) && i + 6 < end && isDigit(b[i + 6])) {
      markerKind = 2;
      return i;
    }
    if (c === SP && matches(b, i + 2, end, W_TRUNCATED)) {
      markerKind = 3;
      return i;
    }
  }
  return -1;
}

/** Finds `word` in b[from..end), or -1. Only used on lines that are not packets. */
function indexOf(b: Uint8Array, word: string, from: number, end: number): number {
  const c0 = word.charCodeAt(0);
  for (let i = from; i + word.length <= end; i++) if (b[i] === c0 && at(b, i, end, word)) return i;
  return -1;
}

export function lastDot(b: Uint8Array, start: number, end: number): number {
  for (let i = end - 1; i > start; i--) if (b[i] === DOT) return i;
  return -1;
}

/** Scans one line b[start..end) (no line terminator) into r. */
export function scanLine(b: Uint8Array, start: number, end: number, r: LineRecord): void {
  r.reset();
  if (end > start && b[end - 1] === 13) end--; // CRLF
  let i = start;
  while (i < end && (b[i] === SP || b[i] === TAB)) i++;
  if (i === end) {
    r.kind = LineKind.Blank;
    return;
  }
  if (b[start] === TAB && at(b, start + 1, end, '0x')) return; // -x/-X hex dump line
  const body = readPrefix(b, start, end, r);
  r.indented = body === start && i > start;
  if (ipv4Packet(b, body, end, r)) {
    r.kind = LineKind.Packet;
    readTcpFields(b, r.dstEnd + 9, end, r);
    return;
  }
  const m = findMarker(b, body, end);
  if (m < 0) {
    // A -v IP header line announcing TCP; its TCP line follows, indented. (tcpdump 3.9 -v
    // printed header and TCP on one line: "IP (..., proto TCP (6), length 98) a.1 > b.2: P, ...".)
    const proto = b[end - 1] === 41 /* ) */ ? indexOf(b, 'proto TCP (6)', body, end) : -1;
    if (proto >= 0 && indexOf(b, ' > ', proto, end) < 0) r.kind = LineKind.IpHeader;
    else readOldFormat(b, body, end, r); // tcpdump 3.x: "a.1 > b.2: S 1:1(0) win 5840"
    return;
  }
  const kind = markerKind;
  // The destination token ends at the colon; " > " and the source token come before it.
  let ds = m;
  while (ds > body && b[ds - 1] !== SP) ds--;
  if (kind === 3) {
    r.kind = LineKind.Problem;
    r.reason = 'TCP header truncated before the ports ([|tcp])';
    return;
  }
  if (ds - 3 < body || b[ds - 1] !== SP || b[ds - 2] !== GT || b[ds - 3] !== SP) {
    r.kind = LineKind.Problem;
    r.reason = "no 'source > destination' before the TCP fields";
    return;
  }
  if (!readEndpoints(b, body, ds, m, r)) return;
  r.kind = LineKind.Packet;
  if (kind === 2) {
    r.flags = Flag.UNKNOWN;
    r.len = readUint(b, m + 6, end);
    r.tail = numEnd;
    return;
  }
  readTcpFields(b, m + 9, end, r);
}

const W_IP = ascii('IP ');
const W_ARROW = ascii(' > ');
const W_MARKER = ascii(': Flags [');

/**
 * The most common line, "IP a.b.c.d.port > e.f.g.h.port: Flags [...", read forwards in one pass
 * that also reads both endpoints' numbers (so Endpoints need not parse them again). Anything
 * else returns false and goes the general way, which, for the lines this accepts, finds the
 * same tokens: they hold only digits and dots, so the first ": " is the one before "Flags [".
 */
function ipv4Packet(b: Uint8Array, i: number, end: number, r: LineRecord): boolean {
  if (!matches(b, i, end, W_IP)) return false;
  const ss = i + 3;
  const se = ipv4Token(b, ss, end);
  if (se < 0 || !matches(b, se, end, W_ARROW)) return false;
  const srcIp = tokenIp;
  const srcPort = tokenPort;
  const srcDot = tokenDot;
  const ds = se + 3;
  const de = ipv4Token(b, ds, end);
  if (de < 0 || !matches(b, de, end, W_MARKER)) return false;
  r.epBuf = b;
  r.srcStart = ss;
  r.srcEnd = se;
  r.srcDot = srcDot;
  r.dstStart = ds;
  r.dstEnd = de;
  r.dstDot = tokenDot;
  r.ipv4 = true;
  r.srcIp = srcIp;
  r.srcPort = srcPort;
  r.dstIp = tokenIp;
  r.dstPort = tokenPort;
  return true;
}

/** What ipv4Token read: the address as a 32-bit number, the port, the dot before the port. */
let tokenIp = 0;
let tokenPort = 0;
let tokenDot = 0;

/**
 * Reads "a.b.c.d.port" at b[i] (octets of 1-3 digits up to 255, a port of 1-5 digits up to
 * 65535: the endpoints Endpoints keys by number) followed by a byte that is neither a digit
 * nor a dot. Returns the offset after it, or -1.
 */
function ipv4Token(b: Uint8Array, i: number, end: number): number {
  let ip = 0;
  for (let k = 0; k < 4; k++) {
    let octet = 0;
    const s = i;
    while (i < end && i - s < 3) {
      const c = b[i];
      if (c < 48 || c > 57) break;
      octet = octet * 10 + (c - 48);
      i++;
    }
    if (i === s || octet > 255 || i >= end || b[i] !== DOT) return -1;
    ip = ip * 256 + octet;
    i++;
  }
  tokenDot = i - 1;
  let port = 0;
  const s = i;
  while (i < end && i - s < 5) {
    const c = b[i];
    if (c < 48 || c > 57) break;
    port = port * 10 + (c - 48);
    i++;
  }
  if (i === s || port > 65535 || i >= end || b[i] === DOT || isDigit(b[i])) return -1;
  tokenIp = ip;
  tokenPort = port;
  return i;
}

/**
 * Reads "source > destination" into r: the destination token starts at ds and ends at the
 * colon at m, " > " and the source token come before it. False, with r a problem, when a token
 * is too long or has no port. Both the modern and the 3.x reader (oldFormat.ts) use it.
 */
export function readEndpoints(b: Uint8Array, body: number, ds: number, m: number, r: LineRecord): boolean {
  const se = ds - 3;
  let ss = se;
  while (ss > body && b[ss - 1] !== SP) ss--;
  if (se - ss > MAX_ENDPOINT || m - ds > MAX_ENDPOINT) {
    fail(r, `an endpoint is longer than ${MAX_ENDPOINT} characters`);
    return false;
  }
  const sd = lastDot(b, ss, se);
  const dd = lastDot(b, ds, m);
  r.epBuf = b;
  r.link = linkHash(b, body, ss);
  if (sd < 0 && dd < 0 && ss < se && portsOnly(b, body, ss, se, ds, m, r)) return true;
  if (ss === se || sd < 0 || dd < 0 || sd === se - 1 || dd === m - 1) {
    fail(r, 'an endpoint has no port');
    return false;
  }
  r.srcStart = ss;
  r.srcEnd = se;
  r.srcDot = sd;
  r.dstStart = ds;
  r.dstEnd = m;
  r.dstDot = dd;
  return true;
}

/**
 * After an IPv6 extension header tcpdump prints the addresses first and the ports alone:
 * "a > b: HBH (jumbo: 80040)  41851 > 43913: Flags [P.]". Joins them into "a.41851".
 */
export function portsOnly(b: Uint8Array, body: number, ss: number, se: number, ds: number, de: number, r: LineRecord): boolean {
  for (let i = ss; i < se; i++) if (!isDigit(b[i])) return false;
  for (let i = ds; i < de; i++) if (!isDigit(b[i])) return false;
  // The address pair: the first " > " in the line whose right side ends with ':'.
  const gt = indexOf(b, ' > ', body, ss);
  if (gt < 0) return false;
  let as = gt;
  while (as > body && b[as - 1] !== SP) as--;
  let ae = gt + 3;
  while (ae < ss && b[ae] !== SP) ae++;
  if (b[ae - 1] !== COLON || as === gt) return false;
  const src = text(b, as, gt) + '.' + text(b, ss, se);
  const dst = text(b, gt + 3, ae - 1) + '.' + text(b, ds, de);
  const buf = new Uint8Array(src.length + dst.length);
  for (let i = 0; i < src.length; i++) buf[i] = src.charCodeAt(i);
  for (let i = 0; i < dst.length; i++) buf[src.length + i] = dst.charCodeAt(i);
  r.epBuf = buf;
  r.srcStart = 0;
  r.srcEnd = src.length;
  r.srcDot = src.lastIndexOf('.');
  r.dstStart = src.length;
  r.dstEnd = buf.length;
  r.dstDot = src.length + dst.lastIndexOf('.');
  return true;
}

/** Reads "S.], seq 1:2, ack 3, win 4, options [...], length 5" starting after "Flags [". */
function readTcpFields(b: Uint8Array, i: number, end: number, r: LineRecord): void {
  let flags = 0;
  r.open = true;
  if (b[i] === 110 /* n */ && matches(b, i, end, W_NONE)) i += 4;
  else {
    for (; i < end && b[i] !== RBRACK; i++) {
      const f = FLAG_OF_LETTER[b[i]];
      if (f === 0) {
        r.kind = LineKind.Problem;
        r.reason = `unknown TCP flag '${String.fromCharCode(b[i])}'`;
        return;
      }
      flags |= f;
    }
  }
  if (i >= end) {
    r.kind = LineKind.Problem;
    r.reason = "unterminated 'Flags ['";
    return;
  }
  r.flags = flags;
  i++; // ]
  while (i + 1 < end && b[i] === COMMA && b[i + 1] === SP) {
    i += 2;
    const c = b[i];
    if (c === 115 /* s */ && matches(b, i, end, W_SEQ)) {
      r.seq = readUint(b, i + 4, end);
      i = numEnd;
      if (b[i] === COLON) {
        r.seqEnd = readUint(b, i + 1, end);
        i = numEnd;
      }
      if (isNaN(r.seq)) return fail(r, 'seq is not a number');
      if (r.seq > MAX_U32 || r.seqEnd > MAX_U32) return fail(r, 'seq is out of range');
    } else if (c === 97 /* a */ && matches(b, i, end, W_ACK)) {
      r.ack = readUint(b, i + 4, end);
      i = numEnd;
      if (isNaN(r.ack)) return fail(r, 'ack is not a number');
      if (r.ack > MAX_U32) return fail(r, 'ack is out of range');
    } else if (c === 119 /* w */ && matches(b, i, end, W_WIN)) {
      r.win = readUint(b, i + 4, end);
      i = numEnd;
      if (isNaN(r.win)) return fail(r, 'win is not a number');
    } else if (c === 108 /* l */ && matches(b, i, end, W_LENGTH)) {
      r.len = readUint(b, i + 7, end);
      if (isNaN(r.len)) return fail(r, 'length is not a number');
      r.open = false;
      r.tail = numEnd;
      return; // what follows is an application decoder's summary
    } else if (c === 111 /* o */ && matches(b, i, end, W_OPTIONS)) {
      i = readOptions(b, i + 9, end, r);
    } else {
      // cksum, urg and anything a newer tcpdump adds: skip to the next ", ". tcpdump prints
      // ASCII only: a byte above it (a full-width comma from a CJK input method) may hide a field.
      while (i < end && !(b[i] === COMMA && b[i + 1] === SP)) {
        if (b[i] === LBRACK) i = skipBracket(b, i, end);
        else if (b[i++] >= 0x80) r.odd = true;
      }
    }
  }
  if (r.len < 0) {
    // A header cut short by the snap length still has its flags and numbers.
    if (indexOf(b, '[|tcp]', i, end) >= 0) {
      r.len = 0;
      r.open = false;
    }
    else if (r.seqEnd === r.seqEnd) r.len = r.seqEnd - r.seq;
    else r.len = 0;
  }
}

/**
 * FNV-1a of b[s..e) up to its "IP " or "IP6 " word, less -e's frame lengths ("length 74", which
 * is not where a packet was seen); 0 when nothing stands before that word. What follows it (the
 * IP header of 3.9's one-line -v, "truncated-ip") describes the packet, not where it was seen.
 */
function linkHash(b: Uint8Array, s: number, e: number): number {
  for (let i = s; i + 3 < e; i++) {
    if (b[i] === 73 /* I */ && b[i + 1] === 80 /* P */ && (b[i + 2] === SP || (b[i + 2] === 54 /* 6 */ && b[i + 3] === SP)) && (i === s || b[i - 1] === SP)) {
      e = i;
      break;
    }
  }
  if (e === s) return 0;
  let h = 2166136261;
  for (let i = s; i < e; i++) {
    if (b[i] === 108 /* l */ && matches(b, i, e, W_LENGTH)) {
      i += W_LENGTH.length;
      while (i < e && isDigit(b[i])) i++;
    }
    h = Math.imul(h ^ b[i], 16777619);
  }
  return h | 1;
}

function fail(r: LineRecord, reason: string): void {
  r.kind = LineKind.Problem;
  r.reason = reason;
}

function skipBracket(b: Uint8Array, i: number, end: number): number {
  let depth = 0;
  for (; i < end; i++) {
    const c = b[i];
    if (c === RBRACK) {
      if (--depth === 0) return i + 1;
    } else if (c === LBRACK) depth++;
  }
  return end;
}

/**
 * Reads the options list up to its closing bracket. Only SYN segments need the values; other
 * segments only their SACK blocks (bytes in flight leave out what the receiver holds).
 */
function readOptions(b: Uint8Array, i: number, end: number, r: LineRecord): number {
  const syn = (r.flags & Flag.SYN) !== 0;
  let depth = 1;
  let tokenStart = i;
  for (; i < end && depth > 0; i++) {
    const c = b[i];
    if (c === LBRACK) depth++;
    else if (c === RBRACK) depth--;
    if ((depth === 1 && c === COMMA) || depth === 0) {
      if (syn) readOption(b, tokenStart, i, r);
      else if (b[tokenStart] === 115 /* s */ && at(b, tokenStart, i, 'sack ')) readSack(b, tokenStart + 5, i, r);
      // The sender's clock tells -ttt from -ttttt where their times print alike (TraceBuilder.time).
      else if (b[tokenStart] === 84 /* T */ && r.timeKind === TimeKind.Delta && at(b, tokenStart, i, 'TS val ')) r.tsval = readUint(b, tokenStart + 7, i);
      tokenStart = i + 1;
    }
  }
  return i;
}

/**
 * The blocks of "N {l:r}{l:r}..." at b[i..e): their edges as printed (the numbering of the ack),
 * and the bytes the first three cover (tshark counts three).
 */
function readSack(b: Uint8Array, i: number, e: number, r: LineRecord): void {
  let sum = 0;
  let n = 0;
  for (let k = 0; k < MAX_SACK_BLOCKS; k++) {
    while (i < e && b[i] !== 123 /* { */) i++;
    if (i >= e) break;
    const left = readUint(b, i + 1, e);
    i = numEnd;
    if (b[i] !== COLON) break;
    const right = readUint(b, i + 1, e);
    i = numEnd;
    if (left !== left || right !== right) continue;
    if (k < 3) sum += (right - left + 4294967296) % 4294967296;
    r.sackEdges[2 * n] = left;
    r.sackEdges[2 * n + 1] = right;
    n++;
  }
  r.sackBytes = sum;
  r.sackCount = n;
}

function readOption(b: Uint8Array, s: number, e: number, r: LineRecord): void {
  if (at(b, s, e, 'mss ')) r.mss = readUint(b, s + 4, e);
  else if (at(b, s, e, 'wscale ')) r.wscale = readUint(b, s + 7, e);
  else if (at(b, s, e, 'sackOK')) r.sackOK = true;
  else if (at(b, s, e, 'TS ')) {
    r.timestamps = true;
    if (r.timeKind === TimeKind.Delta && at(b, s, e, 'TS val ')) r.tsval = readUint(b, s + 7, e);
  }
  else if (at(b, s, e, 'tfo') || at(b, s, e, 'exp-tfo')) r.fastOpen = true;
}

/** Decodes bytes b[s..e) as text (tcpdump escapes anything unprintable, so this is ASCII). */
export function text(b: Uint8Array, s: number, e: number): string {
  let out = '';
  for (let i = s; i < e; i += 4096) out += String.fromCharCode.apply(null, b.subarray(i, Math.min(e, i + 4096)) as unknown as number[]);
  return out;
}
