// Turns bytes of tcpdump text into packets and connections in one streaming pass.
//
// One module because it is one pass: reading a line, repairing it, making its packet and
// stepping its connection share the builder's state (held lines, the clock, seq numbering), and
// splitting them would pass that state around on every line of the hot loop.

import { Connection } from './connection';
import { ConnStore } from './connstore';
import { joinBytes } from './bytes';
import { Utf8Input } from './decode';
import { EVENT_BIT } from './expert';
import { Flight, windowShift } from './flight';
import { LimitsStore } from './limitsStore';
import { PacketKeys } from './keys';
import { Flag, type Problem, type Repair, type TraceOptions } from './model';
import { PacketTable } from './packets';
import { LineKind, LineRecord, scanLine, TimeKind } from './scan';
import { hasPacketStart, looksLikeHead, mayHidePacket, noiseKind, packetStarts, plainCharacters, quotePrefix, Repairs, startsWithIp, TEXT_REPAIRS, tidy, unreadPackets, withoutAnnotation } from './repair';
import { RESCAN, type ScannedLines } from './scanned';
import { mod32 } from './seqspace';
import { State } from './states';
import { BuiltTrace } from './trace';
import { ColumnTrace } from './columnTrace';
import { KEPT_LIMITS_PACKETS, encodeSnapshot } from './snapshot';

/**
 * Bytes of text per packet assumed by expect(). tcpdump -nn prints 100 to 200 per TCP line; an
 * estimate too high only leaves spare capacity that is never written (and so never resident).
 */
const BYTES_PER_PACKET = 100;
/** The same for connections: short request/response connections take 1 to 2 kB of text each. */
const BYTES_PER_CONNECTION = 1000;

/** The most problem records kept; later ones are only counted. */
const MAX_PROBLEMS = 10000;

/** What tcpdump's relative sequence numbers are relative to, per 4-tuple. */
interface Tuple {
  conn: Connection;
  /** The endpoint whose numbers `base0` rebases; the other side uses base1. */
  baseEp: number;
  base0: number;
  base1: number;
  /** False where the base is tcpdump's but was never printed (a bare ACK opened the entry). */
  known0: boolean;
  known1: boolean;
  hasBase: boolean;
  /** The packet whose numbers set the base (-1: none yet). */
  basePacket: number;
  /**
   * The first seq of each direction since the last SYN with a new ISN (firstSeq0: from the
   * lower endpoint id), or its latest SYN's; NaN until seen. tshark keeps these per
   * conversation: a SYN,ACK that differs reuses the ports.
   */
  firstSeq0: number;
  firstSeq1: number;
  /** A first packet read as cut from a longer capture, until the flow's next one tells (-1: none). */
  cutPacket: number;
  /** Its line, where the `relative` repair was counted. */
  cutLine: number;
}

/** Relative numbers of a snippet cut from a longer capture stay below this; ISNs seldom do. */
const SMALL_NUMBER = 1 << 24;
/** The longest a copy of the same packet trails it when one capture sees it twice (-i any). */
const COPY_GAP_S = 0.001;
/** Lines a wrapped packet may take. */
const MAX_WRAP_LINES = 8;

/** A line held back because it may go on in the next one (a hard wrap). */
interface Held {
  text: string;
  /** Its first line. */
  first: number;
  lines: number;
  /** Quoting ("> ") before it, taken off its continuation lines too. */
  quote: string;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();
const NEWLINE = new Uint8Array([10]);

const enum SeqMode {
  Unknown,
  Relative,
  Absolute,
}

export class TraceBuilder {
  private readonly t = new PacketTable();
  /** Numbers endpoints and tuples (unless another thread did, see pushScanned). */
  private readonly keys = new PacketKeys();
  private readonly endpoints = this.keys.endpoints;
  /** By tuple id (PacketKeys). */
  private readonly tupleList: Tuple[] = [];
  /** Flows whose first packet was read as cut from a longer capture (see settleCut, uncut). */
  private readonly cut: Tuple[] = [];
  /** Fed by pushScanned(): the lines come numbered, and push() would number them anew. */
  private scanned = false;
  private readonly connections: Connection[] = [];
  /** The connections' counters and analysis state (see ConnStore). */
  private readonly store = new ConnStore();
  private readonly problems: Problem[] = [];
  private problemCount = 0;
  private readonly r = new LineRecord();
  private line = 0;
  /** The lines the packet being taken spans: `at` its last, `first` its first. */
  private at = 0;
  private first = 0;
  private readonly repairs = new Repairs();
  private held: Held | null = null;
  /**
   * Lines held to see whether the next one continues them: how they read depends on their
   * neighbours (see incremental.ts). Every other repair depends on its own line alone.
   */
  heldLines = 0;
  /** Lines joined to a held one: a wrap mended, or lines that read as one without forming a packet. */
  private joinedLines = 0;
  private skipped = 0;
  /** The pieces of a line that has not ended yet, joined once its newline arrives. */
  private carry: Uint8Array[] = [];
  private readonly input = new Utf8Input();
  private seqMode: SeqMode;
  /** The line where seqMode was told from the numbers (0: given by the options or not yet). */
  private seqModeLine = 0;
  // -v: the IP header line waiting for its TCP line.
  private headerLine = -1;
  private headerTime = NaN;
  private headerTimeKind = TimeKind.None;
  // Time handling.
  private timeKind = TimeKind.None;
  private lastTime = NaN;
  private dayOffset = 0;
  private deltaDecreased = false;
  /** -ttt: the sum of the deltas read so far, and whether the packets before were summed. */
  private deltaSum = 0;
  private deltasSummed = false;
  /** Delta times: a sender's clock (TS val) showed they are -ttttt's. */
  private sinceFirstShown = false;
  /** Delta times above zero so far, and the line of the first delta time. */
  private deltasAboveZero = 0;
  private deltaLine = 0;
  /** Per sender, while -ttt and -ttttt are not told apart: its last TS val, delta and sum. */
  private readonly lastTsval = new Map<number, [number, number, number]>();
  private finished = false;

  /**
   * `sink`, when given, hears each line as it is read: clean lines as they are, repaired ones
   * one packet per line with the noise left out (tcp-trace --normalize, the normalised copy).
   */
  constructor(
    private readonly options: TraceOptions = {},
    private readonly sink: ((line: string, tcp: boolean) => void) | null = null,
  ) {
    this.seqMode = options.absoluteSeq === true ? SeqMode.Absolute : options.absoluteSeq === false ? SeqMode.Relative : SeqMode.Unknown;
  }

  /**
   * Says that about `bytes` of text will be pushed, so the packet table and the connections'
   * store are made once at about the right size instead of growing by doubling (each step
   * copies them and, for a moment, holds them twice). Only a hint: more or less input is fine.
   */
  expect(bytes: number): void {
    if (bytes <= 0) return;
    this.t.reserve(Math.ceil(bytes / BYTES_PER_PACKET));
    this.store.reserve(Math.ceil(bytes / BYTES_PER_CONNECTION));
  }

  /** Number of lines read so far. */
  get linesRead(): number {
    return this.line;
  }

  get packetCount(): number {
    return this.t.length;
  }

  /**
   * How seq/ack numbers have been read so far: absolute (true), relative (false) or not known
   * yet (undefined), and the line whose numbers decided it (0 when the options did). An edit
   * after that line cannot change the mode.
   */
  get seqNumbering(): { absolute: boolean | undefined; decidedAtLine: number } {
    const absolute = this.seqMode === SeqMode.Absolute ? true : this.seqMode === SeqMode.Relative ? false : undefined;
    return { absolute, decidedAtLine: this.seqModeLine };
  }

  /**
   * Feeds the next chunk of bytes (UTF-8, or UTF-16 after its BOM). Lines may span chunks.
   * Nothing in `chunk` is kept after the call: the caller may reuse it.
   */
  push(chunk: Uint8Array): void {
    if (this.scanned) throw new Error('TraceBuilder.push() after pushScanned()');
    // A Node Buffer's slice() is a view, not a copy: seen as a plain Uint8Array, the end of a
    // line carried to the next chunk is copied (so the caller may reuse its buffer), and the
    // scanner always sees the same type.
    const view = chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const text = this.input.push(view);
    // Line ends are looked for in the caller's object when it holds the same bytes: a Node
    // Buffer's indexOf is several times faster than a Uint8Array's.
    this.feed(text, text === view ? chunk : text);
  }

  /** Reads the lines of `chunk`; `ends` holds the same bytes and is only searched for newlines. */
  private feed(chunk: Uint8Array, ends: Uint8Array): void {
    let start = 0;
    if (this.carry.length) {
      const nl = ends.indexOf(10);
      if (nl < 0) {
        // Keep the pieces and join them once: re-joining on every chunk would copy a long
        // line over and over (a 20 MB line in 64 kB chunks is 320 copies of up to 20 MB).
        if (chunk.length) this.carry.push(chunk.slice());
        return;
      }
      this.carry.push(chunk.subarray(0, nl));
      const joined = joinBytes(this.carry);
      this.carry = [];
      this.readLine(joined, 0, joined.length);
      start = nl + 1;
    }
    for (;;) {
      const nl = ends.indexOf(10, start);
      if (nl < 0) break;
      this.readLine(chunk, start, nl);
      start = nl + 1;
    }
    if (start < chunk.length) this.carry.push(chunk.slice(start));
  }

  /**
   * Feeds lines another thread has scanned and numbered (ScannedLines.scan): the lines of
   * b from `start` on. Gives the same result as push() of the same bytes. All of the input goes
   * this way, UTF-8 without a byte-order mark, starting with its first line.
   */
  pushScanned(b: Uint8Array, start: number, lines: ScannedLines): void {
    if (this.line > 0 && !this.scanned) throw new Error('TraceBuilder.pushScanned() after push()');
    this.scanned = true;
    const ep = lines.endpoints;
    for (let i = 0; i < ep.names.length; i++) this.endpoints.adopt(ep.names[i], ep.dots[i], ep.ports[i]);
    const r = this.r;
    let s = start;
    for (let k = 0; k < lines.count; k++) {
      const e = lines.end(k);
      this.line++;
      this.at = this.first = this.line;
      if (lines.kind(k) === RESCAN) {
        scanLine(b, s, e, r);
        this.probeRepair(b, s, k, lines);
        this.take(r, -1, -1, -1);
      } else if (lines.kind(k) === LineKind.Other && mayHidePacket(b, s, e)) {
        // Banners and elisions count as push() counts them; packets hidden in such lines (or
        // glued after a prompt) are looked for by probeRepair only.
        this.probeRepair(b, s, k, lines);
        const noise = noiseKind(lineText(b, s, e));
        if (noise) this.repairs.add(noise, this.line);
        else this.skipped++;
      } else {
        lines.load(k, r);
        if (this.needsRepair(r, b, s, e)) this.probeRepair(b, s, k, lines);
        this.take(r, lines.src(k), lines.dst(k), lines.tuple(k));
      }
      s = e + 1;
    }
  }

  /**
   * pushScanned() reads each line as it stands: where push() would have repaired one (glued,
   * wrapped, prefixed...), this is its line number, so that the caller can read the text
   * again with push(). 0 while none.
   */
  unrepairedLine = 0;
  /** True when push() would not repair that line but read it as one with the lines after it. */
  unrepairedJoin = false;
  /** Reads the lines that may need repairs, apart, to see whether push() would repair them. */
  private probe: TraceBuilder | null = null;

  /**
   * Whether push() would repair scanned line k (at b[s..]): the line and the one after it
   * (the rest of a wrap) go through a builder of their own. Only the first such line is
   * looked for; lines that only look damaged (an -A payload with other bytes) cost a push.
   */
  private probeRepair(b: Uint8Array, s: number, k: number, lines: ScannedLines): void {
    if (this.unrepairedLine) return;
    const end = k + 1 < lines.count ? lines.end(k + 1) : lines.end(k);
    const p = (this.probe ??= new TraceBuilder(this.options));
    const joined = p.joinedLines;
    p.push(b.slice(s, end));
    p.push(NEWLINE);
    // A repair, or lines push() reads as one although no packet comes of them (a damaged
    // header's line and the notes after it): either way push() counts the lines otherwise.
    if (p.repairs.has(TEXT_REPAIRS) || p.joinedLines > joined) {
      this.unrepairedLine = this.line;
      this.unrepairedJoin = !p.repairs.has(TEXT_REPAIRS);
    }
    // A line the probe still holds for a wrap's rest is not joined to the next probe's lines:
    // push() saw what followed it (the next line is probed with its own next one, and a
    // capture's segment record, which has no text, ends it).
    p.held = null;
  }

  /**
   * True while packet records may be pushed (pushRecord): no line-by-line listener wants
   * their text, and no other thread numbers the lines.
   */
  get takesRecords(): boolean {
    return this.sink === null && !this.scanned;
  }

  /**
   * Takes one packet line read without text (a capture's TCP segment, see Ingest), as line
   * this.linesRead + 1: the line it has in the text printed for the capture. Text pushed
   * before it must end with a newline. `r` is not kept.
   */
  pushRecord(r: LineRecord): void {
    if (!this.takesRecords) throw new Error('TraceBuilder.pushRecord() with a sink or after pushScanned()');
    if (this.held) this.flushHeld();
    this.line++;
    this.at = this.first = this.line;
    this.takeRecord(r);
  }

  /**
   * The trace so far, without ending the input: the builder keeps going after this. A line
   * that has not ended yet, or one held to see whether the next line continues it, is left
   * out; finish() reads both.
   */
  peek(): ColumnTrace {
    return new ColumnTrace(encodeSnapshot(this.built(), true));
  }

  /** How many connections so far. */
  get connectionCount(): number {
    return this.connections.length;
  }

  /** What has been read, before it becomes columns (finish() and peek() encode it). */
  private built(): BuiltTrace {
    return new BuiltTrace(this.t, this.endpoints, this.connections, this.problems, this.problemCount, this.line, this.skipped, this.options, this.repairs.list());
  }

  /**
   * Ends the input and returns the analysed trace. With `keepLimits`, each connection's limits
   * and stalls, worked out for its verdict, are kept for the trace's JSON (jsonParts), which
   * then need not work them out again: for a trace whose columns nothing changes afterwards.
   * Connections of at least `limitsFrom` packets carry their limits in the snapshot
   * (TraceSnapshot.keptLimits).
   */
  finish({ keepLimits = false, limitsFrom = KEPT_LIMITS_PACKETS }: { keepLimits?: boolean; limitsFrom?: number } = {}): ColumnTrace {
    this.end();
    const built = this.built();
    if (keepLimits) built.keptLimits = new LimitsStore(built.conns.length);
    return new ColumnTrace(encodeSnapshot(built, false, limitsFrom), built.keptLimits);
  }

  /** Ends the input: reads what is left of it. Enough where only the repairs are wanted. */
  end(): Repair[] {
    if (this.finished) throw new Error('TraceBuilder.finish() called twice');
    this.finished = true;
    const rest = this.input.end();
    this.feed(rest, rest);
    if (this.carry.length) {
      // The last line has no newline (a truncated file): read what there is.
      const last = joinBytes(this.carry);
      this.carry = [];
      this.readLine(last, 0, last.length);
    }
    if (this.held) this.flushHeld();
    if (this.timeKind === TimeKind.Delta && this.deltaDecreased) this.accumulateDeltas();
    // Delta times that never went back, two or more above zero, and no clock that told: -ttt
    // would give other times than -ttttt, and nothing in the text says which it is.
    if (this.timeKind === TimeKind.Delta && !this.deltaDecreased && !this.sinceFirstShown && this.deltasAboveZero >= 2) this.repairs.add('clock', this.deltaLine);
    return this.repairs.list();
  }

  private problem(reason: string, line = this.first): void {
    this.problemCount++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ line, reason });
  }

  private readLine(b: Uint8Array, s: number, e: number): void {
    this.line++;
    const r = this.r;
    scanLine(b, s, e, r);
    if (this.held) {
      if (this.continues(r, b, s, e)) return this.joinHeld(b, s, e);
      this.flushHeld();
      scanLine(b, s, e, r);
    }
    this.at = this.first = this.line;
    if (this.needsRepair(r, b, s, e)) return this.repair(b, s, e);
    if (this.sink) this.sink(lineText(b, s, e), isTcp(r));
    this.takeRecord(r);
  }

  /**
   * True when the scanner's reading of a line may be wrong or incomplete: a packet with more
   * text glued after it, one cut before its length, one with something before its timestamp,
   * and lines that are not TCP as they stand but may hide a packet.
   */
  private needsRepair(r: LineRecord, b: Uint8Array, s: number, e: number): boolean {
    switch (r.kind) {
      case LineKind.Packet:
        if (r.open || r.odd) return true;
        if (r.tail >= 0 && r.tail < e && hasPacketStart(b, r.tail, e)) return true;
        return r.timeKind === TimeKind.None && !(r.indented && this.headerLine === this.line - 1) && !startsWithIp(b, s, e);
      case LineKind.Other:
        return mayHidePacket(b, s, e);
      case LineKind.Problem:
        return true;
      case LineKind.IpHeader:
        // A header whose timestamp could not be read (indented, or typed with full-width colons).
        return r.timeKind === TimeKind.None && !startsWithIp(b, s, e);
      default:
        return false;
    }
  }

  /**
   * Reads a line the scanner could not take as it is: noise is dropped, characters made plain,
   * packets glued on one line split and a packet cut by a wrap held for the next line. A repair
   * is counted only when it gave a packet; otherwise the line counts as it did before.
   */
  private repair(b: Uint8Array, s: number, e: number): void {
    const asScanned = this.r.kind === LineKind.Packet && !this.r.open;
    this.repairText(lineText(b, s, e), this.line, asScanned);
  }

  /**
   * repair() of the text of lines `line` to this.line; `asScanned`: the scanner read it whole;
   * `rejoined`: a wrap was just mended, and its first packet is counted as split already.
   */
  private repairText(raw: string, line: number, asScanned: boolean, rejoined = false): void {
    const text = tidy(plainCharacters(raw));
    if (!text.trim()) {
      // Only markup (an -A payload line "<UL>", say): a line as it was, not a blank one.
      this.sink?.(raw, false);
      this.skipped++;
      return;
    }
    const { starts, stamped } = packetStarts(text);
    // Packets glued on with their times cut are not read: said, so that a line that seems to
    // hold more packets than were read never passes silently.
    const unread = stamped ? unreadPackets(text, starts) : 0;
    if (unread) this.problem(`what looks like ${unread} more ${unread === 1 ? 'packet' : 'packets'} glued on after a packet's length, with no time tcpdump prints (cut or mangled text): not read`, line);
    // A line read whole already, with one packet in it: what comes before its "IP" (-i any's
    // interface and direction, -e's addresses) belongs to it.
    if (asScanned && text === raw && starts.length <= 1 && (!stamped || starts[0] === 0)) {
      this.readPiece(text, line, '', true);
      return;
    }
    if (!starts.length) {
      const noise = noiseKind(text);
      if (noise) return this.repairs.add(noise, line);
      const q = quotePrefix(text);
      if (this.readPiece(text.slice(q), line, text.slice(0, q), true)) {
        if (q) this.repairs.add('prefix', line);
        if (text !== raw) this.repairs.add('characters', line);
      }
      return;
    }
    // Before the first timestamp: a -v TCP line whose next header was glued after it, or noise.
    const lead = text.slice(0, starts[0]);
    const leadTook = lead.trim() !== '' && this.readPiece(lead.trimEnd(), line, '', false, true);
    let took = leadTook;
    for (let i = 0; i < starts.length; i++) {
      let piece = text.slice(starts[i], i + 1 < starts.length ? starts[i + 1] : text.length).trimEnd();
      const lastPiece = i === starts.length - 1;
      // tcpdump's closing statistics, glued after the last packet.
      const stats = lastPiece ? / \d+ packets? captured\b.*$/.exec(piece) : null;
      if (stats) piece = piece.slice(0, stats.index);
      took = this.readPiece(piece, line, '', lastPiece, true) || took;
      if (stats && took) this.repairs.add('banner', line);
    }
    if (!took) {
      // Nothing in the line was TCP: it counts once, as the scanner had it.
      if (this.held) return;
      this.sink?.(raw, false);
      this.at = this.first = line;
      if (this.r.kind === LineKind.Problem) this.take(this.r, -1, -1, -1);
      else this.skipped++;
      return;
    }
    if (lead && !leadTook) {
      if (/tcpdump[: ]|listening on|link-type/.test(lead)) this.repairs.add('banner', line);
      else if (!/^\s*\d+ {2,}$/.test(lead)) this.repairs.add('prefix', line); // not -#'s number
    }
    if (starts.length > 1) this.repairs.add('split', line, rejoined ? starts.length - 1 : starts.length);
    if (text !== raw) this.repairs.add('characters', line);
  }

  /**
   * Reads one packet's text out of a repaired line; the last piece may be held as wrapped.
   * True when it gave a packet or a -v header, or held a packet that has no length yet.
   */
  private readPiece(text: string, line: number, quote: string, last: boolean, onlyTcp = false): boolean {
    const piece = withoutAnnotation(text);
    const bytes = encoder.encode(piece);
    const r = this.r;
    scanLine(bytes, 0, bytes.length, r);
    if (last && (r.open || (r.kind !== LineKind.Packet && r.kind !== LineKind.IpHeader && r.kind !== LineKind.Blank && looksLikeHead(piece)))) {
      this.held = { text: piece, first: line, lines: 1, quote };
      this.heldLines++;
      return r.open;
    }
    if (piece !== text && r.kind === LineKind.Packet) this.repairs.add('annotation', line);
    // A piece of a split line that is not TCP is left to its line (see repair).
    if (onlyTcp && r.kind !== LineKind.Packet && r.kind !== LineKind.IpHeader) return false;
    this.sink?.(piece, isTcp(r));
    this.at = this.line;
    this.first = line;
    this.takeRecord(r);
    return r.kind === LineKind.Packet || r.kind === LineKind.IpHeader;
  }

  /** True when line `b[s..e)` goes on with the held packet rather than starting another. */
  private continues(r: LineRecord, b: Uint8Array, s: number, e: number): boolean {
    if (r.kind === LineKind.Blank || r.kind === LineKind.IpHeader || r.timeKind !== TimeKind.None) return false;
    // A closing fence, a prompt or tcpdump's statistics end a snippet: they go on with no packet.
    if (r.kind === LineKind.Other && noiseKind(lineText(b, s, e)) === 'banner') return false;
    // A line with its own "a > b: Flags [" is a packet of its own, cut short or not.
    if (r.kind === LineKind.Packet && !r.indented) return false;
    // A packet starts near the line's start (a timestamp, or "eth0  Out IP ..."): not a wrap's rest.
    if (startsWithIp(b, s, e) || hasPacketStart(b, s, Math.min(e, s + 24)) || this.held!.lines >= MAX_WRAP_LINES) return false;
    // An indented line after a held -v header is its TCP line, not a wrap.
    return !(r.kind === LineKind.Packet && r.indented);
  }

  private joinHeld(b: Uint8Array, s: number, e: number): void {
    const h = this.held!;
    this.joinedLines++;
    let next = tidy(plainCharacters(lineText(b, s, e)));
    if (h.quote && next.startsWith(h.quote.trimEnd())) next = next.slice(h.quote.trimEnd().length);
    next = next.trim();
    // A wrap at a space lost it; one inside an address ("10.0.0.2." / "80:") or a list did not have one.
    h.text = /[ [.]$/.test(h.text) || next.startsWith(']') ? h.text + next : `${h.text} ${next}`;
    h.lines++;
    const bytes = encoder.encode(h.text);
    const r = this.r;
    scanLine(bytes, 0, bytes.length, r);
    if (r.open || (r.kind !== LineKind.Packet && r.kind !== LineKind.IpHeader && looksLikeHead(h.text))) return;
    this.held = null;
    if (r.kind === LineKind.Packet || r.kind === LineKind.IpHeader) this.repairs.add('wrap', h.first);
    // More packets glued after the one the wrap cut.
    if (r.kind === LineKind.Packet && r.tail >= 0 && hasPacketStart(bytes, r.tail, bytes.length)) return this.repairText(h.text, h.first, false, true);
    this.sink?.(h.text, isTcp(r));
    this.at = this.line;
    this.first = h.first;
    if (r.kind === LineKind.IpHeader) this.at = this.first = this.line;
    this.takeRecord(r);
  }

  /** Takes the held line as it stands: no continuation came. */
  private flushHeld(): void {
    const h = this.held!;
    this.held = null;
    const bytes = encoder.encode(h.text);
    const r = this.r;
    scanLine(bytes, 0, bytes.length, r);
    if (h.lines > 1 && r.kind === LineKind.Packet) this.repairs.add('wrap', h.first);
    this.sink?.(h.text, isTcp(r));
    this.at = h.first + h.lines - 1;
    this.first = h.first;
    this.takeRecord(r);
  }

  /** Takes a record scanned here: a packet line's endpoints and tuple are numbered first. */
  private takeRecord(r: LineRecord): void {
    if (r.kind === LineKind.Packet) {
      const k = this.keys;
      k.key(r);
      this.take(r, k.src, k.dst, k.tuple);
    } else this.take(r, -1, -1, -1);
  }

  /** Takes the scanned text of lines `first` to `at`; a packet's endpoints and tuple are numbered. */
  private take(r: LineRecord, src: number, dst: number, tupleId: number): void {
    switch (r.kind) {
      case LineKind.Blank:
        return;
      case LineKind.Other:
        this.skipped++;
        return;
      case LineKind.IpHeader:
        this.headerLine = this.at;
        this.headerTime = r.time;
        this.headerTimeKind = r.timeKind;
        return;
      case LineKind.Problem:
        this.problem(r.reason);
        this.headerLine = -1;
        return;
    }
    let headLine = this.first;
    let copyOf = -1;
    // A -v TCP line under its header; a paste may have lost its indentation, not its time.
    if ((r.indented || r.timeKind === TimeKind.None) && this.headerLine === this.first - 1) {
      headLine = this.headerLine;
      r.time = this.headerTime;
      r.timeKind = this.headerTimeKind;
    } else if (r.indented && r.timeKind === TimeKind.None) {
      // A -v TCP line with no header of its own, right after a packet: that packet's TCP line
      // pasted a second time, if it is the same (addPacket checks).
      const q = this.t.length - 1;
      if (q >= 0 && this.t.line[q] === this.first - 1) copyOf = q;
    }
    this.headerLine = -1;
    this.addPacket(r, headLine, src, dst, tupleId, copyOf);
  }

  private time(r: LineRecord, src: number): number {
    let time = r.time;
    if (r.timeKind === TimeKind.None) return NaN;
    if (this.timeKind === TimeKind.None) this.timeKind = r.timeKind;
    if (r.timeKind === TimeKind.TimeOfDay) {
      // Midnight passed: time of day went back by more than half a day.
      if (this.lastTime === this.lastTime && time + this.dayOffset < this.lastTime - 43200) this.dayOffset += 86400;
      time += this.dayOffset;
    } else if (r.timeKind === TimeKind.Delta) {
      // -ttt (since the previous packet) and -ttttt (since the first) print alike. -ttttt goes
      // back only where the capture's own timestamps do, by a little; deltas soon fall to
      // less than half the one before, which shows -ttt. From then on every time is the sum of
      // the deltas so far (the packets before are summed by accumulateDeltas). The sum starts
      // wherever the text does: a paste from the middle of a capture gives the same
      // differences, and so the same durations and RTTs, as the whole capture.
      if (time === time) {
        const raw = time;
        this.deltaSum += time;
        if (this.deltaLine === 0) this.deltaLine = this.first;
        if (time > 0) this.deltasAboveZero++;
        if (!this.deltaDecreased && (time < this.lastTime / 2 || (!this.sinceFirstShown && r.tsval >= 0 && this.clockSays(src, r.tsval, raw)))) {
          this.deltaDecreased = true;
          this.accumulateDeltas();
        }
        if (this.deltaDecreased) time = this.deltaSum;
        this.lastTime = raw;
        return time;
      }
    }
    this.lastTime = time;
    return time;
  }

  /** `copyOf`: the packet this one may be a second paste of (see take), else -1. */
  private addPacket(r: LineRecord, headLine: number, src: number, dst: number, tupleId: number, copyOf: number): void {
    const t = this.t;
    // Tuple ids come in order of first appearance: a new one is tupleList.length.
    let tuple = tupleId < this.tupleList.length ? this.tupleList[tupleId] : undefined;

    const p = t.add();
    t.line[p] = this.at;
    t.headLine[p] = headLine;
    t.len[p] = r.len < 0 ? 0 : r.len;
    t.win[p] = r.win;
    t.time[p] = copyOf >= 0 ? t.time[copyOf] : this.time(r, src);

    // Absolute seq/ack, undoing tcpdump's relative numbering (print-tcp.c keeps, per
    // 4-tuple, the numbers of the first ACK-bearing segment or of a SYN,ACK, and prints the
    // later ones relative to them; segments without ACK are printed as they are).
    let seq = r.seq;
    let ack = r.ack;
    let f = r.flags;
    if (tuple && tuple.cutPacket >= 0 && (f & Flag.ACK) && !(f & Flag.SYN)) this.settleCut(tuple, src, seq, ack);
    // The first packet of a flow carries ACK and numbers too small for an ISN: a snippet cut
    // from a longer capture, printed relative to a base it never showed (settleCut may find
    // from the flow's next packet that tcpdump printed it absolute after all).
    const cutRelative = !tuple && (f & Flag.ACK) !== 0 && !(f & Flag.SYN) && this.seqMode !== SeqMode.Absolute && ack > 0 && ack < SMALL_NUMBER && !(seq >= SMALL_NUMBER);
    if (cutRelative) {
      f |= Flag.ACK_RELATIVE | (seq === seq ? Flag.SEQ_RELATIVE : 0);
      this.repairs.add('relative', this.first);
    } else if ((f & Flag.ACK) && this.seqMode !== SeqMode.Absolute) {
      if (!tuple || !tuple.hasBase || (f & Flag.SYN)) {
        // tcpdump's base is this segment's own seq, printed or not. Unprinted, it is its
        // sender's ISN+1 after a SYN of its own (the SYN,ACK not captured), else 0 relative to
        // that base, which the expert analysis reads as it reads the later relative numbers.
        const conn = tuple?.conn;
        const isn = seq !== seq && conn ? conn.machine.synSeq(conn.ep[0] === src ? 0 : 1) : NaN;
        if (tuple) this.setBase(tuple, p, src, isn === isn ? mod32(isn + 1) : seq, ack);
        if (seq !== seq && isn !== isn && ack === ack && (!tuple || !tuple.hasBase || tuple.baseEp === src)) {
          seq = 0;
          f |= Flag.SEQ_RELATIVE;
        }
      } else if (tuple.conn.lastPacket === tuple.basePacket && src === tuple.baseEp && (seq === tuple.base0 || seq !== seq) && ack === mod32(tuple.base1 + 1)) {
        // The packet that set the base, printed again (a paste, or a second interface): its
        // numbers are the absolute ones tcpdump printed the first time, its unprinted seq read
        // as the first time.
        if (seq !== seq && !tuple.known0) {
          seq = 0;
          f |= Flag.SEQ_RELATIVE;
        }
      } else {
        if (this.seqMode === SeqMode.Unknown) this.detectSeqMode(tuple, src, ack);
        if ((this.seqMode as SeqMode) !== SeqMode.Absolute) {
          const fromBaseEp = src === tuple.baseEp;
          if (seq === seq) seq = mod32(seq + (fromBaseEp ? tuple.base0 : tuple.base1));
          if (ack === ack) ack = mod32(ack + (fromBaseEp ? tuple.base1 : tuple.base0));
          if (!(fromBaseEp ? tuple.known0 : tuple.known1)) f |= Flag.SEQ_RELATIVE;
          if (!(fromBaseEp ? tuple.known1 : tuple.known0)) f |= Flag.ACK_RELATIVE;
        }
      }
    }
    t.flags[p] = f;
    t.seq[p] = seq;
    t.ack[p] = ack;

    // Which connection: a new SYN on a finished tuple starts a new incarnation.
    let conn = tuple?.conn;
    let reused = false;
    let sameIsn = false;
    if (conn && (f & Flag.SYN) && !(f & Flag.UNKNOWN)) {
      const sender = conn.ep[0] === src ? 0 : 1;
      const prevSyn = conn.machine.synSeq(sender);
      const newIsn = prevSyn === prevSyn && prevSyn !== seq && !(f & Flag.ACK);
      if (conn.finished() || newIsn || (conn.midStream && !(f & Flag.ACK))) {
        conn.machine.supersede();
        conn = undefined;
        // A SYN with the previous attempt's ISN (Windows retries a refused connect so) is,
        // to tshark, that SYN retransmitted rather than the ports reused.
        sameIsn = prevSyn === prevSyn && prevSyn === seq;
        reused = !sameIsn;
      }
    }
    if (tuple && this.synAckReuses(tuple, src, dst, f, seq, reused)) t.events[p] |= EVENT_BIT.reused_ports;
    if (!conn) {
      conn = this.newConnection(src, dst, f, p);
      if (!tuple) {
        const fresh: Tuple = { conn, baseEp: src, base0: 0, base1: 0, known0: false, known1: false, hasBase: cutRelative, basePacket: -1, firstSeq0: NaN, firstSeq1: NaN, cutPacket: cutRelative ? p : -1, cutLine: this.first };
        this.synAckReuses(fresh, src, dst, f, seq, false);
        if (cutRelative) this.cut.push(fresh);
        this.tupleList.push(fresh);
        if (!cutRelative && (f & Flag.ACK) && this.seqMode !== SeqMode.Absolute) this.setBase(fresh, p, src, r.seq, ack);
      } else tuple.conn = conn;
      if (reused) t.events[p] |= EVENT_BIT.reused_ports;
      else if (sameIsn) t.events[p] |= EVENT_BIT.retransmission;
    } else {
      const twoPlaces = r.link !== 0 && conn.lastLink !== 0 && r.link !== conn.lastLink;
      if ((twoPlaces || copyOf === conn.lastPacket) && isCopy(t, conn.lastPacket, p, src === conn.ep[0] ? 0 : 1)) {
        t.events[p] |= EVENT_BIT.duplicate_capture;
        this.repairs.add(twoPlaces ? 'duplicate' : 'pasted', this.first);
      } else if (copyOf >= 0) t.time[p] = NaN; // not a copy: its line printed no time
      t.prev[p] = conn.lastPacket;
      t.next[conn.lastPacket] = p;
    }
    t.conn[p] = conn.id;
    conn.lastLink = r.link;
    const d = conn.ep[0] === src ? 0 : 1;
    t.dir[p] = d;
    if ((f & Flag.SYN) && !(f & Flag.UNKNOWN)) {
      conn.setSynOptions(d, {
        mss: r.mss >= 0 ? r.mss : null,
        wscale: r.wscale >= 0 ? r.wscale : null,
        sackPermitted: r.sackOK,
        timestamps: r.timestamps,
        fastOpen: r.fastOpen,
        ecn: (f & Flag.ECE) !== 0,
      });
      const c = conn.clientOpts;
      const s = conn.serverOpts;
      if (c && s && c.wscale !== null && s.wscale !== null) conn.expert.setShift(c.wscale, s.wscale);
    }
    conn.add(t, p, this.at);
    // SACK blocks are printed in the ack's numbering: they move with it.
    if (r.sackCount > 0) t.addSack(p, r.sackEdges, r.sackCount, r.ack === r.ack && ack === ack ? ack - r.ack : 0);
    const flight = (conn.flight ??= new Flight());
    flight.step(t, p, windowShift(conn.clientOpts, conn.serverOpts, d), r.sackBytes);
    if ((f & (Flag.FIN | Flag.RST) || conn.firstFinFrom >= 0) && conn.finished()) flight.release();
  }

  /**
   * Whether a SYN,ACK carries an ISN other than the first seq its sender showed on the tuple
   * (an earlier SYN,ACK's, or the seq of a RST refusing the same SYN): tshark's reused_ports.
   * Keeps the tuple's first seqs; a SYN with a new ISN (`newIsn`) starts them again.
   */
  private synAckReuses(tuple: Tuple, src: number, dst: number, f: number, seq: number, newIsn: boolean): boolean {
    if (newIsn) tuple.firstSeq0 = tuple.firstSeq1 = NaN;
    if (seq !== seq || f & (Flag.SEQ_RELATIVE | Flag.UNKNOWN)) return false;
    const lower = src < dst;
    const first = lower ? tuple.firstSeq0 : tuple.firstSeq1;
    if (first !== first || f & Flag.SYN) {
      if (lower) tuple.firstSeq0 = seq;
      else tuple.firstSeq1 = seq;
    }
    return (f & (Flag.SYN | Flag.ACK)) === (Flag.SYN | Flag.ACK) && !newIsn && first === first && first !== seq;
  }

  /**
   * Decides, at the next ACK-bearing packet of a flow whose first packet was read as cut from a
   * longer capture, whether it was. tcpdump prints the first packet it sees of a flow with its
   * own numbers and the later ones relative to them, so these fall to small offsets (96201,
   * then 32); a snippet cut from a longer capture keeps its numbers on one scale (124345,
   * then 124669). When every number printed now is under a quarter of the one it follows
   * from, the first packet was absolute: it sets tcpdump's base, and the repair is taken back.
   */
  private settleCut(tuple: Tuple, src: number, seq: number, ack: number): void {
    const t = this.t;
    const q = tuple.cutPacket;
    tuple.cutPacket = -1;
    const sameSender = src === tuple.baseEp;
    const seq1 = t.seq[q];
    const ack1 = t.ack[q];
    let told = 0;
    for (const [x, from] of sameSender ? [[seq, seq1], [ack, ack1]] : [[seq, ack1], [ack, seq1 + t.len[q]]]) {
      if (x !== x || from !== from) continue;
      if (!(x * 4 < from)) return;
      told++;
    }
    if (!told) return;
    this.setBase(tuple, q, tuple.baseEp, seq1, ack1);
    t.flags[q] &= ~(Flag.SEQ_RELATIVE | Flag.ACK_RELATIVE);
    this.repairs.remove('relative', tuple.cutLine);
    this.cut.splice(this.cut.indexOf(tuple), 1);
  }

  /**
   * tcpdump -S showed itself (see detectSeqMode): the flows read as cut from a longer capture
   * were printed absolute too. Their numbers were read as printed, so only the marks go.
   */
  private uncut(): void {
    const t = this.t;
    for (const tuple of this.cut) {
      for (let p = tuple.conn.firstPacket; p >= 0; p = t.next[p]) t.flags[p] &= ~(Flag.SEQ_RELATIVE | Flag.ACK_RELATIVE);
      tuple.cutPacket = -1;
      this.repairs.remove('relative', tuple.cutLine);
    }
    this.cut.length = 0;
  }

  private setBase(tuple: Tuple, p: number, src: number, seq: number, ack: number): void {
    if (ack !== ack) return;
    tuple.baseEp = src;
    tuple.base0 = seq === seq ? seq : 0;
    tuple.base1 = (ack + 4294967295) % 4294967296;
    tuple.known0 = seq === seq;
    tuple.known1 = true;
    tuple.hasBase = true;
    tuple.basePacket = p;
  }

  /** tcpdump -S prints every number absolute: tell by how close the ack is to the base. */
  private detectSeqMode(tuple: Tuple, src: number, ack: number): void {
    if (ack !== ack) return;
    const fromBaseEp = src === tuple.baseEp;
    const base = fromBaseEp ? tuple.base1 : tuple.base0;
    if (!(fromBaseEp ? tuple.known1 : tuple.known0)) return;
    // Distance of the printed ack from the base, against its distance from zero.
    const fromBase = Math.abs((ack - base) | 0);
    const fromZero = Math.min(ack, 4294967296 - ack);
    if (fromBase * 1000 < fromZero) {
      this.seqMode = SeqMode.Absolute;
      this.uncut();
    }
    else if (fromZero * 1000 < fromBase) this.seqMode = SeqMode.Relative;
    if (this.seqMode !== SeqMode.Unknown) this.seqModeLine = this.line;
  }

  private newConnection(src: number, dst: number, f: number, p: number): Connection {
    const unknown = (f & Flag.UNKNOWN) !== 0;
    let client = src;
    let server = dst;
    let inferred = false;
    let mid = false;
    if (unknown || !(f & Flag.SYN)) {
      // No SYN: the side on the well-known (lower) port is the server.
      inferred = true;
      mid = !unknown;
      const ps = this.endpoints.ports[src];
      const pd = this.endpoints.ports[dst];
      if (isServerPort(ps, pd)) {
        client = dst;
        server = src;
      }
    } else if (f & Flag.ACK) {
      // A SYN,ACK first: its sender is the server.
      client = dst;
      server = src;
    }
    const conn = new Connection(this.connections.length, client, server, inferred, mid, unknown, p, this.t, this.store);
    if (!unknown && (f & Flag.SYN) && (f & Flag.ACK)) conn.machine.setInitial(State.SYN_SENT, State.LISTEN);
    this.connections.push(conn);
    return conn;
  }

  /**
   * True when the sender's TCP timestamps show that delta times are -ttt's (since the previous
   * packet); sinceFirstShown is set when they show -ttttt's. Between two packets of one sender,
   * TS val advances with its clock, 1000 ticks a second on Linux, the BSDs and macOS: its
   * advance must match the time between them as one reading has it (within 2 ms and 10%) and
   * not as the other has it. Readings less than 20 ms apart, or clocks at other rates, tell
   * nothing.
   */
  private clockSays(src: number, tsval: number, raw: number): boolean {
    const last = this.lastTsval.get(src);
    this.lastTsval.set(src, [tsval, raw, this.deltaSum]);
    if (!last) return false;
    const ticks = (tsval - last[0] + 4294967296) % 4294967296;
    const sinceFirst = (raw - last[1]) * 1000;
    const sincePrevious = (this.deltaSum - last[2]) * 1000;
    if (Math.abs(sinceFirst - sincePrevious) < 20) return false;
    const fits = (ms: number) => ms >= 0 && Math.abs(ticks - ms) <= 2 + ms / 10;
    if (fits(sinceFirst) && !fits(sincePrevious)) this.sinceFirstShown = true;
    return fits(sincePrevious) && !fits(sinceFirst);
  }

  /**
   * -ttt prints the time since the previous packet: the packets read before that was known
   * (their times never went back) get the sum of the deltas up to them. Only once: later
   * packets get their sums from time() as they come, so a second call does nothing.
   */
  private accumulateDeltas(): void {
    if (this.deltasSummed) return;
    this.deltasSummed = true;
    const t = this.t;
    // The packet being added (the table's last) gets its time from time().
    const n = t.length - 1;
    let sum = 0;
    for (let p = 0; p < n; p++) {
      const d = t.time[p];
      if (d !== d) continue;
      sum += d;
      t.time[p] = sum;
    }
  }
}

/**
 * True if packet p is packet q captured again: the same direction, flags, numbers, window and
 * length, at most COPY_GAP_S later (as -i any prints a packet on a bridge and on its port; the
 * caller checks that the two were printed on different interfaces or directions). A
 * retransmission comes a round trip later at the least.
 */
function isCopy(t: PacketTable, q: number, p: number, dir: number): boolean {
  const gap = t.time[p] - t.time[q];
  if (t.flags[p] & Flag.UNKNOWN) return false; // -q prints too little to tell
  return (
    t.dir[q] === dir && t.flags[q] === t.flags[p] && same(t.seq[q], t.seq[p]) && same(t.ack[q], t.ack[p]) &&
    same(t.win[q], t.win[p]) && t.len[q] === t.len[p] && gap >= 0 && gap <= COPY_GAP_S
  );
}

const same = (a: number, b: number): boolean => a === b || (a !== a && b !== b);

/** The text of line b[s..e), without a CR before its end. */
function lineText(b: Uint8Array, s: number, e: number): string {
  return decoder.decode(b.subarray(s, e > s && b[e - 1] === 13 ? e - 1 : e));
}

/** A packet line or a -v header line. */
function isTcp(r: LineRecord): boolean {
  return r.kind === LineKind.Packet || r.kind === LineKind.IpHeader;
}

/** True if port a looks like the server's: a service name, or the lower number. */
function isServerPort(a: number, b: number): boolean {
  if (a !== a) return b === b; // a service name
  if (b !== b) return false;
  return a < b;
}

