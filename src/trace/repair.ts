// Repairs for tcpdump text that went through other hands: a web page, a mail client, a chat,
// a book or a terminal's scrollback. Only lines the scanner could not read as they are come
// here (see TraceBuilder), so clean text never pays for this. Each repair is counted, by kind,
// so that the views can say what was changed: nothing is repaired silently.

import { isDigit } from './bytes';
import type { Lang } from './explain';
import { REPAIR_KINDS, type Repair, type RepairKind } from './model';

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Each kind of repair's wording, from its count (n) and the lines it took. */
export const REPAIR_TEXT: Record<RepairKind, Record<Lang, (n: number, lines: number) => string>> = {
  split: {
    en: (n, lines) => `${plural(n, 'packet', 'packets')} split from ${plural(lines, 'glued line', 'glued lines')}`,
    zh: (n, lines) => `从 ${lines} 行粘连文本中拆出 ${n} 个包`,
  },
  wrap: { en: (n) => `${plural(n, 'wrapped packet', 'wrapped packets')} rejoined`, zh: (n) => `重新拼接了 ${n} 个被折行的包` },
  banner: {
    en: (n) => `${plural(n, "line of tcpdump's banner, statistics or a shell prompt", "lines of tcpdump's banner, statistics or a shell prompt")} ignored`,
    zh: (n) => `忽略了 ${n} 行 tcpdump 提示信息、统计或 shell 提示符`,
  },
  prefix: {
    en: (n) => `prompt, quoting, line numbers or log prefixes removed before ${plural(n, 'packet', 'packets')}`,
    zh: (n) => `去掉了 ${n} 个包前面的提示符、引用符、行号或日志前缀`,
  },
  characters: {
    en: (n) => `HTML entities or tags, full-width punctuation, odd spaces, redactions or deleted addresses, or a lost '>' or ']' tidied on ${plural(n, 'line', 'lines')}`,
    zh: (n) => `${n} 行中的 HTML 实体或标签、全角标点、特殊空格、脱敏占位符或被删去的地址、丢失的 '>' 或 ']' 已整理`,
  },
  annotation: { en: (n) => `notes after ${plural(n, 'packet', 'packets')} ignored`, zh: (n) => `忽略了 ${n} 个包后面的注释` },
  elision: { en: (n) => `${plural(n, 'elision mark', 'elision marks')} (..., [snip]) ignored`, zh: (n) => `忽略了 ${n} 处省略标记（...、[snip]）` },
  relative: {
    en: (n) =>
      `${plural(n, 'flow starts', 'flows start')} mid-connection with numbers too small for an initial sequence number: read as relative to a base the text never showed, so absolute seq/ack are unknown there`,
    zh: (n) => `${n} 条流从连接中途开始，序号小得不像初始序号：按相对于未打印基准的相对值读取，绝对 seq/ack 未知`,
  },
  duplicate: {
    en: (n) => `${plural(n, 'packet', 'packets')} captured twice (on two interfaces, or In and Out): the copies are not counted again`,
    zh: (n) => `${n} 个包被抓到两次（两个接口，或 In 和 Out）：副本不重复计算`,
  },
  pasted: {
    en: (n) => `${plural(n, 'line', 'lines')} pasted twice (the same packet line again, right after it): not counted again`,
    zh: (n) => `${n} 行被重复粘贴（紧接着又出现同一个包的行）：不重复计算`,
  },
  clock: {
    en: () =>
      'times read as since the first packet (-ttttt): they never go back, so they may also be -ttt (since the previous packet), which nothing in the text rules out; if they are, durations and RTTs are wrong',
    zh: () => '时间按"自第一个包起"（-ttttt）读取：这些时间从不回退，也可能是 -ttt（自上一个包起），文本中无法区分；若是 -ttt，时长和 RTT 会有误',
  },
};

/**
 * Repairs that rewrite a packet's text. Lines read as they stand (TraceBuilder.pushScanned)
 * miss only these: noise lines (banner, elision) are counted there too, and the rest read
 * numbers and times.
 */
export const TEXT_REPAIRS: readonly RepairKind[] = ['split', 'wrap', 'prefix', 'characters', 'annotation'];

/** Lines kept per kind. */
const MAX_LINES = 20;

/** The one-sentence description of a repair. */
export function repairText(r: Repair, lang: Lang = 'en'): string {
  return REPAIR_TEXT[r.kind][lang](r.count, new Set(r.lines).size);
}

/** Counts repairs as the builder makes them. */
export class Repairs {
  private readonly byKind = new Map<RepairKind, Repair>();

  add(kind: RepairKind, line: number, n = 1): void {
    let r = this.byKind.get(kind);
    if (!r) this.byKind.set(kind, (r = { kind, count: 0, lines: [] }));
    r.count += n;
    if (r.lines.length < MAX_LINES && r.lines[r.lines.length - 1] !== line) r.lines.push(line);
  }

  /** True once a repair of one of `kinds` was made. */
  has(kinds: readonly RepairKind[]): boolean {
    for (const k of kinds) if (this.byKind.has(k)) return true;
    return false;
  }

  /** Takes back one repair of `kind` counted at `line`: a later packet showed it was not one. */
  remove(kind: RepairKind, line: number): void {
    const r = this.byKind.get(kind);
    if (!r) return;
    r.count--;
    const at = r.lines.indexOf(line);
    if (at >= 0) r.lines.splice(at, 1);
    if (r.count <= 0) this.byKind.delete(kind);
  }

  /** The repairs made so far, in REPAIR_TEXT's order. */
  list(): Repair[] {
    const out: Repair[] = [];
    for (const k of REPAIR_KINDS) {
      const r = this.byKind.get(k);
      if (r) out.push({ kind: r.kind, count: r.count, lines: r.lines.slice() });
    }
    return out;
  }
}

// --- Characters --------------------------------------------------------------------------

const ENTITIES: Record<string, string> = { gt: '>', lt: '<', amp: '&', nbsp: ' ', quot: '"', apos: "'", '#39': "'", '#62': '>', '#60': '<', '#160': ' ' };

/**
 * The line with HTML entities decoded, full-width ASCII (from CJK input methods) made ASCII,
 * odd spaces made plain and zero-width characters removed. The same string when none occur.
 */
export function plainCharacters(s: string): string {
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 126 || c === 38 /* & */) {
      ascii = false;
      break;
    }
  }
  if (ascii) return s;
  let out = s.replace(/&(gt|lt|amp|nbsp|quot|apos|#\d+);/g, (m, name: string) => ENTITIES[name] ?? (name[0] === '#' ? String.fromCharCode(Number(name.slice(1))) : m));
  // A second pass for text escaped twice (&amp;gt;).
  if (out.includes('&')) out = out.replace(/&(gt|lt|nbsp);/g, (_m, name: string) => ENTITIES[name]);
  let r = '';
  for (let i = 0; i < out.length; i++) {
    const c = out.charCodeAt(i);
    if (c >= 0xff01 && c <= 0xff5e) r += String.fromCharCode(c - 0xfee0); // full-width ASCII
    else if (c === 0x3000 || c === 0xa0 || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f) r += ' ';
    else if (c === 0x200b || c === 0x200c || c === 0x200d || c === 0x2060 || c === 0xfeff) continue;
    else if (c === 0x3002) r += '.'; // ideographic full stop
    else if (c === 0x3001) r += ','; // ideographic comma
    else if (c === 0x2192) r += '>'; // an arrow typed for '>'
    else r += out[i];
  }
  return r;
}

/** What stands for an endpoint the writer deleted from a packet line. */
const DELETED = '<deleted>.<deleted>';

const HTML_TAG = /<\/?(?:span|div|pre|code|p|br|b|i|u|s|strong|em|a|font|td|tr|th|table|tbody|li|ul|ol|h[1-6]|tt|small|cite|img|sup|sub|mark|kbd|samp|blockquote|var)\b[^<>]*>/gi;

/**
 * The line with what a web page or an editor did to it undone: HTML tags dropped, runs of three
 * or more spaces inside it made one (its indentation kept, and the two spaces of -# and -i any),
 * " ," made ",", a redaction with spaces in it ("<Load Balancer IP>.443") made one token, and a
 * lost " > " between "IP a.1" and "b.2:" put back. The same string when none of these occur.
 */
export function tidy(s: string): string {
  let out = s;
  if (out.includes('<')) {
    out = out.replace(HTML_TAG, '');
    out = out.replace(/<([^<>]*\s[^<>]*)>(?=\.\w)/g, (_m, inner: string) => `<${inner.trim().replace(/\s+/g, '_')}>`);
    // A redaction with no port after it ("IP <ip> > a.80:") stands for the whole endpoint.
    out = out.replace(/(?<=IP6? |> )(<[^<>\s]+>)(?= > |: )/g, '$1.<port>');
  }
  if (out.includes('Flags [')) {
    // "Flags [., ack 18": the bracket lost (OCR); tcpdump prints none of these without it.
    out = out.replace(/(Flags \[[SFRPUEWA.]{1,8}), /g, '$1], ');
    // An address the writer deleted: "a.80 > Flags [", "length 40) > a.80: Flags [". Every
    // deletion stands for one endpoint, as every other redaction does.
    out = out.replace(/(\S\.\w+) > Flags \[/, `$1 > ${DELETED}: Flags [`).replace(/(length \d+\)) > (\S+\.\w+: Flags \[)/, `$1 ${DELETED} > $2`);
  }
  const lead = /^\s*/.exec(out)![0].length;
  out = out.slice(0, lead) + out.slice(lead).replace(/ {3,}/g, ' ').replace(/ ,/g, ',');
  if (!out.includes(' > ')) out = out.replace(/\b(IP6? \S+\.\w+) (\S+\.\w+:) /, '$1 > $2 ');
  return out;
}

// --- Where packets start -----------------------------------------------------------------

/**
 * A timestamp as tcpdump prints it at the start of a packet: -tttt's date and clock, the default
 * clock, or -tt's epoch seconds, with at least six decimals (a log's own "19:41:57" has none),
 * after the start, a space or anything not a digit, colon or dot (and the clock of a -tttt
 * stamp is not one on its own). Glued to the digits of the length before it ("length 019:26:
 * 21.336832", a lost space) it has the two-digit hour tcpdump always prints, so it splits one way.
 */
const STAMP = /(?:(?:^|(?<=[^\d:.]))(?<!\d{4}-\d\d-\d\d )(?:\d{4}-\d\d-\d\d \d\d?:\d\d:\d\d\.\d{6,9}|\d\d?:\d\d:\d\d\.\d{6,9}|\d{9,10}\.\d{6,9})|(?<=length \d{1,10})\d\d:\d\d:\d\d\.\d{6,9})(?= )/g;
/** -t output: "IP " or "IP6 " begins each packet. */
const IP_WORD = /(?:^|(?<=[\s>$#:,.)]))IP6? (?=\S+ > )/g;

/**
 * The offsets in `s` where packets begin: each timestamp followed, before the next one, by
 * "a > b:" (stamped). Without timestamps, each "IP a > b". Empty when none.
 */
export function packetStarts(s: string): { starts: number[]; stamped: boolean } {
  const starts = starts0(s, STAMP);
  if (starts.length) return { starts, stamped: true };
  return { starts: starts0(s, IP_WORD), stamped: false };
}

/**
 * How many packets glued on a line begin with no time tcpdump prints (text cut or mangled
 * on its way to a page: "length 0 07.695692 IP a > b: …"): "IP a > b" after a packet's
 * "length N" with no start of its own (`starts`, from packetStarts) in between.
 */
export function unreadPackets(s: string, starts: number[]): number {
  let n = 0;
  for (const m of s.matchAll(IP_WORD)) {
    let from = 0;
    for (const st of starts) if (st <= m.index) from = st;
    if (/\blength \d+/.test(s.slice(from, m.index))) n++;
  }
  return n;
}

/**
 * The columns [start, end) of each packet in one line of the document as it stands (a line
 * holding several packets, glued): for hovers, the cursor and reveal. Empty for one packet.
 */
export function pieceRanges(line: string): Array<[number, number]> {
  const { starts } = packetStarts(line);
  if (starts.length < 2) return [];
  return starts.map((s, i) => {
    let e = i + 1 < starts.length ? starts[i + 1] : line.length;
    while (e > s && line.charCodeAt(e - 1) === 32) e--;
    return [s, e];
  });
}

function starts0(s: string, re: RegExp): number[] {
  const at: number[] = [];
  re.lastIndex = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) at.push(m.index);
  // Keep those whose text up to the next start holds a packet's "x > y".
  const out: number[] = [];
  for (let i = 0; i < at.length; i++) {
    const piece = s.slice(at[i], i + 1 < at.length ? at[i + 1] : s.length);
    if (piece.includes(' > ') || /\bIP6? \(/.test(piece)) out.push(at[i]);
  }
  return out;
}

// --- Noise -------------------------------------------------------------------------------

/** Lines that are tcpdump's own messages, a shell's, or a writer's: not packets, not data. */
const NOISE_LINE = [
  /^tcpdump: (verbose output suppressed|listening on|data link type)/,
  /^(listening|reading from file|reading from) .*(link-type|capture size|snapshot length)/,
  /^\d+ packets? (captured|received by filter|dropped by (kernel|interface))/,
  /^\^C/,
  /^```|^~~~/,
  /^(\[[^\]]*\][#$]|[\w.-]+@[\w.-]+[:~][^ ]*[#$%]|PS [A-Z]:\\[^>]*>|[$#%>]) *(sudo +)?(tcpdump|windump|tshark)\b/i,
  /^(sudo +)?tcpdump( |$)/,
  /^(Capturing on|WinDump\.exe|windump: )/i,
];

/** An elision a writer put between packets ("...", "[snip]"); -A's runs of dots are longer. */
const ELISION = /^\s*(\.{3}|…+|\[(snip|\.\.\.|…|omitted|truncated)[^\]]*\]|<snip>|--+ ?snip ?--+|\(\.\.\.\))\s*$/i;

/**
 * What a line holding no packet is, when it is noise: tcpdump's banner or statistics, a shell
 * prompt running tcpdump, a fence ('banner'), or a writer's elision ('elision'). Else null.
 */
export function noiseKind(s: string): 'banner' | 'elision' | null {
  const t = s.trim();
  for (const re of NOISE_LINE) if (re.test(t)) return 'banner';
  return ELISION.test(s) ? 'elision' : null;
}

/**
 * Marks that begin a note a writer put after a packet: "<-- the RST", "# here", "// SYN".
 * tcpdump itself prints none of them after a space (its 3.x options start "<m", "<n", "<s").
 */
const NOTE_MARKS = [' <-', ' <=', ' \u2190', ' #', ' //', ' --'];

/** The packet text without a trailing note, or the same string. */
export function withoutAnnotation(s: string): string {
  let cut = -1;
  for (const m of NOTE_MARKS) {
    const i = s.indexOf(m);
    if (i >= 0 && (cut < 0 || i < cut)) cut = i;
  }
  // A note follows a packet: with nothing before the mark, the line is not one.
  return cut < 0 || !s.slice(0, cut).trim() ? s : s.slice(0, cut).trimEnd();
}

/**
 * Quoting a mail client or a chat put before every line ("> ", ">> ", "| "), or a code
 * widget's line number ("12 ", "12: ", "12| "). Returns how many characters to drop.
 */
export function quotePrefix(s: string): number {
  const m = /^\s*(?:(?:>|\|)\s?)+|^\s*\d{1,6}(?:[:|.]\s*|\s+)(?=\d\d?:\d\d:\d\d\.|\d{4}-\d\d-\d\d |IP6? )/.exec(s);
  return m ? m[0].length : 0;
}

/**
 * Whether a line the reader took belongs in the normalised text (tcp-trace --normalize): packets
 * and -v headers, and other lines that look like tcpdump's (a timestamp, IP, ARP, an indented
 * dump or decode, a blank). A writer's prose and the rest of a page go.
 */
export function keepNormalized(line: string, tcp: boolean): boolean {
  return tcp || /^(\s|\d|IP|ARP|$)/.test(line);
}

// --- Byte checks the builder makes before choosing the slow path -------------------------

function digits(b: Uint8Array, i: number, n: number): boolean {
  for (let k = 0; k < n; k++) if (!isDigit(b[i + k])) return false;
  return true;
}

/**
 * True if b[from..end) holds a timestamp that starts a packet ("HH:MM:SS.ffffff " or epoch
 * "ssssssssss.ffffff "), or " IP " as -t prints it: text glued after a packet's length.
 */
export function hasPacketStart(b: Uint8Array, from: number, end: number): boolean {
  // A CRLF line's CR is not text: with it, a line's last 7 bytes would be looked at as without it they are not.
  if (end > from && b[end - 1] === 13) end--;
  for (let i = from; i + 7 < end; i++) {
    const c = b[i];
    if (c === 58 /* : */) {
      if (i >= from + 1 && isDigit(b[i - 1]) && b[i + 3] === 58 && b[i + 6] === 46 && digits(b, i + 1, 2) && digits(b, i + 4, 2) && digits(b, i + 7, 6)) return true;
    } else if (c === 46 /* . */ && i >= from + 9 && digits(b, i - 9, 9) && digits(b, i + 1, 6)) {
      return true;
    } else if (c === 73 /* I */ && b[i + 1] === 80 && (b[i + 2] === 32 || (b[i + 2] === 54 && b[i + 3] === 32)) && i > from && b[i - 1] === 32) {
      return true;
    }
  }
  return false;
}

/** True if the line, past its indentation, starts with "IP " or "IP6 " (-t output). */
export function startsWithIp(b: Uint8Array, s: number, e: number): boolean {
  let i = s;
  while (i < e && (b[i] === 32 || b[i] === 9)) i++;
  return i + 2 < e && b[i] === 73 && b[i + 1] === 80 && (b[i + 2] === 32 || b[i + 2] === 54);
}

/**
 * True if a line the scanner found no TCP in may still hide some: non-ASCII characters or an
 * HTML entity, a "Flags" it could not reach, an end a wrap cut (":", ">" or ","), a start
 * that banners, prompts, quoting and elisions have, or "IP" with no " > ". Plain UDP or ARP
 * lines answer false.
 */
export function mayHidePacket(b: Uint8Array, s: number, e: number): boolean {
  let i = s;
  while (i < e && (b[i] === 32 || b[i] === 9)) i++;
  if (i === e) return false;
  let last = e - 1;
  while (last > i && (b[last] === 32 || b[last] === 13)) last--;
  const l = b[last];
  if (l === 58 || l === 62 || l === 44) return true;
  if (endsWithOldFlags(b, i, last)) return true;
  const f = b[i];
  // t(cpdump:) l(istening) r(eading) s(udo) ^C ` ~ $ # [ > | . P(S C:\) and the stats' digits.
  if (f === 116 || f === 108 || f === 114 || f === 115 || f === 94 || f === 96 || f === 126 || f === 36 || f === 35 || f === 91 || f === 62 || f === 124 || f === 46 || f === 80) return true;
  let ip = false;
  let arrow = false;
  for (let k = i; k < e; k++) {
    const c = b[k];
    if (c >= 0x80 || c === 38 /* & */) return true;
    if (c === 62 /* > */ && b[k - 1] === 32) arrow = true;
    else if (c === 73 /* I */ && b[k + 1] === 80 && b[k + 2] === 32) ip = true;
    if (c === 70 /* F */ && b[k + 1] === 108 && b[k + 2] === 97 && b[k + 3] === 103 && b[k + 4] === 115) return true;
    if (c === 32 && b[k + 1] === 112 && b[k + 2] === 97 && b[k + 3] === 99 && b[k + 4] === 107 && isDigit(f)) return true; // " pack(ets)"
  }
  // "IP a.1 b.2: ..." from a page that lost its '>'.
  return ip && !arrow;
}

/**
 * True if b[s..last] ends with ": " and tcpdump 3.x's flag letters ("S", "FP", "."): an old-format
 * packet a wrap cut right after its flags.
 */
function endsWithOldFlags(b: Uint8Array, s: number, last: number): boolean {
  let k = last;
  while (k > s && last - k < 6 && (b[k] === 46 || b[k] === 83 || b[k] === 70 || b[k] === 82 || b[k] === 80 || b[k] === 87 || b[k] === 69 || b[k] === 85)) k--;
  return k < last && k > s && b[k] === 32 && b[k - 1] === 58;
}

/** True for text that begins like a packet (a timestamp, or "IP ") but may lack its end. */
export function looksLikeHead(s: string): boolean {
  return /^\s*(?:\d{4}-\d\d-\d\d )?(?:\d\d?:\d\d:\d\d\.\d{6,9}|\d{9,10}\.\d{6,9}) +\S/.test(s) || /^\s*IP6? \S+ >/.test(s);
}
