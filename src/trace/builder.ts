// Turns bytes of tcpdump text into packets and connections in one streaming pass.

import { Connection } from './connection';
import { Endpoints } from './endpoints';
import { EVENT_BIT } from './expert';
import { Flag, type Problem, type TraceOptions } from './model';
import { PacketTable } from './packets';
import { LineKind, LineRecord, scanLine, TimeKind } from './scan';
import { State } from './states';
import { TraceData } from './trace';

/** The most problem records kept; later ones are only counted. */
const MAX_PROBLEMS = 10000;

/** What tcpdump's relative sequence numbers are relative to, per 4-tuple. */
interface Tuple {
  conn: Connection;
  /** The endpoint whose numbers `base[0]` rebases; the other side uses base[1]. */
  baseEp: number;
  base: [number, number];
  /** False where the base is tcpdump's but was never printed (a bare ACK opened the entry). */
  known: [boolean, boolean];
  hasBase: boolean;
}

const enum SeqMode {
  Unknown,
  Relative,
  Absolute,
}

export class TraceBuilder {
  private readonly t = new PacketTable();
  private readonly endpoints = new Endpoints();
  private readonly tuples = new Map<number, Tuple>();
  private readonly connections: Connection[] = [];
  private readonly problems: Problem[] = [];
  private problemCount = 0;
  private readonly r = new LineRecord();
  private line = 0;
  private skipped = 0;
  private carry: Uint8Array | null = null;
  private seqMode: SeqMode;
  // -v: the IP header line waiting for its TCP line.
  private headerLine = -1;
  private headerTime = NaN;
  private headerTimeKind = TimeKind.None;
  // Time handling.
  private timeKind = TimeKind.None;
  private lastTime = NaN;
  private dayOffset = 0;
  private deltaDecreased = false;
  private finished = false;

  constructor(private readonly options: TraceOptions = {}) {
    this.seqMode = options.absoluteSeq === true ? SeqMode.Absolute : options.absoluteSeq === false ? SeqMode.Relative : SeqMode.Unknown;
  }

  /** Number of lines read so far. */
  get linesRead(): number {
    return this.line;
  }

  get packetCount(): number {
    return this.t.length;
  }

  /** Feeds the next chunk of bytes. Lines may span chunks. */
  push(chunk: Uint8Array): void {
    let start = 0;
    if (this.carry) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.carry = concat(this.carry, chunk);
        return;
      }
      const joined = concat(this.carry, chunk.subarray(0, nl));
      this.carry = null;
      this.readLine(joined, 0, joined.length);
      start = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl < 0) break;
      this.readLine(chunk, start, nl);
      start = nl + 1;
    }
    if (start < chunk.length) this.carry = chunk.slice(start);
  }

  /** Ends the input and returns the analysed trace. */
  finish(): TraceData {
    if (this.finished) throw new Error('TraceBuilder.finish() called twice');
    this.finished = true;
    if (this.carry && this.carry.length > 0) this.readLine(this.carry, 0, this.carry.length);
    this.carry = null;
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
    this.addPacket(r, headLine);
  }

  private time(r: LineRecord): number {
    let time = r.time;
    if (r.timeKind === TimeKind.None) return NaN;
    if (this.timeKind === TimeKind.None) this.timeKind = r.timeKind;
    if (r.timeKind === TimeKind.TimeOfDay) {
      // Midnight passed: time of day went back by more than half a day.
      if (this.lastTime === this.lastTime && time + this.dayOffset < this.lastTime - 43200) this.dayOffset += 86400;
      time += this.dayOffset;
    } else if (r.timeKind === TimeKind.Delta && time < this.lastTime) this.deltaDecreased = true;
    this.lastTime = time;
    return time;
  }

  private addPacket(r: LineRecord, headLine: number): void {
    const t = this.t;
    const src = this.endpoints.intern(r.epBuf, r.srcStart, r.srcEnd, r.srcDot);
    const dst = this.endpoints.intern(r.epBuf, r.dstStart, r.dstEnd, r.dstDot);
    const lo = src < dst ? src : dst;
    const key = lo * 67108864 + (src < dst ? dst : src);
    let tuple = this.tuples.get(key);

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
          const i = src === tuple.baseEp ? 0 : 1;
          if (seq === seq) seq = (seq + tuple.base[i]) % 4294967296;
          if (ack === ack) ack = (ack + tuple.base[1 - i]) % 4294967296;
          if (!tuple.known[i]) f |= Flag.SEQ_RELATIVE;
          if (!tuple.known[1 - i]) f |= Flag.ACK_RELATIVE;
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
      const prevSyn = conn.machine.m.synSeq[sender];
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
        tuple = { conn, baseEp: src, base: [0, 0], known: [false, false], hasBase: false };
        this.tuples.set(key, tuple);
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
      if (c && s && c.wscale !== null && s.wscale !== null) conn.expert.shift = [c.wscale, s.wscale];
    }
    conn.add(t, p, this.line);
  }

  private setBase(tuple: Tuple, src: number, seq: number, ack: number): void {
    if (ack !== ack) return;
    tuple.baseEp = src;
    tuple.base = [seq === seq ? seq : 0, (ack + 4294967295) % 4294967296];
    tuple.known = [seq === seq, true];
    tuple.hasBase = true;
  }

  /** tcpdump -S prints every number absolute: tell by how close the ack is to the base. */
  private detectSeqMode(tuple: Tuple, src: number, ack: number): void {
    if (ack !== ack) return;
    const base = tuple.base[src === tuple.baseEp ? 1 : 0];
    if (!tuple.known[src === tuple.baseEp ? 1 : 0]) return;
    // Distance of the printed ack from the base, against its distance from zero.
    const fromBase = Math.abs((ack - base) | 0);
    const fromZero = Math.min(ack, 4294967296 - ack);
    if (fromBase * 1000 < fromZero) this.seqMode = SeqMode.Absolute;
    else if (fromZero * 1000 < fromBase) this.seqMode = SeqMode.Relative;
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
    const conn = new Connection(this.connections.length, client, server, inferred, mid, unknown, p, this.t);
    if (!unknown && (f & Flag.SYN) && (f & Flag.ACK)) conn.machine.setInitial(State.SYN_SENT, State.LISTEN);
    this.connections.push(conn);
    return conn;
  }

  /** -ttt prints the time since the previous packet: add them up. */
  private accumulateDeltas(): void {
    const t = this.t;
    let sum = 0;
    for (let p = 0; p < t.length; p++) {
      sum += t.time[p];
      t.time[p] = sum;
    }
  }
}

/** True if port a looks like the server's: a service name, or the lower number. */
function isServerPort(a: number, b: number): boolean {
  if (a !== a) return b === b; // a service name
  if (b !== b) return false;
  return a < b;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
