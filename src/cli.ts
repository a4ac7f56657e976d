// tcp-trace: the command-line front end over the engine.

import { createReadStream } from 'node:fs';
import { TraceBuilder, type ConnectionSummary, type Trace, type TraceOptions } from './trace';

const USAGE = `usage: tcp-trace [options] FILE
       tcpdump -nn -r capture.pcap | tcp-trace -

Reads tcpdump text output (FILE, or - for standard input) and prints each TCP connection:
its endpoints, both ends' RFC 9293 states, handshake, teardown and anomalies.

options:
  --json             print one JSON document (format tcp-trace/1)
  --packets          with --json, add one record per TCP packet
  --time-wait SECS   how long TIME_WAIT lasts (2MSL), default 60
  --absolute         read seq/ack as absolute (tcpdump -S); detected when not given
  -h, --help         show this help
`;

class UsageError extends Error {}

interface Args {
  file: string;
  json: boolean;
  packets: boolean;
  options: TraceOptions;
}

function parseArgs(argv: string[]): Args | null {
  const args: Args = { file: '', json: false, packets: false, options: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') return null;
    else if (a === '--json') args.json = true;
    else if (a === '--packets') args.packets = true;
    else if (a === '--absolute') args.options.absoluteSeq = true;
    else if (a === '--time-wait') {
      const v = Number(argv[++i]);
      if (!(v >= 0)) throw new UsageError('--time-wait needs a number of seconds');
      args.options.timeWaitSeconds = v;
    } else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
    else if (args.file) throw new UsageError('only one input file');
    else args.file = a;
  }
  if (!args.file) throw new UsageError('no input file (use - for standard input)');
  if (args.packets && !args.json) throw new UsageError('--packets goes with --json');
  return args;
}

/** Capture files are binary; say how to turn them into text instead of parsing noise. */
function looksLikeCapture(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  const m = (b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]) >>> 0;
  return m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1 || m === 0x0a0d0d0a;
}

async function read(file: string): Promise<Trace> {
  const builder = new TraceBuilder(currentOptions);
  const stream = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 1 << 20 });
  let first = true;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (first) {
      first = false;
      if (looksLikeCapture(chunk)) throw new UsageError(`${file} is a binary capture; print it as text first: tcpdump -nn -r ${file} | tcp-trace -`);
      if (chunk.length >= 2 && ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))) {
        throw new UsageError(`${file} is UTF-16 text; convert it to UTF-8 first (iconv -f UTF-16 -t UTF-8)`);
      }
      builder.push(chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? chunk.subarray(3) : chunk);
    } else builder.push(chunk);
  }
  return builder.finish();
}

let currentOptions: TraceOptions = {};

function kb(n: number): string {
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} kB` : `${(n / 1048576).toFixed(1)} MB`;
}

function summaryLine(c: ConnectionSummary): string {
  const parts = [
    `#${c.id} ${c.client} > ${c.server}${c.roleInferred ? ' (roles inferred)' : ''}`,
    `  ${c.connState} ${c.history}  client ${c.clientState ?? '?'}  server ${c.serverState ?? '?'}`,
    `  lines ${c.firstLine}-${c.lastLine}, ${c.packets} packets, ${kb(c.bytes.client)} up, ${kb(c.bytes.server)} down` +
      (c.duration !== null ? `, ${c.duration.toFixed(6)} s` : ''),
  ];
  const h = c.handshake;
  if (c.midStream) parts.push('  capture started after the handshake');
  else if (h.complete) {
    const opts = [h.mss !== null ? `mss ${h.mss}` : '', h.wscale ? `wscale ${h.wscale.client}/${h.wscale.server}` : '', h.sackPermitted ? 'sack' : '', h.timestamps ? 'ts' : '']
      .filter(Boolean)
      .join(', ');
    parts.push(`  handshake: rtt ${h.rttMs?.toFixed(3) ?? '?'} ms, isn ${h.clientIsn}/${h.serverIsn}${opts ? `, ${opts}` : ''}`);
  } else if (h.synLine !== null) parts.push(`  handshake incomplete${h.synRetransmissions ? `, ${h.synRetransmissions} SYN retransmissions` : ''}${h.synAckRetransmissions ? `, ${h.synAckRetransmissions} SYN,ACK retransmissions` : ''}`);
  const cl = c.close;
  if (cl.rstFrom) parts.push(`  reset by the ${cl.rstFrom}`);
  else if (cl.firstFinFrom) parts.push(`  close: ${cl.kind}, ${cl.firstFinFrom} closed first`);
  if (c.events.length) {
    const counts = new Map<string, number>();
    for (const e of c.events) counts.set(e.kind, (counts.get(e.kind) ?? 0) + 1);
    parts.push(`  events: ${[...counts].map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  }
  return parts.join('\n');
}

function printText(trace: Trace): void {
  const out: string[] = [];
  out.push(`${trace.lines} lines, ${trace.packetCount} TCP packets, ${trace.connections.length} connections, ${trace.skipped} other lines skipped, ${trace.problems.length} problems`);
  for (const c of trace.connections) out.push(summaryLine(c));
  for (const f of trace.halfOpenFloods) out.push(`half-open flood on ${f.listener}: ${f.peak} connections in SYN_RECEIVED from ${f.sources} sources (line ${f.line})`);
  for (const p of trace.problems.slice(0, 20)) out.push(`line ${p.line}: ${p.reason}`);
  if (trace.problems.length > 20) out.push(`... ${trace.problems.length - 20} more problems (see --json)`);
  process.stdout.write(out.join('\n') + '\n');
}

async function main(argv: string[]): Promise<number> {
  let args: Args | null;
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`tcp-trace: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!args) {
    process.stdout.write(USAGE);
    return 0;
  }
  currentOptions = args.options;
  let trace: Trace;
  try {
    trace = await read(args.file);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const msg = e instanceof UsageError ? err.message : err.code === 'ENOENT' ? `cannot open ${args.file}: no such file` : err.code === 'EISDIR' ? `${args.file} is a directory` : `cannot read ${args.file}: ${err.message}`;
    process.stderr.write(`tcp-trace: ${msg}\n`);
    return 2;
  }
  if (args.json) await writeJson(trace, args.packets);
  else printText(trace);
  return 0;
}

/** Writes the JSON document in pieces: one string of a million packet records is too big. */
async function writeJson(trace: Trace, packets: boolean): Promise<void> {
  const doc = trace.toJSON(packets);
  const records = doc.packetRecords;
  delete doc.packetRecords;
  const head = JSON.stringify(doc);
  if (!records) return write(head + '\n');
  await write(head.slice(0, -1) + ',"packetRecords":[');
  const batch = 10000;
  for (let i = 0; i < records.length; i += batch) {
    const part = records.slice(i, i + batch).map((r) => JSON.stringify(r)).join(',');
    await write((i > 0 ? ',' : '') + part);
  }
  await write(']}\n');
}

function write(s: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.stdout.write(s)) resolve();
    else process.stdout.once('drain', resolve);
    process.stdout.once('error', reject);
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
