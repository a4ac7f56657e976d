// Documents VS Code keeps from extensions. A text model over 50 MB is never shared with the
// extension host: no TextDocument, no editor, no event, so the rest of the extension cannot
// see it. Its editor tab can be seen, though. A text tab whose document is not shared, and
// whose file looks like tcpdump text (by its name, or by its first 64 KB read the way language
// detection reads a document), is analysed from its file on disk in the worker, streamed, with
// progress; again when the file changes on disk; and forgotten when its last tab closes. A
// capture printed as text (the tcpdump-pcap scheme) is read from the capture itself.
import * as vscode from 'vscode';
import { sniff } from './detect';
import type { TraceStore } from './documents';
import { documentName } from './describe';
import { log } from './log';
import { PCAP_SCHEME, fileOf } from './pcapDocument';
import { t } from './l10n';

/** VS Code's own limit (a text model's _MODEL_SYNC_LIMIT): longer models are not shared. */
export const SHARE_LIMIT = 50 * 1024 * 1024;

/** The file names the tcpdump language claims (package.json). */
const TCPDUMP_NAME = /\.(?:tcpdump|tcpdump\.txt|pcap\.txt)$/i;
/** How much of the start of a file is read to tell tcpdump text. */
const SNIFF_BYTES = 64 * 1024;
/** A new tab's document is usually shared a moment after the tab appears: wait that long first. */
const SETTLE_MS = 300;
/** Quiet time after the file changes on disk before it is read again. */
const RELOAD_MS = 1000;

/**
 * What a large document is: being looked at; tcpdump text (analysed from its file); other
 * text (left alone); or an unsaved one, which has no file to read.
 */
export type LargeState = 'checking' | 'tcpdump' | 'other' | 'unsaved';

interface Tracked {
  state: LargeState;
  watcher?: vscode.Disposable;
  reload?: ReturnType<typeof setTimeout>;
}

/** The uris of every editor tab that shows a text document. */
function textTabs(): Map<string, vscode.Uri> {
  const out = new Map<string, vscode.Uri>();
  for (const g of vscode.window.tabGroups.all) {
    for (const t of g.tabs) if (t.input instanceof vscode.TabInputText) out.set(t.input.uri.toString(), t.input.uri);
  }
  return out;
}

/** Where a document's bytes are: its file, or for a capture printed as text, the capture. */
function diskFile(uri: vscode.Uri): vscode.Uri {
  return uri.scheme === PCAP_SCHEME ? fileOf(uri) : uri;
}

function isShared(key: string): boolean {
  return vscode.workspace.textDocuments.some((d) => d.uri.toString() === key);
}

/** The first SNIFF_BYTES of a local file, or undefined where files are not read directly (the web). */
async function head(uri: vscode.Uri): Promise<string | undefined> {
  // The condition is fixed at build time: the browser bundle holds no fs.
  if (process.env.TCP_TRACE_WEB === '1' || uri.scheme !== 'file') return undefined;
  else return readHead(require('fs'), uri.fsPath);
}

async function readHead(fs: typeof import('fs'), path: string): Promise<string> {
  const fh = await fs.promises.open(path, 'r');
  try {
    const buf = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await fh.read(buf, 0, SNIFF_BYTES, 0);
    const text = new TextDecoder().decode(buf.subarray(0, bytesRead));
    // Whole lines only: the last one may be cut.
    const nl = text.lastIndexOf('\n');
    return nl > 0 ? text.slice(0, nl) : text;
  } finally {
    await fh.close();
  }
}

export class LargeDocuments implements vscode.Disposable {
  private readonly tracked = new Map<string, Tracked>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when a large document is found, classified or forgotten. */
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [this.changed];
  private settle: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly store: TraceStore) {
    this.subscriptions.push(
      vscode.window.tabGroups.onDidChangeTabs(() => this.scan()),
      // A document shared after all (its text turned out shorter than VS Code's limit).
      vscode.workspace.onDidOpenTextDocument((d) => this.untrack(d.uri.toString())),
    );
    this.scan();
  }

  /** The state of the large document in the active tab, if that is one. */
  active(): { uri: vscode.Uri; state: LargeState } | undefined {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (!(input instanceof vscode.TabInputText)) return undefined;
    const t = this.tracked.get(input.uri.toString());
    return t ? { uri: input.uri, state: t.state } : undefined;
  }

  /** Large documents now open in a tab, with their state. */
  state(uri: vscode.Uri): LargeState | undefined {
    return this.tracked.get(uri.toString())?.state;
  }

  /** Looks at the tabs a moment after they change: new large documents, and closed ones. */
  private scan(): void {
    const tabs = textTabs();
    for (const key of [...this.tracked.keys()]) if (!tabs.has(key)) this.untrack(key);
    if (this.settle) clearTimeout(this.settle);
    this.settle = setTimeout(() => {
      this.settle = undefined;
      for (const [key, uri] of textTabs()) {
        if (this.tracked.has(key) || isShared(key)) continue;
        this.tracked.set(key, { state: 'checking' });
        void this.classify(key, uri);
      }
    }, SETTLE_MS);
  }

  private async classify(key: string, uri: vscode.Uri): Promise<void> {
    let state: LargeState;
    const file = diskFile(uri);
    try {
      state = uri.scheme === 'untitled' ? 'unsaved' : (await this.looksLikeTcpdump(uri)) ? 'tcpdump' : 'other';
    } catch (e) {
      log(`could not read the start of ${uri.toString(true)}: ${e instanceof Error ? e.message : String(e)}`);
      state = 'other';
    }
    const t = this.tracked.get(key);
    if (!t || isShared(key)) return;
    t.state = state;
    if (state === 'tcpdump') {
      void this.analyze(uri);
      t.watcher = this.watch(key, file);
    }
    this.changed.fire();
  }

  private async looksLikeTcpdump(uri: vscode.Uri): Promise<boolean> {
    if (TCPDUMP_NAME.test(uri.path)) return true;
    if (!vscode.workspace.getConfiguration('tcpTrace').get<boolean>('detectLanguage', true)) return false;
    const stat = await vscode.workspace.fs.stat(uri);
    // A file this small would have been shared; it is still loading, or it is no text file.
    if (stat.size <= SHARE_LIMIT) return false;
    const text = await head(uri);
    return text !== undefined && sniff(text).verdict === 'tcpdump';
  }

  /** Reads the file in the worker, showing progress on the view and in the status bar. */
  private analyze(uri: vscode.Uri): Thenable<unknown> {
    const name = documentName(uri);
    return vscode.window
      .withProgress({ location: { viewId: 'tcpTrace.connections' } }, () =>
        vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: t('Analyzing {0}', name) }, (progress) => {
          let last = 0;
          const report = (done: number, total: number) => {
            const pct = Math.floor((done / Math.max(1, total)) * 100);
            if (pct === last) return;
            progress.report({ message: `${pct}%` });
            last = pct;
          };
          return this.store.analyzeFile(uri, 'large', undefined, report, diskFile(uri));
        }),
      )
      .then(undefined, (e: unknown) => {
        if (e instanceof vscode.CancellationError) return;
        log(`analysis of ${uri.toString(true)} failed: ${e instanceof Error ? e.stack : String(e)}`);
        void vscode.window.showErrorMessage(t('Could not analyze {0}: {1}', name, e instanceof Error ? e.message : String(e)));
      });
  }

  /** Reads the file again once it has been saved (or changed by another program). */
  private watch(key: string, file: vscode.Uri): vscode.Disposable | undefined {
    const slash = file.path.lastIndexOf('/');
    if (slash < 0) return undefined;
    const folder = file.with({ path: file.path.slice(0, slash) || '/' });
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, file.path.slice(slash + 1)), true, false, true);
    watcher.onDidChange(() => {
      const t = this.tracked.get(key);
      if (!t || t.state !== 'tcpdump') return;
      if (t.reload) clearTimeout(t.reload);
      t.reload = setTimeout(() => {
        t.reload = undefined;
        if (this.tracked.get(key) === t) void this.analyze(vscode.Uri.parse(key, true));
      }, RELOAD_MS);
    });
    return watcher;
  }

  private untrack(key: string): void {
    const t = this.tracked.get(key);
    if (!t) return;
    this.tracked.delete(key);
    t.watcher?.dispose();
    if (t.reload) clearTimeout(t.reload);
    this.store.forget(vscode.Uri.parse(key, true), 'large');
    this.changed.fire();
  }

  dispose(): void {
    if (this.settle) clearTimeout(this.settle);
    for (const key of [...this.tracked.keys()]) this.untrack(key);
    for (const s of this.subscriptions) s.dispose();
  }
}
