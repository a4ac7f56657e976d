// The panel's entry point: receives view models from the host, draws them, reports clicks.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import { LADDER_WINDOW, isHostMessage, type PanelState, type ViewModel, type WebviewMessage } from '../src/protocol';
import { custom, format, h } from './dom';
import { renderDiagram } from './diagram';
import { renderHandshake } from './handshake';
import { Ladder } from './ladder';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; setState(s: unknown): void; getState(): unknown };
const vscode = acquireVsCodeApi();
const post = (m: WebviewMessage) => vscode.postMessage(m);

let model: ViewModel | undefined;

const app = document.getElementById('app')!;
const title = h('h1', { class: 'title' });
const summary = h('div', { class: 'summary' });
const position = h('span', { class: 'position' });
const message = h('p', { class: 'message' });

function button(label: string, onClick: () => void, secondary = true): HTMLElement {
  const b = custom('vscode-button', secondary ? { secondary: '' } : {}, label);
  b.addEventListener('click', onClick);
  return b;
}

function step(delta: number): void {
  if (!model || model.current < 0) return;
  const row = model.ladder.rows[model.current + delta - model.ladder.start];
  if (row) post({ type: 'select', index: row.index });
}

const toolbar = h('div', { class: 'toolbar' });
const tabs = custom('vscode-tabs', { 'selected-index': '0' });
const diagramHeader = custom('vscode-tab-header', { slot: 'header' });
const handshakeHeader = custom('vscode-tab-header', { slot: 'header' });
const diagramPanel = custom('vscode-tab-panel');
const handshakePanel = custom('vscode-tab-panel');
tabs.append(diagramHeader, diagramPanel, handshakeHeader, handshakePanel);
tabs.addEventListener('vsc-tabs-select', (e) => {
  const mode = (e as CustomEvent<{ selectedIndex: number }>).detail.selectedIndex === 1 ? 'handshake' : 'diagram';
  if (model && model.mode !== mode) post({ type: 'mode', mode });
});

const diagramBox = h('div', { class: 'diagram' });
const explanation = h('div', { class: 'explanation', 'aria-live': 'polite' });
const ladder = new Ladder(
  { select: (index) => post({ type: 'select', index }), needRows: (connection, start, count) => post({ type: 'needRows', connection, start, count }) },
  LADDER_WINDOW,
);
diagramPanel.append(h('div', { class: 'split' }, h('div', { class: 'left' }, diagramBox, explanation), ladder.element));

app.append(h('header', {}, title, summary, h('div', { class: 'bar' }, position, toolbar)), message, tabs);

function legend(m: ViewModel): HTMLElement {
  return h('div', { class: 'legend' },
    h('span', { class: 'key client' }, m.strings.client),
    h('span', { class: 'key server' }, m.strings.server),
    h('span', { class: 'key current' }, m.strings.currentTransition));
}

function render(m: ViewModel): void {
  model = m;
  const state: PanelState = { uri: m.uri, index: m.currentIndex, mode: m.mode };
  vscode.setState(state);
  const st = m.strings;

  diagramHeader.textContent = `${st.stateDiagram} · ${st.ladder}`;
  handshakeHeader.textContent = st.handshake;
  toolbar.replaceChildren(
    button(st.previous, () => step(-1)),
    button(st.next, () => step(1)),
    button(st.exportSvg, () => post({ type: 'command', command: 'exportSvg' })),
    button(st.exportMermaid, () => post({ type: 'command', command: 'exportMermaid' })),
    button(st.copySummary, () => post({ type: 'command', command: 'copySummary' })),
  );

  message.textContent = m.message ?? '';
  message.hidden = !m.message;
  tabs.hidden = !m.connection;
  toolbar.hidden = !m.connection;
  const c = m.connection;
  title.textContent = c ? `#${c.id} ${c.client} → ${c.server}` : m.document;
  summary.textContent = c ? `${c.outcome} · ${c.summary} · history ${c.history}` : '';
  position.textContent = c && m.current >= 0 ? format(st.packetOf, m.current + 1, c.packets) : '';
  (tabs as unknown as { selectedIndex: number }).selectedIndex = m.mode === 'handshake' ? 1 : 0;
  if (!c) return;

  diagramBox.replaceChildren(renderDiagram(m.diagram, { client: st.client, server: st.server, title: st.diagramLabel }), legend(m));
  const d = m.diagram;
  explanation.replaceChildren(
    ...(d
      ? [
          h('p', { class: 'what' }, d.explanation),
          h('p', { class: 'state-text client' }, `${st.client}: ${d.clientStateText}`),
          h('p', { class: 'state-text server' }, `${st.server}: ${d.serverStateText}`),
        ]
      : []),
  );
  ladder.update(c.id, m.ladder.total, m.ladder.start, m.ladder.rows, m.current, {
    client: `${st.client} ${c.client}`,
    server: `${st.server} ${c.server}`,
    aria: `${st.ladderLabel}. ${st.ladderHelp}`,
  });
  if (m.handshake) handshakePanel.replaceChildren(renderHandshake(m.handshake, st, (index) => post({ type: 'select', index })));
}

window.addEventListener('message', (e: MessageEvent) => {
  const m: unknown = e.data;
  if (!isHostMessage(m)) return;
  if (m.type === 'model') {
    const t0 = performance.now();
    render(m);
    post({ type: 'rendered', index: m.currentIndex, ms: Math.round((performance.now() - t0) * 100) / 100 });
  }
  else if (model?.connection && m.connection === model.connection.id) {
    ladder.addRows(m.start, m.rows);
    // Keep the rows for next/previous too.
    if (m.start === model.ladder.start + model.ladder.rows.length) model.ladder.rows.push(...m.rows);
  }
});

// Keys anywhere in the panel (outside text fields) step through packets.
document.addEventListener('keydown', (e) => {
  if (e.defaultPrevented || (e.target as HTMLElement).closest('.ladder-scroller')) return;
  if (e.key === 'n' || e.key === 'j') step(1);
  else if (e.key === 'p' || e.key === 'k') step(-1);
});

post({ type: 'ready' });
