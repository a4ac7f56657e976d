// A Trace rebuilt on the host from what the worker sent: the summary and every packet.
// Queries are answered from the packets, so hovers and the tree work the same either way.
import type { Census, PacketInfo, PacketRecordJson, Trace, TraceJson } from './trace/model';
import type { StateName } from './trace/states';
import type { TraceSummary } from './workerProtocol';

export class SnapshotTrace implements Trace {
  readonly lines: number;
  readonly packetCount: number;
  readonly skipped: number;
  readonly problems;
  readonly connections;
  readonly halfOpenFloods;
  private readonly byConnection = new Map<number, number[]>();

  constructor(
    summary: TraceSummary,
    private readonly packets: PacketInfo[],
    private readonly timeWaitSeconds: number,
  ) {
    this.lines = summary.lines;
    this.packetCount = packets.length;
    this.skipped = summary.skipped;
    this.problems = summary.problems;
    this.connections = summary.connections;
    this.halfOpenFloods = summary.halfOpenFloods;
    for (const p of packets) {
      let list = this.byConnection.get(p.connection);
      if (!list) this.byConnection.set(p.connection, (list = []));
      list.push(p.index);
    }
  }

  packetAtLine(line: number): number {
    // Packets are in line order: binary search for the last one starting at or before `line`.
    let lo = 0;
    let hi = this.packets.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.packets[mid].headerLine <= line) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return -1;
    const p = this.packets[found];
    return line >= p.headerLine && line <= p.line ? found : -1;
  }

  packet(index: number): PacketInfo {
    return this.packets[index];
  }

  packetsOf(connection: number): number[] {
    return this.byConnection.get(connection) ?? [];
  }

  census(line: number): Census {
    // Each started connection contributes its endpoints' states after its last packet up to
    // `line`; TIME_WAIT ends after 2MSL of trace time.
    const counts: Partial<Record<StateName, number>> = {};
    let now: number | null = null;
    let connections = 0;
    const last = new Map<number, PacketInfo>();
    for (const p of this.packets) {
      if (p.headerLine > line) break;
      last.set(p.connection, p);
      if (p.time !== null) now = p.time;
    }
    for (const p of last.values()) {
      connections++;
      for (const s of [p.after.client, p.after.server]) {
        if (!s) continue;
        const expired = s === 'TIME_WAIT' && now !== null && p.time !== null && now - p.time >= this.timeWaitSeconds;
        const state: StateName = expired ? 'CLOSED' : s;
        counts[state] = (counts[state] ?? 0) + 1;
      }
    }
    return { line, counts, connections };
  }

  toJSON(withPackets = false): TraceJson {
    const json: TraceJson = {
      format: 'tcp-trace/1',
      lines: this.lines,
      packets: this.packetCount,
      skipped: this.skipped,
      problems: this.problems,
      connections: this.connections,
      halfOpenFloods: this.halfOpenFloods,
    };
    if (withPackets) {
      json.packetRecords = this.packets.map(
        (p): PacketRecordJson => ({
          line: p.line,
          connection: p.connection,
          src: p.src,
          sport: p.sport,
          dst: p.dst,
          dport: p.dport,
          flags: p.flags,
          seq: p.seq,
          ack: p.ack,
          win: p.win,
          len: p.len,
          clientState: p.after.client,
          serverState: p.after.server,
          events: p.events,
        }),
      );
    }
    return json;
  }
}
