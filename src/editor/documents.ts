// The document -> Trace cache. Re-analyses tcpdump documents on edit (debounced): small
// documents on the host, big ones in the worker (src/editor/analyzer.ts), which is sent the text once
// and then only the edits. While a document's first analysis runs, the results so far are
// shown; later ones keep the previous trace until the new one is ready. Never edits a document.
// Also keeps traces read from disk: files analysed with "Analyze Capture File…" and documents
// too large for VS Code to share with extensions (src/editor/largeDocuments.ts).
import * as vscode from 'vscode';
import { analyzeText } from '../trace';
import type { Trace } from '../trace/model';
import type { TextChange } from '../trace/edits';
import type { Analyzer, DocumentSource, ProgressFn } from './analyzer';
import * as config from './config';
import { log } from './log';
import { t } from './l10n';

export const LANGUAGE_ID = 'tcpdump';

export function isTraceDocument(doc: vscode.TextDocument | undefined): boolean {
  return doc?.languageId === LANGUAGE_ID;
}

/**
 * What a trace was made from: an editor document; a document VS Code does not share with
 * extensions (over 50 MB), read from its file; or a file analysed from disk.
 */
export type SourceKind = 'document' | 'large' | 'file';

/** A trace the Connections view can show, finished or still being made. */
export interface Source {
  uri: vscode.Uri;
  kind: SourceKind;
  trace?: Trace;
  /** While an analysis from disk runs: how much of the file has been read, 0 to 1. */
  progress?: number;
}

/** A source's kind in words, as the view and the list of sources say it. */
export function sourceKindText(kind: SourceKind): string {
  switch (kind) {
    case 'document': return t('open document');
    case 'large': return t('open document over 50 MB, read from its file');
    case 'file': return t('analysed file');
  }
}

interface Entry {
  uri: vscode.Uri;
  kind: SourceKind;
  /** Document version the trace was built from (-1 for traces read from disk). */
  version: number;
  trace?: Trace;
  timer?: ReturnType<typeof setTimeout>;
  running?: vscode.CancellationTokenSource;
  /** How the last finished analysis went (for the test API and the benchmark). */
  last?: AnalysisInfo;
  /** While a file is read from disk: the share read so far. */
  progress?: number;
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
  /** Editor documents. */
  private readonly entries = new Map<string, Entry>();
  /** Traces read from disk: large documents and analysed files. */
  private readonly disk = new Map<string, Entry>();
  /** The version each open document had at its last change event, to send edits from. */
  private readonly seen = new Map<string, number>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires when a trace for this uri was (re)built or dropped. */
  readonly onDidChange = this.changed.event;
  private readonly progressed = new vscode.EventEmitter<vscode.Uri>();
  /** Fires as a file is read from disk (see Source.progress). */
  readonly onDidProgress = this.progressed.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly analyzer: Analyzer) {
    this.subscriptions.push(
      this.changed,
      this.progressed,
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
    return (this.entries.get(uri.toString()) ?? this.disk.get(uri.toString()))?.last;
  }

  /** The latest trace for a document or analysed file; it may lag behind the newest edit. */
  get(uri: vscode.Uri): Trace | undefined {
    return (this.entries.get(uri.toString()) ?? this.disk.get(uri.toString()))?.trace;
  }

  /** The trace of one source: a document's, or one read from disk. */
  traceOf(uri: vscode.Uri, kind: SourceKind): Trace | undefined {
    return (kind === 'document' ? this.entries : this.disk).get(uri.toString())?.trace;
  }

  /** The source under this uri and kind, while it is kept. */
  source(uri: vscode.Uri, kind: SourceKind): Source | undefined {
    const e = (kind === 'document' ? this.entries : this.disk).get(uri.toString());
    return e && e.kind === kind ? { uri: e.uri, kind: e.kind, trace: e.trace, progress: e.progress } : undefined;
  }

  /** What a uri's trace was made from: its document, or a read from disk. */
  kindOf(uri: vscode.Uri): SourceKind | undefined {
    return (this.entries.get(uri.toString()) ?? this.disk.get(uri.toString()))?.kind;
  }

  /** Every source kept: tcpdump documents, large documents and analysed files. */
  sources(): Source[] {
    return [...this.entries.values(), ...this.disk.values()].map((e) => ({ uri: e.uri, kind: e.kind, trace: e.trace, progress: e.progress }));
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

  /**
   * Reads a file from disk in the worker and keeps its trace (and the results so far, while
   * it runs) under its uri. On a local disk the worker streams the file itself; elsewhere
   * (virtual or web workspaces) the bytes come through vscode.workspace.fs. A new request for
   * the same file, or forget(), stops the one before. `file` is where the bytes are, when that
   * is not `uri` (a capture printed as text: the capture).
   */
  async analyzeFile(uri: vscode.Uri, kind: 'large' | 'file', token?: vscode.CancellationToken, progress?: ProgressFn, file = uri): Promise<Trace> {
    const key = uri.toString();
    const old = this.disk.get(key);
    old?.running?.cancel();
    const entry: Entry = { uri, kind, version: -1, trace: old?.trace, progress: 0 };
    const cts = (entry.running = new vscode.CancellationTokenSource());
    const linked = token?.onCancellationRequested(() => cts.cancel());
    this.disk.set(key, entry);
    this.changed.fire(uri);
    const current = () => this.disk.get(key) === entry && !cts.token.isCancellationRequested;
    const handlers = {
      token: cts.token,
      progress: (done: number, total: number) => {
        if (!current()) return;
        entry.progress = done / Math.max(1, total);
        this.progressed.fire(uri);
        progress?.(done, total);
      },
      partial: (trace: Trace) => {
        if (!current()) return;
        entry.trace = trace;
        this.changed.fire(uri);
      },
    };
    const t0 = Date.now();
    try {
      const options = config.traceOptions();
      let result: Awaited<ReturnType<Analyzer['analyzePath']>> | undefined;
      if (file.scheme === 'file' && process.env.TCP_TRACE_WEB !== '1') {
        try {
          result = await this.analyzer.analyzePath(file.fsPath, options, handlers);
        } catch (e) {
          if (e instanceof vscode.CancellationError) throw e;
          log(`streaming ${file.fsPath} in the worker failed, reading it instead: ${String(e)}`);
        }
      }
      if (!result) {
        const bytes = await vscode.workspace.fs.readFile(file);
        if (cts.token.isCancellationRequested) throw new vscode.CancellationError();
        result = await this.analyzer.analyzeBytes(bytes, options, handlers);
      }
      if (!current()) throw new vscode.CancellationError();
      entry.trace = result.trace;
      entry.progress = undefined;
      entry.last = { version: -1, reanalysed: true, inWorker: true, ms: Date.now() - t0 };
      this.changed.fire(uri);
      return result.trace;
    } catch (e) {
      // A failed or cancelled first read leaves nothing to show: the source goes.
      if (this.disk.get(key) === entry) {
        entry.progress = undefined;
        if (!entry.trace) this.disk.delete(key);
        this.changed.fire(uri);
      }
      throw e;
    } finally {
      linked?.dispose();
      if (entry.running === cts) entry.running = undefined;
      cts.dispose();
    }
  }

  /** Stops keeping a trace read from disk (a closed source, or a large document closed). */
  forget(uri: vscode.Uri, kind: 'large' | 'file'): void {
    const entry = this.disk.get(uri.toString());
    if (!entry || entry.kind !== kind) return;
    entry.running?.cancel();
    this.disk.delete(uri.toString());
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
    const entry = this.entries.get(key) ?? { uri: doc.uri, kind: 'document', version: -2 };
    this.entries.set(key, entry);
    if (!force && entry.trace && entry.version === doc.version) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      entry.timer = undefined;
      void this.analyze(doc, entry);
    }, delay);
  }

  private analyzeNow(doc: vscode.TextDocument): Trace | undefined {
    const entry = this.entries.get(doc.uri.toString()) ?? { uri: doc.uri, kind: 'document', version: -2 };
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
        { location: vscode.ProgressLocation.Window, title: t('Analyzing {0}', name) },
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
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.running?.cancel();
    this.entries.delete(uri.toString());
    this.changed.fire(uri);
  }

  dispose(): void {
    for (const e of [...this.entries.values(), ...this.disk.values()]) {
      if (e.timer) clearTimeout(e.timer);
      e.running?.cancel();
    }
    for (const s of this.subscriptions) s.dispose();
  }
}
