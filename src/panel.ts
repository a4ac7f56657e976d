// Hosts the webview panel (state diagram, ladder, handshake) and restores it after a reload.
// The host builds the view model (src/viewModel.ts); the webview only draws and reports clicks.
import * as vscode from 'vscode';
import type { Trace } from './trace/model';
import * as config from './config';
import type { TraceStore } from './documents';
import { revealPacketLine, type Focus } from './focus';
import { buildModel, ladderRows } from './viewModel';
import { makeNonce, panelHtml } from './webviewHtml';
import { PANEL_VIEW_TYPE, isPanelState, isWebviewMessage, type HostMessage, type PanelMode, type ViewModel, type WebviewMessage } from './protocol';

interface Target {
  uri: vscode.Uri;
  trace: Trace;
  connection: number;
  index: number;
}

export class Panel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private mode: PanelMode = 'diagram';
  private target: Target | undefined;
  private lastModel: ViewModel | undefined;
  private pendingTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Runs a command the webview asked for (export, copy) through the one command table. */
  onCommand: (command: 'exportSvg' | 'exportMermaid' | 'copySummary') => void = () => undefined;
  private readonly rendered = new vscode.EventEmitter<{ index: number; ms: number }>();
  /** Fires each time the webview has drawn a view model: its current packet, and how long drawing took. */
  readonly onDidRender = this.rendered.event;
  private lastPost = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly store: TraceStore,
    private readonly focus: Focus,
  ) {
    this.subscriptions.push(
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state) => this.restore(panel, state),
      }),
      focus.onDidChange((e) => {
        if (!e.state || e.source === 'panel') return;
        if (e.state.connection < 0) return;
        this.target = { uri: e.state.uri, trace: e.state.trace, connection: e.state.connection, index: e.state.packet };
        this.schedulePost();
      }),
      store.onDidChange((uri) => {
        if (this.target?.uri.toString() !== uri.toString()) return;
        const trace = store.get(uri);
        if (trace) this.target = { ...this.target, trace };
        this.schedulePost();
      }),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('tcpTrace') && this.schedulePost()),
    );
  }

  /** The last view model posted to the webview (test API). */
  model(): ViewModel | undefined {
    return this.lastModel;
  }

  get visible(): boolean {
    return !!this.panel?.visible;
  }

  show(mode: PanelMode, target?: Target): void {
    this.mode = mode;
    if (target) this.target = target;
    else if (!this.target && this.focus.current && this.focus.current.connection >= 0) {
      const f = this.focus.current;
      this.target = { uri: f.uri, trace: f.trace, connection: f.connection, index: f.packet };
    }
    if (this.panel) this.panel.reveal(undefined, true);
    else {
      const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, vscode.l10n.t('TCP Trace'), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, this.options());
      this.attach(panel);
    }
    this.post();
  }

  private options(): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      // The panel has no forms and no command links: keep both off.
      enableForms: false,
      enableCommandUris: false,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview')],
    };
  }

  private restore(panel: vscode.WebviewPanel, state: unknown): void {
    if (isPanelState(state)) {
      this.mode = state.mode;
      let uri: vscode.Uri | undefined;
      try {
        uri = vscode.Uri.parse(state.uri, true);
      } catch {
        uri = undefined; // a state that is not a URI: start empty
      }
      const doc = uri && vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      const trace = doc ? this.store.ensure(doc) : uri && this.store.get(uri);
      if (uri && trace && state.index >= 0 && state.index < trace.packetCount) {
        this.target = { uri, trace, connection: trace.packet(state.index).connection, index: state.index };
      }
    }
    panel.webview.options = this.options();
    this.attach(panel);
    this.post();
  }

  private attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.ready = false;
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'tcp.svg');
    panel.webview.html = this.html(panel.webview);
    const subs = [
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (isWebviewMessage(m)) void this.onMessage(m);
      }),
      panel.onDidChangeViewState(() => panel.visible && this.post()),
    ];
    panel.onDidDispose(() => {
      for (const s of subs) s.dispose();
      if (this.panel === panel) this.panel = undefined;
      this.ready = false;
    });
  }

  private async onMessage(m: WebviewMessage): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.post();
        break;
      case 'select': {
        const t = this.target;
        if (!t || m.index >= t.trace.packetCount) return;
        this.target = { ...t, index: m.index, connection: t.trace.packet(m.index).connection };
        this.focus.set(t.uri, t.trace, m.index, 'panel');
        this.post();
        await revealPacketLine(t.uri, t.trace, m.index).then(undefined, () => undefined);
        break;
      }
      case 'needRows': {
        const t = this.target;
        if (!t || t.connection !== m.connection) return;
        this.send({ type: 'rows', connection: m.connection, start: m.start, rows: ladderRows(t.trace, m.connection, m.start, m.count) });
        break;
      }
      case 'mode':
        this.mode = m.mode;
        this.post();
        break;
      case 'rendered':
        this.rendered.fire({ index: m.index, ms: m.ms });
        break;
      case 'command':
        this.onCommand(m.command);
        break;
    }
  }

  /**
   * At most one message per 30 ms: a single cursor move is drawn at once, a burst (a held
   * arrow key) is drawn every 30 ms and once more at its end.
   */
  private schedulePost(): void {
    if (!this.panel || this.pendingTimer) return;
    const wait = this.lastPost + 30 - Date.now();
    if (wait <= 0) {
      this.post();
      return;
    }
    this.pendingTimer = setTimeout(() => {
      this.pendingTimer = undefined;
      this.post();
    }, wait);
  }

  private post(): void {
    this.lastPost = Date.now();
    const t = this.target;
    const uri = t?.uri ?? vscode.Uri.parse('untitled:none');
    const model = t
      ? buildModel(t.trace, uri, t.connection, t.index, this.mode, config.explanationLang())
      : buildModel(emptyTrace, uri, -1, -1, this.mode, config.explanationLang());
    this.lastModel = model;
    if (this.panel) {
      this.panel.title = model.connection ? `TCP #${model.connection.id}: ${model.connection.client} → ${model.connection.server}` : vscode.l10n.t('TCP Trace');
    }
    if (this.ready) this.send(model);
  }

  private send(m: HostMessage): void {
    void this.panel?.webview.postMessage(m);
  }

  private html(webview: vscode.Webview): string {
    const root = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    return panelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'style.css')).toString(),
      lang: config.explanationLang() === 'zh' ? 'zh-CN' : 'en',
    });
  }

  dispose(): void {
    if (this.pendingTimer) clearTimeout(this.pendingTimer);
    this.panel?.dispose();
    this.rendered.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

/** Stands in for a trace when the panel has nothing to show yet. */
const emptyTrace: Trace = {
  lines: 0,
  packetCount: 0,
  skipped: 0,
  problems: [],
  connections: [],
  halfOpenFloods: [],
  packetAtLine: () => -1,
  packet: () => {
    throw new Error('no packets');
  },
  packetsOf: () => [],
  census: (line) => ({ line, counts: {}, connections: 0 }),
  toJSON: () => ({ format: 'tcp-trace/1', lines: 0, packets: 0, skipped: 0, problems: [], connections: [], halfOpenFloods: [] }),
};
