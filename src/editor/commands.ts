// Every command in one table, registered in one place (see package.json for titles).
import * as vscode from 'vscode';
import { WARNING_EVENTS } from '../trace/expert';
import { Flag, type Trace } from '../trace/model';
import { STATE_NAMES, type StateName } from '../trace/states';
import type { Analyzer } from './analyzer';
import type { LargeDocuments } from './largeDocuments';
import { chooseSource, closeSource } from './sources';
import { isTraceDocument, type TraceStore } from './documents';
import { revealPacketLine, type Focus } from './focus';
import type { Panel } from './panel';
import type { ConnectionsTree, SortKey } from './tree';
import { OUTCOMES, connectionsText, documentName, otherLinesText, outcomeLabel, packetsText } from './describe';
import { connectionSummaryText, ladderMermaid, ladderSvg } from './export';
import { slowThresholds, traceOptions } from './config';
import { stallStarts } from './limits';
import { normalizeText, repairText } from '../trace';
import { connectionsCsv } from '../trace/report';
import { openExample, openTour } from './examples';
import { completeFilter, FilterError, parseFilter } from '../trace/filter';
import { rebuildLosses, type RebuildReport } from '../ingest/toPcap';
import { language, t } from './l10n';

export interface Services {
  extensionUri: vscode.Uri;
  store: TraceStore;
  focus: Focus;
  tree: ConnectionsTree;
  panel: Panel;
  analyzer: Analyzer;
  large: LargeDocuments;
}

interface Target {
  uri: vscode.Uri;
  trace: Trace;
  connection: number;
  /** Packet index, or the connection's first packet. */
  index: number;
}

/**
 * Works out what a command is about. Arguments come from hovers and CodeLens
 * (`uri, packetIndex`), from the tree's context menu (a tree node), or not at all
 * (then the packet under the cursor, or the tree's selection).
 */
function target(s: Services, args: unknown[]): Target | undefined {
  const [a, b] = args;
  if (typeof a === 'string' && typeof b === 'number') {
    const uri = vscode.Uri.parse(a);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    const trace = doc ? s.store.ensure(doc) : s.store.get(uri);
    if (trace && b >= 0 && b < trace.packetCount) return { uri, trace, connection: trace.packet(b).connection, index: b };
  }
  const source = s.tree.source;
  if (a && typeof a === 'object' && source) {
    const node = a as { kind?: string; id?: number; index?: number; connection?: number };
    const t = source.trace;
    if (node.kind === 'packet' && typeof node.index === 'number') return { ...source, connection: t.packet(node.index).connection, index: node.index };
    const id = node.kind === 'connection' ? node.id : node.kind === 'group' ? node.connection : undefined;
    if (typeof id === 'number') return { ...source, connection: id, index: t.packetsOf(id)[0] ?? -1 };
  }
  const f = s.focus.current;
  if (f && f.connection >= 0) return { uri: f.uri, trace: f.trace, connection: f.connection, index: f.packet >= 0 ? f.packet : f.trace.packetsOf(f.connection)[0] ?? -1 };
  const selected = s.tree.selectedConnection();
  if (source && selected !== undefined) return { ...source, connection: selected, index: source.trace.packetsOf(selected)[0] ?? -1 };
  // Fall back to the first connection of the active document.
  const ed = vscode.window.activeTextEditor;
  const trace = ed && isTraceDocument(ed.document) ? s.store.ensure(ed.document) : undefined;
  if (ed && trace && trace.connections.length) {
    const id = trace.connections[0].id;
    return { uri: ed.document.uri, trace, connection: id, index: trace.packetsOf(id)[0] ?? -1 };
  }
  return undefined;
}

function needTarget(s: Services, args: unknown[]): Target | undefined {
  const found = target(s, args);
  if (!found) void vscode.window.showInformationMessage(t('Open a tcpdump document and put the cursor on a packet line first.'));
  return found;
}

async function step(s: Services, delta: number): Promise<void> {
  const t = needTarget(s, []);
  if (!t) return;
  const list = t.trace.packetsOf(t.connection);
  const at = t.index >= 0 ? list.indexOf(t.index) : -1;
  const next = list[Math.max(0, Math.min(list.length - 1, at + delta))];
  if (next === undefined || next === t.index) return;
  s.focus.set(t.uri, t.trace, next, 'command');
  await revealPacketLine(t.uri, t.trace, next);
}

/**
 * True for a packet worth stopping at: a reset, an expert event that warns (WARNING_EVENTS), or
 * the start of a stall as long as the Problems panel reports (stalls: packets that begin one).
 */
function isProblem(trace: Trace, i: number, stalls: Set<number>): boolean {
  const cols = trace.columns;
  return (cols.flags[i] & Flag.RST) !== 0 || (cols.events[i] & WARNING_EVENTS) !== 0 || stalls.has(i);
}

/** Moves to the next (or previous) problem packet of the whole trace, from the cursor's line. */
async function stepProblem(s: Services, delta: number): Promise<void> {
  const ed = vscode.window.activeTextEditor;
  const trace = ed && isTraceDocument(ed.document) ? s.store.ensure(ed.document) : undefined;
  if (!ed || !trace) {
    void vscode.window.showInformationMessage(t('Open a tcpdump document first.'));
    return;
  }
  // From the packet under the cursor, or from where the cursor's line falls among the packets.
  const line = ed.selection.active.line + 1;
  let i = s.focus.current?.trace === trace && s.focus.current.packet >= 0 ? s.focus.current.packet : -1;
  if (i < 0) {
    i = 0;
    while (i < trace.packetCount && trace.packet(i).line < line) i++;
    if (delta > 0) i--;
  }
  const stalls = stallStarts(trace, slowThresholds().stallMs / 1000);
  for (let k = i + delta; k >= 0 && k < trace.packetCount; k += delta) {
    if (!isProblem(trace, k, stalls)) continue;
    s.focus.set(ed.document.uri, trace, k, 'command');
    await revealPacketLine(ed.document.uri, trace, k);
    return;
  }
  void vscode.window.setStatusBarMessage(delta > 0 ? t('No problem after this packet') : t('No problem before this packet'), 3000);
}

/** Writes to `dest` when a command caller passes one; otherwise opens an untitled editor. */
async function deliver(text: string, language: string, dest: unknown): Promise<string> {
  if (dest instanceof vscode.Uri) await vscode.workspace.fs.writeFile(dest, new TextEncoder().encode(text));
  else await vscode.window.showTextDocument(await vscode.workspace.openTextDocument({ language, content: text }), { preview: false });
  return text;
}

async function analyzeFile(s: Services, arg: unknown): Promise<unknown> {
  let uri = arg instanceof vscode.Uri ? arg : undefined;
  if (!uri) {
    const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: t('Analyze'), title: t('Analyze Capture File') });
    uri = picked?.[0];
  }
  if (!uri) return undefined;
  const file = uri;
  const name = documentName(file);
  // The tree shows the file from the start: "Analyzing…", then the connections found so far.
  s.tree.show({ uri: file, kind: 'file' });
  void vscode.commands.executeCommand('tcpTrace.connections.focus');
  try {
    const trace = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: t('Analyzing {0}', name), cancellable: true },
      (progress, token) => {
        let last = 0;
        return s.store.analyzeFile(file, 'file', token, (done, total) => {
          const pct = (done / Math.max(1, total)) * 100;
          progress.report({ increment: pct - last, message: `${(done / 1e6).toFixed(1)} / ${(total / 1e6).toFixed(1)} MB` });
          last = pct;
        });
      },
    );
    void vscode.window.showInformationMessage(
      t('{0}: {1} in {2} ({3}).', name, packetsText(trace.packetCount), connectionsText(trace.connections.length), otherLinesText(trace.skipped)),
    );
    return { packets: trace.packetCount, connections: trace.connections.length, lines: trace.lines, skipped: trace.skipped };
  } catch (e) {
    if (e instanceof vscode.CancellationError) return undefined;
    void vscode.window.showErrorMessage(t('Could not analyze {0}: {1}', name, e instanceof Error ? e.message : String(e)));
    return undefined;
  }
}

async function openSample(s: Services): Promise<vscode.TextDocument | undefined> {
  for (const parts of [['samples', 'sample.tcpdump'], ['test', 'fixtures', 'sample.tcpdump']]) {
    const uri = vscode.Uri.joinPath(s.extensionUri, ...parts);
    try {
      await vscode.workspace.fs.stat(uri);
    } catch {
      continue;
    }
    let doc: vscode.TextDocument;
    try {
      doc = await vscode.workspace.openTextDocument(uri);
    } catch {
      // Some hosts (the web) cannot open extension files as documents: show a copy instead.
      const content = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      doc = await vscode.workspace.openTextDocument({ language: 'tcpdump', content });
    }
    if (doc.languageId !== 'tcpdump') doc = await vscode.languages.setTextDocumentLanguage(doc, 'tcpdump');
    await vscode.window.showTextDocument(doc, { preview: false });
    return doc;
  }
  void vscode.window.showErrorMessage(t('The sample capture is missing from this installation.'));
  return undefined;
}

async function filter(s: Services, expression?: unknown): Promise<string | undefined> {
  // A caller (a keybinding, a test) may pass the expression: it is set as it is, or its mistake returned.
  if (typeof expression === 'string') {
    try {
      if (expression.trim()) parseFilter(expression);
    } catch (e) {
      return e instanceof FilterError ? `${e.column + 1}: ${e.message}` : String(e);
    }
    s.tree.setFilter({ ...s.tree.getFilter(), expression: expression.trim() || undefined });
    return undefined;
  }
  type Pick = vscode.QuickPickItem & { run: () => Promise<void> | void };
  const current = s.tree.getFilter();
  const picks: Pick[] = [
    { label: `$(filter) ${t('By expression…')}`, description: current.expression, detail: t('e.g. flags.rst and port == 443, state.server == CLOSE_WAIT, rttMs > 100'), run: async () => {
      const expression = await askExpression(current.expression ?? '');
      if (expression !== undefined) s.tree.setFilter({ ...current, expression: expression || undefined });
    } },
    { label: `$(search) ${t('By text…')}`, description: current.text, run: async () => {
      const text = await vscode.window.showInputBox({ prompt: t('Address, port, conn_state or history'), value: current.text ?? '' });
      if (text !== undefined) s.tree.setFilter({ ...current, text: text || undefined });
    } },
    { label: `$(symbol-enum) ${t('By final state…')}`, description: current.state, run: async () => {
      const state = await vscode.window.showQuickPick(STATE_NAMES.filter((n) => n !== 'UNKNOWN'), { placeHolder: t('Connections where either endpoint ends in this state') });
      if (state) s.tree.setFilter({ ...current, state: state as StateName });
    } },
    { label: `$(pass) ${t('By outcome…')}`, description: current.outcome && outcomeLabel(current.outcome), run: async () => {
      const o = await vscode.window.showQuickPick(OUTCOMES.map((k) => ({ label: outcomeLabel(k), k })), { placeHolder: t('Outcome') });
      if (o) s.tree.setFilter({ ...current, outcome: o.k });
    } },
    { label: `$(warning) ${t('Only connections with warnings')}`, picked: current.warningsOnly, run: () => s.tree.setFilter({ ...current, warningsOnly: !current.warningsOnly }) },
    { label: `$(clear-all) ${t('Clear filter')}`, run: () => s.tree.setFilter({}) },
  ];
  const pick = await vscode.window.showQuickPick(picks, { placeHolder: t('Filter connections') });
  await pick?.run();
  return undefined;
}

/**
 * A filter expression, typed with suggestions: the first row applies the expression (or says
 * at which column its mistake is), the rows below complete it (field names, a field's operators
 * and values, and / or). ↓ and Enter take a suggestion; Enter on the first row applies.
 */
function askExpression(value: string): Promise<string | undefined> {
  type Item = vscode.QuickPickItem & { apply?: boolean; insert?: string };
  const qp = vscode.window.createQuickPick<Item>();
  qp.title = t('Filter connections by expression');
  qp.placeholder = 'connState == REJ or (port == 443 and rttMs > 100)';
  qp.value = value;
  const update = () => {
    const text = qp.value;
    let head: Item;
    if (!text.trim()) head = { label: `$(clear-all) ${t('No expression: show every connection')}`, apply: true, alwaysShow: true };
    else {
      try {
        parseFilter(text);
        // The expression itself as the label: it matches what is typed, so it stays first.
        head = { label: text, description: t('Enter to apply'), apply: true, alwaysShow: true };
      } catch (e) {
        if (!(e instanceof FilterError)) throw e;
        head = { label: `$(error) ${t('Column {0}: {1}', e.column + 1, language() === 'zh' ? e.zh : e.message)}`, alwaysShow: true };
      }
    }
    const c = completeFilter(text);
    const typed = text.slice(0, c.from);
    const items: Item[] = c.items.slice(0, 60).map((i) => ({ label: i.text, description: i.hint, insert: `${typed}${i.text} `, alwaysShow: true }));
    qp.items = items.length ? [head, { label: t('Suggestions'), kind: vscode.QuickPickItemKind.Separator }, ...items] : [head];
  };
  update();
  return new Promise((resolve) => {
    let result: string | undefined;
    qp.onDidChangeValue(update);
    qp.onDidAccept(() => {
      const item = qp.activeItems[0];
      if (item?.insert !== undefined) qp.value = item.insert;
      else if (item?.apply) {
        result = qp.value.trim();
        qp.hide();
      }
      update();
    });
    qp.onDidHide(() => {
      qp.dispose();
      resolve(result);
    });
    qp.show();
  });
}

async function sort(s: Services): Promise<void> {
  const keys: Array<{ label: string; key: SortKey }> = [
    { label: t('First line'), key: 'line' },
    { label: t('Packets'), key: 'packets' },
    { label: t('Bytes'), key: 'bytes' },
    { label: t('Duration'), key: 'duration' },
    { label: t('Handshake RTT'), key: 'rtt' },
    { label: t('RTT p95 (either side\'s data)'), key: 'ackRtt' },
    { label: t('Throughput'), key: 'throughput' },
    { label: t('Stall time'), key: 'stalls' },
    { label: t('Warnings'), key: 'warnings' },
  ];
  const pick = await vscode.window.showQuickPick(keys, { placeHolder: t('Sort connections by') });
  if (pick) s.tree.setSort(pick.key);
}

/**
 * Opens a new untitled tcpdump document with the text as the engine reads it: one packet per
 * line, glued and wrapped packets mended, noise left out. The document itself is not changed.
 */
async function openNormalized(arg: unknown): Promise<vscode.TextDocument | undefined> {
  const doc = arg instanceof vscode.Uri ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === arg.toString()) : vscode.window.activeTextEditor?.document;
  if (!doc || !isTraceDocument(doc)) {
    void vscode.window.showInformationMessage(t('Open a tcpdump document first.'));
    return undefined;
  }
  const { text, repairs } = normalizeText(doc.getText(), traceOptions());
  const copy = await vscode.workspace.openTextDocument({ content: text, language: 'tcpdump' });
  await vscode.window.showTextDocument(copy, { preview: false });
  const lang = language();
  const said = repairs.length ? repairs.map((r) => repairText(r, lang)).join(t('; ')) : t('nothing needed repair');
  void vscode.window.setStatusBarMessage(t('Normalised copy: {0}', said), 8000);
  return copy;
}

/**
 * "TCP: Save as pcap…": the document's TCP packets as a pcap, each header rebuilt from its line
 * and the payload zeros (src/ingest/toPcap.ts). `dest` skips the save dialog (tests, other
 * extensions). The document is only read.
 */
async function saveAsPcap(s: Services, arg: unknown, dest: unknown): Promise<RebuildReport | undefined> {
  const doc = arg instanceof vscode.Uri ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === arg.toString()) : vscode.window.activeTextEditor?.document;
  if (!doc || !isTraceDocument(doc)) {
    void vscode.window.showInformationMessage(t('Open a tcpdump document first.'));
    return undefined;
  }
  let target = dest instanceof vscode.Uri ? dest : undefined;
  if (!target) {
    const base = (doc.uri.path.split('/').pop() || 'capture').replace(/(\.pcap)?\.(tcpdump|txt|log)$/i, '');
    const folder = doc.isUntitled ? vscode.workspace.workspaceFolders?.[0]?.uri : vscode.Uri.joinPath(doc.uri, '..');
    target = await vscode.window.showSaveDialog({
      title: t('Save as pcap'),
      saveLabel: t('Save'),
      defaultUri: folder ? vscode.Uri.joinPath(folder, `${base}.pcap`) : undefined,
      filters: { [t('pcap capture')]: ['pcap'] },
    });
  }
  if (!target) return undefined;
  const file = target;
  const name = file.path.split('/').pop() ?? file.toString();
  try {
    const report = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: t('Saving {0}', name) }, async (progress) => {
      progress.report({ message: t('rebuilding the headers…') });
      // In the analysis worker, which holds a large document's text already.
      const { bytes, report } = await s.analyzer.rebuildPcap({ key: doc.uri.toString(), version: doc.version, text: () => doc.getText() }, traceOptions());
      progress.report({ message: t('writing…') });
      await vscode.workspace.fs.writeFile(file, bytes);
      return report;
    });
    const lang = language();
    const losses = rebuildLosses(report, lang);
    const said = t('Saved {0} to {1}; payload bytes are zeros.', packetsText(report.packets), name);
    const more = losses.length ? ` ${losses.join(lang === 'zh' ? '；' : '; ')}.` : '';
    if (report.packets === 0) void vscode.window.showWarningMessage(t('No TCP packet could be saved to {0}.', name) + more);
    else void vscode.window.showInformationMessage(said + more);
    return report;
  } catch (e) {
    void vscode.window.showErrorMessage(t('Could not save {0}: {1}', name, e instanceof Error ? e.message : String(e)));
    return undefined;
  }
}

type Run = (s: Services, ...args: unknown[]) => unknown;

export const COMMANDS: Record<string, Run> = {
  'tcpTrace.showStateDiagram': (s, ...args) => {
    s.panel.show('diagram', target(s, args));
  },
  'tcpTrace.showHandshake': (s, ...args) => {
    s.panel.show('handshake', target(s, args));
  },
  'tcpTrace.showGraphs': (s, ...args) => {
    s.panel.show('graphs', target(s, args));
  },
  'tcpTrace.nextPacket': (s) => step(s, 1),
  'tcpTrace.previousPacket': (s) => step(s, -1),
  'tcpTrace.nextProblem': (s) => stepProblem(s, 1),
  'tcpTrace.previousProblem': (s) => stepProblem(s, -1),
  'tcpTrace.revealConnection': async (s, ...args) => {
    const t = needTarget(s, args);
    if (t) await s.tree.revealConnection(t.uri, t.trace, t.connection);
  },
  'tcpTrace.revealPacket': async (s, uri, index) => {
    const t = target(s, [uri, index]);
    if (!t || typeof index !== 'number') return;
    s.focus.set(t.uri, t.trace, index, 'tree');
    const kind = s.store.kindOf(t.uri);
    if (kind === 'large') {
      // VS Code does not share the document with extensions, but its editor can still be
      // shown at a line.
      const line = t.trace.packet(index).line - 1;
      const selection = new vscode.Range(line, 0, line + 1, 0);
      await vscode.commands.executeCommand('vscode.open', t.uri, { selection, preserveFocus: true, preview: false });
    } else if (kind !== 'file') await revealPacketLine(t.uri, t.trace, index);
    // A file analysed from disk has no editor: the focus (the panel, the status bar) moves alone.
  },
  'tcpTrace.copySummary': async (s, ...args) => {
    const found = needTarget(s, args);
    if (!found) return undefined;
    const text = connectionSummaryText(found.trace, found.connection);
    await vscode.env.clipboard.writeText(text);
    void vscode.window.setStatusBarMessage(t('Connection summary copied'), 2000);
    return text;
  },
  'tcpTrace.exportLadderSvg': async (s, ...args) => {
    const t = needTarget(s, args);
    return t ? deliver(ladderSvg(t.trace, t.connection), 'xml', args.find((x) => x instanceof vscode.Uri)) : undefined;
  },
  'tcpTrace.exportLadderMermaid': async (s, ...args) => {
    const t = needTarget(s, args);
    if (!t) return undefined;
    const text = ladderMermaid(t.trace, t.connection);
    const dest = args.find((x) => x instanceof vscode.Uri);
    // Untitled: a Markdown fence, which Markdown preview renders; to a file: the diagram alone.
    if (dest) return deliver(text, 'plaintext', dest);
    await deliver('```mermaid\n' + text + '```\n', 'markdown', undefined);
    return text;
  },
  'tcpTrace.analyzeFile': (s, uri) => analyzeFile(s, uri),
  'tcpTrace.chooseSource': (s, uri, kind) => chooseSource(s, uri, kind),
  'tcpTrace.closeSource': (s, uri, kind) => closeSource(s, uri, kind),
  'tcpTrace.openSample': (s) => openSample(s),
  'tcpTrace.openExample': (_s, id, line) => openExample(id, line),
  'tcpTrace.openTour': () => openTour(),
  'tcpTrace.filter': (s, expression) => filter(s, expression),
  'tcpTrace.clearFilter': (s) => s.tree.setFilter({}),
  'tcpTrace.sort': (s) => sort(s),
  'tcpTrace.openNormalized': (_s, uri) => openNormalized(uri),
  'tcpTrace.saveAsPcap': (s, uri, dest) => saveAsPcap(s, uri, dest),
  'tcpTrace.exportCsv': async (s, ...args) => {
    // The connections the tree shows: of the document, or of the analysed file.
    const source = s.tree.source;
    if (!source) {
      void vscode.window.showInformationMessage(t('Open a tcpdump document first.'));
      return undefined;
    }
    return deliver([...connectionsCsv(source.trace.connections)].join(''), 'plaintext', args.find((x) => x instanceof vscode.Uri));
  },
  'tcpTrace.refresh': (s) => {
    const ed = vscode.window.activeTextEditor;
    if (ed && isTraceDocument(ed.document)) s.store.reanalyze(ed.document);
  },
};

export function registerCommands(s: Services): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, run]) =>
    vscode.commands.registerCommand(id, (...args: unknown[]) => run(s, ...args)),
  );
}
