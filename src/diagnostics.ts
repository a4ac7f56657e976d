// Problems-panel entries for what usually needs attention: resets, refused or unanswered
// connection attempts, half-open floods, CLOSE_WAIT leaks, retransmissions, zero windows.
// Each kind can be switched off in settings (tcpTrace.diagnostics.*).
import * as vscode from 'vscode';
import type { Trace } from './trace/model';
import * as config from './config';
import { isTraceDocument, type TraceStore } from './documents';

const SOURCE = 'tcp-trace';
/** Enough to be useful without flooding the Problems panel on a huge capture. */
const MAX_PER_DOCUMENT = 2000;

interface Finding {
  line: number;
  severity: vscode.DiagnosticSeverity;
  kind: config.DiagnosticKind;
  message: string;
}

export function findings(trace: Trace): Finding[] {
  const out: Finding[] = [];
  const on = (k: config.DiagnosticKind) => config.diagnosticEnabled(k);
  const E = vscode.DiagnosticSeverity;

  for (const c of trace.connections) {
    const name = `#${c.id} ${c.client} → ${c.server}`;
    const packets = trace.packetsOf(c.id).map((i) => trace.packet(i));
    const rst = packets.find((p) => p.flags.includes('R'));
    if (c.connState === 'REJ') {
      if (on('refused')) out.push({ line: rst?.line ?? c.firstLine, severity: E.Error, kind: 'refused', message: vscode.l10n.t('{0}: connection refused (SYN answered by RST; nothing listens on that port).', name) });
    } else if (rst && on('reset')) {
      const who = rst.from === 'client' ? vscode.l10n.t('client') : vscode.l10n.t('server');
      out.push({ line: rst.line, severity: E.Warning, kind: 'reset', message: vscode.l10n.t('{0}: reset by the {1} (state {2}).', name, who, `${rst.before.client ?? '?'}/${rst.before.server ?? '?'}`) });
    }
    if ((c.connState === 'S0' || (c.handshake.synLine !== null && c.handshake.synAckLine === null && c.connState !== 'REJ' && !c.handshake.simultaneousOpen)) && on('unansweredSyn')) {
      const tries = c.handshake.synRetransmissions + 1;
      out.push({ line: c.handshake.synLine ?? c.firstLine, severity: E.Warning, kind: 'unansweredSyn', message: vscode.l10n.t('{0}: SYN never answered ({1} attempts).', name, tries) });
    }
    if (on('closeWaitLeak') && (c.clientState === 'CLOSE_WAIT' || c.serverState === 'CLOSE_WAIT')) {
      const who = c.serverState === 'CLOSE_WAIT' ? vscode.l10n.t('server') : vscode.l10n.t('client');
      const fin = [...packets].reverse().find((p) => p.flags.includes('F'));
      out.push({ line: fin?.line ?? c.lastLine, severity: E.Warning, kind: 'closeWaitLeak', message: vscode.l10n.t('{0}: the {1} stays in CLOSE_WAIT: the peer closed, but the application never closed its socket (a possible leak).', name, who) });
    }
    for (const e of c.events) {
      if (on('retransmission') && (e.kind === 'retransmission' || e.kind === 'fast_retransmission' || e.kind === 'spurious_retransmission')) {
        out.push({ line: e.line, severity: E.Information, kind: 'retransmission', message: vscode.l10n.t('{0}: {1}.', name, e.kind.replace(/_/g, ' ')) });
      } else if (on('zeroWindow') && e.kind === 'zero_window') {
        out.push({ line: e.line, severity: E.Warning, kind: 'zeroWindow', message: vscode.l10n.t('{0}: zero window: the receiver\'s buffer is full, the sender must stop.', name) });
      }
    }
  }
  if (on('halfOpenFlood')) {
    for (const f of trace.halfOpenFloods) {
      out.push({ line: f.line, severity: E.Error, kind: 'halfOpenFlood', message: vscode.l10n.t('Half-open flood on {0}: {1} connections waiting in SYN_RECEIVED from {2} sources (SYN flood?).', f.listener, f.peak, f.sources) });
    }
  }
  if (on('parseProblems')) {
    for (const p of trace.problems) out.push({ line: p.line, severity: E.Information, kind: 'parseProblems', message: vscode.l10n.t('Looks like TCP but could not be read: {0}', p.reason) });
  }
  return out.sort((a, b) => a.line - b.line).slice(0, MAX_PER_DOCUMENT);
}

export class Diagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(SOURCE);
  private readonly subscriptions: vscode.Disposable[] = [this.collection];

  constructor(private readonly store: TraceStore) {
    this.subscriptions.push(
      store.onDidChange((uri) => this.update(uri)),
      vscode.workspace.onDidCloseTextDocument((d) => this.collection.delete(d.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('tcpTrace.diagnostics')) for (const d of vscode.workspace.textDocuments) this.update(d.uri);
      }),
    );
  }

  private update(uri: vscode.Uri): void {
    const trace = this.store.get(uri);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!trace || !doc || !isTraceDocument(doc)) {
      this.collection.delete(uri);
      return;
    }
    this.collection.set(
      uri,
      findings(trace).map((f) => {
        const line = Math.min(Math.max(0, f.line - 1), doc.lineCount - 1);
        const range = doc.lineAt(line).range;
        const d = new vscode.Diagnostic(range.isEmpty ? new vscode.Range(line, 0, line, 1) : range, f.message, f.severity);
        d.source = SOURCE;
        d.code = f.kind;
        return d;
      }),
    );
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
