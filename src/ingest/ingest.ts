// One way in: bytes of any input reach the engine through here, in the CLI, the worker and the
// in-process fallback alike. A pcap or pcapng capture (told by its first four bytes) goes to
// the builder as packet records where its tcpdump line would be plain, and as that text
// otherwise; the result is the same as analysing the whole printed text, line numbers
// included. Text goes to the builder as it is (UTF-8, or UTF-16 after a byte-order mark,
// which the builder decodes as the chunks stream).

import { isCapture, PcapPrinter, type PcapPrinterOptions, type PcapSummary, type TcpFields } from '../pcap';
import type { Trace, TraceBuilder, TraceOptions } from '../trace';
import { TraceBuilder as Builder } from '../trace';
import { LineRecord } from '../trace/scan';
import { plainTail, toRecord } from './records';

/** The bytes a capture is told by. */
const MAGIC_BYTES = 4;

export class Ingest {
  /** The first bytes, kept until there are enough to tell a capture; null once told. */
  private head: Uint8Array | null = new Uint8Array(0);
  private printer: PcapPrinter | null = null;

  constructor(
    private readonly builder: TraceBuilder,
    private readonly interfaceName?: PcapPrinterOptions['interfaceName'],
  ) {}

  /** Takes the next chunk. The chunk may be reused by the caller afterwards. */
  push(chunk: Uint8Array): void {
    if (this.head) {
      this.head = concat(this.head, chunk);
      if (this.head.length < MAGIC_BYTES) return;
      const first = this.head;
      this.head = null;
      if (isCapture(first)) this.printer = this.capturePrinter();
      this.send(first);
    } else this.send(chunk);
  }

  /** Ends the input: what the capture reader found, for a capture, or null for text. */
  end(): PcapSummary | null {
    if (this.head?.length) this.builder.push(this.head);
    this.head = null;
    return this.printer?.finish() ?? null;
  }

  private capturePrinter(): PcapPrinter {
    const b = this.builder;
    const options: PcapPrinterOptions = { onData: (bytes) => b.push(bytes), interfaceName: this.interfaceName };
    if (b.takesRecords) {
      const r = new LineRecord();
      options.onSegment = (f) => b.pushRecord(toRecord(f, r));
      options.plainTail = plainTail;
    }
    return new PcapPrinter(options);
  }

  private send(chunk: Uint8Array): void {
    if (this.printer) this.printer.push(chunk);
    else this.builder.push(chunk);
  }
}

/** Analyses a whole input held in memory: a capture or tcpdump text. */
export function analyzeInput(bytes: Uint8Array, options?: TraceOptions): Trace {
  const b = new Builder(options);
  b.expect(bytes.length);
  const ingest = new Ingest(b);
  // In slices: the builder decodes UTF-16 as it goes, so no second copy of the whole text.
  const step = 1 << 24;
  for (let i = 0; i < bytes.length; i += step) ingest.push(bytes.subarray(i, Math.min(bytes.length, i + step)));
  ingest.end();
  return b.finish();
}

/**
 * True where the input is neither a capture nor text that may start with a byte-order mark
 * (UTF-16 either way, or UTF-8 with one: told by the first byte, erring on the safe side).
 * Such plain UTF-8 text may be scanned by a second thread, which takes no byte-order mark.
 */
export function isPlainUtf8(head: Uint8Array): boolean {
  return !isCapture(head) && !(head.length > 0 && (head[0] === 0xff || head[0] === 0xfe || head[0] === 0xef));
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (!a.length) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
