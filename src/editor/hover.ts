// Hovers on packet lines: where the packet sits in its connection's life; and on tcpdump's
// words (flags, options, fields): what they mean.
import * as vscode from 'vscode';
import { explainPacket, noteText, zeekText } from '../trace';
import type { PacketInfo, Trace } from '../trace/model';
import { eventNames as eventKindsOf, inferredEvents } from '../trace/expert';
import { STATE_TEXT } from '../trace/states';
import * as config from './config';
import { escapeMarkdown, eventNames, flagWords, outcomeLabel, outcomeOf, stateChange } from './describe';
import { LANGUAGE_ID, type TraceStore } from './documents';
import { TERM_PATTERN, explainTerm } from './terms';
import { packetAtPosition, packetRange } from './pieces';
import { language, t, type Lang } from './l10n';
import { stallAt } from './limits';
import { limitMeaning, packetFigures, stallText } from './performanceText';

export function registerHover(store: TraceStore): vscode.Disposable {
  return vscode.languages.registerHoverProvider({ language: LANGUAGE_ID }, { provideHover: (doc, pos) => hoverAt(store, doc, pos) });
}

/** What the hover provider answers for a position (the editor benchmark also times it directly). */
export function hoverAt(store: TraceStore, doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
  const lang = language();
  const parts: vscode.MarkdownString[] = [];
  const wordRange = doc.getWordRangeAtPosition(pos, TERM_PATTERN);
  const term = wordRange && explainTerm(doc.getText(wordRange));
  if (term) parts.push(new vscode.MarkdownString(term));
  const trace = store.ensure(doc);
  const index = trace ? packetAtPosition(trace, doc, pos) : -1;
  if (trace && index >= 0) parts.push(packetHover(doc.uri, trace, trace.packet(index), lang, printedTime(doc, packetRange(trace, doc, index))));
  if (!parts.length) return undefined;
  const range = wordRange && term ? wordRange : trace && index >= 0 ? packetRange(trace, doc, index) : doc.lineAt(pos.line).range;
  return new vscode.Hover(parts, range.contains(pos) ? range : doc.lineAt(pos.line).range);
}

/** The timestamp as tcpdump printed it at the start of a packet's text (after -#'s number), if any. */
function printedTime(doc: vscode.TextDocument, range: vscode.Range): string | undefined {
  const head = doc.getText(new vscode.Range(range.start, doc.lineAt(range.start.line).range.end)).slice(0, 64);
  return /^\s*(?:\d+ {2,})?((?:\d{4}-\d\d-\d\d )?\d{1,2}:\d\d:\d\d(?:\.\d+)?|\d+\.\d+)(?= )/.exec(head)?.[1];
}

function packetHover(uri: vscode.Uri, trace: Trace, p: PacketInfo, lang: Lang, printed?: string): vscode.MarkdownString {
  const byId = trace.connections[p.connection];
  const c = byId?.id === p.connection ? byId : trace.connections.find((x) => x.id === p.connection);
  const md = new vscode.MarkdownString(undefined, true);
  md.isTrusted = { enabledCommands: ['tcpTrace.showHandshake', 'tcpTrace.showStateDiagram', 'tcpTrace.revealConnection'] };
  const total = c?.packets ?? trace.packetsOf(p.connection).length;
  const dir = p.from === 'client' ? t('client → server') : t('server → client');
  md.appendMarkdown(`**${t('Connection #{0}', p.connection)}** · ${t('packet {0} of {1}', p.ordinal + 1, total)} · ${dir}\n\n`);
  if (c) md.appendMarkdown(`${escapeMarkdown(`${c.client} → ${c.server}`)} (${outcomeLabel(outcomeOf(c))} · ${escapeMarkdown(`${c.connState} ${c.history}`)})\n\n`);

  // Both endpoints' states come first: they are what a person hovers for.
  const client = t('client');
  const server = t('server');
  md.appendMarkdown(`$(arrow-right) **${client}** \`${stateChange(p.before.client, p.after.client)}\`  \n`);
  md.appendMarkdown(`$(arrow-left) **${server}** \`${stateChange(p.before.server, p.after.server)}\`\n\n`);

  let explanation = '';
  try {
    explanation = explainPacket(trace, p.index, lang);
  } catch {
    explanation = '';
  }
  if (explanation) md.appendMarkdown(`*${escapeMarkdown(explanation)}*\n\n`);
  // What was inferred about the connection, where the packets leave it open.
  for (const k of c?.notes ?? []) md.appendMarkdown(`$(info) ${escapeMarkdown(noteText(k, lang))}\n\n`);
  // A packet inside a stall: how long the connection waited there, and on what.
  const stall = stallAt(trace, p.index);
  if (stall) md.appendMarkdown(`$(watch) **${t('Stall')}**: ${escapeMarkdown(stallText(stall))}  \n${escapeMarkdown(limitMeaning(stall.cause))}\n\n`);

  md.appendMarkdown(`${t('Flags')}: \`${p.flags || '-'}\` (${flagWords(p.flags)})`);
  md.appendMarkdown(`  \n${seqText('seq', p.seq, p.relSeq, p.len)}`);
  md.appendMarkdown(`  \n${seqText('ack', p.ack, p.relAck, 0)}`);
  if (p.win !== null) md.appendMarkdown(`  \nwin ${p.win} · ${t('length')} ${p.len}`);
  // Its ACK's round trip, the bytes in flight after it, its window in bytes (flight.ts).
  const figures = packetFigures(trace.columns, p.index);
  if (figures.length) md.appendMarkdown(`  \n${figures.join(' · ')}`);
  // As tcpdump printed it; a -ttt delta, or no timestamp on the line, shows the engine's time.
  if (printed && !/^0?0:00:00\./.test(printed)) md.appendMarkdown(`  \n${t('time')} ${printed}`); // digits, colons, dots, a dash
  else if (p.time !== null) md.appendMarkdown(`  \n${t('time')} ${p.time.toFixed(6)} s`);
  if (c) md.appendMarkdown(`\n\n*${escapeMarkdown(zeekText(c.connState, c.history, lang))}*`);
  if (p.events.length) md.appendMarkdown(`\n\n$(warning) ${t('Expert events')}: ${escapeMarkdown(eventNames(p.events))}`);
  // Events that rest on a seq tcpdump did not print (the JSON marks them inferred).
  const inferred = eventKindsOf(inferredEvents(trace.columns, p.index));
  if (inferred.length) md.appendMarkdown(`  \n$(info) ${escapeMarkdown(t('Inferred: tcpdump printed no sequence number for this segment; {0} rests on the one the analysis took from the flow (the sender\'s next, one less for a keep-alive).', eventNames(inferred)))}`);

  const changed = [p.after.client !== p.before.client ? p.after.client : null, p.after.server !== p.before.server ? p.after.server : null];
  for (const s of new Set(changed)) if (s) md.appendMarkdown(`\n\n**${s}**: ${escapeMarkdown(STATE_TEXT[s][lang])}`);

  const args = encodeURIComponent(JSON.stringify([uri.toString(), p.index]));
  md.appendMarkdown(
    `\n\n[${t('State diagram')}](command:tcpTrace.showStateDiagram?${args}) · [${t('Handshake')}](command:tcpTrace.showHandshake?${args}) · [${t('Show in tree')}](command:tcpTrace.revealConnection?${args})`,
  );
  return md;
}

function seqText(name: string, abs: number | null, rel: number | null, len: number): string {
  if (abs === null && rel === null) return `${name}: -`;
  const range = (v: number) => (len ? `${v}:${v + len}` : String(v));
  const parts: string[] = [];
  if (rel !== null) parts.push(`${t('relative')} ${range(rel)}`);
  if (abs !== null) parts.push(`${t('absolute')} ${range(abs)}`);
  return `${name}: ${parts.join(' · ')}`;
}
