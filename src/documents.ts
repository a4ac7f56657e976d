// The document -> Trace cache. Re-analyses tcpdump documents on edit (debounced): small
// documents on the host, big ones in the worker (src/analyzer.ts), which is sent the text once
// and then only the edits. While a document's first analysis runs, the results so far are
// shown; later ones keep the previous trace until the new one is ready. Never edits a document.
import * as vscode from 'vscode';
import { analyzeText } from './trace';
import type { Trace } from './trace/model';
import type { TextChange } from './trace/edits';
import type { Analyzer, DocumentSource } from './analyzer';
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
  /** How the last finished analysis went (for the test API and the benchmark). */
  last?: AnalysisInfo;
}

export interface AnalysisInfo {
  version: number;
  /** False when an edit touched no packet line and the worker only moved lines. */
  reanalysed: boolean;
  /** Set when only the connections an edit touched were analysed again. */
  touched?: { connections: number; packets: number };
  inWorker: boolean;
  /** From the start of the analysis (after the edit delay) to the trace being in the cache. */
  ms: number;
}

// Not doc.offsetAt(end): the first offsetAt() has VS Code index the start of every line (some
// 90 ms, in one go, for a document of 280k lines), and nothing else here needs that index.

/** Whether a document has at least `n` characters, reading only the lines it takes to tell. */
function hasAtLeast(doc: vscode.TextDocument, n: number): boolean {
  const eol = doc.eol === vscode.EndOfLine.CRLF ? 2 : 1;
  let chars = 0;
  for (let i = 0; i < doc.lineCount; i++) {
    chars += doc.lineAt(i).text.length + (i + 1 < doc.lineCount ? eol : 0);
    if (chars >= n) return true;
  }
  return false;
}

/** About how many characters a document has, from its first 2000 lines: for progress only. */
function estimatedLength(doc: vscode.TextDocument): number {
  const eol = doc.eol === vscode.EndOfLine.CRLF ? 2 : 1;
  const sample = Math.min(doc.lineCount, 2000);
  let chars = 0;
  for (let i = 0; i < sample; i++) chars += doc.lineAt(i).text.length + eol;
  return Math.round((chars / Math.max(1, sample)) * doc.lineCount);
}

export class TraceStore implements vscode.Disposable {
  private readonly entries = new Map<string, Entry>();
  /** The version each open document had at its last change event, to send edits from. */
  private readonly seen = new Map<string, number>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires when a trace for this uri was (re)built or dropped. */
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly analyzer: Analyzer) {
    this.subscriptions.push(
      this.changed,
      vscode.workspace.onDidOpenTextDocument((d) => {
        this.seen.set(d.uri.toString(), d.version);
        this.schedule(d, 0);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (!e.contentChanges.length) return;
        this.forwardEdits(e);
        this.schedule(e.document, config.debounceMs());
      }),
      vscode.workspace.onDidCloseTextDocument((d) => this.drop(d.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (!config.affectsAnalysis(e)) return;
        for (const d of vscode.workspace.textDocuments) this.schedule(d, 0, true);
      }),
    );
    for (const d of vscode.workspace.textDocuments) {
      this.seen.set(d.uri.toString(), d.version);
      this.schedule(d, 0);
    }
  }

  /** How the last analysis of this document or file went. */
  info(uri: vscode.Uri): AnalysisInfo | undefined {
    return this.entries.get(uri.toString())?.last;
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
    if (!hasAtLeast(doc, config.workerThreshold())) return this.analyzeNow(doc);
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

  /** Keeps the worker's copy of a big document up to date, edit by edit. */
  private forwardEdits(e: vscode.TextDocumentChangeEvent): void {
    const key = e.document.uri.toString();
    const from = this.seen.get(key);
    this.seen.set(key, e.document.version);
    if (from === undefined || !isTraceDocument(e.document)) return;
    const changes: TextChange[] = e.contentChanges.map((c) => ({ offset: c.rangeOffset, length: c.rangeLength, text: c.text, line: c.range.start.line }));
    this.analyzer.documentChanged(key, from, e.document.version, changes);
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
    const t0 = Date.now();
    try {
      entry.trace = analyzeText(doc.getText(), config.traceOptions());
      entry.version = doc.version;
      entry.last = { version: doc.version, reanalysed: true, inWorker: false, ms: Date.now() - t0 };
      entry.running?.cancel();
      this.changed.fire(doc.uri);
    } catch (e) {
      log(`analysis of ${doc.uri.toString(true)} failed: ${e instanceof Error ? e.stack : String(e)}`);
    }
    return entry.trace;
  }

  private async analyze(doc: vscode.TextDocument, entry: Entry): Promise<void> {
    if (doc.isClosed) return;
    if (!hasAtLeast(doc, config.workerThreshold())) {
      this.analyzeNow(doc);
      return;
    }
    entry.running?.cancel();
    const cts = (entry.running = new vscode.CancellationTokenSource());
    const version = doc.version;
    const name = doc.uri.path.split('/').pop() ?? '';
    const t0 = Date.now();
    // Results so far only while nothing is shown yet: a document being edited keeps its
    // previous trace until the new one is complete.
    const first = !entry.trace;
    const src: DocumentSource = {
      key: doc.uri.toString(),
      version,
      length: estimatedLength(doc),
      lineCount: doc.lineCount,
      lines: (from, to) => doc.getText(new vscode.Range(from, 0, to, 0)),
      current: () => !doc.isClosed && doc.version === version,
      text: () => doc.getText(),
    };
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('Analyzing {0}', name) },
        (progress) => {
          let last = 0;
          return this.analyzer.analyzeDocument(src, config.traceOptions(), {
            token: cts.token,
            progress: (done, total) => {
              const pct = (done / Math.max(1, total)) * 100;
              progress.report({ increment: pct - last, message: `${Math.round(pct)}%` });
              last = pct;
            },
            partial: first
              ? (trace) => {
                  if (cts.token.isCancellationRequested || doc.isClosed || doc.version !== version) return;
                  entry.trace = trace;
                  entry.version = version;
                  this.changed.fire(doc.uri);
                }
              : undefined,
          });
        },
      );
      if (cts.token.isCancellationRequested || doc.isClosed) return;
      entry.trace = result.trace;
      entry.version = version;
      entry.last = { version, reanalysed: result.reanalysed, touched: result.touched, inWorker: true, ms: Date.now() - t0 };
      this.changed.fire(doc.uri);
    } catch (e) {
      if (!(e instanceof vscode.CancellationError)) log(`analysis of ${doc.uri.toString(true)} failed: ${e instanceof Error ? e.stack : String(e)}`);
    } finally {
      if (entry.running === cts) entry.running = undefined;
      cts.dispose();
    }
  }

  private drop(uri: vscode.Uri): void {
    this.seen.delete(uri.toString());
    this.analyzer.forgetDocument(uri.toString());
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
