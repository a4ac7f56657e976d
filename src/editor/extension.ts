// Activation: wiring only. Each feature lives in its own module.
import * as vscode from 'vscode';
import type { Trace } from '../trace/model';
import { Analyzer } from './analyzer';
import { isTraceDocument, TraceStore, type AnalysisInfo } from './documents';
import { Focus } from './focus';
import { ConnectionsTree } from './tree';
import { hoverAt, registerHover } from './hover';
import { Panel, type RenderTiming, type TripTiming } from './panel';
import { Diagnostics, RepairsQuickFix } from './diagnostics';
import { StatusBar } from './statusBar';
import { registerCodeLens } from './codeLens';
import { registerCommands } from './commands';
import { registerLanguageModelTools } from './lmTools';
import { registerCaptureDocuments } from './pcapDocument';
import { registerExamples } from './examples';
import { disposeLog } from './log';
import { LanguageDetection } from './detect';
import { LargeDocuments } from './largeDocuments';
import { sourceList, type SourceInfo } from './sources';
import { followLanguageSetting } from './config';

/** What activate() returns: used by the end-to-end tests. */
export interface TestApi {
  traceFor(uri: vscode.Uri): Trace | undefined;
  panelModel(): unknown;
  treeItems(): Promise<Array<{ label: string; description?: string; id?: string }>>;
  /** Every text of the Connections view, tooltips included. */
  treeTexts(): string[];
  /** The tree's census item ("States at line N"), when it shows a trace. */
  treeCensus(): string | undefined;
  /** The rows under the tree's "Servers" or "Client hosts". */
  treeAggregates(by: 'server' | 'client'): Array<{ label: string; description?: string }>;
  /** The sources the view can show, and which one it shows. */
  sources(): SourceInfo[];
  /** The tree's title-bar description and message, which name the document or file shown. */
  treeHeader(): { description?: string; message?: string };
  /** How the last analysis of a document or file went (the editor benchmark reads it). */
  analysisInfo(uri: vscode.Uri): AnalysisInfo | undefined;
  /** Fires each time the panel's webview has drawn: its current packet and how long drawing took. */
  onPanelRendered: vscode.Event<RenderTiming>;
  /** A trivial message to the panel's webview and back (the benchmark's transport baseline). */
  panelPing(): Promise<TripTiming | undefined>;
  /** Turns the panel's measuring on or off (the benchmark's; see MeasureMessage). */
  panelMeasure(on: boolean): void;
  /** What the hover provider answers, called directly (the benchmark times it). */
  hoverAt(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined;
}

export function activate(context: vscode.ExtensionContext): TestApi {
  // First, so every view is built in the language of the setting.
  context.subscriptions.push(followLanguageSetting());
  const analyzer = new Analyzer(context.extensionUri);
  const store = new TraceStore(analyzer);
  const large = new LargeDocuments(store);
  const focus = new Focus(store);
  const tree = new ConnectionsTree(store, focus, large);
  const panel = new Panel(context.extensionUri, store, focus);
  const services = { extensionUri: context.extensionUri, store, focus, tree, panel, analyzer, large };
  panel.onCommand = (command) => {
    const id = { exportSvg: 'tcpTrace.exportLadderSvg', exportMermaid: 'tcpTrace.exportLadderMermaid', copySummary: 'tcpTrace.copySummary' }[command];
    void vscode.commands.executeCommand(id);
  };

  context.subscriptions.push(
    analyzer,
    store,
    large,
    focus,
    tree,
    panel,
    new Diagnostics(store),
    vscode.languages.registerCodeActionsProvider({ language: 'tcpdump' }, new RepairsQuickFix(), { providedCodeActionKinds: RepairsQuickFix.kinds }),
    new StatusBar(focus),
    registerHover(store),
    registerCodeLens(store),
    ...registerCommands(services),
    ...registerLanguageModelTools(services),
    ...registerCaptureDocuments(),
    registerExamples(context.extensionUri),
    new LanguageDetection(context.globalState),
    { dispose: disposeLog },
  );

  // The analysis worker starts in the background once activation is over, when a tcpdump
  // document is open; activated for a plain-text one (language detection), it waits for the
  // first tcpdump document instead.
  setTimeout(() => {
    if (vscode.workspace.textDocuments.some((d) => isTraceDocument(d))) return analyzer.prepare();
    const first = vscode.workspace.onDidOpenTextDocument((d) => {
      if (!isTraceDocument(d)) return;
      first.dispose();
      analyzer.prepare();
    });
    context.subscriptions.push(first);
  }, 0);

  return {
    traceFor(uri) {
      const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
      return doc ? store.ensure(doc) ?? store.get(uri) : store.get(uri);
    },
    panelModel: () => panel.model(),
    treeItems: () => tree.rootItems(),
    treeTexts: () => tree.allTexts(),
    treeCensus: () => tree.censusLabel(),
    treeAggregates: (by) => tree.aggregateItems(by),
    analysisInfo: (uri) => store.info(uri),
    sources: () => sourceList(services),
    treeHeader: () => ({ description: tree.view.description, message: tree.view.message }),
    onPanelRendered: panel.onDidRender,
    panelPing: () => panel.ping(),
    panelMeasure: (on: boolean) => panel.measure(on),
    hoverAt: (doc, pos) => hoverAt(store, doc, pos),
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
