// The ladder (sequence) diagram: two lifelines, one arrow per packet. Virtualised: only the
// rows in view are drawn, and rows not yet sent by the host are requested in windows.
import type { LadderRow } from '../src/protocol';
import { h, s, textWidth } from './dom';

const ROW = 30;
const OVERSCAN = 10;

export interface LadderHost {
  select(index: number): void;
  needRows(connection: number, start: number, count: number): void;
}

export class Ladder {
  readonly element: HTMLDivElement;
  private readonly header: HTMLDivElement;
  private readonly scroller: HTMLDivElement;
  private readonly spacer: HTMLDivElement;
  private svg: SVGSVGElement | null = null;
  private rows = new Map<number, LadderRow>();
  private requested = new Set<number>();
  private connection = -1;
  /** Trace and connection the rows belong to: a new key drops them. */
  private key = '';
  private total = 0;
  private current = -1;
  private frame = 0;
  /** What the last render() drew from, so a repeat (the scroll event after update()) is skipped. */
  private drawnFrom = '';
  /** Labels as drawn for the space between the lifelines and the font (see labelFitter). */
  private fitted = { avail: 0, font: '', labels: new Map<string, string>() };
  private added = 0;
  private labels = { client: '', server: '', aria: '' };

  constructor(private readonly host: LadderHost, private readonly window: number) {
    this.header = h('div', { class: 'ladder-header' });
    this.spacer = h('div', { class: 'ladder-spacer' });
    this.scroller = h('div', { class: 'ladder-scroller', tabindex: '0', role: 'listbox' }, this.spacer);
    this.element = h('div', { class: 'ladder' }, this.header, this.scroller);
    this.scroller.addEventListener('scroll', () => this.schedule());
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver(() => this.schedule()).observe(this.scroller);
  }

  update(key: string, connection: number, total: number, start: number, rows: LadderRow[], current: number, labels: { client: string; server: string; aria: string }): void {
    if (key !== this.key) {
      this.rows.clear();
      this.requested.clear();
      if (connection !== this.connection) this.scroller.scrollTop = 0;
    }
    this.key = key;
    this.connection = connection;
    this.total = total;
    this.current = current;
    if (labels.client !== this.labels.client || labels.server !== this.labels.server || labels.aria !== this.labels.aria) {
      this.scroller.setAttribute('aria-label', labels.aria);
      this.header.replaceChildren(h('span', { class: 'who client' }, labels.client), h('span', { class: 'who server' }, labels.server));
    }
    this.labels = labels;
    this.addRows(start, rows, key);
    this.spacer.style.height = `${total * ROW}px`;
    this.scrollToCurrent();
    this.render();
  }

  /** Rows from the host; those for another key (an older trace or connection) are dropped. */
  addRows(start: number, rows: LadderRow[], key = this.key): void {
    if (key !== this.key || !rows.length) return;
    rows.forEach((r, i) => this.rows.set(start + i, r));
    this.added++;
    this.schedule();
  }

  /** The row at a position in the connection, if the webview has it. */
  rowAt(ordinal: number): LadderRow | undefined {
    return this.rows.get(ordinal);
  }

  focus(): void {
    this.scroller.focus();
  }

  private scrollToCurrent(): void {
    if (this.current < 0) return;
    const top = this.current * ROW;
    const view = this.scroller.clientHeight || 400;
    if (top < this.scroller.scrollTop || top + ROW > this.scroller.scrollTop + view) this.scroller.scrollTop = Math.max(0, top - view / 2);
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.render();
    });
  }

  private onKey(e: KeyboardEvent): void {
    const move = (to: number) => {
      const row = this.rows.get(Math.max(0, Math.min(this.total - 1, to)));
      if (row) this.host.select(row.index);
      e.preventDefault();
    };
    const page = Math.max(1, Math.floor(this.scroller.clientHeight / ROW) - 1);
    switch (e.key) {
      case 'ArrowDown': return move(this.current + 1);
      case 'ArrowUp': return move(this.current - 1);
      case 'PageDown': return move(this.current + page);
      case 'PageUp': return move(this.current - page);
      case 'Home': return move(0);
      case 'End': return move(this.total - 1);
      case 'Enter': return move(this.current);
    }
  }

  private render(): void {
    const width = Math.max(360, this.scroller.clientWidth);
    const first = Math.max(0, Math.floor(this.scroller.scrollTop / ROW) - OVERSCAN);
    const last = Math.min(this.total, Math.ceil((this.scroller.scrollTop + (this.scroller.clientHeight || 400)) / ROW) + OVERSCAN);
    const from = `${this.key}:${this.total}:${first}:${last}:${this.current}:${this.added}:${width}`;
    if (from === this.drawnFrom) return;
    this.drawnFrom = from;
    this.requestMissing(first, last);

    const left = 150;
    const right = width - 120;
    const fit = this.labelFitter(right - left - 8);
    const svg = s('svg', { width, height: (last - first) * ROW, class: 'ladder-svg' });
    svg.style.top = `${first * ROW}px`;
    svg.append(s('line', { x1: left, y1: 0, x2: left, y2: (last - first) * ROW, class: 'lifeline client' }));
    svg.append(s('line', { x1: right, y1: 0, x2: right, y2: (last - first) * ROW, class: 'lifeline server' }));
    for (let i = first; i < last; i++) {
      const row = this.rows.get(i);
      const y = (i - first) * ROW;
      const g = s('g', { class: `row${i === this.current ? ' current' : ''}${row?.events.length ? ' warn' : ''}`, role: 'option', 'aria-selected': String(i === this.current) });
      g.append(s('rect', { x: 0, y, width, height: ROW, class: 'row-bg' }));
      if (!row) {
        g.append(s('text', { x: (left + right) / 2, y: y + 19, 'text-anchor': 'middle', class: 'pending' }, '…'));
        svg.append(g);
        continue;
      }
      const prev = this.rows.get(i - 1);
      const time = row.t === null ? `#${row.ordinal + 1}` : `${(row.t * 1000).toFixed(row.t < 1 ? 2 : 0)} ms`;
      g.append(s('text', { x: 4, y: y + 19, class: 'time' }, time));
      if (!prev || prev.clientState !== row.clientState) g.append(s('text', { x: left - 6, y: y + 26, 'text-anchor': 'end', class: 'state client' }, row.clientState ?? ''));
      if (!prev || prev.serverState !== row.serverState) g.append(s('text', { x: right + 6, y: y + 26, class: 'state server' }, row.serverState ?? ''));
      const [x1, x2] = row.from === 'client' ? [left, right] : [right, left];
      g.append(s('line', { x1, y1: y + 15, x2, y2: y + 26, class: `arrow ${row.from}`, 'marker-end': `url(#ladder-arrow)` }));
      const label = row.label + (row.events.length ? ` ⚠ ${row.events.join(', ').replace(/_/g, ' ')}` : '');
      g.append(s('text', { x: (left + right) / 2, y: y + 12, 'text-anchor': 'middle', class: 'arrow-label' }, fit(label)));
      g.append(s('title', {}, `line ${row.line}: ${label}`));
      g.addEventListener('click', () => this.host.select(row.index));
      svg.append(g);
    }
    const defs = s('defs');
    const m = s('marker', { id: 'ladder-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, markerUnits: 'userSpaceOnUse', orient: 'auto', class: 'ladder-marker' });
    m.append(s('path', { d: 'M0,0 L10,5 L0,10 z' }));
    defs.append(m);
    svg.prepend(defs);
    if (this.svg) this.svg.replaceWith(svg);
    else this.spacer.append(svg);
    this.svg = svg;
    const current = this.rows.get(this.current);
    this.scroller.setAttribute('aria-activedescendant', '');
    this.scroller.title = current ? current.label : '';
  }

  /** Labels cut to `avail` pixels between the lifelines, with "…" where cut (the row's title has the whole). */
  private labelFitter(avail: number): (label: string) => string {
    const family = getComputedStyle(document.body).getPropertyValue('--vscode-editor-font-family').trim() || 'monospace';
    const font = `11px ${family}`;
    if (this.fitted.avail !== avail || this.fitted.font !== font) this.fitted = { avail, font, labels: new Map() };
    const cache = this.fitted.labels;
    return (label) => {
      let out = cache.get(label);
      if (out !== undefined) return out;
      out = label;
      const width = (t: string) => textWidth(t, font) ?? t.length * 6.6;
      if (width(label) > avail) {
        // The longest prefix that fits with its ellipsis: binary search over its length.
        let lo = 0;
        let hi = label.length;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (width(`${label.slice(0, mid).trimEnd()}…`) <= avail) lo = mid;
          else hi = mid - 1;
        }
        out = `${label.slice(0, lo).trimEnd()}…`;
      }
      if (cache.size > 5000) cache.clear();
      cache.set(label, out);
      return out;
    };
  }

  /** Asks the host for window-aligned blocks of rows the view needs but does not have. */
  private requestMissing(first: number, last: number): void {
    for (let i = first; i < last; i++) {
      if (this.rows.has(i)) continue;
      const block = Math.floor(i / this.window) * this.window;
      if (!this.requested.has(block)) {
        this.requested.add(block);
        this.host.needRows(this.connection, block, this.window);
      }
      i = block + this.window - 1;
    }
  }
}
