// The panel's entry point: receives view models from the host, draws them, reports clicks.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import { LADDER_WINDOW, epochMs, isHostMessage, type ModelMessage, type PanelState, type ViewModel, type WebviewMessage } from '../src/protocol/protocol';
import { bodyStyle, custom, format, h } from './dom';
import { H, W, diagramFocus, renderDiagram } from './diagram';
import { renderHandshake } from './handshake';
import { Graphs } from './graphs';
import { Ladder } from './ladder';
import { PanZoom } from './zoom';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; setState(s: unknown): void; getState(): unknown };
const vscode = acquireVsCodeApi();
const post = (m: WebviewMessage) => vscode.postMessage(m);

/** The last view model drawn, with the words and handshake view kept from earlier messages. */
let model: ViewModel | undefined;
/** The benchmark's measuring (MeasureMessage), off unless the host turns it on. */
let measuring = false;

const app = document.getElementById('app')!;
const title = h('h1', { class: 'title' });
const summary = h('div', { class: 'summary' });
const position = h('span', { class: 'position' });
const message = h('p', { class: 'message' });

function button(onClick: () => void): HTMLElement {
  const b = custom('vscode-button', { secondary: '' });
  b.addEventListener('click', onClick);
  return b;
}

function step(delta: number): void {
  if (!model || model.current < 0) return;
  const row = ladder.rowAt(model.current + delta);
  if (row) post({ type: 'select', index: row.index });
}

// Built once: the words change only when the host sends new ones.
const buttons = {
  previous: button(() => step(-1)),
  next: button(() => step(1)),
  exportSvg: button(() => post({ type: 'command', command: 'exportSvg' })),
  exportMermaid: button(() => post({ type: 'command', command: 'exportMermaid' })),
  copySummary: button(() => post({ type: 'command', command: 'copySummary' })),
};
const toolbar = h('div', { class: 'toolbar' }, ...Object.values(buttons));
const tabs = custom('vscode-tabs', { 'selected-index': '0' });
const diagramHeader = custom('vscode-tab-header', { slot: 'header' });
const handshakeHeader = custom('vscode-tab-header', { slot: 'header' });
const graphsHeader = custom('vscode-tab-header', { slot: 'header' });
const diagramPanel = custom('vscode-tab-panel');
const handshakePanel = custom('vscode-tab-panel');
const graphsPanel = custom('vscode-tab-panel');
tabs.append(diagramHeader, diagramPanel, handshakeHeader, handshakePanel, graphsHeader, graphsPanel);
/** The tabs in order: a tab's index is its mode's place here. */
const MODES = ['diagram', 'handshake', 'graphs'] as const;
tabs.addEventListener('vsc-tabs-select', (e) => {
  const mode = MODES[(e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex] ?? 'diagram';
  if (model && model.mode !== mode) post({ type: 'mode', mode });
});
const graphs = new Graphs({
  select: (index) => post({ type: 'select', index }),
  save: (svg, name) => post({ type: 'saveSvg', svg, name }),
  range: (key, x0, x1, columns, current) => post({ type: 'graphsRange', key, x0, x1, columns, current }),
});
graphsPanel.append(graphs.element);

const diagramBox = h('div', { class: 'diagram' });
const zoom = new PanZoom();
const diagramLegend = h('div', { class: 'legend' });
diagramBox.append(zoom.viewport, h('div', { class: 'diagram-footer' }, diagramLegend, zoom.controls));
const explanation = h('div', { class: 'explanation', 'aria-live': 'polite' });
const ladder = new Ladder(
  { select: (index) => post({ type: 'select', index }), needRows: (connection, start, count) => post({ type: 'needRows', connection, start, count }) },
  LADDER_WINDOW,
);
diagramPanel.append(h('div', { class: 'split' }, h('div', { class: 'left' }, diagramBox, explanation), ladder.element));

app.append(h('header', {}, title, summary, h('div', { class: 'bar' }, position, toolbar)), message, tabs);



/** What the drawn parts were drawn from: a part is drawn again only when its input changed. */
const drawn = { strings: undefined as unknown, diagram: '', handshake: undefined as unknown, mode: '', connection: -1 };

/**
 * Diagrams drawn, by what they were drawn from: connections of the same kind at the same step
 * look the same, and a copy is cheaper than placing the labels again.
 */
const diagrams = new Map<string, SVGSVGElement>();
const MAX_DIAGRAMS = 64;

function diagram(d: ModelMessage['diagram'], st: Record<string, string>, key: string): SVGSVGElement {
  // The font is part of the key: another theme may bring another, which the labels were placed for.
  const full = JSON.stringify([key, st.client, st.server, st.diagramLabel, bodyStyle('font-family')]);
  let svg = diagrams.get(full);
  if (!svg) {
    svg = renderDiagram(d, { client: st.client, server: st.server, title: st.diagramLabel, edge: (label) => st[`edge:${label}`] ?? label });
    if (diagrams.size >= MAX_DIAGRAMS) diagrams.delete(diagrams.keys().next().value!);
    diagrams.set(full, svg);
  }
  return svg.cloneNode(true) as SVGSVGElement;
}

function render(m: ModelMessage): void {
  const st = m.strings ?? model?.strings ?? {};
  const handshake = m.handshake !== undefined ? m.handshake : model?.handshake ?? null;
  model = { ...m, strings: st, handshake };

  if (st !== drawn.strings) {
    if (st.htmlLang) document.documentElement.lang = st.htmlLang;
    diagramHeader.textContent = `${st.stateDiagram} · ${st.ladder}`;
    handshakeHeader.textContent = st.handshake;
    graphsHeader.textContent = st.graphs;
    for (const [k, b] of Object.entries(buttons)) b.textContent = st[k] ?? '';
    diagramLegend.replaceChildren(
      h('span', { class: 'key client' }, st.client),
      h('span', { class: 'key server' }, st.server),
      h('span', { class: 'key current' }, st.currentTransition),
    );
    zoom.setWords({ zoomIn: st.zoomIn, zoomOut: st.zoomOut, fit: st.fit, fitHelp: st.fitHelp, label: `${st.diagramLabel}. ${st.diagramHelp}` });
  }

  message.textContent = m.message ?? '';
  message.hidden = !m.message;
  tabs.hidden = !m.connection;
  toolbar.hidden = !m.connection;
  const c = m.connection;
  title.textContent = c ? `#${c.id} ${c.client} → ${c.server}` : m.document;
  summary.textContent = c ? `${c.outcome} · ${c.summary} · ${st.history} ${c.history}` : '';
  position.textContent = c && m.current >= 0 ? format(st.packetOf, m.current + 1, c.packets) : '';
  const modeBefore = drawn.mode;
  if (m.mode !== drawn.mode) (tabs as unknown as { selectedIndex: number }).selectedIndex = MODES.indexOf(m.mode);
  drawn.mode = m.mode;
  if (!c) {
    drawn.strings = st;
    return;
  }

  // Within a connection most packets leave the diagram as it was (same paths, no transition).
  const d = m.diagram;
  const diagramKey = JSON.stringify([d?.clientPath, d?.serverPath, d?.current, d?.clientState, d?.serverState]);
  if (diagramKey !== drawn.diagram || st !== drawn.strings) {
    const svg = diagram(d, st, diagramKey);
    zoom.show(svg, W, H, diagramFocus(svg));
    drawn.diagram = diagramKey;
  }
  explanation.replaceChildren(
    ...(d
      ? [
          h('p', { class: 'what' }, d.explanation),
          h('p', { class: 'state-text client' }, `${st.client}: ${d.clientStateText}`),
          h('p', { class: 'state-text server' }, `${st.server}: ${d.serverStateText}`),
        ]
      : []),
  );
  ladder.update(m.ladder.key ?? String(c.id), c.id, m.ladder.total, m.ladder.start, m.ladder.rows, m.current, {
    client: `${st.client} ${c.client}`,
    server: `${st.server} ${c.server}`,
    aria: `${st.ladderLabel}. ${st.ladderHelp}`,
  });
  if (st !== drawn.strings || c.id !== drawn.connection) graphs.setWords(st, { client: `${st.client} ${c.client}`, server: `${st.server} ${c.server}`, title: `#${c.id} ${c.client} → ${c.server}` });
  drawn.connection = c.id;
  graphs.setCurrent(m.currentIndex);
  // Opening the tab draws at once (not at the next resize), so the drawing is timed with the model.
  if (m.mode === 'graphs' && modeBefore !== 'graphs') graphs.draw();
  if (handshake && (handshake !== drawn.handshake || st !== drawn.strings)) handshakePanel.replaceChildren(renderHandshake(handshake, st, (index) => post({ type: 'select', index })));
  drawn.handshake = handshake;
  drawn.strings = st;
}

window.addEventListener('message', (e: MessageEvent) => {
  const receivedAt = epochMs();
  const m: unknown = e.data;
  if (!isHostMessage(m)) return;
  if (m.type === 'measure') measuring = m.on;
  else if (m.type === 'ping') post({ type: 'pong', sentAt: m.sentAt, receivedAt });
  else if (m.type === 'graphs') {
    const before = graphs.drawn;
    graphs.add(m);
    // The last slice drawn: said to the host with the packet in view, as a model's drawing is.
    if (graphs.drawn !== before && model) post({ type: 'rendered', index: model.currentIndex, ms: graphs.drawn!.ms, graphs: graphs.drawn });
  }
  else if (m.type === 'model') {
    render(m);
    if (measuring) post({ type: 'arrived', serial: m.serial, receivedAt });
    post({ type: 'rendered', index: m.currentIndex, ms: Math.round((epochMs() - receivedAt) * 100) / 100, serial: m.serial, ...(m.mode === 'graphs' && graphs.drawn ? { graphs: graphs.drawn } : {}) });
    // After the answer: saving the state is one more message through the workbench.
    const state: PanelState = { uri: m.uri, index: m.currentIndex, mode: m.mode };
    vscode.setState(state);
  } else if (model?.connection && m.connection === model.connection.id) ladder.addRows(m.start, m.rows, m.key);
});

// Keys anywhere in the panel (outside text fields) step through packets.
document.addEventListener('keydown', (e) => {
  if (e.defaultPrevented || (e.target as HTMLElement).closest('.ladder-scroller')) return;
  if (e.key === 'n' || e.key === 'j') step(1);
  else if (e.key === 'p' || e.key === 'k') step(-1);
});

post({ type: 'ready' });
