// Short texts about connections and packets that the tree, hovers, status bar, diagnostics
// and panel share, so a connection reads the same everywhere: labels, counts, icons. The
// sentences that explain a packet come from the engine (src/trace/explain.ts); the words
// tcpdump prints are explained in terms.ts.
import * as vscode from 'vscode';
import { FLAG_NAME_OF_LETTER } from '../trace/flags';
import { formatBytes, formatMs } from '../trace/report';

export { formatBytes, formatMs };
import type { ConnectionSummary, PacketInfo, Side } from '../trace/model';
import { t } from './l10n';

export type Outcome = 'normal' | 'reset' | 'refused' | 'halfOpen' | 'open' | 'midStream';
export const OUTCOMES: readonly Outcome[] = ['normal', 'reset', 'refused', 'halfOpen', 'open', 'midStream'];

/** Zeek's conn_state (plus mid-stream capture) folded into six outcomes a person can filter on. */
export function outcomeOf(c: ConnectionSummary): Outcome {
  const s = c.connState;
  if (s === 'REJ') return 'refused';
  if (s.startsWith('RST')) return 'reset';
  if (c.midStream) return 'midStream';
  if (s === 'SF') return 'normal';
  const waiting = !c.handshake.complete && (c.serverState === 'SYN_RECEIVED' || c.clientState === 'SYN_SENT');
  if (s === 'S0' || s === 'SH' || s === 'SHR' || waiting) return 'halfOpen';
  if (s === 'OTH') return 'midStream';
  return 'open';
}

export function outcomeLabel(o: Outcome): string {
  switch (o) {
    case 'normal': return t('closed normally');
    case 'reset': return t('reset');
    case 'refused': return t('refused');
    case 'halfOpen': return t('half-open (no answer)');
    case 'open': return t('still open');
    case 'midStream': return t('capture started mid-stream');
  }
}

export function outcomeIcon(o: Outcome): vscode.ThemeIcon {
  switch (o) {
    case 'normal': return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    case 'reset': return new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('list.warningForeground'));
    case 'refused': return new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('list.errorForeground'));
    case 'halfOpen': return new vscode.ThemeIcon('question', new vscode.ThemeColor('list.warningForeground'));
    case 'open': return new vscode.ThemeIcon('plug', new vscode.ThemeColor('charts.blue'));
    case 'midStream': return new vscode.ThemeIcon('debug-step-into');
  }
}

export function connectionLabel(c: ConnectionSummary): string {
  return `${c.client} → ${c.server}`;
}

/** `SF · TIME_WAIT/CLOSED · 12 pkts · 2.1 kB · RTT 0.16 ms` (`1 pkt` for one) */
export function connectionDescription(c: ConnectionSummary): string {
  const parts = [c.connState];
  if (c.clientState || c.serverState) parts.push(`${c.clientState ?? '?'}/${c.serverState ?? '?'}`);
  parts.push(c.packets === 1 ? t('1 pkt') : t('{0} pkts', c.packets));
  parts.push(formatBytes(c.bytes.client + c.bytes.server));
  if (c.handshake.rttMs !== null) parts.push(`RTT ${formatMs(c.handshake.rttMs)}`);
  if (c.events.length) parts.push(`⚠ ${c.events.length}`);
  return parts.join(' · ');
}

/** Flags as words: `[S.]` -> `SYN, ACK`. */
export function flagWords(flags: string): string {
  const words = [...flags.replace(/[[\]]/g, '')].map((ch) => FLAG_NAME_OF_LETTER[ch] ?? ch);
  return words.length ? words.join(', ') : t('none');
}

/** One line for a packet: `→ [S.] seq 0 ack 1 win 65535 len 0`. */
export function packetLine(p: PacketInfo): string {
  const dir = p.from === 'client' ? '→' : '←';
  const parts = [dir, `[${p.flags.replace(/[[\]]/g, '')}]`];
  if (p.relSeq !== null) parts.push(p.len ? `seq ${p.relSeq}:${p.relSeq + p.len}` : `seq ${p.relSeq}`);
  else if (p.seq !== null) parts.push(`seq ${p.seq}`);
  if (p.relAck !== null) parts.push(`ack ${p.relAck}`);
  else if (p.ack !== null) parts.push(`ack ${p.ack}`);
  if (p.win !== null) parts.push(`win ${p.win}`);
  parts.push(`len ${p.len}`);
  return parts.join(' ');
}

export function stateChange(before: string | null, after: string | null): string {
  if (before === after) return after ?? '?';
  return `${before ?? '?'} → ${after ?? '?'}`;
}

/** An expert event's short name (the engine's kinds are tshark's tcp.analysis field names). */
export function eventName(kind: string): string {
  switch (kind) {
    case 'retransmission': return t('retransmission');
    case 'fast_retransmission': return t('fast retransmission');
    case 'spurious_retransmission': return t('spurious retransmission');
    case 'out_of_order': return t('out of order');
    case 'lost_segment': return t('lost segment');
    case 'ack_lost_segment': return t('ACK of a lost segment');
    case 'duplicate_ack': return t('duplicate ACK');
    case 'zero_window': return t('zero window');
    case 'zero_window_probe': return t('zero window probe');
    case 'zero_window_probe_ack': return t('zero window probe ACK');
    case 'window_update': return t('window update');
    case 'window_full': return t('window full');
    case 'keep_alive': return t('keep-alive');
    case 'keep_alive_ack': return t('keep-alive ACK');
    case 'reused_ports': return t('reused ports');
    case 'duplicate_capture': return t('duplicate capture');
    default: return kind.replace(/_/g, ' ');
  }
}

export const eventNames = (kinds: readonly string[]): string => kinds.map(eventName).join(t(', '));

/** How a connection closed. */
export function closeKindLabel(kind: ConnectionSummary['close']['kind']): string {
  switch (kind) {
    case 'four-way': return t('four-way close');
    case 'combined': return t('three-segment close (FIN+ACK)');
    case 'simultaneous': return t('simultaneous close');
    case 'reset': return t('reset');
    case 'half-closed': return t('half-closed');
    case 'open': return t('not closed');
  }
}

export const sideLabel = (side: Side): string => (side === 'client' ? t('client') : t('server'));

/** The packet that ended a connection by RST, or undefined. */
export function rstPacket(packets: readonly PacketInfo[]): PacketInfo | undefined {
  return packets.find((p) => p.flags.includes('R'));
}

/**
 * Markdown-escapes text from a trace (host names are anyone's to choose). Unlike
 * MarkdownString.appendText it keeps ordinary spaces, so long explanations wrap between words.
 */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~$&]/g, '\\$&').replace(/\r?\n/g, ' ');
}

// Counts in words, one or many (the translations say each form whole).
export const packetsText = (n: number): string => (n === 1 ? t('1 packet') : t('{0} packets', n));
export const connectionsText = (n: number): string => (n === 1 ? t('1 connection') : t('{0} connections', n));
export const otherLinesText = (n: number): string => (n === 1 ? t('1 other line') : t('{0} other lines', n));

/** A document's name as its editor tab shows it: the file's name, or an untitled one's. */
export function documentName(uri: vscode.Uri): string {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc?.isUntitled) return doc.uri.path;
  const path = uri.path;
  return path.slice(path.lastIndexOf('/') + 1) || path;
}
