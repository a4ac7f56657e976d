// The RFC 9293 state diagram as SVG. Edges come from the engine's TRANSITIONS table (the one
// source of truth); both endpoints' paths are drawn over it in two colours.
import { STATE_NAMES, TRANSITIONS } from '../src/trace/states';
import type { DiagramView } from '../src/protocol/protocol';
import { bodyStyle, s, textWidth } from './dom';
import type { Box } from './zoom';

const CLOSED_END = 'CLOSED_END';

// The drawing's size in viewBox units. At a zoom of 1 a unit is a CSS pixel, so labels are
// drawn at the panel's font size (13px) and state names at the editor's.
export const W = 940;
export const H = 860;
const BOX_W = 136;
const BOX_H = 36;

/** Node centres, laid out like RFC 9293 figure 5, plus a second CLOSED at the bottom. */
const POS: Record<string, [number, number]> = {
  CLOSED: [470, 40],
  LISTEN: [470, 156],
  SYN_RECEIVED: [130, 272],
  SYN_SENT: [810, 272],
  ESTABLISHED: [470, 388],
  FIN_WAIT_1: [130, 504],
  CLOSE_WAIT: [810, 504],
  CLOSING: [470, 612],
  FIN_WAIT_2: [130, 712],
  LAST_ACK: [810, 688],
  TIME_WAIT: [470, 812],
  [CLOSED_END]: [810, 818],
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
  d: string;
  /** The quadratic curve: start, control point, end. */
  sx: number;
  sy: number;
  cx: number;
  cy: number;
  ex: number;
  ey: number;
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
  return {
    d: `M${sx.toFixed(1)},${sy.toFixed(1)} Q${cx.toFixed(1)},${cy.toFixed(1)} ${ex.toFixed(1)},${ey.toFixed(1)}`,
    sx, sy, cx, cy, ex, ey,
  };
}

// Edge labels. Font size and line height in viewBox units; webview/style.css sets the same
// font size on .edge-label.
const LABEL_FONT = 13;
const LINE_H = 16;
/** Room around a label's text for the halo drawn behind it (stroke-width 3px). */
const HALO = 2;

/** What a label must not cover: the state boxes (with a margin for their outline). */
const NODE_RECTS: Box[] = Object.values(POS).map(([x, y]) => ({ x: x - BOX_W / 2 - 2, y: y - BOX_H / 2 - 2, w: BOX_W + 4, h: BOX_H + 4 }));

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** The area of r outside the drawing. */
function outside(r: Box): number {
  return r.w * r.h - overlap(r, { x: 0, y: 0, w: W, h: H });
}

/**
 * Where a label of the given size goes beside its curve: tried at points along the curve,
 * middle first, on the outer side of the bend first, touching it first and then a line away,
 * it takes the first place that covers no state box, no label placed before it and nothing
 * outside the drawing (or, failing that, the place that covers the least).
 */
function placeLabel(g: Geometry, w: number, h: number, placed: Box[]): Box {
  let best: Box = { x: 0, y: 0, w, h };
  let bestCost = Infinity;
  for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
    const u = 1 - t;
    const px = u * u * g.sx + 2 * u * t * g.cx + t * t * g.ex;
    const py = u * u * g.sy + 2 * u * t * g.cy + t * t * g.ey;
    // The curve's tangent, turned a quarter to the left: the outer side of the bend.
    const tx = 2 * u * (g.cx - g.sx) + 2 * t * (g.ex - g.cx);
    const ty = 2 * u * (g.cy - g.sy) + 2 * t * (g.ey - g.cy);
    const tl = Math.hypot(tx, ty) || 1;
    for (const [side, gap] of [[1, 3], [-1, 3], [1, 3 + LINE_H], [-1, 3 + LINE_H]]) {
      const nx = (side * -ty) / tl;
      const ny = (side * tx) / tl;
      const ox = px + nx * gap;
      const oy = py + ny * gap;
      // The corner or side of the label nearest the curve touches it.
      const r: Box = {
        x: nx > 0.3 ? ox : nx < -0.3 ? ox - w : ox - w / 2,
        y: ny > 0.3 ? oy : ny < -0.3 ? oy - h : oy - h / 2,
        w,
        h,
      };
      let cost = 10 * outside(r) + (side < 0 ? 0.5 : 0) + (gap > 3 ? 0.6 : 0) + Math.abs(t - 0.5);
      for (const n of NODE_RECTS) cost += 10 * overlap(r, n);
      for (const q of placed) cost += overlap(r, q);
      if (cost < bestCost) {
        bestCost = cost;
        best = r;
      }
      if (cost < 1) return best;
    }
  }
  return best;
}

/** Text widths in viewBox units, measured with the panel's font where a canvas is at hand. */
function textMeasurer(): (text: string, bold: boolean) => number {
  // Read again after a change of theme, which may bring another font (bodyStyle).
  const family = bodyStyle('font-family') || 'sans-serif';
  return (text, bold) => textWidth(text, `${bold ? 'bold ' : ''}${LABEL_FONT}px ${family}`) ?? text.length * LABEL_FONT * (bold ? 0.66 : 0.62);
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

/** Which drawn node holds a side's state: CLOSED is drawn twice (before and after). */
function nodeOf(state: string | null | undefined, path: number[]): string | null {
  if (state !== 'CLOSED') return state ?? null;
  const last = path[path.length - 1];
  return last !== undefined && targetNode(last) === CLOSED_END ? CLOSED_END : 'CLOSED';
}

/** Indices past the table (a model from another version) are left out, not looked up. */
const known = (list: number[] | undefined) => (list ?? []).filter((i) => i < TRANSITIONS.length);

/** The smallest box holding every box given, or null for none. */
function union(boxes: Box[]): Box | null {
  if (!boxes.length) return null;
  const x = Math.min(...boxes.map((b) => b.x));
  const y = Math.min(...boxes.map((b) => b.y));
  return { x, y, w: Math.max(...boxes.map((b) => b.x + b.w)) - x, h: Math.max(...boxes.map((b) => b.y + b.h)) - y };
}

/**
 * The part of a drawn diagram that matters now, which the view keeps in sight: both endpoints'
 * states and the current transition's label (renderDiagram keeps it in data-focus).
 */
export function diagramFocus(svg: SVGSVGElement): Box | null {
  const [x, y, w, h] = (svg.dataset.focus ?? '').split(' ').map(Number);
  return [x, y, w, h].every(Number.isFinite) ? { x, y, w, h } : null;
}

export function renderDiagram(view: DiagramView | null, labels: { client: string; server: string; title: string; edge?: (label: string) => string }): SVGSVGElement {
  const edge = labels.edge ?? ((label: string) => label);
  // The view's zoom sets the viewBox; the drawing's own size stays in data-width and data-height.
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, 'data-width': W, 'data-height': H, class: 'state-diagram', role: 'img', 'aria-label': labels.title });
  svg.append(s('title', {}, labels.title), markers());
  const clientPath = known(view?.clientPath);
  const serverPath = known(view?.serverPath);
  const clientSet = new Set(clientPath);
  const serverSet = new Set(serverPath);
  const currentSet = new Set([...known(view?.current.client), ...known(view?.current.server)]);

  const edges = s('g', { class: 'edges' });
  const overlays = s('g', { class: 'overlays' });
  const labelled: Array<{ g: Geometry; lines: string[]; cls: string; rank: number }> = [];
  for (const p of PAIRS) {
    const g = geometry(p);
    const onClient = p.transitions.some((i) => clientSet.has(i));
    const onServer = p.transitions.some((i) => serverSet.has(i));
    const current = p.transitions.some((i) => currentSet.has(i));
    const reset = isReset(p);
    // Resets can happen almost anywhere: drawing them all would hide the diagram, so a reset
    // edge appears only once an endpoint takes it.
    if (reset && !onClient && !onServer) continue;
    const base = s('path', { d: g.d, class: `edge${reset ? ' reset' : ''}`, 'marker-end': 'url(#arrow-base)' });
    base.append(s('title', {}, `${p.from} → ${nodeLabel(p.to)}: ${p.transitions.map((i) => edge(TRANSITIONS[i].label)).join('; ')}`));
    edges.append(base);
    if (onClient || onServer) overlays.append(s('path', { d: g.d, class: 'path-halo' }));
    if (onClient) overlays.append(s('path', { d: g.d, class: `path client${current && view?.current.client.some((i) => p.transitions.includes(i)) ? ' current' : ''}`, 'marker-end': 'url(#arrow-client)' }));
    if (onServer) overlays.append(s('path', { d: g.d, class: `path server${current && view?.current.server.some((i) => p.transitions.includes(i)) ? ' current' : ''}`, 'marker-end': 'url(#arrow-server)' }));
    const taken = p.transitions.filter((i) => clientSet.has(i) || serverSet.has(i));
    const shown = p.transitions.filter((i) => !isResetLabel(i) || taken.includes(i));
    // Transitions that share a curve get a line each.
    const lines = [...new Set(shown.map((i) => edge(TRANSITIONS[i].label)))];
    const cls = `edge-label${current ? ' current' : ''}${onClient || onServer ? ' taken' : ''}`;
    labelled.push({ g, lines, cls, rank: current ? 0 : onClient || onServer ? 1 : 2 });
  }

  // The labels of the current transition, then of the paths taken, get the best places.
  const edgeLabels = s('g', { class: 'edge-labels' });
  const measure = textMeasurer();
  const placed: Box[] = [];
  /** What the view keeps in sight: the current transition's labels and the endpoints' states. */
  const focus: Box[] = [];
  for (const l of labelled.sort((a, b) => a.rank - b.rank)) {
    const w = Math.max(...l.lines.map((line) => measure(line, l.rank === 0))) + 2 * HALO;
    const r = placeLabel(l.g, w, l.lines.length * LINE_H + 2 * HALO, placed);
    placed.push(r);
    if (l.rank === 0) focus.push(r);
    const text = s('text', { class: l.cls, 'text-anchor': 'start' });
    l.lines.forEach((line, k) => {
      // Baselines: the first a font's ascent below the top, the next a line height apart.
      text.append(s('tspan', { x: (r.x + HALO).toFixed(1), y: (r.y + HALO + 11 + k * LINE_H).toFixed(1) }, line));
    });
    edgeLabels.append(text);
  }

  const visited = new Set<string>();
  for (const i of [...clientSet, ...serverSet]) {
    visited.add(STATE_NAMES[TRANSITIONS[i].from]);
    visited.add(targetNode(i));
  }
  const clientNode = nodeOf(view?.clientState, clientPath);
  const serverNode = nodeOf(view?.serverState, serverPath);
  for (const n of [clientNode, serverNode]) {
    if (n !== null && Object.hasOwn(POS, n)) focus.push({ x: POS[n][0] - BOX_W / 2, y: POS[n][1] - BOX_H / 2, w: BOX_W, h: BOX_H });
  }
  const box = union(focus);
  if (box) svg.dataset.focus = [box.x, box.y, box.w, box.h].map((v) => v.toFixed(1)).join(' ');
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
    g.append(s('text', { x, y: y + 5, 'text-anchor': 'middle' }, nodeLabel(name)));
    if (clientNode === name) {
      g.append(s('circle', { cx: x - BOX_W / 2, cy: y - BOX_H / 2, r: 11, class: 'badge client' }));
      g.append(s('text', { x: x - BOX_W / 2, y: y - BOX_H / 2 + 4, 'text-anchor': 'middle', class: 'badge-text' }, 'C'));
    }
    if (serverNode === name) {
      g.append(s('circle', { cx: x + BOX_W / 2, cy: y - BOX_H / 2, r: 11, class: 'badge server' }));
      g.append(s('text', { x: x + BOX_W / 2, y: y - BOX_H / 2 + 4, 'text-anchor': 'middle', class: 'badge-text' }, 'S'));
    }
    const who = [isClient ? labels.client : '', isServer ? labels.server : ''].filter(Boolean).join(', ');
    g.append(s('title', {}, who ? `${nodeLabel(name)} (${who})` : nodeLabel(name)));
    nodes.append(g);
  }
  svg.append(edges, overlays, nodes, edgeLabels);
  return svg;
}
