// Status-bar item: the connection and both endpoints' states at the cursor.
import * as vscode from 'vscode';
import { connectionsText } from './describe';
import type { Focus, FocusState } from './focus';
import { t } from './l10n';
import { onDidChangeLanguage } from './config';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('tcpTrace.status', vscode.StatusBarAlignment.Right, 100);
  private readonly subscriptions: vscode.Disposable[] = [this.item];

  constructor(focus: Focus) {
    this.item.name = t('TCP state at cursor');
    this.item.command = 'tcpTrace.showStateDiagram';
    this.subscriptions.push(
      focus.onDidChange((e) => this.update(e.state)),
      onDidChangeLanguage(() => {
        this.item.name = t('TCP state at cursor');
        this.update(focus.current);
      }),
      vscode.window.onDidChangeActiveTextEditor((ed) => {
        if (ed?.document.languageId !== 'tcpdump') this.item.hide();
        else this.update(focus.current);
      }),
    );
    this.update(focus.current);
  }

  private update(state: FocusState | undefined): void {
    const ed = vscode.window.activeTextEditor;
    if (!state || !ed || ed.document.uri.toString() !== state.uri.toString()) {
      this.item.hide();
      return;
    }
    const trace = state.trace;
    if (state.packet < 0) {
      this.item.text = `$(pulse) ${connectionsText(trace.connections.length)}`;
      this.item.tooltip = t('{0} TCP packets; {1} other lines; {2} unparsed', trace.packetCount, trace.skipped, trace.problems.length);
    } else {
      const p = trace.packet(state.packet);
      this.item.text = `$(plug) #${p.connection} ${p.after.client ?? '?'} ⇄ ${p.after.server ?? '?'}`;
      this.item.tooltip = t('Connection #{0}, packet {1}: client {2}, server {3}. Click for the state diagram.', p.connection, p.ordinal + 1, p.after.client ?? '?', p.after.server ?? '?');
    }
    this.item.show();
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
