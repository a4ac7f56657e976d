// The document -> Trace cache. Re-analyses tcpdump documents on edit (debounced); small
// documents on the host, big ones in the worker with progress. Never edits a document.
import * as vscode from 'vscode';
import { analyzeText } from './trace';
import type { Trace } from './trace/model';
import type { Analyzer } from './analyzer';
import * as config from './config';
import { log } from './log';

export const LANGUAGE_ID = 'tcpdump';

export function isTraceDocument(doc: vscode.TextDocument | undefined): boolean {
  return doc?.languageId === LANGUAGE_ID;
}

interface Entry {
  /** Document version the trace was built from (-1 for files analysed from disk). */
  version: number;
  trace?: Trace;
  timer?: ReturnType<typeof setTimeout>;
  running?: vscode.CancellationTokenSource;
}

export class TraceStore implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires when a trace for this uri was (re)built or dropped. */
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly analyzer: Analyzer) {
    this.subscriptions.push(
      this.changed,
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length && this.schedule(e.document, config.debounceMs())),
      vscode.workspace.onDidCloseTextDocument((d) => this.drop(d.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!config.affectsAnalysis(e)) return;
        for (const d of vscode.workspace.textDocuments) this.schedule(d, 0, true);
      }),
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  /** The latest trace for a document or analysed file; it may lag behind the newest edit. */
  get(uri: vscode.Uri): Trace | undefined {
    return this.entries.get(uri.toString())?.trace;
  }

  /** A trace matching the document's current text when it is cheap to make one now. */
  ensure(doc: vscode.TextDocument): Trace | undefined {
    if (!isTraceDocument(doc)) return undefined;
    const entry = this.entries.get(doc.uri.toString());
    if (entry?.trace && entry.version === doc.version) return entry.trace;
    if (doc.getText().length < config.workerThreshold()) return this.analyzeNow(doc);
    if (!entry?.running) this.schedule(doc, 0);
    return entry?.trace;
  }

  /** Analyses again now, whatever the cache holds (tcpTrace.refresh). */
  reanalyze(doc: vscode.TextDocument): void {
    this.schedule(doc, 0, true);
  }

  /** Registers a trace built from a file on disk (tcpTrace.analyzeFile). */
  setFileTrace(uri: vscode.Uri, trace: Trace): void {
    this.entries.set(uri.toString(), { version: -1, trace });
    this.changed.fire(uri);
  }

  private schedule(doc: vscode.TextDocument, delay: number, force = false): void {
    if (!isTraceDocument(doc)) {
      // A document whose language changed away from tcpdump loses its trace.
      if (this.entries.has(doc.uri.toString())) this.drop(doc.uri);
      return;
    }
    const key = doc.uri.toString();
    const entry = this.entries.get(key) ?? { version: -2 };
    this.entries.set(key, entry);
    if (!force && entry.trace && entry.version === doc.version) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void this.analyze(doc, entry);
    }, delay);
  }

  private analyzeNow(doc: vscode.TextDocument): Trace | undefined {
    const entry = this.entries.get(doc.uri.toString()) ?? { version: -2 };
    this.entries.set(doc.uri.toString(), entry);
    try {
      entry.trace = analyzeText(doc.getText(), config.traceOptions());
      entry.version = doc.version;
      entry.running?.cancel();
      this.changed.fire(doc.uri);
    } catch (e) {
      log(`analysis of ${doc.uri.toString(true)} failed: ${e instanceof Error ? e.stack : String(e)}`);
    }
    return entry.trace;
  }

  private async analyze(doc: vscode.TextDocument, entry: Entry): Promise<void> {
    if (doc.isClosed) return;
    const text = doc.getText();
    if (text.length < config.workerThreshold()) {
      this.analyzeNow(doc);
      return;
    }
    entry.running?.cancel();
    const cts = (entry.running = new vscode.CancellationTokenSource());
    const version = doc.version;
    const name = doc.uri.path.split('/').pop() ?? '';
    try {
      const trace = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Analyzing {0}', name) },
        (progress) => {
          let last = 0;
          return this.analyzer.analyzeText(text, config.traceOptions(), (done, total) => {
            const pct = (done / Math.max(1, total)) * 100;
            progress.report({ increment: pct - last, message: `${Math.round(pct)}%` });
            last = pct;
          }, cts.token);
        },
      );
      if (cts.token.isCancellationRequested || doc.isClosed) return;
      entry.trace = trace;
      entry.version = version;
      this.changed.fire(doc.uri);
    } catch (e) {
      if (!(e instanceof vscode.CancellationError)) log(`analysis of ${doc.uri.toString(true)} failed: ${e instanceof Error ? e.stack : String(e)}`);
    } finally {
      if (entry.running === cts) entry.running = undefined;
      cts.dispose();
    }
  }

  private drop(uri: vscode.Uri): void {
    const entry = this.entries.get(uri.toString());
    if (!entry || entry.version === -1) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.running?.cancel();
    this.entries.delete(uri.toString());
    this.changed.fire(uri);
  }

  dispose(): void {
    for (const e of this.entries.values()) {
      if (e.timer) clearTimeout(e.timer);
      e.running?.cancel();
    }
    for (const s of this.subscriptions) s.dispose();
  }
}
