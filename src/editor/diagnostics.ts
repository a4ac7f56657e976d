// Problems-panel entries for what usually needs attention: resets, refused or unanswered
// connection attempts, half-open floods, CLOSE_WAIT leaks, retransmissions, zero windows, and
// what made a connection slow (stalls, its verdict, slow round trips; limits.ts).
// Each kind can be switched off in settings (tcpTrace.diagnostics.*), the slow ones have thresholds.
import * as vscode from 'vscode';
import { filterConnections, parseFilter } from '../trace/filter';
import { Flag, type ConnectionSummary, type PacketInfo, type Trace } from '../trace/model';
import * as config from './config';
import { isTraceDocument, type TraceStore } from './documents';
import { repairText } from '../trace/repair';
import { packetRange } from './pieces';
import { language, t } from './l10n';
import { eventName } from './describe';
import { slowFindings, type SlowFinding, type SlowThresholds } from './limits';

const SOURCE = 'tcp-trace';
/** Enough to be useful without flooding the Problems panel on a huge capture. */
const MAX_PER_DOCUMENT = 2000;

interface Finding {
  line: number;
  /** The packet it is about, where known: on a glued line the notice covers that packet's text. */
  packet?: number;
  severity: vscode.DiagnosticSeverity;
  kind: config.DiagnosticKind;
  message: string;
}

/** The first (or last) packet of a connection with this flag, read from the packet columns. */
function findPacket(trace: Trace, connection: number, flag: Flag, last: boolean): PacketInfo | undefined {
  // Read in place, from either end: a bulk connection's list has hundreds of thousands of packets.
  const list = trace.packetIndexes(connection);
  const cols = trace.columns;
  for (let k = 0; k < list.length; k++) {
    const i = list[last ? list.length - 1 - k : k];
    if (cols.flags[i] & flag && !(cols.flags[i] & Flag.UNKNOWN)) return trace.packet(i);
  }
  return undefined;
}

type Pending = Omit<Finding, 'message'> & { message: () => string };

type Enabled = (k: config.DiagnosticKind) => boolean;

/** Settings are read once per run: reading them per connection costs more than the rest together. */
function enabledKinds(): Enabled {
  const enabled = new Map(config.DIAGNOSTIC_KINDS.map((k) => [k, config.diagnosticEnabled(k)]));
  return (k) => enabled.get(k) === true;
}

/** What one connection deserves. Messages are worded later, only for the findings kept. */
function connectionFindings(trace: Trace, c: ConnectionSummary, on: Enabled, slow: SlowThresholds, out: Pending[]): void {
  const E = vscode.DiagnosticSeverity;
  const state = c.connState;
  const h = c.handshake;
  const name = () => `#${c.id} ${c.client} → ${c.server}`;
  // Packets are looked at only for the connections that had a reset or sit in CLOSE_WAIT.
  const rst = state === 'REJ' || c.close.rstFrom !== null ? findPacket(trace, c.id, Flag.RST, false) : undefined;
  if (state === 'REJ') {
    if (on('refused')) {
      const message = c.notes.includes('refused_probe')
        ? () => t('{0}: probe refused (a segment without SYN or ACK answered by RST; the port is closed).', name())
        : () => t('{0}: connection refused (SYN answered by RST; nothing listens on that port).', name());
      out.push({ line: rst?.line ?? c.firstLine, packet: rst?.index, severity: E.Error, kind: 'refused', message });
    }
  } else if (rst && on('reset')) {
    const who = rst.from === 'client' ? t('client') : t('server');
    out.push({ line: rst.line, packet: rst.index, severity: E.Warning, kind: 'reset', message: () => t('{0}: reset by the {1} (state {2}).', name(), who, `${rst.before.client ?? '?'}/${rst.before.server ?? '?'}`) });
  }
  if ((state === 'S0' || (h.synLine !== null && h.synAckLine === null && state !== 'REJ' && !h.simultaneousOpen)) && on('unansweredSyn')) {
    const tries = h.synRetransmissions + 1;
    out.push({ line: h.synLine ?? c.firstLine, severity: E.Warning, kind: 'unansweredSyn', message: () => (tries === 1 ? t('{0}: SYN never answered (1 attempt).', name()) : t('{0}: SYN never answered ({1} attempts).', name(), tries)) });
  }
  if (on('closeWaitLeak') && (c.clientState === 'CLOSE_WAIT' || c.serverState === 'CLOSE_WAIT')) {
    const who = c.serverState === 'CLOSE_WAIT' ? t('server') : t('client');
    const fin = findPacket(trace, c.id, Flag.FIN, true);
    out.push({ line: fin?.line ?? c.lastLine, packet: fin?.index, severity: E.Warning, kind: 'closeWaitLeak', message: () => t('{0}: the {1} stays in CLOSE_WAIT: the peer closed, but the application never closed its socket (a possible leak).', name(), who) });
  }
  for (const e of c.events) {
    if (on('retransmission') && (e.kind === 'retransmission' || e.kind === 'fast_retransmission' || e.kind === 'spurious_retransmission')) {
      out.push({ line: e.line, packet: e.packet, severity: E.Information, kind: 'retransmission', message: () => t('{0}: {1}.', name(), eventName(e.kind)) });
    } else if (on('zeroWindow') && e.kind === 'zero_window') {
      out.push({ line: e.line, packet: e.packet, severity: E.Warning, kind: 'zeroWindow', message: () => t('{0}: zero window: the receiver\'s buffer is full, the sender must stop.', name()) });
    }
  }
  const found: SlowFinding[] = [];
  slowFindings(trace, c, slow, on, found);
  for (const f of found) {
    const packet = trace.packetAtLine(f.line);
    out.push({ line: f.line, packet: packet >= 0 ? packet : undefined, severity: f.warning ? E.Warning : E.Information, kind: f.kind, message: f.message });
  }
}

/** The trace-wide findings, then the first MAX_PER_DOCUMENT by line (worded as they become notices). */
function finish(trace: Trace, on: Enabled, out: Pending[]): Pending[] {
  const E = vscode.DiagnosticSeverity;
  if (on('halfOpenFlood')) {
    for (const f of trace.halfOpenFloods) {
      out.push({ line: f.line, severity: E.Error, kind: 'halfOpenFlood', message: () => t('Half-open flood on {0}: {1} connections waiting in SYN_RECEIVED from {2} sources (SYN flood?).', f.listener, f.peak, f.sources) });
    }
  }
  if (on('repairs')) {
    // Said in the user's words; the quick fix (RepairsQuickFix) opens the normalised copy.
    const lang = language();
    for (const r of trace.repairs) {
      // The clock note repairs nothing: it says what the text cannot settle.
      const message = r.kind === 'clock' ? () => t('Cannot tell from the text: {0}', repairText(r, lang)) : () => t('Read with a repair: {0}', repairText(r, lang));
      out.push({ line: r.lines[0] ?? 1, severity: E.Information, kind: 'repairs', message });
    }
  }
  if (on('parseProblems')) {
    for (const p of trace.problems) out.push({ line: p.line, severity: E.Information, kind: 'parseProblems', message: () => t('Looks like TCP but could not be read: {0}', p.reason) });
  }
  return out.sort((a, b) => a.line - b.line).slice(0, MAX_PER_DOCUMENT);
}

/** Gives the event loop a turn. */
const nextTurn = () => new Promise((r) => setTimeout(r, 0));

/**
 * The connections whose findings are reported: those tcpTrace.diagnostics.filter selects, or
 * all. A broken expression filters nothing (the tree's filter box says what is wrong with it).
 */
function connectionsToReport(trace: Trace): ConnectionSummary[] {
  const expression = config.diagnosticsFilter();
  if (!expression) return trace.connections;
  try {
    return filterConnections(trace, parseFilter(expression));
  } catch {
    return trace.connections;
  }
}

/**
 * The findings for a trace, worked out a few milliseconds at a time with a yield between steps;
 * undefined if `stale()` turns true meanwhile. Messages are worded only for the findings kept
 * (MAX_PER_DOCUMENT): a capture can have hundreds of thousands of retransmissions.
 */
async function findingsInSteps(trace: Trace, stale: () => boolean): Promise<Pending[] | undefined> {
  const out: Pending[] = [];
  const on = enabledKinds();
  const slow = config.slowThresholds();
  const list = connectionsToReport(trace);
  let since = Date.now();
  for (let i = 0; i < list.length; i++) {
    connectionFindings(trace, list[i], on, slow, out);
    if ((i & 255) === 255 && Date.now() - since > 8) {
      await nextTurn();
      if (stale()) return undefined;
      since = Date.now();
    }
  }
  return finish(trace, on, out);
}

/** A finding as a Problems-panel entry on its packet's text. */
function notice(trace: Trace, doc: vscode.TextDocument, f: Pending): vscode.Diagnostic {
  const line = Math.min(Math.max(0, f.line - 1), doc.lineCount - 1);
  // A packet's piece of a glued line; otherwise its (TCP) line.
  const piece = f.packet !== undefined && f.packet < trace.packetCount ? packetRange(trace, doc, f.packet) : undefined;
  const range = piece?.isSingleLine ? piece : doc.lineAt(line).range;
  const d = new vscode.Diagnostic(range.isEmpty ? new vscode.Range(line, 0, line, 1) : range, f.message(), f.severity);
  d.source = SOURCE;
  d.code = f.kind;
  return d;
}

/** The quick fix on a repairs notice: open the text as the engine read it, in a new document. */
export class RepairsQuickFix implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const notice = context.diagnostics.find((d) => d.source === SOURCE && d.code === 'repairs');
    if (!notice) return [];
    const action = new vscode.CodeAction(t('Open a normalised copy (one packet per line, noise left out)'), vscode.CodeActionKind.QuickFix);
    action.command = { command: 'tcpTrace.openNormalized', title: action.title, arguments: [doc.uri] };
    action.diagnostics = [notice];
    action.isPreferred = true;
    return [action];
  }
}

export class Diagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(SOURCE);
  private readonly subscriptions: vscode.Disposable[] = [this.collection];
  /** The latest run for each document; an older one stops at its next step. */
  private readonly running = new Map<string, object>();

  constructor(private readonly store: TraceStore) {
    this.subscriptions.push(
      store.onDidChange((uri) => void this.update(uri)),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('tcpTrace.diagnostics')) this.updateAll();
      }),
      config.onDidChangeLanguage(() => this.updateAll()),
    );
  }

  private updateAll(): void {
    for (const d of vscode.workspace.textDocuments) void this.update(d.uri);
  }

  /** Works the findings out a few milliseconds at a time, so a big trace never holds the extension host. */
  private async update(uri: vscode.Uri): Promise<void> {
    const key = uri.toString();
    const trace = this.store.get(uri);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    if (!trace || !doc || !isTraceDocument(doc)) {
      this.running.delete(key);
      this.collection.delete(uri);
      return;
    }
    // Results so far of an analysis still running: wait for the whole trace.
    if ((trace as { partial?: boolean }).partial) return;
    const run = {};
    this.running.set(key, run);
    const stale = () => this.running.get(key) !== run || doc.isClosed;
    const list = await findingsInSteps(trace, stale);
    if (!list || stale()) return;
    // Worded and placed in steps too: a few thousand notices take tens of milliseconds.
    const notices: vscode.Diagnostic[] = [];
    let since = Date.now();
    for (const f of list) {
      notices.push(notice(trace, doc, f));
      if (Date.now() - since > 8) {
        await nextTurn();
        if (stale()) return;
        since = Date.now();
      }
    }
    this.running.delete(key);
    this.collection.set(uri, notices);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
