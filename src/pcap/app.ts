// What tcpdump prints after ", length N" for the text protocols it recognises by port: the
// protocol's name and the first line of a request or response (HTTP, RTSP, FTP, SMTP, WHOIS),
// or an SSH version banner. Ports that tcpdump decodes in ways not reproduced here (BGP, SMB,
// DNS over TCP, ...) set `appOmitted`, so a caller knows the line stops early.

import type { Packet } from './packet';
import type { TcpPrinterState } from './tcp';

const HTTP_METHODS = new Set([
  'GET', 'PUT', 'COPY', 'HEAD', 'LOCK', 'MOVE', 'POLL', 'POST', 'BCOPY', 'BMOVE', 'MKCOL', 'TRACE', 'LABEL', 'MERGE', 'DELETE',
  'SEARCH', 'UNLOCK', 'REPORT', 'UPDATE', 'NOTIFY', 'BDELETE', 'CONNECT', 'OPTIONS', 'CHECKIN', 'PROPFIND', 'CHECKOUT',
  'CCM_POST', 'SUBSCRIBE', 'PROPPATCH', 'BPROPFIND', 'BPROPPATCH', 'UNCHECKOUT', 'MKACTIVITY', 'MKWORKSPACE', 'UNSUBSCRIBE',
  'RPC_CONNECT', 'VERSION-CONTROL', 'BASELINE-CONTROL',
]);

const RTSP_METHODS = new Set(['DESCRIBE', 'ANNOUNCE', 'GET_PARAMETER', 'OPTIONS', 'PAUSE', 'PLAY', 'RECORD', 'REDIRECT', 'SETUP', 'SET_PARAMETER', 'TEARDOWN']);

/** The payload of `length` bytes at p, between the given ports. */
export function printAppLayer(pk: Packet, p: number, length: number, sport: number, dport: number, st: TcpPrinterState): void {
  // tcpdump tries the protocols in a fixed order and takes the first whose port matches.
  const is = (port: number) => sport === port || dport === port;
  if (is(23)) st.appOmitted = true;
  else if (is(25)) txtproto(pk, p, length, 'smtp', null);
  else if (is(43)) txtproto(pk, p, length, 'whois', null);
  else if (is(179) || is(1723) || is(6379)) st.appOmitted = true;
  else if (is(22)) ssh(pk, p, length);
  else if (is(139) || is(445) || is(10288) || is(6633) || is(6653)) st.appOmitted = true;
  else if (is(21)) txtproto(pk, p, length, 'ftp', null);
  else if (is(80) || is(8080)) txtproto(pk, p, length, 'http', HTTP_METHODS);
  else if (is(554) || is(8554)) txtproto(pk, p, length, 'rtsp', RTSP_METHODS);
  else if (is(53) || is(639) || is(323) || is(646)) st.appOmitted = true;
  else if (is(2049) && length >= 4 && pk.has(p, 4)) st.appOmitted = true;
}

const isPrint = (c: number) => c >= 0x20 && c <= 0x7e;
const isSpace = (c: number) => c === 32 || c === 9 || c === 13 || c === 10;
const isDigit = (c: number) => c >= 48 && c <= 57;

/**
 * A text protocol: ": PROTO" and, when the payload starts like a request (a known method) or
 * a response (a three-digit status as the second token), ": " and its first line.
 */
function txtproto(pk: Packet, p: number, len: number, name: string, methods: Set<string> | null): void {
  const o = pk.out;
  pk.proto = name;
  o.str(': ');
  let printThis = methods === null;
  if (methods) {
    const first = fetchToken(pk, p, 0, len);
    if (first) {
      if (methods.has(tokenText(pk, p, 0).toUpperCase())) printThis = true;
      const second = fetchToken(pk, p, first, len);
      if (second) {
        const b = pk.b;
        const s = p + first;
        if (isDigit(b[s]) && isDigit(b[s + 1]) && isDigit(b[s + 2]) && tokenText(pk, p, first).length === 3) printThis = true;
      }
    }
  }
  o.str(name.toUpperCase());
  if (printThis) printTextLine(pk, p, len);
}

/**
 * tcpdump's fetch_token: a token of printable ASCII up to white space, then the white space up
 * to the next token or line end. Returns the index after that, or 0 when there is no token
 * (not ASCII, not captured, or 128 characters or longer).
 */
function fetchToken(pk: Packet, p: number, idx: number, len: number): number {
  let toklen = 0;
  for (; idx < len; idx++) {
    if (!pk.has(p + idx, 1)) return 0;
    const c = pk.b[p + idx];
    if (c & 0x80) return 0;
    if (isSpace(c)) break;
    if (!isPrint(c)) return 0;
    if (toklen + 2 > 129) return 0;
    toklen++;
  }
  if (toklen === 0) return 0;
  for (; idx < len; idx++) {
    if (!pk.has(p + idx, 1)) break;
    const c = pk.b[p + idx];
    if (c === 13 || c === 10) break;
    if (!isPrint(c)) break;
    if (c !== 32 && c !== 9) break;
  }
  return idx;
}

/** The token that fetchToken accepted at p + start. */
function tokenText(pk: Packet, p: number, start: number): string {
  let s = '';
  for (let i = p + start; i < pk.end && !isSpace(pk.b[i]); i++) s += String.fromCharCode(pk.b[i]);
  return s;
}

/**
 * Where the first line of the bytes from `p + from` ends (at its LF or CRLF), `len` if it does
 * not end within them, or -1 if it holds a bare CR or a byte that is not printable (a tab is
 * allowed when `tab`).
 */
function lineEnd(pk: Packet, p: number, from: number, len: number, tab: boolean): number {
  for (let idx = from; idx < len; idx++) {
    const c = pk.u8(p + idx);
    if (c === 10) return idx;
    if (c === 13) return idx + 1 < len && pk.u8(p + idx + 1) === 10 ? idx : -1;
    if (!isPrint(c) && !(tab && c === 9)) return -1;
  }
  return len;
}

/**
 * tcpdump's print_txt_line with the ": " prefix: the first line without its line end, nothing
 * when it holds binary data, and the line with a truncation marker when it has no end.
 */
function printTextLine(pk: Packet, p: number, len: number): void {
  const o = pk.out;
  const idx = lineEnd(pk, p, 0, len, true);
  if (idx < 0) return;
  o.str(': ');
  o.bytes(pk.b, p, p + idx);
  if (idx >= len) {
    o.str(' [|');
    o.str(pk.proto);
    o.ch(93);
  }
}

/** An SSH version banner: ": SSH: SSH-2.0-..." when the whole first line was captured. */
function ssh(pk: Packet, p: number, len: number): void {
  pk.proto = 'ssh';
  if (pk.u8(p) !== 83 || pk.u8(p + 1) !== 83 || pk.u8(p + 2) !== 72 || pk.u8(p + 3) !== 45) return;
  const idx = lineEnd(pk, p, 4, len, false);
  if (idx < 0 || idx >= len) return;
  const o = pk.out;
  o.str(': SSH: ');
  o.bytes(pk.b, p, p + idx);
}
