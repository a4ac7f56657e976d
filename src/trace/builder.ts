// Turns bytes of tcpdump text into packets and connections in one streaming pass.

import { Connection } from './connection';
import { ConnStore } from './connstore';
import { Utf8Input } from './decode';
import { EVENT_BIT } from './expert';
import { PacketKeys } from './keys';
import { Flag, type Problem, type TraceOptions } from './model';
import { PacketTable } from './packets';
import { LineKind, LineRecord, scanLine, TimeKind } from './scan';
import { RESCAN, type ScannedLines } from './scanned';
import { State } from './states';
import { TraceData } from './trace';

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
}

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
  /** Fed by pushScanned(): the lines come numbered, and push() would number them anew. */
  private scanned = false;
  private readonly connections: Connection[] = [];
  /** The connections' counters and analysis state (see ConnStore). */
  private readonly store = new ConnStore();
  private readonly problems: Problem[] = [];
  private problemCount = 0;
  private readonly r = new LineRecord();
  private line = 0;
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
  private finished = false;

  constructor(private readonly options: TraceOptions = {}) {
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
      const joined = join(this.carry);
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
      if (lines.kind(k) === RESCAN) {
        scanLine(b, s, e, r);
        this.take(r, -1, -1, -1);
      } else {
        lines.load(k, r);
        this.take(r, lines.src(k), lines.dst(k), lines.tuple(k));
      }
      s = e + 1;
    }
  }

  /**
   * The trace so far, without ending the input: the builder keeps going after this. A line
   * that has not ended yet is left out, and -ttt times are not yet added up; finish() does both.
   */
  peek(): TraceData {
    return new TraceData(this.t, this.endpoints, this.connections, this.problems, this.problemCount, this.line, this.skipped, this.options);
  }

  /** Ends the input and returns the analysed trace. */
  finish(): TraceData {
    if (this.finished) throw new Error('TraceBuilder.finish() called twice');
    this.finished = true;
    const rest = this.input.end();
    this.feed(rest, rest);
    if (this.carry.length) {
      // The last line has no newline (a truncated file): read what there is.
      const last = join(this.carry);
      this.carry = [];
      this.readLine(last, 0, last.length);
    }
    if (this.timeKind === TimeKind.Delta && this.deltaDecreased) this.accumulateDeltas();
    return new TraceData(this.t, this.endpoints, this.connections, this.problems, this.problemCount, this.line, this.skipped, this.options);
  }

  private problem(reason: string): void {
    this.problemCount++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ line: this.line, reason });
  }

  private readLine(b: Uint8Array, s: number, e: number): void {
    this.line++;
    const r = this.r;
    scanLine(b, s, e, r);
    if (r.kind === LineKind.Packet) {
      const k = this.keys;
      k.key(r);
      this.take(r, k.src, k.dst, k.tuple);
    } else this.take(r, -1, -1, -1);
  }

  /** Takes the scanned line `this.line`; a packet line's endpoints and tuple are numbered. */
  private take(r: LineRecord, src: number, dst: number, tupleId: number): void {
    switch (r.kind) {
      case LineKind.Blank:
        return;
      case LineKind.Other:
        this.skipped++;
        return;
      case LineKind.IpHeader:
        this.headerLine = this.line;
        this.headerTime = r.time;
        this.headerTimeKind = r.timeKind;
        return;
      case LineKind.Problem:
        this.problem(r.reason);
        this.headerLine = -1;
        return;
    }
    let headLine = this.line;
    if (r.indented && this.headerLine === this.line - 1) {
      headLine = this.headerLine;
      r.time = this.headerTime;
      r.timeKind = this.headerTimeKind;
    }
    this.headerLine = -1;
    this.addPacket(r, headLine, src, dst, tupleId);
  }

  private time(r: LineRecord): number {
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
        if (!this.deltaDecreased && time < this.lastTime / 2) {
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

  private addPacket(r: LineRecord, headLine: number, src: number, dst: number, tupleId: number): void {
    const t = this.t;
    // Tuple ids come in order of first appearance: a new one is tupleList.length.
    let tuple = tupleId < this.tupleList.length ? this.tupleList[tupleId] : undefined;

    const p = t.add();
    t.line[p] = this.line;
    t.headLine[p] = headLine;
    t.len[p] = r.len < 0 ? 0 : r.len;
    t.win[p] = r.win;
    t.time[p] = this.time(r);

    // Absolute seq/ack, undoing tcpdump's relative numbering (print-tcp.c keeps, per
    // 4-tuple, the numbers of the first ACK-bearing segment or of a SYN,ACK, and prints the
    // later ones relative to them; segments without ACK are printed as they are).
    let seq = r.seq;
    let ack = r.ack;
    let f = r.flags;
    if ((f & Flag.ACK) && this.seqMode !== SeqMode.Absolute) {
      if (!tuple || !tuple.hasBase || (f & Flag.SYN)) {
        if (tuple) this.setBase(tuple, src, seq, ack);
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
    if (conn && (f & Flag.SYN) && !(f & Flag.UNKNOWN)) {
      const sender = conn.ep[0] === src ? 0 : 1;
      const prevSyn = conn.machine.synSeq(sender);
      const newIsn = prevSyn === prevSyn && prevSyn !== seq && !(f & Flag.ACK);
      if (conn.finished() || newIsn || (conn.midStream && !(f & Flag.ACK))) {
        conn.machine.supersede();
        conn = undefined;
        reused = true;
      }
    }
    if (!conn) {
      conn = this.newConnection(src, dst, f, p);
      if (!tuple) {
        tuple = { conn, baseEp: src, base0: 0, base1: 0, known0: false, known1: false, hasBase: false };
        this.tupleList.push(tuple);
        if ((f & Flag.ACK) && this.seqMode !== SeqMode.Absolute) this.setBase(tuple, src, seq, ack);
      } else tuple.conn = conn;
      if (reused) t.events[p] |= EVENT_BIT.reused_ports;
    } else {
      t.prev[p] = conn.lastPacket;
      t.next[conn.lastPacket] = p;
    }
    t.conn[p] = conn.id;
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
    conn.add(t, p, this.line);
  }

  private setBase(tuple: Tuple, src: number, seq: number, ack: number): void {
    if (ack !== ack) return;
    tuple.baseEp = src;
    tuple.base0 = seq === seq ? seq : 0;
    tuple.base1 = (ack + 4294967295) % 4294967296;
    tuple.known0 = seq === seq;
    tuple.known1 = true;
    tuple.hasBase = true;
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
    if (fromBase * 1000 < fromZero) this.seqMode = SeqMode.Absolute;
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

/** x modulo 2^32, for x >= 0; the sum of two 32-bit numbers needs at most one subtraction. */
function mod32(x: number): number {
  return x < 4294967296 ? x : x < 8589934592 ? x - 4294967296 : x % 4294967296;
}

/** True if port a looks like the server's: a service name, or the lower number. */
function isServerPort(a: number, b: number): boolean {
  if (a !== a) return b === b; // a service name
  if (b !== b) return false;
  return a < b;
}

function join(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
