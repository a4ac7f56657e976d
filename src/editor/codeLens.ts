// CodeLens above each connection's first packet: what it is, and one click to the
// handshake view or the state diagram.
import * as vscode from 'vscode';
import * as config from './config';
import { outcomeLabel, outcomeOf } from './describe';
import { LANGUAGE_ID, type TraceStore } from './documents';
import { t } from './l10n';

/** Beyond this many connections the lenses would bury the text. */
const MAX_LENSES = 500;

export function registerCodeLens(store: TraceStore): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  const provider: vscode.CodeLensProvider = {
    onDidChangeCodeLenses: changed.event,
    provideCodeLenses(doc) {
      if (!config.codeLensEnabled()) return [];
      const trace = store.get(doc.uri);
      if (!trace) return [];
      const lenses: vscode.CodeLens[] = [];
      for (const c of trace.connections.slice(0, MAX_LENSES)) {
        // The first index only: packetsOf() would copy a bulk connection's whole list.
        const first = trace.packetIndexes(c.id)[0];
        if (first === undefined) continue;
        const p = trace.packet(first);
        const line = Math.min(doc.lineCount - 1, Math.max(0, p.headerLine - 1));
        const range = new vscode.Range(line, 0, line, 0);
        const args = [doc.uri.toString(), first];
        lenses.push(
          new vscode.CodeLens(range, { title: `#${c.id} ${c.connState} · ${outcomeLabel(outcomeOf(c))}`, command: 'tcpTrace.revealConnection', arguments: args }),
          new vscode.CodeLens(range, { title: t('Handshake'), command: 'tcpTrace.showHandshake', arguments: args }),
          new vscode.CodeLens(range, { title: t('State diagram'), command: 'tcpTrace.showStateDiagram', arguments: args }),
        );
      }
      return lenses;
    },
  };
  return vscode.Disposable.from(
    changed,
    vscode.languages.registerCodeLensProvider({ language: LANGUAGE_ID }, provider),
    store.onDidChange(() => changed.fire()),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('tcpTrace.codeLens') && changed.fire()),
    config.onDidChangeLanguage(() => changed.fire()),
  );
}
