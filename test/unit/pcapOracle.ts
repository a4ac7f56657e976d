// tcpdump as the oracle for the pcap printer: run Debian's tcpdump on a capture, split both
// outputs into packets, and compare the TCP lines.

import { execFileSync, spawnSync } from 'node:child_process';

let available: boolean | undefined;

/** Whether a tcpdump binary can be run. */
export function hasTcpdump(): boolean {
  if (available === undefined) available = spawnSync('tcpdump', ['--version'], { stdio: 'ignore' }).status === 0;
  return available;
}

/** `TZ=UTC tcpdump -nn -r FILE` (plus extra options): its standard output. */
export function tcpdumpText(file: string, extra: string[] = []): string {
  return execFileSync('tcpdump', ['-nn', ...extra, '-r', file], {
    env: { ...process.env, TZ: 'UTC' },
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'ignore'],
    encoding: 'latin1',
  });
}

const PACKET_START = /^(?:\d{2}:\d{2}:\d{2}\.\d{6,9} |\[Invalid header|\[Error converting time\])/;

/** A line that shows a TCP header: "a.p > b.q: Flags [...]", a bad header length or " [|tcp]". */
export function isTcpLine(line: string): boolean {
  return /\d > \S*\d: (?:Flags \[|tcp \d| tcp \d|\[bad hdr| \[\|tcp\])/.test(line) || /\S > \S+: \[\|tcp\]$/.test(line);
}

/** Splits tcpdump text into packets: each a first line and its continuation lines. */
export function packets(text: string): string[][] {
  const out: string[][] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('[tcp-trace:')) continue;
    if (PACKET_START.test(line) || !out.length) out.push([line]);
    else out[out.length - 1].push(line);
  }
  return out;
}

export interface Comparison {
  packets: number;
  /** TCP lines in tcpdump's output. */
  tcpLines: number;
  /** TCP lines printed identically. */
  equal: number;
  /** TCP lines equal up to and including "length N", where tcpdump goes on to decode the payload. */
  upToLength: number;
  /** TCP lines not printed as TCP here, by reason. */
  notDecoded: Map<string, number>;
  mismatches: { packet: number; tcpdump: string; mine: string }[];
}

/** Compares the printer's text with tcpdump's, packet by packet. */
export function compare(tcpdump: string, mine: string): Comparison {
  const t = packets(tcpdump);
  const m = packets(mine);
  const c: Comparison = { packets: t.length, tcpLines: 0, equal: 0, upToLength: 0, notDecoded: new Map(), mismatches: [] };
  const n = Math.max(t.length, m.length);
  for (let i = 0; i < n; i++) {
    const tp = t[i] ?? [''];
    const mine1 = (m[i] ?? [''])[0];
    const tcpAt = tp.findIndex(isTcpLine);
    if (tcpAt < 0) {
      if (isTcpLine(mine1)) c.mismatches.push({ packet: i + 1, tcpdump: tp[0], mine: mine1 });
      continue;
    }
    c.tcpLines++;
    const line = tp[tcpAt];
    if (tcpAt === 0 && line === mine1) c.equal++;
    else if (tcpAt === 0 && /, length \d+$/.test(mine1) && line.startsWith(mine1) && !/^\d/.test(line.slice(mine1.length))) c.upToLength++;
    else if (!isTcpLine(mine1)) {
      const tunnel = tcpAt > 0 || !/^\S+ IP6? /.test(line) || /: .*\bIP6? \S+ > /.test(line);
      const reason = !mine1 ? 'link type not supported' : tunnel ? 'encapsulation not decoded' : 'not decoded';
      c.notDecoded.set(reason, (c.notDecoded.get(reason) ?? 0) + 1);
    } else c.mismatches.push({ packet: i + 1, tcpdump: line, mine: mine1 });
  }
  return c;
}
