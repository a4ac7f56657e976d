// Turns pcap and pcapng captures into the text `tcpdump -nn -r FILE` prints (with TZ=UTC):
// TCP lines byte for byte as tcpdump 4.99 prints them, short one-line summaries for other
// packets, and "[tcp-trace: ...]" lines where the file itself is damaged. Pure TypeScript
// over Uint8Array: it runs in Node, the browser and a worker, and it streams.

import { CaptureReader, MAX_SNAPLEN, type PacketSink } from './reader';
import { Out } from './writer';
import { Packet, TRUNCATED } from './packet';
import { TcpPrinterState } from './tcp';
import { clockSeconds, TcpFields } from './fields';
import { printLink, supportedLinkType, type LinkContext } from './link';

export type { TcpFields } from './fields';

export interface PcapProblem {
  /** Byte offset in the capture file where the damage is. */
  offset: number;
  message: string;
}

export interface PcapPrinterOptions {
  /** Receives the text as ASCII bytes, always whole lines. The array is not reused. */
  onData(bytes: Uint8Array): void;
  /** Print nine-digit fractions, like `tcpdump --nano`. */
  nano?: boolean;
  /**
   * Names the interface of a Linux cooked v2 packet (`tcpdump -i any`) from its index. tcpdump
   * asks the host it runs on; without this the name prints as "?".
   */
  interfaceName?(index: number): string | undefined;
  /** Roughly how many bytes to collect before calling onData (default 64 kB). */
  chunkSize?: number;
  /**
   * Takes plain TCP segments as fields instead of printing them (see fields.ts): each comes
   * here in the place its line would take, and counts as that line. The lines printed before
   * it (other packets, unusual segments) have gone to onData by then, so the order holds.
   * The object is reused for the next segment.
   */
  onSegment?(fields: TcpFields): void;
  /** With onSegment: false when the text printed after a segment's "length N" must stay text. */
  plainTail?(b: Uint8Array, start: number, end: number): boolean;
}

export interface PcapSummary {
  format: 'pcap' | 'pcapng' | null;
  packets: number;
  /** Lines written, problem lines included. */
  lines: number;
  /** TCP lines whose payload tcpdump would decode further (BGP, SMB, ...) and that end at "length N". */
  appOmitted: number;
  problems: PcapProblem[];
  /** All problems, also those beyond the first MAX_PROBLEMS kept in `problems`. */
  problemCount: number;
}

const MAX_PROBLEMS = 1000;

/** Whether the bytes start like a pcap or pcapng file. */
export function isCapture(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  const m = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
  return (
    m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1 || m === 0xa1b2cd34 || m === 0x34cdb2a1 || m === 0x0a0d0d0a
  );
}

/** Streams a capture into tcpdump-style text: push() chunks split anywhere, then finish(). */
export class PcapPrinter implements PacketSink {
  private readonly out = new Out();
  private readonly pk = new Packet(this.out);
  private readonly reader: CaptureReader;
  private readonly cx: LinkContext;
  private readonly nano: boolean;
  private readonly chunkSize: number;
  private lines = 0;
  private appOmitted = 0;
  readonly problems: PcapProblem[] = [];
  problemCount = 0;

  constructor(private readonly options: PcapPrinterOptions) {
    this.nano = !!options.nano;
    this.chunkSize = options.chunkSize ?? 1 << 16;
    this.reader = new CaptureReader(this, this.nano);
    const names = options.interfaceName;
    this.cx = { tcp: new TcpPrinterState(), interfaceName: names ? (i) => names(i) : () => undefined };
    if (options.onSegment) {
      const plainTail = options.plainTail ?? (() => false);
      this.cx.tcp.fieldsMode = { fields: new TcpFields(), plainTail, prefixStart: 0, plainClock: false, taken: false };
    }
  }

  push(chunk: Uint8Array): void {
    this.reader.push(chunk);
    this.flush(false);
  }

  finish(): PcapSummary {
    this.reader.finish();
    this.flush(true);
    return {
      format: this.reader.format,
      packets: this.reader.packets,
      lines: this.lines,
      appOmitted: this.appOmitted,
      problems: this.problems,
      problemCount: this.problemCount,
    };
  }

  private flush(all: boolean): void {
    if (this.out.pos && (all || this.out.pos >= this.chunkSize)) this.options.onData(this.out.take());
  }

  problem(message: string, offset: number): void {
    this.problemCount++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push({ offset, message });
    this.out.str('[tcp-trace: ');
    this.out.str(message);
    this.out.str(']\n');
    this.lines++;
  }

  packet(b: Uint8Array, off: number, caplen: number, len: number, sec: number, frac: number, linkType: number): void {
    const o = this.out;
    const start = o.pos;
    if (!supportedLinkType(linkType)) {
      this.problem(`packet ${this.reader.packets}: link type ${linkType} is not supported (${caplen} bytes)`, this.reader.recordOffset);
      this.flush(false);
      return;
    }
    this.lines++;
    if (invalidHeader(o, caplen, len)) {
      this.flush(false);
      return;
    }
    const mode = this.cx.tcp.fieldsMode;
    // With fields taken, a plain clock is written only once the line turns out to be printed.
    let clockDue = false;
    if (mode) {
      mode.taken = false;
      // Only the six-digit clock is read back to the same number (see clockSeconds).
      clockDue = mode.plainClock = !this.nano && frac < 1e6 && !timeError(sec);
      mode.fields.time = clockSeconds(sec, frac);
    }
    if (!clockDue) timestamp(o, sec, frac, this.nano);
    if (mode) mode.prefixStart = o.pos;
    const pk = this.pk;
    pk.b = b;
    pk.end = off + caplen;
    pk.proto = '';
    const tcp = this.cx.tcp;
    tcp.appOmitted = false;
    try {
      printLink(pk, linkType, off, len, caplen, this.cx);
    } catch (e) {
      if (e === TRUNCATED) {
        o.str(' [|');
        o.str(pk.proto);
        o.ch(93);
      } else {
        // A bug here must not lose the rest of the capture: say so on this packet's line.
        o.pos = start;
        timestamp(o, sec, frac, this.nano);
        clockDue = false;
        o.str('[tcp-trace: packet ');
        o.dec(this.reader.packets);
        o.str(' could not be printed]');
        this.problemCount++;
        if (this.problems.length < MAX_PROBLEMS) this.problems.push({ offset: this.reader.recordOffset, message: `packet ${this.reader.packets}: ${(e as Error)?.message ?? e}` });
      }
    }
    if (tcp.appOmitted) this.appOmitted++;
    if (mode?.taken) {
      // Taken as fields: the lines before it go first, its own unprinted line is dropped.
      o.pos = start;
      if (o.pos) this.options.onData(o.take());
      this.options.onSegment!(mode.fields);
      return;
    }
    if (clockDue) insertClock(o, start, sec, frac);
    o.ch(10);
    this.flush(false);
  }
}

/** tcpdump's check of the record lengths, printed instead of the packet when they are impossible. */
function invalidHeader(o: Out, caplen: number, len: number): boolean {
  const bad: string[] = [];
  if (caplen === 0) bad.push(' caplen==0');
  if (len === 0) bad.push(' len==0');
  else if (len < caplen) bad.push(` len(${len}) < caplen(${caplen})`);
  if (caplen > MAX_SNAPLEN) bad.push(` caplen(${caplen}) > ${MAX_SNAPLEN}`);
  if (len > MAX_SNAPLEN) bad.push(` len(${len}) > ${MAX_SNAPLEN}`);
  if (!bad.length) return false;
  o.str('[Invalid header:' + bad.join(',') + ']\n');
  return true;
}

/** HH:MM:SS.ffffff in UTC, then a space; tcpdump refuses times with bit 31 of the seconds set. */
function timestamp(o: Out, sec: number, frac: number, nano: boolean): void {
  if (timeError(sec)) {
    o.str('[Error converting time] ');
    return;
  }
  const t = sec % 86400;
  const h = Math.floor(t / 3600);
  const m = Math.floor(t / 60) % 60;
  const s = t % 60;
  o.decPad(h, 2);
  o.ch(58);
  o.decPad(m, 2);
  o.ch(58);
  o.decPad(s, 2);
  o.ch(46);
  o.decPad(frac, nano ? 9 : 6);
  o.ch(32);
}

/** Writes the clock at `start`, before the line's text written from there. */
function insertClock(o: Out, start: number, sec: number, micros: number): void {
  const end = o.pos;
  o.ensure(CLOCK_BYTES);
  o.buf.copyWithin(start + CLOCK_BYTES, start, end);
  o.pos = start;
  timestamp(o, sec, micros, false);
  o.pos = end + CLOCK_BYTES;
}

/** "HH:MM:SS.ffffff " */
const CLOCK_BYTES = 16;

function timeError(sec: number): boolean {
  return Math.floor(sec / 2147483648) % 2 === 1 || sec >= 2 ** 53;
}

/** Prints a whole capture held in memory; for tests and small files. */
export function captureToText(bytes: Uint8Array, options: Omit<PcapPrinterOptions, 'onData'> = {}): { text: string; summary: PcapSummary } {
  const parts: Uint8Array[] = [];
  const p = new PcapPrinter({ ...options, onData: (b) => parts.push(b) });
  p.push(bytes);
  const summary = p.finish();
  const dec = new TextDecoder('latin1');
  return { text: parts.map((b) => dec.decode(b)).join(''), summary };
}
