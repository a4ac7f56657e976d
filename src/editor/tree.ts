// The Connections view: connections of the active tcpdump document, grouped packets, and a
// census of endpoint states at the cursor. Follows the focus; selecting a packet reveals it.
//
// One module because the tree's nodes, their labels and tooltips, and the provider that
// follows the focus are one view; the domain logic it shows lives in the engine.
import * as vscode from 'vscode';
import { filterConnections, parseFilter } from '../trace/filter';
import { Flag, type ConnectionSummary, type EventKind, type PacketInfo, type Trace } from '../trace/model';
import { STATE_NAMES, STATE_TEXT, type StateName } from '../trace/states';
import { explainPacket, noteText, zeekText } from '../trace';
import { packetPhases, type PacketPhases, type Phase } from '../trace/phases';
import { aggregate, type Aggregate, type GroupBy } from '../trace/report';
import * as config from './config';
import {
  OUTCOMES, closeKindLabel, connectionDescription, eventName, eventNames, sideLabel, connectionLabel, connectionsText, documentName, escapeMarkdown, otherLinesText, packetsText, flagWords, formatBytes, formatMs, outcomeIcon, outcomeLabel, outcomeOf, packetLine, stateChange, type Outcome,
} from './describe';
import type { Focus, FocusState } from './focus';
import { isTraceDocument, sourceKindText, type SourceKind, type TraceStore } from './documents';
import type { LargeDocuments } from './largeDocuments';
import { language, t } from './l10n';
import { connectionLimits } from './limits';
import { performanceRows, performanceSummary, verdictDetails, type FigureRow } from './performanceText';
import { figureText, type FigureKey } from './terms';

/**
 * The most connections listed at once, and packets under one group: VS Code builds and sends
 * every child a provider returns in one go (about 0.07 ms each with ours), so a capture with
 * tens of thousands of connections (or a connection with hundreds of thousands of packets)
 * would hold the extension host; 300 keep a listing near 20 ms. The filter and the sort pick
 * which ones show.
 */
const MAX_CONNECTIONS = 300;
const MAX_GROUP_PACKETS = 200;

/**
 * How long the tree waits before following a moved cursor (its census of states, the reveal
 * of the packet): both make the workbench draw the tree, and the panel's update would wait
 * behind it.
 */
const FOLLOW_DELAY_MS = 100;

/** A connection's summary by id (ids are positions in trace.connections). */
function connectionById(trace: Trace, id: number): ConnectionSummary | undefined {
  const c = trace.connections[id];
  return c?.id === id ? c : trace.connections.find((x) => x.id === id);
}

/** The states `ss` lists: a CLOSED endpoint has no socket left to show. */
const SOCKET_STATES = STATE_NAMES.filter((s) => s !== 'CLOSED');


type Node =
  | { kind: 'source' }
  | { kind: 'census' }
  | { kind: 'by'; by: GroupBy }
  | { kind: 'byRow'; by: GroupBy; a: Aggregate }
  | { kind: 'censusState'; state: StateName; count: number }
  | { kind: 'connection'; id: number }
  | { kind: 'group'; connection: number; group: Phase; packets: number[] }
  | { kind: 'performance'; connection: number }
  | { kind: 'figure'; connection: number; row: FigureRow }
  | { kind: 'packet'; index: number; group: Phase; parent: Node };

export interface ConnectionFilter {
  text?: string;
  /** A filter expression (src/trace/filter.ts), already checked. */
  expression?: string;
  state?: StateName;
  outcome?: Outcome;
  warningsOnly?: boolean;
}

/** One source the tree can show: a document, a large document read from disk, or a file. */
export interface SourceKey {
  uri: vscode.Uri;
  kind: SourceKind;
}

export function sameSource(a: SourceKey | undefined, b: SourceKey | undefined): boolean {
  return a === b || (!!a && !!b && a.kind === b.kind && a.uri.toString() === b.uri.toString());
}

function isFiltered(f: ConnectionFilter): boolean {
  return !!(f.text || f.expression || f.state || f.outcome || f.warningsOnly);
}

/** The ids of the connections an expression selects; a stale or broken one selects none. */
function expressionMatches(trace: Trace, expression: string): Set<number> {
  try {
    return new Set(filterConnections(trace, parseFilter(expression)).map((c) => c.id));
  } catch {
    return new Set();
  }
}

export type SortKey = 'line' | 'packets' | 'bytes' | 'duration' | 'rtt' | 'ackRtt' | 'throughput' | 'stalls' | 'warnings';

/** The larger of a connection's two RTT p95s (of the client's data and of the server's), or -1. */
function rttP95(c: ConnectionSummary): number {
  const r = c.performance.rtt;
  return Math.max(r.client.p95Ms ?? -1, r.server.p95Ms ?? -1);
}

/** Both sides' payload rates added up, or -1 when neither side's can be told. */
function throughputBps(c: ConnectionSummary): number {
  const x = c.performance.throughput;
  const a = x.client.bitsPerSecond;
  const b = x.server.bitsPerSecond;
  return a === null && b === null ? -1 : (a ?? 0) + (b ?? 0);
}

const groupCache = new WeakMap<Trace, Map<number, PacketPhases>>();

/** Splits a connection's packets into handshake, data and teardown (and those with warnings); once per trace. */
export function groupPackets(trace: Trace, connection: number): PacketPhases {
  let byConnection = groupCache.get(trace);
  if (!byConnection) groupCache.set(trace, (byConnection = new Map()));
  let groups = byConnection.get(connection);
  if (!groups) byConnection.set(connection, (groups = packetPhases(trace, connection)));
  return groups;
}

export class ConnectionsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<Node>;
  /** The source shown, and its trace once there is one. */
  private shown: SourceKey | undefined;
  private trace: Trace | undefined;
  /** Sources shown before, the latest first: one takes the place of a source closed. */
  private recent: SourceKey[] = [];
  /** Goes up with each new source; part of every item's id. */
  private generation = 0;
  private filter: ConnectionFilter = {};
  private pinned = false;
  private sort: SortKey = 'line';
  /** Node objects are cached per trace so reveal() finds the same elements again. */
  private readonly connectionNodes = new Map<number, Node>();
  private readonly groupNodes = new Map<string, Node & { kind: 'group' }>();
  private readonly packetNodes = new Map<string, Node>();
  private readonly performanceNodes = new Map<number, Node>();
  private readonly censusNode: Node = { kind: 'census' };
  /** The first row: which document or file the tree describes; choosing it lists the others. */
  private readonly sourceNode: Node = { kind: 'source' };
  /** Connections summed per server endpoint and per client host. */
  private readonly byNodes: Record<GroupBy, Node> = { server: { kind: 'by', by: 'server' }, client: { kind: 'by', by: 'client' } };
  private censusLine = 1;
  /** The connections the root listed last time. */
  private rootConnections = new Set<number>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /**
   * Nodes this view revealed to follow the cursor, with when. Their selection events are
   * echoes of our own reveal, not the user's choice, and must not move the focus back.
   */
  private readonly echoes = new Map<string, number>();
  /**
   * The census and reveal for a new focus, waiting for the panel's update to go first; a
   * burst of moves updates them once.
   */
  private followTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly store: TraceStore, private readonly focus: Focus, private readonly large: LargeDocuments) {
    this.view = vscode.window.createTreeView('tcpTrace.connections', { treeDataProvider: this, showCollapseAll: true });
    this.subscriptions.push(
      this.view,
      this.changed,
      vscode.window.onDidChangeActiveTextEditor(() => this.onActiveTab()),
      vscode.window.tabGroups.onDidChangeTabs(() => this.onActiveTab()),
      vscode.window.tabGroups.onDidChangeTabGroups(() => this.onActiveTab()),
      large.onDidChange(() => this.pickSource()),
      // A new trace for the source shown (or for the active document, when nothing is shown).
      store.onDidChange((uri) => {
        if (this.uri?.toString() === uri.toString() || !this.trace) this.pickSource(true, !this.shown);
      }),
      store.onDidProgress((uri) => this.uri?.toString() === uri.toString() && this.updateMessage()),
      focus.onDidChange((e) => this.follow(e.state, e.source)),
      this.view.onDidChangeSelection((e) => this.onSelect(e.selection[0])),
      this.view.onDidChangeVisibility((e) => e.visible && this.follow(this.focus.current, 'editor')),
      config.onDidChangeLanguage(() => {
        this.updateMessage();
        this.changed.fire(undefined);
      }),
    );
    this.pickSource(true);
  }

  get source(): { uri: vscode.Uri; trace: Trace } | undefined {
    return this.uri && this.trace ? { uri: this.uri, trace: this.trace } : undefined;
  }

  /** Which document or file the tree describes, whether or not its trace is ready. */
  get shownSource(): SourceKey | undefined {
    return this.shown;
  }

  private get uri(): vscode.Uri | undefined {
    return this.shown?.uri;
  }

  /**
   * What the active editor tab asks the tree to show: a tcpdump document (one VS Code shares
   * with extensions, or a large one read from disk); nothing, for another text document; or
   * 'keep' when the active tab is no document (a webview, settings) or the active editor is
   * outside the editor area (the Output panel's).
   */
  private fromActiveTab(): SourceKey | undefined | 'keep' {
    const ed = vscode.window.activeTextEditor;
    if (ed && isTraceDocument(ed.document)) return { uri: ed.document.uri, kind: 'document' };
    if (ed && ed.viewColumn === undefined) return 'keep';
    const large = this.large.active();
    if (large && large.state !== 'other') return { uri: large.uri, kind: 'large' };
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    if (tab?.input instanceof vscode.TabInputText || ed) return undefined;
    return 'keep';
  }

  /** What the active tab was when the tree last followed it (tab events fire for much else). */
  private activeTab = '';

  private onActiveTab(): void {
    const ed = vscode.window.activeTextEditor;
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    const input = tab?.input;
    const key = `${ed?.document.uri.toString() ?? ''}|${input instanceof vscode.TabInputText ? input.uri.toString() : tab?.label ?? ''}`;
    if (key === this.activeTab) return;
    this.activeTab = key;
    this.pickSource();
  }

  /**
   * The tree shows the active tab's tcpdump document; the last source when the active tab is no
   * document; or a source chosen by hand (a file analysed from disk, pinned) until a tcpdump
   * document's tab becomes active. Nothing when another text document is active, so the tree
   * never lists one document's connections while another is in front. A source that was
   * closed gives way to the active tab's document, or else to the one shown before it.
   * `followTab` false: only the shown source's trace is brought up to date.
   */
  private pickSource(force = false, followTab = true): void {
    const want = followTab ? this.fromActiveTab() : 'keep';
    let next = this.shown;
    if (want === 'keep') {
      // The same source.
    } else if (want) {
      next = want;
      this.pinned = false;
    } else if (!this.pinned) next = undefined;
    if (next && next !== want && !this.exists(next)) {
      const tab = followTab ? want : this.fromActiveTab();
      next = tab && tab !== 'keep' ? tab : this.recent.find((k) => this.exists(k));
      this.pinned = next?.kind === 'file';
    }
    const ed = vscode.window.activeTextEditor;
    const trace = !next
      ? undefined
      : next.kind === 'document' && ed?.document.uri.toString() === next.uri.toString()
        ? this.store.ensure(ed.document)
        : this.store.traceOf(next.uri, next.kind);
    this.setSource(next, trace, force);
  }

  /** Whether a source is still kept (a document still open, a file not closed). */
  private exists(k: SourceKey): boolean {
    if (k.kind === 'large') return this.large.state(k.uri) !== undefined;
    return !!this.store.source(k.uri, k.kind);
  }

  /** Shows a source chosen by hand (a file analysed from disk, or one picked from the sources). */
  show(key: SourceKey): void {
    this.pinned = true;
    this.setSource(key, this.store.traceOf(key.uri, key.kind), true);
  }

  async revealConnection(uri: vscode.Uri, trace: Trace, id: number): Promise<void> {
    if (this.uri?.toString() !== uri.toString() || this.trace !== trace) {
      const kind = this.store.kindOf(uri);
      if (kind) this.show({ uri, kind });
    }
    if (this.trace !== trace) return;
    if (isFiltered(this.filter)) {
      if (!this.visibleConnections().some((c) => c.id === id)) this.setFilter({});
    }
    const options = { select: true, focus: true, expand: true };
    try {
      await this.view.reveal(this.connectionNode(id), options);
    } catch {
      // Just after a new trace the view may still be refreshing and not know the node yet.
      await new Promise((r) => setTimeout(r, 150));
      await this.view.reveal(this.connectionNode(id), options);
    }
  }

  private setSource(key: SourceKey | undefined, trace: Trace | undefined, force: boolean): void {
    const same = sameSource(key, this.shown);
    if (!force && same && trace === this.trace) return;
    if (!same) {
      // A new source starts with every node collapsed: its items get new ids.
      this.generation++;
      if (key) this.recent = [key, ...this.recent.filter((k) => !sameSource(k, key))].slice(0, 20);
    }
    this.shown = key;
    this.trace = key ? trace : undefined;
    // The cursor may have moved before this trace arrived (follow() skips a focus for a trace
    // the tree does not show yet): the census starts at the cursor's line.
    const f = this.focus.current;
    if (f && this.uri && f.uri.toString() === this.uri.toString()) this.censusLine = f.line;
    this.connectionNodes.clear();
    this.groupNodes.clear();
    this.packetNodes.clear();
    this.performanceNodes.clear();
    void vscode.commands.executeCommand('setContext', 'tcpTrace.hasTrace', !!this.trace);
    void vscode.commands.executeCommand('setContext', 'tcpTrace.hasSource', !!key);
    this.updateMessage();
    this.changed.fire(undefined);
  }

  setFilter(filter: ConnectionFilter): void {
    this.filter = filter;
    const active = isFiltered(filter);
    void vscode.commands.executeCommand('setContext', 'tcpTrace.filtered', active);
    this.updateMessage();
    this.changed.fire(undefined);
  }

  getFilter(): ConnectionFilter {
    return { ...this.filter };
  }

  setSort(sort: SortKey): void {
    this.sort = sort;
    this.changed.fire(undefined);
  }

  /** The last visibleConnections() answer: the root listing and the view's message both ask. */
  private visible: { trace: Trace; filter: ConnectionFilter; sort: SortKey; list: ConnectionSummary[] } | undefined;

  private visibleConnections(): ConnectionSummary[] {
    if (!this.trace) return [];
    const v = this.visible;
    if (v && v.trace === this.trace && v.filter === this.filter && v.sort === this.sort) return v.list;
    const list = this.filterAndSort(this.trace);
    this.visible = { trace: this.trace, filter: this.filter, sort: this.sort, list };
    return list;
  }

  private filterAndSort(trace: Trace): ConnectionSummary[] {
    const f = this.filter;
    const text = f.text?.toLowerCase();
    // Connections are numbered in line order: the default view is the trace's own list, with
    // nothing read per connection (a file's final trace can hold hundreds of thousands).
    if (!isFiltered(f) && this.sort === 'line') return trace.connections;
    const matched = f.expression ? expressionMatches(trace, f.expression) : null;
    const list = trace.connections.filter((c) => {
      if (matched && !matched.has(c.id)) return false;
      if (text && !`${c.client} ${c.server} ${c.connState} ${c.history} #${c.id}`.toLowerCase().includes(text)) return false;
      if (f.state && c.clientState !== f.state && c.serverState !== f.state) return false;
      if (f.outcome && outcomeOf(c) !== f.outcome) return false;
      if (f.warningsOnly && c.events.length === 0 && outcomeOf(c) === 'normal') return false;
      return true;
    });
    const key: Record<SortKey, (c: ConnectionSummary) => number> = {
      line: (c) => c.firstLine,
      packets: (c) => -c.packets,
      bytes: (c) => -(c.bytes.client + c.bytes.server),
      duration: (c) => -(c.duration ?? -1),
      rtt: (c) => -(c.handshake.rttMs ?? -1),
      ackRtt: (c) => -rttP95(c),
      throughput: (c) => -throughputBps(c),
      stalls: (c) => -(c.performance.stallSeconds ?? -1),
      warnings: (c) => -c.events.length,
    };
    // Each key read once per connection (the summaries' fields read typed arrays; a comparator
    // would read them some thirty times each); in line order already, no sort at all.
    const keys = Float64Array.from(list, key[this.sort]);
    const lines = Float64Array.from(list, (c) => c.firstLine);
    let ordered = true;
    for (let i = 1; i < list.length && ordered; i++) ordered = keys[i - 1] < keys[i] || (keys[i - 1] === keys[i] && lines[i - 1] <= lines[i]);
    if (ordered) return list;
    return Array.from(list.keys())
      .sort((a, b) => keys[a] - keys[b] || lines[a] - lines[b])
      .map((i) => list[i]);
  }

  private updateMessage(): void {
    const key = this.shown;
    if (!key) {
      this.view.message = undefined;
      this.view.description = undefined;
      return;
    }
    // Which document or file the tree describes comes first.
    const name = documentName(key.uri);
    const progress = key.kind === 'document' ? undefined : this.store.source(key.uri, key.kind)?.progress;
    const reading = progress !== undefined ? t('Analyzing {0}… {1}%', name, Math.floor(progress * 100)) : undefined;
    const trace = this.trace;
    if (!trace) {
      this.view.description = name;
      this.view.message =
        key.kind === 'large' && this.large.state(key.uri) === 'unsaved'
          ? t('{0} is larger than 50 MB, which VS Code does not share with extensions, and has no file to read it from: save it to a file to analyse it.', name)
          : reading ?? (key.kind === 'document' ? t('Analyzing {0}…', name) : undefined);
      return;
    }
    const shown = this.visibleConnections().length;
    const parts = [name, packetsText(trace.packetCount)];
    if (trace.skipped) parts.push(otherLinesText(trace.skipped));
    if (trace.problems.length) parts.push(t('{0} unparsed', trace.problems.length));
    this.view.description = parts.join(' · ');
    const message =
      shown > MAX_CONNECTIONS
        ? t('Showing the first {0} of {1} connections: filter or sort to see others.', MAX_CONNECTIONS, shown)
        : shown !== trace.connections.length
        ? t('Showing {0} of {1} connections (filtered).', shown, trace.connections.length)
        : trace.connections.length === 0 && !reading
          ? t('No TCP connections in this document.')
          : undefined;
    this.view.message = [reading, message].filter(Boolean).join(' ') || undefined;
  }

  // --- TreeDataProvider ---

  getChildren(node?: Node): Node[] {
    const trace = this.trace;
    if (!trace) return this.shown && !node ? [this.sourceNode] : [];
    if (!node) {
      const visible = this.visibleConnections();
      const conns = visible.slice(0, MAX_CONNECTIONS).map((c) => this.connectionNode(c.id));
      this.rootConnections = new Set(conns.map((n) => (n.kind === 'connection' ? n.id : -1)));
      return trace.connections.length ? [this.sourceNode, this.censusNode, this.byNodes.server, this.byNodes.client, ...conns] : [this.sourceNode];
    }
    switch (node.kind) {
      case 'census': {
        const census = trace.census(this.censusLine);
        return SOCKET_STATES.filter((s) => census.counts[s]).map((s) => ({ kind: 'censusState', state: s, count: census.counts[s] ?? 0 }));
      }
      case 'connection': {
        const groups = groupPackets(trace, node.id);
        const phases = (['handshake', 'data', 'teardown', 'warnings'] as Phase[])
          .filter((g) => groups[g].length)
          .map((g) => this.groupNode(node.id, g, groups[g]));
        return [this.performanceNode(node.id), ...phases];
      }
      case 'performance': {
        const c = connectionById(trace, node.connection);
        return c ? performanceRows(c, connectionLimits(trace, c)).map((row) => ({ kind: 'figure', connection: node.connection, row })) : [];
      }
      case 'group':
        return node.packets.slice(0, MAX_GROUP_PACKETS).map((i) => this.packetNode(i, node.group, node));
      case 'by':
        return aggregate(trace.connections, node.by).slice(0, MAX_CONNECTIONS).map((a) => ({ kind: 'byRow', by: node.by, a }));
      default:
        return [];
    }
  }

  getParent(node: Node): Node | undefined {
    switch (node.kind) {
      case 'censusState': return this.censusNode;
      case 'byRow': return this.byNodes[node.by];
      case 'group': return this.connectionNode(node.connection);
      case 'performance': return this.connectionNode(node.connection);
      case 'figure': return this.performanceNode(node.connection);
      case 'packet': return node.parent;
      default: return undefined;
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const item = this.itemFor(node);
    // Ids are per source, so a new source's nodes start collapsed.
    item.id = `${this.generation}/${item.id}`;
    return item;
  }

  private itemFor(node: Node): vscode.TreeItem {
    if (node.kind === 'source') return this.sourceItem();
    const trace = this.trace!;
    switch (node.kind) {
      case 'census': {
        const census = trace.census(this.censusLine);
        const item = new vscode.TreeItem(t('States at line {0}', this.censusLine), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = 'census';
        item.iconPath = new vscode.ThemeIcon('graph');
        item.description = SOCKET_STATES.filter((s) => census.counts[s]).map((s) => `${s} ${census.counts[s]}`).join(' · ');
        item.tooltip = t('How many endpoints are in each state just after the cursor line (like `ss -tan` at that moment).');
        return item;
      }
      case 'by': {
        const label = node.by === 'server' ? t('Servers') : t('Client hosts');
        const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `by:${node.by}`;
        item.iconPath = new vscode.ThemeIcon(node.by === 'server' ? 'server' : 'device-desktop');
        item.tooltip = node.by === 'server'
          ? t('Connections summed per server endpoint: resets, refusals, unanswered SYNs, handshake RTT p50 and p95.')
          : t('Connections summed per client host: resets, refusals, unanswered SYNs, handshake RTT p50 and p95.');
        return item;
      }
      case 'byRow': {
        const a = node.a;
        const item = new vscode.TreeItem(a.key, vscode.TreeItemCollapsibleState.None);
        item.id = `by:${node.by}:${a.key}`;
        const parts = [connectionsText(a.connections)];
        if (a.resets) parts.push(t('resets {0}', a.resets));
        if (a.refused) parts.push(t('refused {0}', a.refused));
        if (a.unanswered) parts.push(t('unanswered {0}', a.unanswered));
        if (a.rttP50Ms !== null && a.rttP95Ms !== null) parts.push(t('RTT p50 {0} · p95 {1}', formatMs(a.rttP50Ms), formatMs(a.rttP95Ms)));
        item.description = parts.join(' · ');
        item.tooltip = item.description;
        item.contextValue = 'aggregate';
        return item;
      }
      case 'censusState': {
        const item = new vscode.TreeItem(node.state, vscode.TreeItemCollapsibleState.None);
        item.id = `census:${node.state}`;
        item.description = String(node.count);
        item.tooltip = STATE_TEXT[node.state][language()];
        item.contextValue = 'censusState';
        return item;
      }
      case 'connection': {
        const c = connectionById(trace, node.id)!;
        const outcome = outcomeOf(c);
        const item = new vscode.TreeItem(connectionLabel(c), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `c:${c.id}`;
        item.description = connectionDescription(c);
        item.iconPath = outcomeIcon(outcome);
        item.contextValue = 'connection';
        item.accessibilityInformation = { label: `${connectionLabel(c)}, ${outcomeLabel(outcome)}, ${item.description}` };
        return item;
      }
      case 'group': {
        const c = connectionById(trace, node.connection)!;
        const names: Record<Phase, string> = {
          handshake: t('Handshake'),
          data: t('Data'),
          teardown: t('Teardown'),
          warnings: t('Warnings'),
        };
        const item = new vscode.TreeItem(names[node.group], vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `g:${node.connection}:${node.group}`;
        const extra =
          node.group === 'handshake' && c.handshake.rttMs !== null ? ` · RTT ${formatMs(c.handshake.rttMs)}`
          : node.group === 'teardown' ? ` · ${closeKindLabel(c.close.kind)}`
          : node.group === 'data' ? ` · ${formatBytes(c.bytes.client + c.bytes.server)}`
          : '';
        item.description = `${node.packets.length}${extra}`;
        item.iconPath = new vscode.ThemeIcon(
          { handshake: 'debug-start', data: 'arrow-swap', teardown: 'debug-stop', warnings: 'warning' }[node.group],
        );
        item.contextValue = `group.${node.group}`;
        return item;
      }
      case 'performance': {
        const c = connectionById(trace, node.connection)!;
        const item = new vscode.TreeItem(t('Performance'), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `perf:${node.connection}`;
        item.description = performanceSummary(c, connectionLimits(trace, c));
        item.iconPath = new vscode.ThemeIcon('dashboard');
        item.tooltip = t('What limited this connection, its round-trip times and throughput.');
        item.contextValue = 'performance';
        return item;
      }
      case 'figure': {
        const item = new vscode.TreeItem(node.row.label, vscode.TreeItemCollapsibleState.None);
        item.id = `perf:${node.connection}:${node.row.key}`;
        item.description = node.row.value;
        item.iconPath = new vscode.ThemeIcon(FIGURE_ICONS[node.row.key]);
        item.contextValue = 'figure';
        item.accessibilityInformation = { label: `${node.row.label}: ${node.row.value}` };
        return item;
      }
      case 'packet': {
        const p = trace.packet(node.index);
        const item = new vscode.TreeItem(`#${p.ordinal + 1} ${packetLine(p)}`, vscode.TreeItemCollapsibleState.None);
        item.id = `${node.group === 'warnings' ? 'w' : 'p'}:${node.index}`;
        item.description = `${t('client')} ${stateChange(p.before.client, p.after.client)} · ${t('server')} ${stateChange(p.before.server, p.after.server)}`;
        item.iconPath = new vscode.ThemeIcon(p.events.length ? 'warning' : p.from === 'client' ? 'arrow-right' : 'arrow-left');
        item.contextValue = 'packet';
        item.command = { command: 'tcpTrace.revealPacket', title: t('Reveal Packet'), arguments: [this.uri?.toString(), node.index] };
        return item;
      }
    }
  }

  private sourceItem(): vscode.TreeItem {
    const key = this.shown!;
    const item = new vscode.TreeItem(documentName(key.uri), vscode.TreeItemCollapsibleState.None);
    item.id = 'source';
    item.description = sourceKindText(key.kind);
    item.iconPath = new vscode.ThemeIcon(key.kind === 'file' ? 'folder-opened' : 'file');
    const where = key.uri.scheme === 'file' ? key.uri.fsPath : key.uri.toString(true);
    item.tooltip = `${where}\n${t('The document or file this view describes. Choose another one, or close it.')}`;
    item.contextValue = 'source';
    item.command = { command: 'tcpTrace.chooseSource', title: t('Choose Source…') };
    item.accessibilityInformation = { label: t('Source: {0}, {1}', documentName(key.uri), item.description) };
    return item;
  }

  /** Tooltips are built when the pointer rests on an item, not for every item listed. */
  resolveTreeItem(item: vscode.TreeItem, node: Node): vscode.TreeItem {
    const trace = this.trace;
    if (!trace) return item;
    if (node.kind === 'connection') {
      const c = connectionById(trace, node.id);
      if (c) item.tooltip = connectionTooltip(c);
    } else if (node.kind === 'packet' && node.index < trace.packetCount) item.tooltip = packetTooltip(trace, trace.packet(node.index));
    else if (node.kind === 'figure') item.tooltip = figureTooltip(trace, node.connection, node.row);
    return item;
  }

  // --- following the focus ---

  private connectionNode(id: number): Node {
    let n = this.connectionNodes.get(id);
    if (!n) this.connectionNodes.set(id, (n = { kind: 'connection', id }));
    return n;
  }

  private performanceNode(connection: number): Node {
    let n = this.performanceNodes.get(connection);
    if (!n) this.performanceNodes.set(connection, (n = { kind: 'performance', connection }));
    return n;
  }

  private groupNode(connection: number, group: Phase, packets: number[]): Node & { kind: 'group' } {
    const key = `${connection}:${group}`;
    let n = this.groupNodes.get(key);
    if (!n) this.groupNodes.set(key, (n = { kind: 'group', connection, group, packets }));
    return n;
  }

  private packetNode(index: number, group: Phase, parent: Node): Node {
    const key = `${group === 'warnings' ? 'w' : 'p'}:${index}`;
    let n = this.packetNodes.get(key);
    if (!n) this.packetNodes.set(key, (n = { kind: 'packet', index, group, parent }));
    return n;
  }

  /** The node a packet lives under in its phase group (not the warnings group). */
  private nodeForPacket(index: number): Node | undefined {
    const trace = this.trace;
    if (!trace) return undefined;
    const p = trace.packet(index);
    const groups = groupPackets(trace, p.connection);
    for (const g of ['handshake', 'data', 'teardown'] as Phase[]) {
      const at = groups[g].indexOf(index);
      if (at < 0) continue;
      const group = this.groupNode(p.connection, g, groups[g]);
      // Past the packets a group lists, its group is as close as the tree can show.
      return at < MAX_GROUP_PACKETS ? this.packetNode(index, g, group) : group;
    }
    return undefined;
  }

  private follow(state: FocusState | undefined, source: string): void {
    if (state && source === 'editor' && state.uri.toString() !== this.uri?.toString()) {
      // The cursor moved in a tcpdump editor while the tree shows another source (a file
      // chosen by hand): the tree goes back to that editor's document.
      this.pinned = false;
      this.pickSource(true);
    }
    if (!state || !this.trace || state.uri.toString() !== this.uri?.toString()) return;
    if (state.trace !== this.trace) this.pickSource(true, false);
    const reveal = source !== 'tree' && this.view.visible && state.packet >= 0;
    if (!reveal && state.line === this.censusLine) return;
    // A moment later, once the panel has had the workbench to itself, and once for a burst of
    // cursor moves (a held arrow key): the census and the reveal of the latest focus.
    if (this.followTimer) clearTimeout(this.followTimer);
    this.followTimer = setTimeout(() => {
      this.followTimer = undefined;
      if (this.focus.current !== state) return;
      if (state.line !== this.censusLine) {
        this.censusLine = state.line;
        this.changed.fire(this.censusNode);
      }
      if (reveal) this.reveal(state);
    }, FOLLOW_DELAY_MS);
  }

  private reveal(state: FocusState): void {
    if (!this.trace || state.trace !== this.trace || state.packet < 0 || !this.view.visible) return;
    // A connection past the ones listed has no node to reveal (see getChildren).
    if (!this.rootConnections.has(state.connection)) return;
    const node = this.nodeForPacket(state.packet);
    if (!node) return;
    this.echoes.set(echoKey(node), Date.now());
    void this.view.reveal(node, { select: true, focus: false, expand: false }).then(undefined, () => undefined);
  }

  private onSelect(node: Node | undefined): void {
    if (!node || !this.uri || !this.trace) return;
    const revealedAt = this.echoes.get(echoKey(node));
    if (revealedAt !== undefined) {
      this.echoes.delete(echoKey(node));
      if (Date.now() - revealedAt < 2000) return;
    }
    if (node.kind === 'packet') this.focus.set(this.uri, this.trace, node.index, 'tree');
    else if (node.kind === 'connection' || node.kind === 'group') {
      const first = node.kind === 'group' ? node.packets[0] : this.trace.packetIndexes(node.id)[0];
      if (first !== undefined && this.focus.current?.connection !== this.trace.packet(first).connection) this.focus.set(this.uri, this.trace, first, 'tree');
    }
  }

  /** For the test API: the rows under "Servers" or "Client hosts". */
  aggregateItems(by: GroupBy): Array<{ label: string; description?: string }> {
    return this.getChildren(this.byNodes[by]).map((n) => {
      const item = this.getTreeItem(n);
      return { label: labelText(item), description: typeof item.description === 'string' ? item.description : undefined };
    });
  }

  /** For the test API: the root items as the user sees them (connections only). */
  async rootItems(): Promise<Array<{ label: string; description?: string; id?: string }>> {
    return this.getChildren()
      .filter((n) => n.kind === 'connection')
      .map((n) => {
        const item = this.getTreeItem(n);
        return { label: labelText(item), description: typeof item.description === 'string' ? item.description : undefined, id: item.id };
      });
  }

  /**
   * For the test API: every text the view shows, its description and message, and each
   * node's label, description and tooltip, down to the packets.
   */
  allTexts(): string[] {
    const out = [this.view.description ?? '', this.view.message ?? ''];
    const walk = (nodes: Node[]) => {
      for (const n of nodes) {
        const item = this.resolveTreeItem(this.getTreeItem(n), n);
        const tip = item.tooltip;
        out.push(labelText(item), typeof item.description === 'string' ? item.description : '', typeof tip === 'string' ? tip : tip?.value ?? '');
        walk(this.getChildren(n));
      }
    };
    walk(this.getChildren());
    return out.filter(Boolean);
  }

  /** The census item's label ("States at line N"), when the tree shows a trace. */
  censusLabel(): string | undefined {
    return this.trace ? labelText(this.getTreeItem(this.censusNode)) : undefined;
  }

  /** The connection the user most likely means: the selected node's, else the focus's. */
  selectedConnection(): number | undefined {
    const n = this.view.selection[0];
    if (!n || !this.trace) return undefined;
    if (n.kind === 'connection') return n.id;
    if (n.kind === 'group' || n.kind === 'performance' || n.kind === 'figure') return n.connection;
    if (n.kind === 'packet') return this.trace.packet(n.index).connection;
    return undefined;
  }

  static outcomes(): readonly Outcome[] {
    return OUTCOMES;
  }

  dispose(): void {
    if (this.followTimer) clearTimeout(this.followTimer);
    for (const s of this.subscriptions) s.dispose();
  }
}

/**
 * Names a node by what it shows, not by object: the tree may have listed fresh node objects
 * (a new trace) between a reveal and its selection event.
 */
function echoKey(node: Node): string {
  switch (node.kind) {
    case 'connection': return `c:${node.id}`;
    case 'group': return `g:${node.connection}:${node.group}`;
    case 'performance': return `perf:${node.connection}`;
    case 'figure': return `perf:${node.connection}:${node.row.key}`;
    case 'packet': return `${node.group === 'warnings' ? 'w' : 'p'}:${node.index}`;
    case 'censusState': return `s:${node.state}`;
    case 'source': return 'source';
    case 'census': return 'census';
    case 'by': return `b:${node.by}`;
    case 'byRow': return `r:${node.by}:${node.a.key}`;
  }
}

function connectionTooltip(c: ConnectionSummary): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  const lang = language();
  md.appendMarkdown(`**#${c.id}** ${escapeMarkdown(`${c.client} → ${c.server}`)}\n\n`);
  md.appendMarkdown(`| | |\n|---|---|\n`);
  const row = (k: string, v: string) => md.appendMarkdown(`| ${k} | ${escapeMarkdown(v)} |\n`);
  row(t('Outcome'), `${outcomeLabel(outcomeOf(c))} (${c.connState}, ${t('history')} ${c.history})`);
  row(t('Client state'), c.clientState ?? '?');
  row(t('Server state'), c.serverState ?? '?');
  row(t('Packets'), `${c.packets} (${c.packetsBy.client} → / ${c.packetsBy.server} ←)`);
  row(t('Bytes'), `${formatBytes(c.bytes.client)} → / ${formatBytes(c.bytes.server)} ←`);
  if (c.duration !== null) row(t('Duration'), formatMs(c.duration * 1000));
  if (c.handshake.rttMs !== null) row(t('Handshake RTT'), formatMs(c.handshake.rttMs));
  if (c.handshake.mss !== null) row('MSS', String(c.handshake.mss));
  row(t('Close'), closeKindLabel(c.close.kind) + (c.close.firstFinFrom ? ` (${t('first FIN from {0}', sideLabel(c.close.firstFinFrom))})` : ''));
  row(t('Lines'), `${c.firstLine}–${c.lastLine}`);
  if (c.events.length) row(t('Warnings'), summarizeEvents(c.events.map((e) => e.kind)));
  if (c.roleInferred) md.appendMarkdown(`\n${escapeMarkdown(t('No SYN seen: client and server guessed from the port numbers.'))}`);
  // Zeek's conn_state and history letters, spelled out.
  md.appendMarkdown(`\n\n${escapeMarkdown(zeekText(c.connState, c.history, lang))}`);
  for (const k of c.notes) md.appendMarkdown(`\n\n**${t('Note')}**: ${escapeMarkdown(noteText(k, lang))}`);
  if (c.clientState) md.appendMarkdown(`\n\n**${c.clientState}**: ${escapeMarkdown(STATE_TEXT[c.clientState][lang])}`);
  if (c.serverState && c.serverState !== c.clientState) md.appendMarkdown(`\n\n**${c.serverState}**: ${escapeMarkdown(STATE_TEXT[c.serverState][lang])}`);
  return md;
}

export function summarizeEvents(kinds: readonly EventKind[]): string {
  const counts = new Map<EventKind, number>();
  for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${eventName(k)} ×${n}`).join(t(', '));
}

function packetTooltip(trace: Trace, p: PacketInfo): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`${escapeMarkdown(`${p.src}.${p.sport} → ${p.dst}.${p.dport}`)} [${flagWords(p.flags)}]\n\n`);
  try {
    md.appendMarkdown(escapeMarkdown(explainPacket(trace, p.index, language())));
  } catch {
    /* the explanation is a bonus; the rest of the tooltip still helps */
  }
  if (p.events.length) md.appendMarkdown(`\n\n⚠ ${escapeMarkdown(eventNames(p.events))}`);
  return md;
}

const FIGURE_ICONS: Record<FigureKey, string> = {
  verdict: 'lightbulb',
  rttClient: 'arrow-right',
  rttServer: 'arrow-left',
  throughputClient: 'arrow-right',
  throughputServer: 'arrow-left',
  timeToFirstByte: 'watch',
  serverResponse: 'server-process',
  handshakeSplit: 'debug-start',
  unknown: 'info',
};

/** A Performance figure's tooltip: what it means (terms.ts); for the verdict, every cause's share too. */
function figureTooltip(trace: Trace, connection: number, row: FigureRow): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  md.appendMarkdown(`**${escapeMarkdown(row.label)}**: ${escapeMarkdown(row.value)}\n\n${escapeMarkdown(figureText(row.key))}`);
  const c = connectionById(trace, connection);
  if (row.key === 'verdict' && c) {
    const details = verdictDetails(connectionLimits(trace, c));
    if (details.length) md.appendMarkdown(`\n\n${details.map((d) => `- ${escapeMarkdown(d)}`).join('\n')}`);
  }
  return md;
}

/** A tree item's label as plain text (it may be a string or a TreeItemLabel). */
function labelText(item: vscode.TreeItem): string {
  return String(typeof item.label === 'object' ? item.label.label : item.label);
}
