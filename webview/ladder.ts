// The ladder (sequence) diagram: two lifelines, one arrow per packet. Virtualised: only the
// rows in view are drawn, and rows not yet sent by the host are requested in windows.
import type { LadderRow } from '../src/protocol/protocol';
import { bodyStyle, h, onThemeChange, s, textWidth } from './dom';

const ROW = 30;
const OVERSCAN = 10;

/** A row's group in the drawing, with what it was drawn from. */
interface DrawnRow {
  g: SVGGElement;
  row: LadderRow | undefined;
  prev: LadderRow | undefined;
  current: boolean;
}

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
  private lifelines: SVGLineElement[] = [];
  /** The rows in the drawing, by ordinal, and the width and key they were drawn for. */
  private drawnRows = new Map<number, DrawnRow>();
  private drawnWidth = 0;
  private drawnKey = '';
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
  /**
   * The scroller's size and scroll position, kept from its resize and scroll events: reading
   * them from the element after the page changed makes the browser lay it out there and then.
   */
  private readonly view = { width: 0, height: 0, top: 0 };

  constructor(private readonly host: LadderHost, private readonly window: number) {
    this.header = h('div', { class: 'ladder-header' });
    this.spacer = h('div', { class: 'ladder-spacer' });
    this.scroller = h('div', { class: 'ladder-scroller', tabindex: '0', role: 'listbox' }, this.spacer);
    this.element = h('div', { class: 'ladder' }, this.header, this.scroller);
    this.scroller.addEventListener('scroll', () => {
      this.view.top = this.scroller.scrollTop;
      this.schedule();
    });
    this.scroller.addEventListener('keydown', (e) => this.onKey(e));
    new ResizeObserver((entries) => {
      const box = entries[entries.length - 1].contentRect;
      this.view.width = box.width;
      this.view.height = box.height;
      this.schedule();
    }).observe(this.scroller);
    // A new theme can bring another editor font, which the labels were cut to: make every row again.
    onThemeChange(() => {
      this.drawnRows.clear();
      this.drawnFrom = '';
      this.schedule();
    });
  }

  update(key: string, connection: number, total: number, start: number, rows: LadderRow[], current: number, labels: { client: string; server: string; aria: string }): void {
    if (key !== this.key) {
      this.rows.clear();
      this.requested.clear();
      if (connection !== this.connection && this.view.top !== 0) this.scrollTo(0);
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
    const view = this.viewSize().height || 400;
    if (top < this.view.top || top + ROW > this.view.top + view) this.scrollTo(Math.max(0, top - view / 2));
  }

  private scrollTo(top: number): void {
    this.scroller.scrollTop = top;
    // Where it lands (the end of the list may stop it short) comes with the scroll event.
    this.view.top = top;
  }

  /** The scroller's size, read from it only until its first resize event has told it. */
  private viewSize(): { width: number; height: number } {
    if (this.view.width === 0 && this.view.height === 0) {
      this.view.width = this.scroller.clientWidth;
      this.view.height = this.scroller.clientHeight;
    }
    return this.view;
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
    const page = Math.max(1, Math.floor(this.viewSize().height / ROW) - 1);
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
    const size = this.viewSize();
    const width = Math.max(360, size.width);
    const first = Math.max(0, Math.floor(this.view.top / ROW) - OVERSCAN);
    const last = Math.min(this.total, Math.ceil((this.view.top + (size.height || 400)) / ROW) + OVERSCAN);
    const from = `${this.key}:${this.total}:${first}:${last}:${this.current}:${this.added}:${width}`;
    if (from === this.drawnFrom) return;
    this.drawnFrom = from;
    this.requestMissing(first, last);

    const left = 150;
    const right = width - 120;
    const height = (last - first) * ROW;
    // A cursor move mostly moves the highlight and shifts the rows: rows drawn before are kept
    // (moved, their highlight set) and only new ones are made, unless the width or trace changed.
    if (!this.svg || width !== this.drawnWidth || this.key !== this.drawnKey) {
      this.drawnRows.clear();
      this.drawnWidth = width;
      this.drawnKey = this.key;
      const svg = s('svg', { class: 'ladder-svg' });
      const defs = s('defs');
      const m = s('marker', { id: 'ladder-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, markerUnits: 'userSpaceOnUse', orient: 'auto', class: 'ladder-marker' });
      m.append(s('path', { d: 'M0,0 L10,5 L0,10 z' }));
      defs.append(m);
      this.lifelines = [s('line', { x1: left, y1: 0, x2: left, class: 'lifeline client' }), s('line', { x1: right, y1: 0, x2: right, class: 'lifeline server' })];
      svg.append(defs, ...this.lifelines);
      if (this.svg) this.svg.replaceWith(svg);
      else this.spacer.append(svg);
      this.svg = svg;
    }
    const svg = this.svg;
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.style.top = `${first * ROW}px`;
    for (const line of this.lifelines) line.setAttribute('y2', String(height));
    let fit: ((label: string) => string) | undefined;
    const drawn = new Map<number, DrawnRow>();
    for (let i = first; i < last; i++) {
      const row = this.rows.get(i);
      const prev = this.rows.get(i - 1);
      let d = this.drawnRows.get(i);
      let made = false;
      if (!d || d.row !== row || d.prev !== prev) {
        fit ??= this.labelFitter(right - left - 8);
        d = { g: this.drawRow(row, prev, width, left, right, fit), row, prev, current: false };
        made = true;
      }
      d.g.setAttribute('transform', `translate(0,${(i - first) * ROW})`);
      const current = i === this.current;
      if (made || current !== d.current) {
        d.g.setAttribute('class', `row${current ? ' current' : ''}${row?.events.length ? ' warn' : ''}`);
        d.g.setAttribute('aria-selected', String(current));
        d.current = current;
      }
      drawn.set(i, d);
    }
    this.drawnRows = drawn;
    // In order, after the marker and the lifelines: rows kept are moved, not made again.
    let at: ChildNode | null = this.lifelines[1].nextSibling;
    for (const d of drawn.values()) {
      if (at === d.g) at = at.nextSibling;
      else svg.insertBefore(d.g, at);
    }
    while (at) {
      const next: ChildNode | null = at.nextSibling;
      at.remove();
      at = next;
    }
    const current = this.rows.get(this.current);
    this.scroller.setAttribute('aria-activedescendant', '');
    this.scroller.title = current ? current.label : '';
  }

  /** One row's group, drawn at y = 0 (render() moves it into place). */
  private drawRow(row: LadderRow | undefined, prev: LadderRow | undefined, width: number, left: number, right: number, fit: (label: string) => string): SVGGElement {
    const g = s('g', { role: 'option' });
    g.append(s('rect', { x: 0, y: 0, width, height: ROW, class: 'row-bg' }));
    if (!row) {
      g.append(s('text', { x: (left + right) / 2, y: 19, 'text-anchor': 'middle', class: 'pending' }, '…'));
      return g;
    }
    const time = row.t === null ? `#${row.ordinal + 1}` : `${(row.t * 1000).toFixed(row.t < 1 ? 2 : 0)} ms`;
    g.append(s('text', { x: 4, y: 19, class: 'time' }, time));
    if (!prev || prev.clientState !== row.clientState) g.append(s('text', { x: left - 6, y: 26, 'text-anchor': 'end', class: 'state client' }, row.clientState ?? ''));
    if (!prev || prev.serverState !== row.serverState) g.append(s('text', { x: right + 6, y: 26, class: 'state server' }, row.serverState ?? ''));
    const [x1, x2] = row.from === 'client' ? [left, right] : [right, left];
    g.append(s('line', { x1, y1: 15, x2, y2: 26, class: `arrow ${row.from}`, 'marker-end': `url(#ladder-arrow)` }));
    const label = row.label + (row.events.length ? ` ⚠ ${row.events.join(', ')}` : '');
    g.append(s('text', { x: (left + right) / 2, y: 12, 'text-anchor': 'middle', class: 'arrow-label' }, fit(label)));
    g.append(s('title', {}, `line ${row.line}: ${label}`));
    g.addEventListener('click', () => this.host.select(row.index));
    return g;
  }

  /** Labels cut to `avail` pixels between the lifelines, with "…" where cut (the row's title has the whole). */
  private labelFitter(avail: number): (label: string) => string {
    const family = bodyStyle('--vscode-editor-font-family') || 'monospace';
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
