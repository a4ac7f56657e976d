// Hosts the webview panel (state diagram, ladder, handshake) and restores it after a reload.
// The host builds the view model (src/editor/viewModel.ts); the webview only draws and reports clicks.
import * as vscode from 'vscode';
import { documentName } from './describe';
import { analyzeText } from '../trace';
import type { Trace } from '../trace/model';
import type { TraceStore } from './documents';
import { revealPacketLine, type Focus } from './focus';
import { buildModel, ladderKey, ladderRows } from './viewModel';
import { GRAPH_THIN_COLUMNS, GRAPH_WHOLE_MAX, graphDataInSteps, graphSlices, thinGraphsInSteps } from './graphData';
import { saveGraphsSvg } from './saveSvg';
import { makeNonce, panelHtml } from '../protocol/webviewHtml';
import { PANEL_VIEW_TYPE, epochMs, isPanelState, isWebviewMessage, type GraphsDrawn, type GraphsMessage, type HandshakeView, type HostMessage, type ModelMessage, type PanelMode, type ViewModel, type WebviewMessage } from '../protocol/protocol';
import { language, t } from './l10n';

/** The legs of a trip to the webview and back (ms; the two ends share the system clock). */
export interface TripTiming {
  toWebviewMs: number;
  backMs: number;
  totalMs: number;
}

/** A measured post's timing, once its model is drawn (`ms` drawing it, `now` the answer's arrival). */
function legsOf(p: { postedAt: number; since?: number; receivedAt?: number }, ms: number, now: number): Partial<RenderTiming> {
  const base = { postedAt: p.postedAt, since: p.since };
  if (p.receivedAt === undefined) return base;
  return { ...base, toWebviewMs: p.receivedAt - p.postedAt, backMs: now - p.receivedAt - ms, drawnAt: p.receivedAt + ms };
}

export interface RenderTiming {
  /** The packet the drawn view model is about. */
  index: number;
  /** Checking and drawing it in the webview. */
  ms: number;
  /** When the host posted it, and when it heard of the change that led to it (epochMs()). */
  postedAt?: number;
  since?: number;
  toWebviewMs?: number;
  backMs?: number;
  /** When the webview had drawn it (epochMs() in the webview: received + ms). */
  drawnAt?: number;
  /** With the Graphs tab shown: its last drawing, and the host's time to build the series it was sent last (ms). */
  graphs?: GraphsDrawn & { buildMs?: number };
}

/**
 * What the webview holds from earlier messages, so a new view model goes as what changed: a
 * cursor move within a connection then sends the diagram and a few ladder rows, not the
 * words, the handshake view and the whole ladder window again. Forgotten when the webview
 * (re)loads.
 */
class WebviewCopy {
  private strings: Record<string, string> | undefined;
  private handshake: HandshakeView | null | undefined;
  private key: string | undefined;
  /** The connection (a ladder key) whose graph data the webview has. */
  graphsKey: string | undefined;
  /** Ladder rows (ordinals) the webview has for `key`. */
  private readonly rows = new Set<number>();

  forget(): void {
    this.strings = undefined;
    this.handshake = undefined;
    this.key = undefined;
    this.graphsKey = undefined;
    this.rows.clear();
  }

  /** Models posted since the webview (re)loaded. */
  private serial = 0;

  message(m: ViewModel): ModelMessage {
    const out: ModelMessage = { ...m, ladder: { ...m.ladder }, serial: ++this.serial };
    if (m.strings === this.strings) delete out.strings;
    if (m.handshake === this.handshake) delete out.handshake;
    this.strings = m.strings;
    this.handshake = m.handshake;
    const key = m.ladder.key ?? '';
    if (key !== this.key) {
      this.key = key;
      this.rows.clear();
    }
    // Leave out the rows at either end the webview already has.
    const { start, rows } = m.ladder;
    let a = 0;
    let b = rows.length;
    while (a < b && this.rows.has(start + a)) a++;
    while (b > a && this.rows.has(start + b - 1)) b--;
    out.ladder.start = start + a;
    out.ladder.rows = rows.slice(a, b);
    this.sentRows(key, start + a, b - a);
    return out;
  }

  sentRows(key: string, start: number, count: number): void {
    if (key !== this.key) return;
    for (let i = start; i < start + count; i++) this.rows.add(i);
  }
}

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
  private readonly copy = new WebviewCopy();
  private pendingTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Runs a command the webview asked for (export, copy) through the one command table. */
  onCommand: (command: 'exportSvg' | 'exportMermaid' | 'copySummary') => void = () => undefined;
  private readonly rendered = new vscode.EventEmitter<RenderTiming>();
  /** Fires each time the webview has drawn a view model: its current packet, and where the time went. */
  readonly onDidRender = this.rendered.event;
  private readonly pongs = new Map<number, (t: TripTiming) => void>();
  private lastPost = 0;
  /** When the focus change the next post shows was heard of, for RenderTiming. */
  private since: number | undefined;
  /** Measuring (the benchmark's, through the test API): models posted and not yet drawn, by serial. */
  private measuring = false;
  private readonly posts = new Map<number, { postedAt: number; since?: number; receivedAt?: number }>();
  private graphsBuildMs: number | undefined;
  /** A large connection's whole series, kept to thin again for each range the webview asks for. */
  private graphsWhole: GraphsMessage | undefined;

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
        this.since ??= e.at;
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
      const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, t('TCP Trace'), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, this.options());
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
    this.copy.forget();
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
        this.copy.forget();
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
        const key = ladderKey(t.trace, m.connection);
        const rows = ladderRows(t.trace, m.connection, m.start, m.count);
        this.copy.sentRows(key, m.start, rows.length);
        this.send({ type: 'rows', connection: m.connection, key, start: m.start, rows });
        break;
      }
      case 'mode':
        this.mode = m.mode;
        this.post();
        break;
      case 'rendered': {
        const graphs = m.graphs && { ...m.graphs, buildMs: this.graphsBuildMs };
        const post = m.serial !== undefined ? this.posts.get(m.serial) : undefined;
        if (m.serial !== undefined) this.posts.delete(m.serial);
        this.rendered.fire({ index: m.index, ms: m.ms, ...(post ? legsOf(post, m.ms, epochMs()) : {}), ...(graphs ? { graphs } : {}) });
        break;
      }
      case 'arrived': {
        const post = this.posts.get(m.serial);
        if (post) post.receivedAt = m.receivedAt;
        break;
      }
      case 'pong': {
        const now = epochMs();
        this.pongs.get(m.sentAt)?.({ toWebviewMs: m.receivedAt - m.sentAt, backMs: now - m.receivedAt, totalMs: now - m.sentAt });
        this.pongs.delete(m.sentAt);
        break;
      }
      case 'command':
        this.onCommand(m.command);
        break;
      case 'graphsRange': {
        const whole = this.graphsWhole;
        if (!whole || whole.key !== m.key || this.copy.graphsKey !== m.key) return;
        const thin = await this.inSteps(thinGraphsInSteps(whole, m.x0, m.x1, m.columns, m.current), m.key);
        if (thin) this.send(thin);
        break;
      }
      case 'saveSvg': {
        const t = this.target;
        await saveGraphsSvg(m.svg, m.name, t?.uri);
        break;
      }
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
    const target = this.target;
    const uri = target?.uri ?? vscode.Uri.parse('untitled:none');
    const model = target
      ? buildModel(target.trace, uri, target.connection, target.index, this.mode, language())
      : buildModel(emptyTrace, uri, -1, -1, this.mode, language());
    this.lastModel = model;
    if (this.panel) {
      // The document first: with several traces open, the tab says which one it follows.
      const name = target ? documentName(target.uri) : '';
      this.panel.title = model.connection ? `${name} · TCP #${model.connection.id}: ${model.connection.client} → ${model.connection.server}` : name ? `${name} · ${t('TCP Trace')}` : t('TCP Trace');
    }
    if (this.ready) {
      // The Graphs tab's data, once per connection and only while the tab shows: before the
      // view model, so the graphs can mark its packet as they are first drawn.
      const key = model.ladder.key;
      if (target && model.mode === 'graphs' && model.connection && key && key !== this.copy.graphsKey) {
        this.copy.graphsKey = key;
        void this.sendGraphs(target.trace, model.connection.id, key);
      }
      const m = this.copy.message(model);
      this.send(m);
      if (this.measuring) {
        if (this.posts.size > 32) this.posts.clear();
        this.posts.set(m.serial, { postedAt: epochMs(), since: this.since });
      }
    }
    this.since = undefined;
  }

  /**
   * The Graphs tab's series, slice by slice, a turn of the event loop apart: posting 500,000
   * packets' arrays at once would hold the extension host for the whole copy. Stops when the
   * webview is to get another connection's (or reloads).
   */
  private async sendGraphs(trace: Trace, connection: number, key: string): Promise<void> {
    const t0 = performance.now();
    this.graphsWhole = undefined;
    // Built a part at a time, a turn of the event loop apart: the host is never held long.
    const data = await this.inSteps(graphDataInSteps(trace, connection, key), key);
    if (!data) return;
    this.graphsBuildMs = performance.now() - t0;
    if (data.total > GRAPH_WHOLE_MAX) {
      // A large connection goes thinned to what its whole time range draws; the webview asks
      // for finer points as it zooms (graphsRange).
      this.graphsWhole = data;
      let x0 = Infinity;
      let x1 = -Infinity;
      for (const t of data.time) {
        if (t < x0) x0 = t;
        if (t > x1) x1 = t;
      }
      const thin = await this.inSteps(thinGraphsInSteps(data, x0 <= x1 ? x0 : 0, x0 <= x1 ? x1 : 0, GRAPH_THIN_COLUMNS, this.target?.index ?? -1), key);
      if (thin) this.send(thin);
      return;
    }
    for (const slice of graphSlices(data)) {
      if (this.copy.graphsKey !== key || !this.ready) return;
      this.send(slice);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  /** Runs steps to their end, a turn of the event loop apart; undefined once the webview wants another connection's graphs. */
  private async inSteps<T>(steps: Generator<void, T>, key: string): Promise<T | undefined> {
    for (;;) {
      const r = steps.next();
      if (r.done) return r.value;
      await new Promise((resolve) => setTimeout(resolve, 0));
      if (this.copy.graphsKey !== key || !this.ready) return undefined;
    }
  }

  private send(m: HostMessage): void {
    void this.panel?.webview.postMessage(m);
  }

  /** Turns the benchmark's measuring on or off (MeasureMessage); off by default. */
  measure(on: boolean): void {
    this.measuring = on;
    this.posts.clear();
    this.send({ type: 'measure', on });
  }

  /**
   * A message with nothing to draw, to the webview and back: the trip through the workbench
   * alone, for the benchmark. Undefined when no panel is ready or no answer comes in 5 s.
   */
  ping(): Promise<TripTiming | undefined> {
    if (!this.panel || !this.ready) return Promise.resolve(undefined);
    const sentAt = epochMs();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pongs.delete(sentAt);
        resolve(undefined);
      }, 5000);
      this.pongs.set(sentAt, (t) => {
        clearTimeout(timer);
        resolve(t);
      });
      void this.panel?.webview.postMessage({ type: 'ping', sentAt } satisfies HostMessage);
    });
  }

  private html(webview: vscode.Webview): string {
    const root = vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview');
    return panelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(root, 'style.css')).toString(),
      lang: language() === 'zh' ? 'zh-CN' : 'en',
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
const emptyTrace: Trace = analyzeText('');
