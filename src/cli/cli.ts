// tcp-trace: the command-line front end over the engine.

import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { concat, Ingest, isPlainUtf8 } from '../ingest/ingest';
import { isCapture, PcapPrinter, type PcapSummary } from '../pcap';
import { Progress } from './progress';
import { hostInterfaceName } from './interfaces';
import { readWithScanThread, useScanThread } from './scanThread';
import { keepNormalized, needsRepairs, repairText, TraceBuilder, type Trace, type TraceOptions } from '../trace';
import { limitsOf } from '../trace/limits';
import { aggregateReport, connectionsCsv, connectionText, printable, textReport, type GroupBy } from '../trace/report';
import { rebuildLosses, rebuildPcap } from '../ingest/toPcap';
import { filterConnections, FilterError, filterPackets, parseFilter, type Filter } from '../trace/filter';
import { toUtf8 } from '../trace';

const USAGE = `usage: tcp-trace [options] FILE
       tcp-trace --print capture.pcap
       tcp-trace --normalize pasted.txt
       tcp-trace --csv capture.pcap > connections.csv
       tcp-trace --by server capture.pcap
       tcp-trace --to-pcap out.pcap capture.tcpdump
       tcp-trace --filter 'connState == REJ or rttMs > 100' capture.pcap
       tcpdump -nn -r capture.pcap | tcp-trace -
       tcp-trace mcp

Reads tcpdump text output or a pcap/pcapng capture (FILE, or - for standard input; told
apart by the file's first bytes) and prints each TCP connection: its endpoints, both ends'
RFC 9293 states, handshake, teardown and anomalies. Text copied from a web page, a mail or
a terminal is repaired as it is read, and one line on stderr says what was repaired.

options:
  --json             print one JSON document (format tcp-trace/1)
  --packets          with --json, add one record per TCP packet; with --filter, filter packets
  --time-wait SECS   how long TIME_WAIT lasts (2MSL), default 60
  --absolute         read seq/ack as absolute (tcpdump -S); detected when not given
  --print            print the capture as \`TZ=UTC tcpdump -nn -r FILE\` would, and stop
  --normalize        print the text as it is read: one packet per line, glued and wrapped
                     packets mended, prompts, banners, quoting and notes left out
  --csv              print every connection as a CSV line (RFC 4180, with a header)
  --by server|client sum the connections per server endpoint or per client host:
                     connections, resets, refusals, unanswered SYNs, handshake RTT p50/p95
  --filter EXPR      only the connections that match EXPR (with --packets: the packets),
                     e.g. 'flags.rst and port == 443', 'state.server == CLOSE_WAIT',
                     'event == retransmission or rttMs > 100', 'not (host == 10.0.0.1)'
  --to-pcap OUT      write the TCP packets of tcpdump text to OUT as a pcap, each header
                     rebuilt from its line (payload zeros; see the README for what cannot
                     come back), and stop
  -h, --help         show this help

\`tcp-trace mcp\` serves the trace as tools for AI assistants (Model Context Protocol, on
standard input and output): a summary, connections matching a filter, the explanation of a
connection or a packet line, and why a connection is slow. Each call names a trace file; the
server only reads it.

A large file is read and scanned by a second thread while the analysis runs;
TCP_TRACE_THREADS=1 in the environment keeps to one thread (the output is the same).
`;

class UsageError extends Error {}

interface Args {
  file: string;
  json: boolean;
  packets: boolean;
  print: boolean;
  normalize: boolean;
  csv: boolean;
  by: GroupBy | null;
  toPcap: string | null;
  filter: Filter | null;
  options: TraceOptions;
}

function parseArgs(argv: string[]): Args | null {
  const args: Args = { file: '', json: false, packets: false, print: false, normalize: false, csv: false, by: null, toPcap: null, filter: null, options: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') return null;
    else if (a === '--json') args.json = true;
    else if (a === '--packets') args.packets = true;
    else if (a === '--print') args.print = true;
    else if (a === '--normalize') args.normalize = true;
    else if (a === '--csv') args.csv = true;
    else if (a === '--by') {
      const v = argv[++i];
      if (v !== 'server' && v !== 'client') throw new UsageError('--by needs server or client');
      args.by = v;
    }
    else if (a === '--filter') {
      const v = argv[++i];
      if (v === undefined) throw new UsageError('--filter needs an expression');
      try {
        args.filter = parseFilter(v);
      } catch (e) {
        if (!(e instanceof FilterError)) throw e;
        // The expression, and a caret under the mistake.
        throw new UsageError(`--filter: ${e.message} (column ${e.column + 1})\n  ${v}\n  ${' '.repeat(e.column)}^`);
      }
    } else if (a === '--to-pcap') {
      const v = argv[++i];
      if (!v || v === '-') throw new UsageError('--to-pcap needs the name of the pcap file to write');
      args.toPcap = v;
    } else if (a === '--absolute') args.options.absoluteSeq = true;
    else if (a === '--time-wait') {
      const v = Number(argv[++i]);
      if (!(v >= 0)) throw new UsageError('--time-wait needs a number of seconds');
      args.options.timeWaitSeconds = v;
    } else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
    else if (args.file) throw new UsageError('only one input file');
    else args.file = a;
  }
  if (!args.file) throw new UsageError('no input file (use - for standard input)');
  if (args.packets && !args.json && !args.filter) throw new UsageError('--packets goes with --json or --filter');
  if (args.filter && (args.print || args.normalize || args.toPcap)) throw new UsageError('--filter goes with the report, --json, --csv or --by');
  if (args.print && args.json) throw new UsageError('--print and --json do not go together');
  if ([args.print, args.json, args.normalize, args.csv, args.by !== null, args.toPcap !== null].filter(Boolean).length > 1) {
    throw new UsageError('choose one of --print, --json, --normalize, --csv, --by and --to-pcap');
  }
  return args;
}

/** The trace of a file or standard input. The CLI never changes a trace: the limits worked out for the verdicts are kept for the JSON. */
async function read(file: string, progress: Progress): Promise<Trace> {
  let builder = new TraceBuilder(currentOptions, currentSink);
  let total = 0;
  if (file !== '-') {
    const stat = statSync(file);
    if (stat.isFile()) total = stat.size;
    // The file's size lets the builder make its packet table once.
    builder.expect(stat.size);
    // A large file is read and scanned by a second thread while this one analyses.
    if (stat.isFile() && !currentSink && useScanThread(stat.size)) {
      const scanned = await readWithScanThread(file, builder, () => suitsScanThread(file), (n) => progress.update(n, total));
      if (scanned) {
        if (!builder.unrepairedLine) {
          if (scanned.capture) reportCapture(file, scanned.capture);
          return builder.finish({ keepLimits: true });
        }
        // Text past the first 64 kB needs a repair the scanning thread does not make, or lines
        // it reads apart are read as one here: read it again on this thread.
        progress.end();
        const why = builder.unrepairedJoin ? 'is read together with the lines after it' : 'needs a repair';
        process.stderr.write(`tcp-trace: ${printable(file)}: line ${builder.unrepairedLine} ${why}; reading the file again on one thread\n`);
      }
      // No second thread, or text to repair: read it all here.
      builder = new TraceBuilder(currentOptions);
      builder.expect(stat.size);
    }
  }
  const ingest = new Ingest(builder, hostInterfaceName);
  let read = 0;
  for await (const chunk of input(file)) {
    read += chunk.length;
    progress.update(read, total);
    ingest.push(chunk);
  }
  const capture = ingest.end();
  if (capture) reportCapture(file, capture);
  return builder.finish({ keepLimits: true });
}

/**
 * The input in chunks. A file is read 1 MB at a time into one buffer, reused: a new buffer per
 * chunk leaves tens of MB of dead buffers waiting for the garbage collector. A chunk is valid
 * until the next one is asked for (the builder and the pcap reader copy what they keep); a
 * short read (a pipe) is copied, so bytes collected across reads stay intact.
 */
async function* input(file: string): AsyncIterable<Uint8Array> {
  if (file === '-') {
    yield* process.stdin as AsyncIterable<Buffer>;
    return;
  }
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafeSlow(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      yield bytesRead < CHUNK ? Buffer.from(buf.subarray(0, bytesRead)) : buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

const CHUNK = 1 << 20;

/**
 * Bytes of a file looked at to tell whether its text needs repairs (which one thread reads).
 * Small: this look is made before the second thread starts, by code not yet compiled, and a
 * repair found later costs a second read, not a wrong result.
 */
const SNIFF_BYTES = 64 << 10;

/** True for a capture, and for clean tcpdump text: no byte-order mark, no repairs in its first 64 kB. */
function suitsScanThread(file: string): boolean {
  const head = new Uint8Array(SNIFF_BYTES);
  const fd = openSync(file, 'r');
  try {
    const n = readSync(fd, head, 0, head.length, 0);
    return isCapture(head.subarray(0, n)) || (isPlainUtf8(head.subarray(0, n)) && !needsRepairs(head.subarray(0, n)));
  } finally {
    closeSync(fd);
  }
}

/** Damage found in a capture: one line on stderr (the text has a line per problem too). */
function reportCapture(file: string, s: PcapSummary): void {
  if (!s.problemCount) return;
  const first = s.problems[0];
  process.stderr.write(`tcp-trace: ${file === '-' ? 'standard input' : file}: ${s.problemCount} problem${s.problemCount > 1 ? 's' : ''} reading the capture (first, at byte ${first.offset}: ${first.message})\n`);
}

/** `tcp-trace --print`: the capture as tcpdump text on standard output, with back-pressure. */
async function printCapture(file: string): Promise<void> {
  const parts: Uint8Array[] = [];
  const printer = new PcapPrinter({ onData: (b) => parts.push(b), interfaceName: hostInterfaceName });
  let head: Uint8Array | null = new Uint8Array(0);
  for await (const chunk of input(file)) {
    if (head) {
      head = concat(head, chunk);
      if (head.length < 4) continue;
      if (!isCapture(head)) throw new UsageError(`${file} is not a pcap or pcapng capture; --print reads captures`);
      printer.push(head);
      head = null;
    } else printer.push(chunk);
    await writeAll(parts.splice(0));
  }
  if (head) throw new UsageError(`${file} is not a pcap or pcapng capture; --print reads captures`);
  reportCapture(file, printer.finish());
  await writeAll(parts.splice(0));
}

/** `tcp-trace --to-pcap OUT FILE`: tcpdump text back to a pcap; stderr says what could not come back. */
async function toPcap(file: string, outFile: string, options: TraceOptions): Promise<number> {
  const parts: Uint8Array[] = [];
  for await (const chunk of input(file)) parts.push(chunk.slice());
  const bytes = new Uint8Array(Buffer.concat(parts));
  if (isCapture(bytes)) throw new UsageError(`${file} is already a capture; --to-pcap reads tcpdump text`);
  const text = new TextDecoder().decode(toUtf8(bytes));
  let fd: number;
  try {
    fd = openSync(outFile, 'w');
  } catch (e) {
    throw new UsageError(`cannot write ${outFile}: ${(e as Error).message}`);
  }
  let r;
  try {
    r = rebuildPcap(text, (chunk) => writeFully(fd, chunk), options);
  } finally {
    closeSync(fd);
  }
  const name = file === '-' ? 'standard input' : printable(file);
  process.stderr.write(`tcp-trace: wrote ${r.packets} TCP packet${r.packets === 1 ? '' : 's'} to ${printable(outFile)}${r.packets ? ' (payload bytes are zeros)' : ''}\n`);
  for (const said of rebuildLosses(r)) process.stderr.write(`tcp-trace: ${name}: ${said}\n`);
  if (r.packets === 0) process.stderr.write(`tcp-trace: no TCP packets in ${name} could be written; is it tcpdump -nn text?\n`);
  return 0;
}

function writeFully(fd: number, b: Uint8Array): void {
  for (let off = 0; off < b.length; ) off += writeSync(fd, b, off, b.length - off);
}

let currentOptions: TraceOptions = {};
/** Hears each line as read, for --normalize. */
let currentSink: ((line: string, tcp: boolean) => void) | null = null;

/** The output for --filter: the matching connections, or with --packets the matching packets. */
function* filtered(trace: Trace, f: Filter, args: Args): Iterable<string> {
  const conns = filterConnections(trace, f);
  const packets = args.packets ? filterPackets(trace, f) : [];
  if (args.json) {
    const doc = trace.toJSON(args.packets);
    doc.connections = conns;
    if (doc.packetRecords) doc.packetRecords = packets.map((p) => doc.packetRecords![p]);
    yield JSON.stringify(doc) + '\n';
  } else if (args.packets) {
    for (const p of packets) {
      const k = trace.packet(p);
      yield `line ${k.line}  #${k.connection} ${printable(k.src)}.${printable(k.sport)} > ${printable(k.dst)}.${printable(k.dport)} [${k.flags}] len ${k.len}  client ${k.after.client ?? '?'}  server ${k.after.server ?? '?'}${k.events.length ? '  ' + k.events.join(', ') : ''}\n`;
    }
    yield `${packets.length} of ${trace.packetCount} packets match\n`;
  } else if (args.csv) yield* connectionsCsv(conns);
  else if (args.by) {
    yield* aggregateReport(conns, args.by);
  } else {
    for (const c of conns) yield connectionText(c, limitsOf(trace, c)) + '\n';
    yield `${conns.length} of ${trace.connections.length} connections match\n`;
  }
}

function readError(file: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return e instanceof UsageError ? err.message : err.code === 'ENOENT' ? `cannot open ${file}: no such file` : err.code === 'EISDIR' ? `${file} is a directory` : `cannot read ${file}: ${err.message}`;
}

function noPackets(file: string, trace: Trace): string {
  const name = file === '-' ? 'standard input' : file;
  if (trace.lines === 0) return `${name} is empty`;
  const problems = trace.problems.length ? `, ${trace.problems.length} could not be read (first: line ${trace.problems[0].line}, ${printable(trace.problems[0].reason)})` : '';
  return `no TCP packets in ${name}: ${trace.lines} lines, ${trace.skipped} not TCP${problems}; is it tcpdump's text output?`;
}

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'mcp' && argv.length === 1) {
    // Standard output is the protocol's: nothing else may be written there. The server is a
    // bundle of its own (dist/mcp.js), loaded only here, so the SDK costs other commands nothing.
    const { serveMcp } = require(join(__dirname, 'mcp.js')) as typeof import('./mcp');
    await serveMcp((file) => read(file, new Progress({ write: () => true }, file)));
    return 0;
  }
  let args: Args | null;
  try {
    args = parseArgs(argv);
  } catch (e) {
    // A filter's mistake is shown under the expression; the whole usage would bury it.
    const message = (e as Error).message;
    process.stderr.write(`tcp-trace: ${message}\n${message.startsWith('--filter:') ? '' : USAGE}`);
    return 2;
  }
  if (!args) {
    process.stdout.write(USAGE);
    return 0;
  }
  currentOptions = args.options;
  const normalized: string[] = [];
  if (args.normalize) currentSink = (line, tcp) => {
    if (keepNormalized(line, tcp)) normalized.push(line + '\n');
  };
  if (args.print) {
    try {
      await printCapture(args.file);
      return 0;
    } catch (e) {
      if (isClosedPipe(e)) return 0;
      process.stderr.write(`tcp-trace: ${readError(args.file, e)}\n`);
      return 2;
    }
  }
  if (args.toPcap) {
    try {
      return await toPcap(args.file, args.toPcap, args.options);
    } catch (e) {
      process.stderr.write(`tcp-trace: ${readError(args.file, e)}\n`);
      return 2;
    }
  }
  let trace: Trace;
  const progress = new Progress(process.stderr, args.file === '-' ? 'standard input' : printable(args.file));
  try {
    trace = await read(args.file, progress);
  } catch (e) {
    progress.end();
    process.stderr.write(`tcp-trace: ${readError(args.file, e)}\n`);
    return 2;
  }
  progress.end();
  // The builder's per-connection objects are garbage now that the trace is columns. Collected
  // here, before the output is made, they do not add to the peak memory (about 10 MB less on the
  // benchmark's trace); V8 alone would keep them until its next full collection. `gc` is there
  // when node runs with --expose-gc, as the bin's first line starts it.
  (globalThis as { gc?: () => void }).gc?.();
  if (args.normalize) {
    try {
      await writeAll(normalized);
    } catch (e) {
      if (!isClosedPipe(e)) throw e;
    }
  }
  // Random bytes, an empty file or a log of something else: the result is valid (and empty),
  // and one line on stderr says why. Text that needed repairs says so too.
  if (trace.packetCount === 0) process.stderr.write(`tcp-trace: ${noPackets(args.file, trace)}\n`);
  else if (trace.problems.length) {
    // Fewer packets than the text seems to hold: say where to look.
    const first = trace.problems[0];
    process.stderr.write(`tcp-trace: ${args.file === '-' ? 'standard input' : printable(args.file)}: ${trace.problems.length} ${trace.problems.length === 1 ? 'line looks' : 'lines look'} like TCP but could not be read (first: line ${first.line}, ${printable(first.reason)})\n`);
  }
  if (trace.repairs.length) process.stderr.write(`tcp-trace: ${args.file === '-' ? 'standard input' : printable(args.file)}: read with repairs: ${trace.repairs.map((r) => repairText(r)).join('; ')}\n`);
  if (args.normalize) return 0;
  try {
    if (args.filter) await writeAll(filtered(trace, args.filter, args));
    else if (args.json) await writeAll(trace.jsonParts(args.packets), '\n');
    else if (args.csv) await writeAll(connectionsCsv(trace.connections));
    else if (args.by) await writeAll(aggregateReport(trace.connections, args.by));
    else await writeAll(textReport(trace));
  } catch (e) {
    if (!isClosedPipe(e)) throw e;
  }
  return 0;
}

// Kept for the life of the process: a closed pipe reports EPIPE after the last write too.
let outputError: Error | null = null;
process.stdout.on('error', (e: Error) => {
  outputError = e;
});

/** Characters of short pieces gathered into one write. */
const WRITE_CHARS = 1 << 16;

/**
 * Writes pieces to standard output as they are made, waiting when the pipe is full, so a large
 * document (tens of MB of JSON, far more with --packets) is never held whole. Short pieces (the
 * report's line per connection) are gathered into writes of about 64 kB: a write each would be
 * a system call each.
 */
async function writeAll(parts: Iterable<string | Uint8Array>, end = ''): Promise<void> {
  const out = process.stdout;
  let gathered = '';
  const write = async (part: string | Uint8Array) => {
    if (outputError) throw outputError;
    if (!out.write(part)) await drained(out);
  };
  for (const part of parts) {
    if (typeof part === 'string' && part.length < WRITE_CHARS) {
      gathered += part;
      if (gathered.length < WRITE_CHARS) continue;
      await write(gathered);
      gathered = '';
      continue;
    }
    if (gathered) await write(gathered);
    gathered = '';
    await write(part);
  }
  if (gathered + end) await write(gathered + end);
  if (outputError) throw outputError;
}

/** A reader that stops early (`| head`) closes the pipe: not an error of ours. */
function isClosedPipe(e: unknown): boolean {
  return (e as NodeJS.ErrnoException)?.code === 'EPIPE';
}

function drained(out: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      out.off('error', onError);
      resolve();
    };
    const onError = (e: Error) => {
      out.off('drain', onDrain);
      reject(e);
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`tcp-trace: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
