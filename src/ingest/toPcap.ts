// tcpdump text back to a pcap: each TCP/IP header rebuilt from what the line carries
// (addresses, ports, flags, absolute seq/ack, window, urgent pointer, options, length; the IP
// header's tos, TTL, id and DF, or IPv6's class, flow label and hop limit, where -v printed
// them). The payload is zeros. Checksums are computed over those zeros, unless -v printed the
// TCP checksum, which is then written as printed. Pure: the caller writes the bytes.
//
// One module because a header is one record: its options, the seq tcpdump left out and its
// checksum depend on each other and on the relative numbering, written in one pass.

import { normalizeText, TraceBuilder, Flag, type TraceOptions } from '../trace';

/** What the text could not give back, by kind, and what was written. */
export interface RebuildReport {
  /** Packets written. */
  packets: number;
  /** TCP lines with a host or service name instead of a number: no header can be made. */
  names: number;
  /** tcpdump -q lines: no flags, numbers or window. */
  quiet: number;
  /** Lines that looked like TCP but could not be read (problem records). */
  unreadable: number;
  /** Packets whose seq or ack was printed relative to a base the text never showed. */
  relative: number;
  /** Packets with an option that could not be rebuilt (left out of the header). */
  options: number;
  /** Packets of which -v printed a TCP checksum, written as printed. */
  printedChecksums: number;
}

/** One sentence per kind of loss in `r`, in English or Chinese. */
export function rebuildLosses(r: RebuildReport, lang: 'en' | 'zh' = 'en'): string[] {
  const zh = lang === 'zh';
  const out: string[] = [];
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  if (r.names) out.push(zh ? `${r.names} 个数据包写的是主机名或服务名而不是数字，无法重建，已略过（请用 tcpdump -nn）` : `${n(r.names, 'packet', 'packets')} printed with host or service names, not numbers: left out (use tcpdump -nn)`);
  if (r.quiet) out.push(zh ? `${r.quiet} 个 tcpdump -q 数据包没有标志、序号和窗口，已略过` : `${n(r.quiet, 'tcpdump -q packet', 'tcpdump -q packets')} without flags, numbers or window: left out`);
  if (r.unreadable) out.push(zh ? `${r.unreadable} 行像 TCP 但无法读取，已略过` : `${n(r.unreadable, 'line', 'lines')} that look like TCP but could not be read: left out`);
  if (r.relative) out.push(zh ? `${r.relative} 个数据包的 seq/ack 相对于文本中从未出现的基数，按基数 0 写入（tcpdump 重读时会打印成不同的数字）` : `${n(r.relative, 'packet has', 'packets have')} seq or ack relative to a base the text never showed: written as if the base were 0 (tcpdump reading it back prints other numbers)`);
  if (r.options) out.push(zh ? `${r.options} 个数据包有无法重建的 TCP 选项，已从头部略去` : `${n(r.options, 'packet has', 'packets have')} a TCP option that could not be rebuilt: left out of the header`);
  return out;
}

const LINKTYPE_RAW = 101;
const LINKTYPE_ETHERNET = 1;
/**
 * Text without a date (time of day, -ttt, -ttttt, -t) is put on 2000-01-01 UTC: a time stamp of
 * 0 would read as "no packet yet" to tcpdump -ttttt, which measures from the first packet.
 */
const UNDATED_BASE = 946684800;
const CHUNK = 1 << 20;

/** Bytes appended big-endian into one buffer, handed on in chunks of about CHUNK bytes. */
class Sink {
  buf = new Uint8Array(CHUNK + 70000);
  pos = 0;
  constructor(private readonly emit: (chunk: Uint8Array) => void) {}
  u8(v: number): void {
    this.buf[this.pos++] = v & 255;
  }
  u16(v: number): void {
    this.u8(v >>> 8);
    this.u8(v);
  }
  u32(v: number): void {
    this.u16(v >>> 16);
    this.u16(v & 0xffff);
  }
  /** Little-endian, for the pcap file's own headers. */
  le32(v: number): void {
    this.u8(v);
    this.u8(v >>> 8);
    this.u8(v >>> 16);
    this.u8(v >>> 24);
  }
  zeros(n: number): void {
    // Written through in pieces: a payload may be larger than the buffer.
    while (n > 0) {
      const k = Math.min(n, this.buf.length - this.pos);
      this.buf.fill(0, this.pos, this.pos + k);
      this.pos += k;
      n -= k;
      if (this.pos === this.buf.length) this.flush();
    }
  }
  maybeFlush(): void {
    if (this.pos >= CHUNK) this.flush();
  }
  flush(): void {
    if (this.pos) this.emit(this.buf.slice(0, this.pos));
    this.pos = 0;
  }
}

/**
 * Writes a pcap (microsecond time stamps, LINKTYPE_RAW) of the TCP packets in `text`, in
 * chunks through `emit`. Text that went through other hands is read as the engine reads it.
 */
export function rebuildPcap(text: string, emit: (chunk: Uint8Array) => void, options?: TraceOptions): RebuildReport {
  // The normalised text has one packet (or -v pair) per line, so the engine's line numbers
  // point at the text each packet was read from.
  const clean = normalizeText(text, options).text;
  const lines = clean.split('\n');
  const builder = new TraceBuilder(options);
  builder.push(new TextEncoder().encode(clean));
  const trace = builder.finish();
  const absolute = builder.seqNumbering.absolute === true;
  const t = trace.columns;
  const n = trace.packetCount;
  const report: RebuildReport = { packets: 0, names: 0, quiet: 0, unreadable: trace.problems.length, relative: 0, options: 0, printedChecksums: 0 };

  const out = new Sink(emit);
  out.le32(0xa1b2c3d4);
  out.u8(2), out.u8(0), out.u8(4), out.u8(0); // version 2.4, little-endian
  out.le32(0);
  out.le32(0);
  out.le32(262144);
  // Ethernet where tcpdump -e printed the frame's addresses, else raw IP.
  const ethernet = n > 0 && (lines[t.line[0] - 1] ?? '').includes(', ethertype IPv');
  out.le32(ethernet ? LINKTYPE_ETHERNET : LINKTYPE_RAW);
  // Under two days: a time of day or a delta, not a date.
  const undated = n > 0 && !(firstTime(t.time, n) >= 172800);

  const bases = new Map<string, [number, number]>();
  /**
   * Per connection: each direction's next sequence number, then the number each direction's
   * peer last acknowledged; for segments printed without a seq.
   */
  const nextSeq = new Map<number, number[]>();
  const opts = new Uint8Array(64);
  let lastTime = 0;

  for (let p = 0; p < n; p++) {
    const f = t.flags[p];
    if (f & Flag.UNKNOWN) {
      report.quiet++;
      continue;
    }
    const conn = t.conn[p];
    const d = t.dir[p];
    const info = trace.packet(p);
    const src = address(info.src);
    const dst = address(info.dst);
    const sport = port(info.sport);
    const dport = port(info.dport);
    if (!src || !dst || src.length !== dst.length || sport < 0 || dport < 0) {
      report.names++;
      continue;
    }
    const v6 = src.length === 16;
    const line = lines[t.line[p] - 1] ?? '';
    const head = t.headLine[p] !== t.line[p] ? lines[t.headLine[p] - 1] ?? '' : '';
    const flagsAt = line.indexOf('Flags [');
    const tcpText = flagsAt >= 0 ? line.slice(flagsAt) : line;
    // The IP header's -v fields: on the line above (IPv4), or before the addresses (IPv6).
    const ipText = head || (flagsAt >= 0 ? line.slice(0, flagsAt) : '');
    // The engine reads a flow's first bare ACK, its seq not printed, as 0 relative to its
    // sender's base: that is no number the text showed, so it is found as any unprinted seq.
    let seq = t.seq[p];
    const seqPrinted = seq === seq && !(f & Flag.SEQ_RELATIVE && seq === 0 && !/\bseq \d/.test(tcpText));
    if (!seqPrinted) seq = NaN;
    if ((seqPrinted && f & Flag.SEQ_RELATIVE) || f & Flag.ACK_RELATIVE) report.relative++;

    const len = t.len[p];
    const ack = f & Flag.ACK ? t.ack[p] >>> 0 : 0;
    const next = nextSeq.get(conn) ?? [NaN, NaN, NaN, NaN];
    // tcpdump printed none: the sender's next number, or what its peer last acknowledged.
    if (seq !== seq) seq = next[d] === next[d] ? next[d] : next[2 + d] === next[2 + d] ? next[2 + d] : 0;
    if (f & Flag.ACK) next[3 - d] = ack;
    seq >>>= 0;
    next[d] = (seq + len + (f & Flag.SYN ? 1 : 0) + (f & Flag.FIN ? 1 : 0)) >>> 0;
    nextSeq.set(conn, next);

    // tcpdump's relative numbering, to put SACK blocks back (see SeqTable in src/pcap/seqtable.ts).
    let sackBase = 0;
    if (!absolute && f & Flag.ACK) {
      const rev = sport > dport || (sport === dport && greater(src, dst));
      const key = rev ? `${dport} ${dst} ${sport} ${src}` : `${sport} ${src} ${dport} ${dst}`;
      let b = bases.get(key);
      if (!b || f & Flag.SYN) {
        b = rev ? [(ack - 1) >>> 0, seq] : [seq, (ack - 1) >>> 0];
        bases.set(key, b);
      }
      sackBase = rev ? b[0] : b[1];
    }
    const optLen = tcpOptions(tcpText, opts, sackBase);
    if (optLen < 0) report.options++;
    const hlen = 20 + ((Math.abs(optLen) + 3) & ~3);

    let time = t.time[p];
    if (time !== time) time = lastTime;
    lastTime = time;
    if (undated) time += UNDATED_BASE;
    let sec = Math.floor(time);
    let usec = Math.round((time - sec) * 1e6);
    if (usec >= 1e6) (sec++, (usec -= 1e6));

    const ipLen = v6 ? 40 : 20;
    const total = ipLen + hlen + len;
    const frame = total + (ethernet ? 14 : 0);
    // The capture kept the headers, not the payload, where tcpdump marked the TCP part cut short
    // ("[|tcp]"), or where -v printed the IP header but no TCP checksum (it checks only whole segments).
    const verbose = ipText.includes('(tos 0x') || ipText.includes('hlim ');
    const payload = line.includes('[|tcp]') || (verbose && !tcpText.includes(', cksum 0x')) ? 0 : len;
    out.le32(sec >>> 0);
    out.le32(usec);
    out.le32(frame - len + payload);
    out.le32(frame);
    if (ethernet) {
      macs(line, out);
      out.u16(v6 ? 0x86dd : 0x0800);
    }

    const ip = out.pos;
    if (v6) {
      const cls = hexField(ipText, '(class 0x', 0);
      const flow = hexField(ipText, 'flowlabel 0x', 0);
      out.u32(((6 << 28) | ((cls & 255) << 20) | (flow & 0xfffff)) >>> 0);
      out.u16(hlen + len);
      out.u8(6);
      out.u8(decField(ipText, 'hlim ', 64));
      for (const x of src) out.u8(x);
      for (const x of dst) out.u8(x);
    } else {
      out.u8(0x45);
      out.u8(hexField(ipText, '(tos 0x', 0));
      out.u16(total);
      out.u16(decField(ipText, ', id ', 0));
      // DF where -v printed it, or where nothing was printed (as most stacks send).
      const df = ipText.includes('flags [') ? ipText.includes('flags [DF') : true;
      out.u16(df ? 0x4000 : 0);
      out.u8(decField(ipText, ', ttl ', 64));
      out.u8(6);
      out.u16(0);
      for (const x of src) out.u8(x);
      for (const x of dst) out.u8(x);
      const sum = fold(sum16(out.buf, ip, ip + 20));
      out.buf[ip + 10] = ~sum >>> 8;
      out.buf[ip + 11] = ~sum & 255;
    }

    const tcp = out.pos;
    out.u16(sport);
    out.u16(dport);
    out.u32(seq);
    out.u32(ack);
    out.u8(((hlen / 4) << 4) | (f & Flag.AE ? 1 : 0));
    out.u8(f & 255);
    out.u16(t.win[p] === t.win[p] ? t.win[p] : 0);
    out.u16(0);
    out.u16(f & Flag.URG ? decField(tcpText, ', urg ', 0) : 0);
    const optBytes = Math.abs(optLen);
    out.buf.set(opts.subarray(0, optBytes), out.pos);
    out.pos += optBytes;
    while (out.pos < tcp + hlen) out.u8(0);

    // Pseudo-header and header; the zero payload adds nothing but its length.
    const computed = () => ~fold(sum16(out.buf, tcp, tcp + hlen) + sum16(src, 0, src.length) + sum16(dst, 0, dst.length) + 6 + hlen + len) & 0xffff;
    let sum = computed();
    const printed = hexField(tcpText, ', cksum 0x', -1);
    if (printed >= 0) {
      // -v printed the checksum, and whether it was right: "(correct)" or "(incorrect -> 0xNNNN)".
      // A segment without payload whose seq tcpdump did not print (a bare ACK, a keep-alive, a
      // probe) gets the seq that makes the right checksum come out: a 32-bit number is the sum
      // of its 16-bit halves modulo 0xffff, so the seq moves by the difference of the sums.
      // That is the seq the sender used, within 32767 of the one guessed.
      const right = tcpText.includes(`0x${hex4(printed)} (correct)`) ? printed : hexField(tcpText, '(incorrect -> 0x', -1);
      // When the seq was printed but the segment has no ACK, its ack field (unknown) moves instead.
      const field = !seqPrinted ? 4 : f & Flag.ACK ? -1 : 8;
      if (right >= 0 && len === 0 && field > 0) {
        // Twice at most: a move that wraps past 2^32 is one short (2^32 is 1 modulo 0xffff).
        for (let k = 0; k < 3 && sum !== right; k++) {
          const diff = ((~right & 0xffff) - (~sum & 0xffff) + 0xffff) % 0xffff;
          const b = out.buf;
          const at = tcp + field;
          const v = (((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) + (diff > 0x7fff ? diff - 0xffff : diff)) >>> 0;
          b[at] = v >>> 24;
          b[at + 1] = (v >>> 16) & 255;
          b[at + 2] = (v >>> 8) & 255;
          b[at + 3] = v & 255;
          sum = computed();
        }
      }
      sum = printed;
      report.printedChecksums++;
    }
    out.buf[tcp + 16] = sum >>> 8;
    out.buf[tcp + 17] = sum & 255;
    out.zeros(payload);
    out.maybeFlush();
    report.packets++;
  }
  out.flush();
  return report;
}

/** Bytes from an even number of hex digits, or null. */
function hexBytes(s: string): number[] | null {
  if (!s || s.length % 2 || readHex(s, 0).end !== s.length) return null;
  const r: number[] = [];
  for (let i = 0; i < s.length; i += 2) r.push(readHex(s.slice(i, i + 2), 0).value);
  return r;
}

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}

function firstTime(time: Float64Array, n: number): number {
  for (let i = 0; i < n; i++) if (time[i] === time[i]) return time[i];
  return NaN;
}

/** The destination and source MAC addresses tcpdump -e printed ("src > dst, ethertype"), or zeros. */
function macs(line: string, out: Sink): void {
  const at = line.indexOf(', ethertype ');
  const gt = at >= 0 ? line.lastIndexOf(' > ', at) : -1;
  const dst = gt >= 0 ? mac(line.slice(gt + 3, at)) : null;
  const src = gt >= 17 ? mac(line.slice(gt - 17, gt)) : null;
  for (let i = 0; i < 6; i++) out.u8(dst ? dst[i] : 0);
  for (let i = 0; i < 6; i++) out.u8(src ? src[i] : 0);
}

function mac(s: string): number[] | null {
  const parts = s.split(':');
  if (parts.length !== 6) return null;
  const r: number[] = [];
  for (const x of parts) {
    const m = readHex(x, 0);
    if (x.length !== 2 || m.end !== 2) return null;
    r.push(m.value);
  }
  return r;
}

/** The one's-complement sum of 16-bit words in b[from..to), not yet folded. */
function sum16(b: ArrayLike<number>, from: number, to: number): number {
  let s = 0;
  let i = from;
  for (; i + 1 < to; i += 2) s += (b[i] << 8) | b[i + 1];
  if (i < to) s += b[i] << 8;
  return s;
}

function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return s;
}

function greater(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] > b[i];
  return false;
}

/** The decimal number after `key` in `s`, or `dflt`. */
function decField(s: string, key: string, dflt: number): number {
  const at = s.indexOf(key);
  if (at < 0) return dflt;
  let i = at + key.length;
  let v = 0;
  const start = i;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    v = v * 10 + c;
  }
  return i > start ? v : dflt;
}

/** The hex number after `key` in `s`, or `dflt`. */
function hexField(s: string, key: string, dflt: number): number {
  const at = s.indexOf(key);
  if (at < 0) return dflt;
  const m = readHex(s, at + key.length);
  return m.end > at + key.length ? m.value : dflt;
}

function readHex(s: string, i: number): { value: number; end: number } {
  let v = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const x = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
    if (x < 0) break;
    v = v * 16 + x;
  }
  return { value: v, end: i };
}

/** A whole decimal number (up to 2^32 - 1), or NaN. */
function decimal(s: string): number {
  if (!s || s.length > 10) return NaN;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v <= 0xffffffff ? v : NaN;
}

/** A port printed as a number, or -1 (a service name). */
function port(s: string): number {
  if (!s || s.length > 5) return -1;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v <= 65535 ? v : -1;
}

/** An IPv4 or IPv6 address as bytes, or null (a host name). */
export function address(s: string): Uint8Array | null {
  return s.includes(':') ? ipv6(s) : ipv4(s, new Uint8Array(4), 0);
}

function ipv4(s: string, out: Uint8Array, at: number): Uint8Array | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  for (let i = 0; i < 4; i++) {
    const v = port(parts[i]);
    if (v < 0 || v > 255 || parts[i].length > 3) return null;
    out[at + i] = v;
  }
  return out;
}

function ipv6(s: string): Uint8Array | null {
  const out = new Uint8Array(16);
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct); // a zone id is not in the header
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const words = (h: string): number[] | null => {
    if (h === '') return [];
    const r: number[] = [];
    const groups = h.split(':');
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i];
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = ipv4(g, new Uint8Array(4), 0);
        if (!v4) return null;
        r.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
        continue;
      }
      const m = readHex(g, 0);
      if (g.length === 0 || g.length > 4 || m.end !== g.length) return null;
      r.push(m.value);
    }
    return r;
  };
  const head = words(halves[0]);
  const tail = halves.length === 2 ? words(halves[1]) : [];
  if (!head || !tail) return null;
  if (halves.length === 1 ? head.length !== 8 : head.length + tail.length > 7) return null;
  head.forEach((w, i) => ((out[i * 2] = w >> 8), (out[i * 2 + 1] = w & 255)));
  tail.forEach((w, i) => {
    const k = 8 - tail.length + i;
    out[k * 2] = w >> 8;
    out[k * 2 + 1] = w & 255;
  });
  return out;
}

const FOUR_BYTE: Record<string, number> = { echo: 6, echoreply: 7, cc: 11, ccnew: 12 };

/**
 * The options printed in `options [...]` as header bytes in `out`: their length, or minus
 * their length when one could not be rebuilt (it is left out). SACK blocks were printed
 * relative to `sackBase`.
 */
function tcpOptions(tcpText: string, out: Uint8Array, sackBase: number): number {
  const at = tcpText.indexOf(', options [');
  if (at < 0) return 0;
  // The list ends at the bracket that closes it ("[len N]" and "[bad opt]" nest inside).
  let depth = 1;
  let end = at + 11;
  for (; end < tcpText.length && depth > 0; end++) {
    const c = tcpText.charCodeAt(end);
    if (c === 91) depth++;
    else if (c === 93) depth--;
  }
  const items = tcpText.slice(at + 11, end - 1).replace(", can't check", " can't check").split(',');
  let n = 0;
  let lost = false;
  const put = (...bytes: number[]) => {
    if (n + bytes.length > 40) {
      lost = true;
      return;
    }
    for (const b of bytes) out[n++] = b & 255;
  };
  const u32 = (v: number) => [v >>> 24, v >>> 16, v >>> 8, v];
  for (const item of items) {
    const w = item.split(' ');
    const num = (i: number) => decimal(w[i] ?? '');
    switch (w[0]) {
      case 'nop':
        put(1);
        break;
      case 'eol':
        put(0);
        break;
      case 'sackOK':
        put(4, 2);
        break;
      case 'mss':
        if (num(1) === num(1)) put(2, 4, num(1) >>> 8, num(1));
        else lost = true;
        break;
      case 'wscale':
        if (num(1) === num(1)) put(3, 3, num(1));
        else lost = true;
        break;
      case 'TS':
        if (w[1] === 'val' && w[3] === 'ecr' && num(2) === num(2) && num(4) === num(4)) put(8, 10, ...u32(num(2)), ...u32(num(4)));
        else lost = true;
        break;
      case 'sack': {
        // "sack 2 {a:b}{c:d}"
        const blocks = (w[2] ?? '').match(/\{\d+:\d+\}/g) ?? [];
        if (num(1) !== blocks.length || !blocks.length) {
          lost = true;
          break;
        }
        const bytes = [5, 2 + 8 * blocks.length];
        for (const b of blocks) {
          const [s, e] = b.slice(1, -1).split(':').map(Number);
          bytes.push(...u32((s + sackBase) >>> 0), ...u32((e + sackBase) >>> 0));
        }
        put(...bytes);
        break;
      }
      case 'tfo':
      case 'exp-tfo': {
        // "tfo cookiereq", "tfo cookie HEX"; the experimental form carries magic 0xf989 first.
        const cookie = w[1] === 'cookie' && w[2] ? hexBytes(w[2]) : w[1] === 'cookiereq' ? [] : null;
        if (!cookie) lost = true;
        else if (w[0] === 'tfo') put(34, 2 + cookie.length, ...cookie);
        else put(254, 4 + cookie.length, 0xf9, 0x89, ...cookie);
        break;
      }
      case 'md5': {
        // "md5 shared secret not supplied with -M, can't check - HEX" (the comma split it)
        const digest = hexBytes(w[w.length - 1]);
        if (digest && digest.length === 16) put(19, 18, ...digest);
        else lost = true;
        break;
      }
      case 'uto': {
        const m = w[1]?.startsWith('0x') ? readHex(w[1], 2) : null;
        if (m && m.end === w[1].length) put(28, 4, m.value >>> 8, m.value);
        else lost = true;
        break;
      }
      default: {
        if (w[0] in FOUR_BYTE && num(1) === num(1)) put(FOUR_BYTE[w[0]], 6, ...u32(num(1)));
        else if (w[0].startsWith('exp-') && w.length === 1 && hexBytes(w[0].slice(4))?.length === 2) put(254, 4, ...hexBytes(w[0].slice(4))!);
        else if (w[0].startsWith('unknown-') && (w.length === 1 || (w.length === 2 && w[1].startsWith('0x') && w[1].length % 2 === 0))) {
          // "unknown-N 0xHEX": the kind and its data as printed.
          const kind = port(w[0].slice(8));
          const hex = w[1] ? w[1].slice(2) : '';
          if (kind < 0 || kind > 255 || readHex(hex, 0).end !== hex.length) lost = true;
          else {
            const bytes = [kind, 2 + hex.length / 2];
            for (let i = 0; i < hex.length; i += 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
            put(...bytes);
          }
        } else lost = true;
      }
    }
    if (lost) break;
  }
  return lost ? -n : n;
}
