// Exports a connection's ladder as a standalone SVG or a Mermaid sequence diagram.
import { limitsOf } from '../trace/limits';
import type { PacketInfo, Trace } from '../trace/model';
import { connectionText } from '../trace/report';
import { packetLine } from './describe';

/** Big connections are cut here: the files stay readable and renderable. */
export const EXPORT_LIMIT = 1000;

function packetsOf(trace: Trace, connection: number): PacketInfo[] {
  return trace.packetsOf(connection).slice(0, EXPORT_LIMIT).map((i) => trace.packet(i));
}

const xml = (s: string) => s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

export function ladderSvg(trace: Trace, connection: number): string {
  const c = trace.connections.find((x) => x.id === connection);
  if (!c) return '';
  const packets = packetsOf(trace, connection);
  const W = 820;
  const ROW = 34;
  const TOP = 56;
  const L = 190;
  const R = W - 190;
  const H = TOP + packets.length * ROW + 30;
  const t0 = packets[0]?.time ?? null;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="monospace" font-size="12">`);
  out.push('<defs><marker id="a" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>');
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(`<text x="${L}" y="20" text-anchor="middle" font-weight="bold" fill="#1a5fb4">${xml(c.client)}</text>`);
  out.push(`<text x="${R}" y="20" text-anchor="middle" font-weight="bold" fill="#c64600">${xml(c.server)}</text>`);
  out.push(`<text x="${W / 2}" y="40" text-anchor="middle" fill="#555">${xml(`#${c.id} ${c.connState} ${c.history}`)}</text>`);
  out.push(`<line x1="${L}" y1="${TOP - 6}" x2="${L}" y2="${H - 10}" stroke="#1a5fb4" stroke-width="2"/>`);
  out.push(`<line x1="${R}" y1="${TOP - 6}" x2="${R}" y2="${H - 10}" stroke="#c64600" stroke-width="2"/>`);
  packets.forEach((p, i) => {
    const y = TOP + i * ROW;
    const [x1, x2] = p.from === 'client' ? [L, R] : [R, L];
    const prev = packets[i - 1];
    const time = p.time !== null && t0 !== null ? `${((p.time - t0) * 1000).toFixed(3)} ms` : `#${i + 1}`;
    out.push(`<text x="6" y="${y + 14}" fill="#777">${xml(time)}</text>`);
    out.push(`<line x1="${x1}" y1="${y + 8}" x2="${x2}" y2="${y + 26}" stroke="${p.events.length ? '#c01c28' : '#333'}" stroke-width="1.3" marker-end="url(#a)"/>`);
    out.push(`<text x="${W / 2}" y="${y + 12}" text-anchor="middle" fill="#000">${xml(packetLine(p).slice(2) + (p.events.length ? ` ⚠ ${p.events.join(', ')}` : ''))}</text>`);
    if (!prev || prev.after.client !== p.after.client) out.push(`<text x="${L - 6}" y="${y + 28}" text-anchor="end" font-size="10" fill="#1a5fb4">${xml(p.after.client ?? '')}</text>`);
    if (!prev || prev.after.server !== p.after.server) out.push(`<text x="${R + 6}" y="${y + 28}" font-size="10" fill="#c64600">${xml(p.after.server ?? '')}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}

/**
 * Mermaid takes ; and # as syntax, < > as HTML and `%%{...}%%` anywhere as a directive (which
 * can change its security level): keep them out of text that comes from the trace.
 */
const mer = (s: string) => s.replace(/;/g, ',').replace(/#/g, 'no.').replace(/</g, '‹').replace(/>/g, '›').replace(/%/g, '٪').replace(/[\r\n]/g, ' ');

export function ladderMermaid(trace: Trace, connection: number): string {
  const c = trace.connections.find((x) => x.id === connection);
  if (!c) return '';
  const packets = packetsOf(trace, connection);
  const lines = ['sequenceDiagram', `  participant C as ${mer(c.client)}`, `  participant S as ${mer(c.server)}`];
  packets.forEach((p, i) => {
    const prev = packets[i - 1];
    const arrow = p.from === 'client' ? 'C->>S' : 'S->>C';
    const label = packetLine(p).slice(2) + (p.events.length ? ` (${p.events.join(', ')})` : '');
    lines.push(`  ${arrow}: ${mer(label)}`);
    if (!prev || prev.after.client !== p.after.client) lines.push(`  Note left of C: ${mer(p.after.client ?? '?')}`);
    if (!prev || prev.after.server !== p.after.server) lines.push(`  Note right of S: ${mer(p.after.server ?? '?')}`);
  });
  if (trace.packetsOf(connection).length > packets.length) lines.push(`  Note over C,S: ${trace.packetsOf(connection).length - packets.length} more packets not shown`);
  return lines.join('\n') + '\n';
}

/** Plain-text summary of one connection (for the clipboard): the CLI report's text for it. */
export function connectionSummaryText(trace: Trace, connection: number): string {
  const c = trace.connections.find((x) => x.id === connection);
  return c ? connectionText(c, limitsOf(trace, c)) + '\n' : '';
}
