// The RFC 9293 state diagram as SVG. Edges come from the engine's TRANSITIONS table (the one
// source of truth); both endpoints' paths are drawn over it in two colours.
import { STATE_NAMES, TRANSITIONS } from '../src/trace/states';
import type { DiagramView } from '../src/protocol';
import { s } from './dom';

const CLOSED_END = 'CLOSED_END';

const W = 760;
const H = 680;
const BOX_W = 132;
const BOX_H = 34;

/** Node centres, laid out like RFC 9293 figure 5, plus a second CLOSED at the bottom. */
const POS: Record<string, [number, number]> = {
  CLOSED: [380, 36],
  LISTEN: [380, 126],
  SYN_RECEIVED: [120, 216],
  SYN_SENT: [640, 216],
  ESTABLISHED: [380, 306],
  FIN_WAIT_1: [120, 396],
  CLOSE_WAIT: [640, 396],
  CLOSING: [380, 476],
  FIN_WAIT_2: [120, 556],
  LAST_ACK: [640, 536],
  TIME_WAIT: [380, 636],
  [CLOSED_END]: [640, 646],
};

/** States below the handshake: their way to CLOSED is drawn to the bottom CLOSED node. */
const LOWER = new Set(['ESTABLISHED', 'FIN_WAIT_1', 'FIN_WAIT_2', 'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT']);

/** The node a transition ends at in the drawing. */
function targetNode(i: number): string {
  const t = TRANSITIONS[i];
  const from = STATE_NAMES[t.from];
  const to = STATE_NAMES[t.to];
  return to === 'CLOSED' && LOWER.has(from) ? CLOSED_END : to;
}

interface Pair {
  from: string;
  to: string;
  transitions: number[];
}

/** Edges grouped by (from, to): parallel transitions share one drawn curve. */
const PAIRS: Pair[] = (() => {
  const map = new Map<string, Pair>();
  TRANSITIONS.forEach((t, i) => {
    const from = STATE_NAMES[t.from];
    const to = targetNode(i);
    const key = `${from}>${to}`;
    let p = map.get(key);
    if (!p) map.set(key, (p = { from, to, transitions: [] }));
    p.transitions.push(i);
  });
  return [...map.values()];
})();

const isResetLabel = (i: number) => /RST|ABORT/.test(TRANSITIONS[i].label);
const isReset = (p: Pair) => p.transitions.every(isResetLabel);

/** Where the segment from the box centre toward (tx, ty) leaves the box. */
function clip(cx: number, cy: number, tx: number, ty: number): [number, number] {
  const dx = tx - cx;
  const dy = ty - cy;
  const sx = dx === 0 ? Infinity : BOX_W / 2 / Math.abs(dx);
  const sy = dy === 0 ? Infinity : BOX_H / 2 / Math.abs(dy);
  const k = Math.min(sx, sy);
  return [cx + dx * k, cy + dy * k];
}

const nodeLabel = (name: string) => (name === CLOSED_END ? 'CLOSED' : name);

interface Geometry {
  anchor: 'start' | 'end' | 'middle';
  d: string;
  lx: number;
  ly: number;
}

function geometry(p: Pair): Geometry {
  const [x1, y1] = POS[p.from];
  const [x2, y2] = POS[p.to];
  const mx = (x1 + x2) / 2;
  const my = (y1 + y2) / 2;
  const len = Math.hypot(x2 - x1, y2 - y1) || 1;
  // Bend every edge to its left, so A->B and B->A never overlap; long edges bend more.
  const bend = isReset(p) ? 0.25 * len : Math.min(60, 18 + len * 0.08);
  const cx = mx + (-(y2 - y1) / len) * bend;
  const cy = my + ((x2 - x1) / len) * bend;
  const [sx, sy] = clip(x1, y1, cx, cy);
  const [ex, ey] = clip(x2, y2, cx, cy);
  // Labels sit on the outer side of the bend, so labels of opposite edges do not collide.
  const nx = -(y2 - y1) / len;
  const anchor = nx > 0.3 ? 'start' : nx < -0.3 ? 'end' : 'middle';
  return {
    d: `M${sx.toFixed(1)},${sy.toFixed(1)} Q${cx.toFixed(1)},${cy.toFixed(1)} ${ex.toFixed(1)},${ey.toFixed(1)}`,
    lx: 0.25 * sx + 0.5 * cx + 0.25 * ex + (anchor === 'start' ? 3 : anchor === 'end' ? -3 : 0),
    ly: 0.25 * sy + 0.5 * cy + 0.25 * ey,
    anchor,
  };
}

function markers(): SVGDefsElement {
  const defs = s('defs');
  for (const kind of ['base', 'client', 'server', 'current']) {
    const m = s('marker', { id: `arrow-${kind}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse', class: `marker-${kind}` });
    m.append(s('path', { d: 'M0,0 L10,5 L0,10 z' }));
    defs.append(m);
  }
  return defs;
}

export function renderDiagram(view: DiagramView | null, labels: { client: string; server: string; title: string }): SVGSVGElement {
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'state-diagram', role: 'img', 'aria-label': labels.title });
  svg.append(s('title', {}, labels.title), markers());
  const clientSet = new Set(view?.clientPath ?? []);
  const serverSet = new Set(view?.serverPath ?? []);
  const currentSet = new Set([...(view?.current.client ?? []), ...(view?.current.server ?? [])]);

  const edges = s('g', { class: 'edges' });
  const overlays = s('g', { class: 'overlays' });
  const edgeLabels = s('g', { class: 'edge-labels' });
  for (const p of PAIRS) {
    const g = geometry(p);
    const onClient = p.transitions.some((i) => clientSet.has(i));
    const onServer = p.transitions.some((i) => serverSet.has(i));
    const current = p.transitions.some((i) => currentSet.has(i));
    const reset = isReset(p);
    // Resets can happen almost anywhere: drawing them all would hide the diagram, so a reset
    // edge appears only once an endpoint takes it.
    if (!reset || onClient || onServer) {
      const base = s('path', { d: g.d, class: `edge${reset ? ' reset' : ''}`, 'marker-end': 'url(#arrow-base)' });
      base.append(s('title', {}, `${p.from} → ${nodeLabel(p.to)}: ${p.transitions.map((i) => TRANSITIONS[i].label).join('; ')}`));
      edges.append(base);
    }
    if (onClient) overlays.append(s('path', { d: g.d, class: `path client${current && view?.current.client.some((i) => p.transitions.includes(i)) ? ' current' : ''}`, 'marker-end': 'url(#arrow-client)' }));
    if (onServer) overlays.append(s('path', { d: g.d, class: `path server${current && view?.current.server.some((i) => p.transitions.includes(i)) ? ' current' : ''}`, 'marker-end': 'url(#arrow-server)' }));
    if (!reset || onClient || onServer) {
      const taken = p.transitions.filter((i) => clientSet.has(i) || serverSet.has(i));
      const shown = p.transitions.filter((i) => !isResetLabel(i) || taken.includes(i));
      const text = [...new Set(shown.map((i) => TRANSITIONS[i].label))].join(' | ');
      edgeLabels.append(s('text', { x: g.lx.toFixed(1), y: g.ly.toFixed(1), class: `edge-label${current ? ' current' : ''}${onClient || onServer ? ' taken' : ''}`, 'text-anchor': g.anchor }, text));
    }
  }

  const visited = new Set<string>();
  for (const i of [...clientSet, ...serverSet]) {
    visited.add(STATE_NAMES[TRANSITIONS[i].from]);
    visited.add(targetNode(i));
  }
  // Which drawn node holds a side's state: CLOSED is drawn twice (before and after).
  const nodeOf = (state: string | null | undefined, path: number[] | undefined): string | null => {
    if (state !== 'CLOSED') return state ?? null;
    const last = path?.[path.length - 1];
    return last !== undefined && targetNode(last) === CLOSED_END ? CLOSED_END : 'CLOSED';
  };
  const clientNode = nodeOf(view?.clientState, view?.clientPath);
  const serverNode = nodeOf(view?.serverState, view?.serverPath);
  const nodes = s('g', { class: 'nodes' });
  for (const [name, [x, y]] of Object.entries(POS)) {
    // The bottom CLOSED is a copy of the state CLOSED, not a twelfth state: both copies are
    // outlined when a side is CLOSED; the C/S badge sits where its path ended.
    const alias = name === CLOSED_END;
    const same = (n: string | null) => n !== null && nodeLabel(n) === nodeLabel(name);
    const isClient = same(clientNode);
    const isServer = same(serverNode);
    const cls = `${alias ? 'node-alias' : 'node'}${visited.has(name) ? ' visited' : ''}${isClient ? ' at-client' : ''}${isServer ? ' at-server' : ''}`;
    const g = s('g', { class: cls });
    g.append(s('rect', { x: x - BOX_W / 2, y: y - BOX_H / 2, width: BOX_W, height: BOX_H, rx: 6 }));
    g.append(s('text', { x, y: y + 4, 'text-anchor': 'middle' }, nodeLabel(name)));
    if (clientNode === name) {
      g.append(s('circle', { cx: x - BOX_W / 2, cy: y - BOX_H / 2, r: 9, class: 'badge client' }));
      g.append(s('text', { x: x - BOX_W / 2, y: y - BOX_H / 2 + 4, 'text-anchor': 'middle', class: 'badge-text' }, 'C'));
    }
    if (serverNode === name) {
      g.append(s('circle', { cx: x + BOX_W / 2, cy: y - BOX_H / 2, r: 9, class: 'badge server' }));
      g.append(s('text', { x: x + BOX_W / 2, y: y - BOX_H / 2 + 4, 'text-anchor': 'middle', class: 'badge-text' }, 'S'));
    }
    const who = [isClient ? labels.client : '', isServer ? labels.server : ''].filter(Boolean).join(', ');
    g.append(s('title', {}, who ? `${nodeLabel(name)} (${who})` : nodeLabel(name)));
    nodes.append(g);
  }
  svg.append(edges, overlays, nodes, edgeLabels);
  return svg;
}
