// Reads TCP lines in the format tcpdump printed before 4.0 (3.x up to 3.9.x), byte by byte
// into the scanner's reused record, like scan.ts does for the "Flags [" format:
//
//   a.1 > b.2: S 1234567:1234567(0) win 5840 <mss 1460,sackOK,timestamp 1 0,nop,wscale 7>
//   a.1 > b.2: . ack 1 win 46 <nop,nop,timestamp 5 6>
//   a.1 > b.2: P 1:174(173) ack 1 win 46 (DF) (ttl 64, id 1, len 225)
//   IP (tos 0x0, ..., length: 60) a.1 > b.2: P, cksum 0xcf18 (correct), 1:2(1) ack 1 win 46
//
// print-tcp.c printed, in this order: the flag letters S F R P W E (or '.' for none of them),
// the checksum under -v (3.9: ", cksum 0x1234 (correct),"; 3.7-3.8: " [tcp sum ok]" or
// " [bad tcp cksum 1234!]"), " first:last(length)" when the segment has data, SYN, FIN or RST
// (always under -vv), " ack N" when ACK is set, " win N", " urg N" when URG is set, then
// " <options>". ACK and URG have no letter: their fields tell them. Anything after the
// options (an application decoder's summary, the IP fields of 3.x -v such as " (DF)" or
// " (ttl 64, id 1, len 60)") is not read. The numbers are relative as print-tcp.c made them,
// by the same rules as 4.x, so the builder undoes them the same way.

import { ascii, COLON, COMMA, DOT, GT, isDigit, LBRACK, LPAREN, LT, matches, numEnd, RBRACK, readUint, RPAREN, SP } from './bytes';
import { Flag, FLAG_OF_LETTER } from './flags';
import { LineKind, type LineRecord, readEndpoints } from './scan';

const MAX_U32 = 4294967295;
/** Longer than any IP packet, even an IPv6 jumbogram of BIG TCP; shorter than 3.x's underflows. */
const MAX_LEN = 0x7fffffff;
/** The longest run of flag letters tried: "SFRPWE" and a spare. */
const MAX_FLAGS = 8;

const W_TRUNCATED = ascii('[|tcp]');
const W_TRUNCATED_TCP = ascii('truncated-tcp ');
const W_CKSUM = ascii(', cksum ');
const W_SUM_OK = ascii(' [tcp sum ok]');
const W_BAD_SUM = ascii(' [bad tcp cksum ');
const W_BAD_HLEN = ascii(' [bad hdr length');
const W_ACK = ascii(' ack ');
const W_WIN = ascii(' win ');
const W_URG = ascii(' urg ');
const W_MSS = ascii('mss ');
const W_WSCALE = ascii('wscale ');
const W_SACK_OK = ascii('sackOK');
const W_TIMESTAMP = ascii('timestamp ');

/** The flag letters of the old format: S F R P U W E, and '.' for none of SYN FIN RST PSH. */
function flagBit(c: number): number {
  if (c === DOT) return 0;
  const f = FLAG_OF_LETTER[c];
  return f === 0 || f === Flag.AE ? -1 : f;
}

/**
 * Where the TCP fields start: the first ": " followed by flag letters and then a space and a
 * field (a number, "ack", "win", a checksum bracket) or the 3.9 ", cksum"; or by "[|tcp]".
 * Returns the offset of the colon, or -1. Each ": " costs at most a few bytes of look-ahead.
 */
function findFields(b: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end - 3; i++) {
    if (b[i] !== COLON || b[i + 1] !== SP) continue;
    let j = i + 2;
    if (b[j] === LBRACK && matches(b, j, end, W_TRUNCATED)) return i;
    const s = j;
    while (j < end && j - s < MAX_FLAGS && flagBit(b[j]) >= 0) j++;
    if (j === s || j + 1 >= end) continue;
    if (b[j] === COMMA) {
      if (matches(b, j, end, W_CKSUM)) return i;
      continue;
    }
    if (b[j] !== SP) continue;
    const c = b[j + 1];
    if (isDigit(c) || c === LBRACK || matches(b, j, end, W_ACK) || matches(b, j, end, W_WIN)) return i;
  }
  return -1;
}

/**
 * Reads b[body..end) as an old-format TCP line into r when it is one: r.kind becomes Packet,
 * or Problem when the line is TCP but cannot be read. Other lines leave r as it is. Only
 * called on lines without a 4.x marker (": Flags [", ": tcp N").
 */
export function readOldFormat(b: Uint8Array, body: number, end: number, r: LineRecord): void {
  // tcpdump 3.5 and 3.6 printed only this when the header was shorter than 20 bytes.
  if (matches(b, body, end, W_TRUNCATED_TCP) || (b[body] === 73 /* I */ && b[body + 1] === 80 /* P */ && matches(b, body + 3, end, W_TRUNCATED_TCP))) {
    problem(r, 'TCP header truncated (truncated-tcp)');
    return;
  }
  const m = findFields(b, body, end);
  if (m < 0) return;
  // The destination token ends at the colon; " > " and the source token come before it.
  let ds = m;
  while (ds > body && b[ds - 1] !== SP) ds--;
  if (ds - 3 < body || b[ds - 2] !== GT || b[ds - 3] !== SP) return; // not "a > b:": not a TCP line
  if (b[m + 2] === LBRACK) {
    problem(r, 'TCP header truncated ([|tcp])');
    return;
  }
  if (!readEndpoints(b, body, ds, m, r)) return;
  r.kind = LineKind.Packet;
  readFields(b, m + 2, end, r);
}

function problem(r: LineRecord, reason: string): void {
  r.kind = LineKind.Problem;
  r.reason = reason;
}

/** Reads "FP, cksum ... (correct), 1:10(9) ack 1 win 46 urg 1 <...>" at b[i]. */
function readFields(b: Uint8Array, i: number, end: number, r: LineRecord): void {
  let flags = 0;
  for (; i < end; i++) {
    const f = flagBit(b[i]);
    if (f < 0) break;
    flags |= f;
  }
  // The checksum, under -v.
  if (b[i] === COMMA) {
    // 3.9: ", cksum 0x1234 (correct)," or ", cksum 0x1234 (incorrect (-> 0x5678),"
    i += W_CKSUM.length;
    while (i < end && !(b[i] === RPAREN && b[i + 1] === COMMA)) i++;
    i += 2;
  } else if (matches(b, i, end, W_SUM_OK)) i += W_SUM_OK.length;
  else if (matches(b, i, end, W_BAD_SUM)) {
    while (i < end && b[i] !== RBRACK) i++;
    i++;
  }
  if (matches(b, i, end, W_BAD_HLEN)) return problem(r, 'bad TCP header length');
  // first:last(length)
  if (b[i] === SP && isDigit(b[i + 1])) {
    r.seq = readUint(b, i + 1, end);
    if (b[numEnd] !== COLON) return problem(r, "seq is not 'first:last(length)'");
    r.seqEnd = readUint(b, numEnd + 1, end);
    if (b[numEnd] !== LPAREN) return problem(r, "seq is not 'first:last(length)'");
    r.len = readUint(b, numEnd + 1, end);
    if (b[numEnd] !== RPAREN || r.len !== r.len || r.seqEnd !== r.seqEnd) return problem(r, "seq is not 'first:last(length)'");
    if (r.seq > MAX_U32 || r.seqEnd > MAX_U32) return problem(r, 'seq is out of range');
    // 3.x subtracted the header length from the IP length without a check: a TSO segment
    // (IP length 0) printed "1:4294967245(4294967244)".
    if (r.len > MAX_LEN) return problem(r, 'length is out of range (the IP length was too short for the headers)');
    i = numEnd + 1;
  } else r.len = 0;
  if (matches(b, i, end, W_ACK)) {
    r.ack = readUint(b, i + 5, end);
    if (r.ack !== r.ack) return problem(r, 'ack is not a number');
    if (r.ack > MAX_U32) return problem(r, 'ack is out of range');
    flags |= Flag.ACK;
    i = numEnd;
  }
  if (!matches(b, i, end, W_WIN)) return problem(r, "no 'win' after the TCP flags and numbers");
  r.win = readUint(b, i + 5, end);
  if (r.win !== r.win) return problem(r, 'win is not a number');
  if (r.win > 65535 || (numEnd < end && isDnsFlag(b[numEnd]))) {
    if (!splitWindow(b, i + 5, numEnd, r)) return problem(r, 'win is out of range');
  }
  i = numEnd;
  if (matches(b, i, end, W_URG)) {
    flags |= Flag.URG;
    readUint(b, i + 5, end);
    i = numEnd;
  }
  r.flags = flags;
  if ((flags & Flag.SYN) && b[i] === SP && b[i + 1] === LT) readOptions(b, i + 2, end, r);
}

/** What ns_print put right after a DNS id: + % (query), * - | $ (response). */
function isDnsFlag(c: number): boolean {
  return c === 43 || c === 37 || c === 42 || c === 45 || c === 124 || c === 36;
}

/**
 * tcpdump 3.x printed DNS over TCP right after the window, without a space, when the segment
 * had no options: "win 6424017177+ [1au] A? www.tcpdump.org. (56)" is window 64240 and query
 * 17177. Splits the digits b[s..e) into the longest window (at most 65535) that leaves a DNS
 * id (at most 65535, no leading zero). Returns false when no split fits.
 */
function splitWindow(b: Uint8Array, s: number, e: number, r: LineRecord): boolean {
  for (let k = Math.min(5, e - s - 1); k >= 1; k--) {
    if (k > 1 && b[s] === 48) continue;
    if (e - (s + k) > 5 || (e - (s + k) > 1 && b[s + k] === 48)) continue;
    const win = readUint(b, s, s + k);
    if (win > 65535 || readUint(b, s + k, e) > 65535) continue;
    r.win = win; // the second readUint left numEnd at e
    return true;
  }
  return false;
}

/**
 * Reads the SYN options "mss 1460,sackOK,timestamp 1 0,nop,wscale 7>" at b[i]. Without their
 * closing '>' the line is open: a wrap cut it, and the next line may hold the rest.
 */
function readOptions(b: Uint8Array, i: number, end: number, r: LineRecord): void {
  let s = i;
  for (; i < end; i++) {
    const c = b[i];
    if (c === COMMA || c === GT) {
      readOption(b, s, i, r);
      if (c === GT) return;
      s = i + 1;
    }
  }
  r.open = true;
}

function readOption(b: Uint8Array, s: number, e: number, r: LineRecord): void {
  if (matches(b, s, e, W_MSS)) r.mss = readUint(b, s + 4, e);
  else if (matches(b, s, e, W_WSCALE)) r.wscale = readUint(b, s + 7, e);
  else if (matches(b, s, e, W_SACK_OK)) r.sackOK = true;
  else if (matches(b, s, e, W_TIMESTAMP)) r.timestamps = true;
}
