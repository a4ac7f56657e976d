// Which phase of its connection each packet belongs to: the handshake, the data, the teardown,
// and which packets carry an expert event. The tree groups packets this way.

import { Flag } from './flags';
import type { Trace } from './model';

export type Phase = 'handshake' | 'data' | 'teardown' | 'warnings';

/** A connection's packet indexes per phase ('warnings' overlaps the other three). */
export type PacketPhases = Record<Phase, number[]>;

/**
 * Splits a connection's packets, read from the packet columns (no PacketInfo each): SYNs and the
 * ACK that completed the handshake are the handshake; from the first FIN or RST on, the
 * teardown; the rest, data.
 */
export function packetPhases(trace: Trace, connection: number): PacketPhases {
  const phases: PacketPhases = { handshake: [], data: [], teardown: [], warnings: [] };
  const c = trace.connections[connection];
  const ackLine = c?.id === connection ? c.handshake.ackLine : trace.connections.find((x) => x.id === connection)?.handshake.ackLine;
  const cols = trace.columns;
  const list = trace.packetIndexes(connection);
  let closing = false;
  for (let k = 0; k < list.length; k++) {
    const i = list[k];
    const f = cols.flags[i] & Flag.UNKNOWN ? 0 : cols.flags[i];
    if (f & (Flag.FIN | Flag.RST)) closing = true;
    if (f & Flag.SYN || (ackLine === cols.line[i] && !closing)) phases.handshake.push(i);
    else if (closing) phases.teardown.push(i);
    else phases.data.push(i);
    if (cols.events[i]) phases.warnings.push(i);
  }
  return phases;
}
