// The packet everyone looks at: set by the editor cursor, the tree, the panel and the
// next/previous commands; followed by the tree, the panel and the status bar.
import * as vscode from 'vscode';
import type { Trace } from '../trace/model';
import { isTraceDocument, type TraceStore } from './documents';
import { epochMs } from '../protocol/protocol';
import { packetAtPosition, packetRange } from './pieces';

export type FocusSource = 'editor' | 'tree' | 'panel' | 'command' | 'analysis';

export interface FocusState {
  uri: vscode.Uri;
  trace: Trace;
  /** Packet index, or -1 when the cursor is on a line that is no packet. */
  packet: number;
  /** Connection id, or -1. Kept when the cursor leaves packet lines. */
  connection: number;
  /** 1-based line of the cursor (for the state census). */
  line: number;
}

export interface FocusChange {
  state: FocusState | undefined;
  source: FocusSource;
  /** When the change was heard of (epochMs()): the panel reports its latency from here. */
  at: number;
}

export class Focus implements vscode.Disposable {
  private state: FocusState | undefined;
  private readonly emitter = new vscode.EventEmitter<FocusChange>();
  readonly onDidChange = this.emitter.event;
  private readonly subscriptions: vscode.Disposable[] = [this.emitter];

  constructor(private readonly store: TraceStore) {
    this.subscriptions.push(
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (isTraceDocument(e.textEditor.document)) this.fromEditor(e.textEditor, 'editor');
      }),
      vscode.window.onDidChangeActiveTextEditor((ed) => {
        if (ed && isTraceDocument(ed.document)) this.fromEditor(ed, 'editor');
      }),
      store.onDidChange((uri) => {
        // A new trace for the document in focus: re-resolve the packet under the cursor.
        const ed = vscode.window.activeTextEditor;
        if (ed && ed.document.uri.toString() === uri.toString()) this.fromEditor(ed, 'analysis', true);
        else if (this.state?.uri.toString() === uri.toString()) {
          const trace = store.get(uri);
          if (!trace) this.clear('analysis');
          else this.set(uri, trace, Math.min(this.state.packet, trace.packetCount - 1), 'analysis', this.state.line, true);
        }
      }),
    );
    const ed = vscode.window.activeTextEditor;
    if (ed && isTraceDocument(ed.document)) this.fromEditor(ed, 'editor');
  }

  get current(): FocusState | undefined {
    return this.state;
  }

  private fromEditor(editor: vscode.TextEditor, source: FocusSource, force = false): void {
    const trace = this.store.ensure(editor.document);
    if (!trace) return;
    const pos = editor.selection.active;
    this.set(editor.document.uri, trace, packetAtPosition(trace, editor.document, pos), source, pos.line + 1, force);
  }

  /** Moves the focus; fires only when something changed (or `force`). */
  set(uri: vscode.Uri, trace: Trace, packet: number, source: FocusSource, line?: number, force = false): void {
    const at = epochMs();
    const valid = packet >= 0 && packet < trace.packetCount;
    const connection = valid ? trace.packet(packet).connection : this.state?.uri.toString() === uri.toString() && this.state.trace === trace ? this.state.connection : -1;
    const next: FocusState = {
      uri,
      trace,
      packet: valid ? packet : -1,
      connection,
      line: line ?? (valid ? trace.packet(packet).line : 1),
    };
    const prev = this.state;
    const same = prev && prev.uri.toString() === uri.toString() && prev.trace === trace && prev.packet === next.packet && prev.connection === next.connection && prev.line === next.line;
    this.state = next;
    if (!same || force) this.emitter.fire({ state: next, source, at });
  }

  clear(source: FocusSource): void {
    if (!this.state) return;
    this.state = undefined;
    this.emitter.fire({ state: undefined, source, at: epochMs() });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}

/** Shows a packet's line in an editor and selects it (the -v header line too). */
export async function revealPacketLine(uri: vscode.Uri, trace: Trace, index: number, preserveFocus = true): Promise<void> {
  if (index < 0 || index >= trace.packetCount) return;
  const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
  const editor = visible ?? (await vscode.window.showTextDocument(uri, { preserveFocus, preview: true }));
  const range = packetRange(trace, editor.document, index);
  editor.selection = new vscode.Selection(range.start, range.end);
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  if (!preserveFocus && visible) await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, preserveFocus: false });
}
