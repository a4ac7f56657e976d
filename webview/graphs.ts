// The Graphs tab: the connection under the cursor over one time axis. Time-sequence (tcptrace or
// Stevens view), throughput, ACK RTT, and the advertised window with bytes in flight, drawn by
// hand as one SVG: every series is decimated to at most a low and a high per pixel column
// (decimate.ts) before it becomes a path, so a 500,000-packet connection draws as fast as a small
// one. Colours are CSS classes over the theme's variables (style.css); nothing sets a style
// attribute, so the CSP stays strict. The wheel, + and - zoom the time axis, a drag or the arrow
// keys pan, Home shows it all; a click on a point selects its packet.
import { GRAPH_SERIES, graphColumns, GraphMark, type GraphsDrawn, type GraphsMessage } from '../src/protocol/protocol';
import { bodyStyle, custom, format, h, s, textWidth } from './dom';
import { blocksWhere, bucketSums, decimate, decimateBlocks, pointOf, ticks, where, type Columns } from '../src/protocol/decimate';

export interface GraphsHost {
  select(index: number): void;
  save(svg: string, name: string): void;
  /** Asks the host for a thinned connection's points for [x0, x1] over `columns` columns. */
  range(key: string, x0: number, x1: number, columns: number, current: number): void;
}

type Words = Record<string, string>;

const LEFT = 70;
const RIGHT = 16;
/** Each band: its title line, then the plot. */
const TITLE = 20;
/** A legend key's line and the space around it. */
const LEGEND_KEY = 30;
const GAP = 16;
const AXIS = 34;
const HEIGHTS = { seq: 250, throughput: 110, rtt: 110, window: 120 };
/** Throughput is summed over buckets of this many pixels: narrower ones are mostly noise. */
const BUCKET_PX = 4;
const ZOOM_STEP = 1.25;
const PAN_SHARE = 0.15;
/** A click selects the nearest drawn point within this many pixels. */
const HIT_PX = 10;

interface Band {
  key: keyof typeof HEIGHTS;
  top: number;
  height: number;
  /** The value range shown, after the data in view is known. */
  y0: number;
  y1: number;
  /** Lines its heading takes: 2 where the legend goes under the title. */
  rows: number;
}

/** A band's title, and its legend: a key's class and its label. */
interface Heading {
  text: string;
  legend: Array<[string, string]>;
}

/** Precomputed per connection: which points each series uses. */
interface Prepared {
  data: GraphsMessage;
  /** Data segments per direction, and those that were retransmitted. */
  segs: [Int32Array, Int32Array];
  retrans: [Int32Array, Int32Array];
  /** Packets with an ACK, per sender; and where the window edge (ack + window) is known. */
  acks: [Int32Array, Int32Array];
  edges: [Int32Array, Int32Array];
  rtts: [Int32Array, Int32Array];
  wins: [Int32Array, Int32Array];
  flights: [Int32Array, Int32Array];
  /** SACK blocks (point, left, right) per sender of the ACK that carried them. */
  sacks: [Float64Array, Float64Array];
  /** seq + len, and ack + window. */
  seqEnd: Float64Array;
  edge: Float64Array;
  t0: number;
  t1: number;
  bytes: [number, number];
}

function prepare(data: GraphsMessage): Prepared {
  const n = data.index.length;
  const seqEnd = new Float64Array(n);
  const edge = new Float64Array(n);
  let t0 = Infinity;
  let t1 = -Infinity;
  const bytes: [number, number] = [0, 0];
  for (let i = 0; i < n; i++) {
    seqEnd[i] = data.seq[i] + data.len[i];
    edge[i] = data.ack[i] + data.win[i];
    const t = data.time[i];
    if (t < t0) t0 = t;
    if (t > t1) t1 = t;
    if (data.len[i] > 0) bytes[data.dir[i]] += data.len[i];
  }
  const both = (keep: (i: number, d: number) => boolean): [Int32Array, Int32Array] => [where(n, (i) => data.dir[i] === 0 && keep(i, 0)), where(n, (i) => data.dir[i] === 1 && keep(i, 1))];
  const isData = (i: number) => data.len[i] > 0 && data.seq[i] === data.seq[i];
  return {
    data,
    segs: both(isData),
    retrans: both((i) => isData(i) && (data.marks[i] & GraphMark.RETRANSMISSION) !== 0),
    acks: both((i) => data.ack[i] === data.ack[i]),
    edges: both((i) => edge[i] === edge[i]),
    rtts: both((i) => data.rtt[i] === data.rtt[i]),
    wins: both((i) => data.win[i] === data.win[i]),
    flights: both((i) => data.inFlight[i] === data.inFlight[i]),
    sacks: [blocksWhere(data.sack, (i) => data.dir[i] === 0), blocksWhere(data.sack, (i) => data.dir[i] === 1)],
    seqEnd,
    edge,
    t0: t0 <= t1 ? t0 : NaN,
    t1: t0 <= t1 ? t1 : NaN,
    bytes,
  };
}

const SI = ['', 'k', 'M', 'G', 'T'];

/** 1234567 as "1.23 M" (SI prefixes), for bytes and bits per second. */
export function si(v: number, unit: string): string {
  if (v === 0) return `0 ${unit}`;
  let k = 0;
  let x = Math.abs(v);
  while (x >= 1000 && k < SI.length - 1) {
    x /= 1000;
    k++;
  }
  const digits = x >= 100 ? 0 : x >= 10 ? 1 : 2;
  return `${v < 0 ? '-' : ''}${Number(x.toFixed(digits))} ${SI[k]}${unit}`;
}

/** Seconds on the time axis, with as many decimals as the tick step needs. */
function secs(v: number, step: number): string {
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step))));
  return `${v.toFixed(decimals)} s`;
}

const ms = (v: number) => (v >= 100 ? `${Math.round(v)} ms` : `${Number(v.toPrecision(3))} ms`);

export class Graphs {
  readonly element: HTMLElement;
  private readonly view: HTMLDivElement;
  private readonly status: HTMLParagraphElement;
  private readonly buttons: Record<'mode' | 'direction' | 'zoomOut' | 'zoomIn' | 'fit' | 'export', HTMLElement>;
  private words: Words = {};
  private names = { client: 'client', server: 'server', title: '' };
  private prep: Prepared | undefined;
  private svg: SVGSVGElement | null = null;
  /** The time range in view (seconds since the connection's first packet). */
  private x0 = 0;
  private x1 = 1;
  /** The data direction drawn: 0 the client's, 1 the server's; chosen by the user or by bytes. */
  private dir: 0 | 1 = 0;
  private dirChosen = false;
  private mode: 'tcptrace' | 'stevens' = 'tcptrace';
  private current = -1;
  private width = 0;
  /** Drawn points a click can pick: pixel position and point index. */
  private hits = { x: [] as number[], y: [] as number[], i: [] as number[] };
  private drag: { id: number; x: number; startX: number; moved: boolean } | null = null;
  private frame = 0;
  /** The range last asked of the host for a thinned connection (its key and bounds), until it comes. */
  private asked = '';
  /** The whole connection's time range, kept across the thinned sets of points that come. */
  private whole: { key: string; t0: number; t1: number } | undefined;
  /** Slices of a connection's series come so far. */
  private incoming: (GraphsMessage & { received: number }) | undefined;
  /** The last drawing, for the host's timing. */
  drawn: GraphsDrawn | undefined;

  constructor(private readonly host: GraphsHost) {
    const button = (cls: string, run: () => void) => {
      const b = custom('vscode-button', { secondary: '', class: cls });
      b.addEventListener('click', run);
      return b;
    };
    this.buttons = {
      mode: button('graph-mode', () => this.setMode(this.mode === 'tcptrace' ? 'stevens' : 'tcptrace')),
      direction: button('graph-direction', () => {
        this.dir = this.dir === 0 ? 1 : 0;
        this.dirChosen = true;
        this.draw();
      }),
      zoomOut: button('graph-zoom-out', () => this.zoomBy(1 / ZOOM_STEP)),
      zoomIn: button('graph-zoom-in', () => this.zoomBy(ZOOM_STEP)),
      fit: button('graph-fit', () => this.fit()),
      export: button('graph-export', () => this.export()),
    };
    this.buttons.zoomOut.textContent = '−';
    this.buttons.zoomIn.textContent = '+';
    this.view = h('div', { class: 'graphs-view', tabindex: '0', role: 'group' });
    this.status = h('p', { class: 'graphs-status', 'aria-live': 'polite' });
    this.element = h('div', { class: 'graphs' }, h('div', { class: 'graphs-toolbar' }, ...Object.values(this.buttons)), this.view, this.status);

    this.view.addEventListener('keydown', (e) => this.onKey(e));
    this.view.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.view.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    this.view.addEventListener('pointermove', (e) => this.onPointerMove(e));
    for (const type of ['pointerup', 'pointercancel'] as const) this.view.addEventListener(type, (e) => this.onPointerUp(e, type === 'pointerup'));
    new ResizeObserver(() => {
      const w = Math.floor(this.view.clientWidth);
      if (w && w !== this.width) this.draw();
    }).observe(this.view);
  }

  setWords(words: Words, names: { client: string; server: string; title: string }): void {
    this.words = words;
    this.names = names;
    this.view.setAttribute('aria-label', `${words.graphsLabel}. ${words.graphsHelp}`);
    for (const [k, label] of [['zoomIn', words.zoomIn], ['zoomOut', words.zoomOut], ['fit', words.resetZoom], ['direction', words.switchDirection], ['mode', words.graphViewHelp]] as const) {
      this.buttons[k].setAttribute('aria-label', label ?? '');
      this.buttons[k].setAttribute('title', label ?? '');
    }
    this.buttons.fit.textContent = words.fit ?? '';
    this.buttons.export.textContent = words.exportSvg ?? '';
    this.draw();
  }

  /**
   * A slice of a connection's series: the slices are put together, and the graphs drawn when the
   * last has come (until then the status line counts them in).
   */
  add(m: GraphsMessage): void {
    if (m.start === 0 || !this.incoming || this.incoming.key !== m.key || this.incoming.total !== m.total) {
      this.incoming = { ...m, ...graphColumns(m.total), sack: new Float64Array(0), received: 0 };
      this.incoming.time.fill(NaN);
    }
    const full = this.incoming;
    for (const k of GRAPH_SERIES) full[k].set(m[k] as never, m.start);
    if (m.sack.length) {
      const sack = new Float64Array(full.sack.length + m.sack.length);
      sack.set(full.sack);
      sack.set(m.sack, full.sack.length);
      full.sack = sack;
    }
    full.received += m.index.length;
    if (full.received < full.total) {
      this.status.textContent = format(this.words.loadingGraphs ?? '{0}%', Math.floor((full.received / full.total) * 100));
      return;
    }
    this.incoming = undefined;
    this.setData(full);
  }

  /** The connection's series: a new connection starts with all of it in view. */
  setData(data: GraphsMessage): void {
    const same = this.prep && this.prep.data.connection === data.connection;
    this.prep = prepare(data);
    const p = this.prep;
    // A thinned set holds the first and last points, so the first set of a connection gives its whole span.
    if (!this.whole || this.whole.key !== data.key) this.whole = { key: data.key, t0: p.t0, t1: p.t1 };
    else {
      p.t0 = this.whole.t0;
      p.t1 = this.whole.t1;
    }
    this.asked = '';
    if (!same) {
      this.dirChosen = false;
      this.x0 = p.t0;
      this.x1 = p.t1;
    } else this.clampView();
    if (!this.dirChosen) this.dir = p.bytes[1] > p.bytes[0] ? 1 : 0;
    this.draw();
  }

  /** Marks the packet at the cursor; brings it into view if it is out of it, at the same zoom. */
  setCurrent(index: number): void {
    if (index === this.current) return;
    this.current = index;
    const i = this.pointOf(index);
    const t = i >= 0 ? this.prep!.data.time[i] : NaN;
    if (t === t && (t < this.x0 || t > this.x1)) {
      const span = this.x1 - this.x0;
      this.x0 = t - span / 2;
      this.x1 = t + span / 2;
      this.clampView();
    }
    this.draw();
  }

  setMode(mode: 'tcptrace' | 'stevens'): void {
    this.mode = mode;
    this.draw();
  }

  /** The point (series index) of a packet, or -1. */
  private pointOf(index: number): number {
    const a = this.prep?.data.index;
    return a && index >= 0 ? pointOf(a, index) : -1;
  }

  fit(): void {
    if (!this.prep) return;
    this.x0 = this.prep.t0;
    this.x1 = this.prep.t1;
    this.draw();
  }

  /** Zooms the time axis by `factor` about a pixel of the plot (its middle by default). */
  zoomBy(factor: number, atPx?: number): void {
    if (!this.prep) return;
    const plot = this.plotWidth();
    const f = atPx === undefined ? 0.5 : Math.min(1, Math.max(0, (atPx - LEFT) / plot));
    const at = this.x0 + f * (this.x1 - this.x0);
    // No closer than a microsecond across the plot: times are printed to the microsecond.
    const span = Math.max(1e-6, (this.x1 - this.x0) / factor);
    this.x0 = at - f * span;
    this.x1 = this.x0 + span;
    this.clampView();
    this.schedule();
  }

  /** Moves the view by `px` pixels of the plot (positive: later times come into view). */
  panBy(px: number): void {
    if (!this.prep) return;
    const dt = (px / this.plotWidth()) * (this.x1 - this.x0);
    this.x0 += dt;
    this.x1 += dt;
    this.clampView();
    this.schedule();
  }

  private clampView(): void {
    const p = this.prep;
    if (!p || p.t0 !== p.t0) return;
    const full = p.t1 - p.t0;
    let span = Math.min(this.x1 - this.x0, full || 1);
    if (!(span > 0)) span = full || 1;
    this.x0 = Math.min(Math.max(this.x0, p.t0), p.t1 - span);
    if (full === 0) this.x0 = p.t0 - span / 2;
    this.x1 = this.x0 + span;
  }

  private plotWidth(): number {
    return Math.max(50, (this.width || this.view.clientWidth || 800) - LEFT - RIGHT);
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private onKey(e: KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const step = this.plotWidth() * PAN_SHARE;
    switch (e.key) {
      case '+':
      case '=':
        this.zoomBy(ZOOM_STEP);
        break;
      case '-':
      case '_':
        this.zoomBy(1 / ZOOM_STEP);
        break;
      case 'Home':
      case '0':
        this.fit();
        break;
      case 'ArrowLeft':
        this.panBy(-step);
        break;
      case 'ArrowRight':
        this.panBy(step);
        break;
      default:
        return;
    }
    e.preventDefault();
    e.stopPropagation();
  }

  private onWheel(e: WheelEvent): void {
    if (!this.prep) return;
    const px = e.deltaY * (e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1);
    const r = this.view.getBoundingClientRect();
    const before = this.x1 - this.x0;
    this.zoomBy(Math.exp(-px * (e.ctrlKey ? 0.01 : 0.002)), e.clientX - r.left);
    // At the limits the wheel scrolls the panel instead, so the view is no trap.
    if (this.x1 - this.x0 !== before) e.preventDefault();
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    this.drag = { id: e.pointerId, x: e.clientX, startX: e.clientX, moved: false };
    this.view.setPointerCapture(e.pointerId);
  }

  private onPointerMove(e: PointerEvent): void {
    const d = this.drag;
    if (!d || d.id !== e.pointerId) return;
    if (Math.abs(e.clientX - d.startX) > 3) {
      d.moved = true;
      this.view.classList.add('dragging');
    }
    if (d.moved) this.panBy(d.x - e.clientX);
    d.x = e.clientX;
  }

  private onPointerUp(e: PointerEvent, up: boolean): void {
    const d = this.drag;
    if (!d || d.id !== e.pointerId) return;
    this.drag = null;
    this.view.classList.remove('dragging');
    if (up && !d.moved) this.click(e);
  }

  /** Selects the drawn point nearest the click, if one is within HIT_PX. */
  private click(e: PointerEvent): void {
    if (!this.prep || !this.svg) return;
    const r = this.svg.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    let best = -1;
    let bestD = HIT_PX * HIT_PX;
    const hx = this.hits.x;
    const hy = this.hits.y;
    for (let k = 0; k < hx.length; k++) {
      const dd = (hx[k] - x) ** 2 + (hy[k] - y) ** 2;
      if (dd <= bestD) {
        bestD = dd;
        best = this.hits.i[k];
      }
    }
    if (best >= 0) this.host.select(this.prep.data.index[best]);
  }

  /** The graphs as a standalone SVG, the theme's colours written into it, through the host's save dialog. */
  private export(): void {
    if (!this.svg) return;
    const copy = this.svg.cloneNode(true) as SVGSVGElement;
    const from = [this.svg, ...this.svg.querySelectorAll('*')];
    const to = [copy, ...copy.querySelectorAll('*')];
    const props = ['fill', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-linecap', 'opacity', 'font-family', 'font-size', 'font-weight', 'text-anchor', 'dominant-baseline'];
    from.forEach((el, k) => {
      const cs = getComputedStyle(el);
      for (const p of props) {
        const v = cs.getPropertyValue(p);
        if (v) to[k].setAttribute(p, v);
      }
      to[k].removeAttribute('class');
    });
    const bg = s('rect', { x: 0, y: 0, width: '100%', height: '100%', fill: getComputedStyle(document.body).backgroundColor });
    copy.insertBefore(bg, copy.firstChild);
    copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
    copy.setAttribute('width', copy.getAttribute('data-width') ?? '');
    copy.setAttribute('height', copy.getAttribute('data-height') ?? '');
    const name = `tcp-${this.prep?.data.connection ?? 0}-graphs`;
    this.host.save(new XMLSerializer().serializeToString(copy), name);
  }

  /**
   * A thinned connection's points serve a view inside their range with at least two of their
   * columns per pixel; past that, the host is asked for the view and as much again either side
   * (so a pan does not ask at once), at two columns per pixel.
   */
  private askIfCoarse(data: GraphsMessage, plotW: number): void {
    const th = data.thinned!;
    const span = this.x1 - this.x0;
    const inside = this.x0 >= th.x0 - span * 1e-6 && this.x1 <= th.x1 + span * 1e-6;
    const fine = (th.x1 - th.x0) / th.columns <= span / plotW / 2 * (1 + 1e-6);
    if (inside && fine) return;
    const w = this.whole;
    const r0 = Math.max(w ? w.t0 : -Infinity, this.x0 - span);
    const r1 = Math.min(w ? w.t1 : Infinity, this.x1 + span);
    const columns = Math.min(65536, Math.ceil((2 * plotW * (r1 - r0)) / (span || 1)));
    const ask = `${data.key} ${r0} ${r1} ${columns}`;
    if (ask === this.asked) return;
    this.asked = ask;
    this.host.range(data.key, r0, r1, columns, this.current);
  }

  /** Draws every band for the time range in view. */
  draw(): void {
    const w = this.words;
    const p = this.prep;
    this.width = Math.floor(this.view.clientWidth) || this.width || 800;
    const client = w.client ?? 'client';
    const server = w.server ?? 'server';
    const sideName = this.dir === 0 ? client : server;
    this.buttons.mode.textContent = `${w.timeSequence ?? ''}: ${this.mode === 'tcptrace' ? w.tcptraceView ?? 'tcptrace' : w.stevensView ?? 'Stevens'}`;
    this.buttons.mode.setAttribute('aria-pressed', String(this.mode === 'stevens'));
    this.buttons.direction.textContent = format(w.dataFrom ?? '{0}', sideName);
    if (!p) return;
    if (p.t0 !== p.t0) {
      this.svg?.remove();
      this.svg = null;
      this.status.textContent = w.noTimes ?? '';
      return;
    }
    const t0 = performance.now();
    const W = this.width;
    const plotW = this.plotWidth();
    const cols = Math.max(1, Math.floor(plotW));
    const d = this.dir;
    const o = (1 - d) as 0 | 1;
    const data = p.data;
    const x0 = this.x0;
    const x1 = this.x1;
    const X = (t: number) => LEFT + ((t - x0) / (x1 - x0 || 1)) * plotW;
    const colX = (c: number) => LEFT + c + 0.5;
    this.hits = { x: [], y: [], i: [] };

    // Each band's heading: its title, and a legend after it, or under it where both do not fit.
    const side = (k: 0 | 1) => (k === 0 ? 'client' : 'server');
    const headings: Record<Band['key'], Heading> = {
      seq: {
        text: `${w.timeSequence} (${this.mode === 'tcptrace' ? w.tcptraceView : w.stevensView}) · ${format(w.dataFrom ?? '{0}', sideName)}`,
        legend: [
          [`g-seg ${side(d)}`, w.segments ?? ''],
          ...(this.mode === 'tcptrace' ? ([['g-ack', w.ackLine ?? ''], ['g-window', w.windowEdge ?? '']] as Array<[string, string]>) : []),
          ...(p?.sacks[o].length ? ([['g-sack', w.sackBlocks ?? '']] as Array<[string, string]>) : []),
          ['g-retrans', w.retransmissionMark ?? ''],
        ],
      },
      throughput: { text: w.throughput ?? '', legend: [['g-throughput client', client], ['g-throughput server', server]] },
      rtt: { text: w.rttOverTime ?? '', legend: [['g-rtt client', client], ['g-rtt server', server]] },
      window: { text: `${w.windowInFlight} · ${format(w.dataFrom ?? '{0}', sideName)}`, legend: [['g-window', w.advertisedWindow ?? ''], [`g-flight ${side(d)}`, w.bytesInFlight ?? '']] },
    };
    const font = bodyStyle('font-family');
    const measure = (text: string, px: number) => textWidth(text, `${px}px ${font}`) ?? text.length * px * 0.6;
    let top = 0;
    const bands: Band[] = [];
    for (const key of ['seq', 'throughput', 'rtt', 'window'] as const) {
      const hd = headings[key];
      const legendW = hd.legend.reduce((a, [, label]) => a + measure(label, 11) + LEGEND_KEY, 0);
      const rows = measure(hd.text, 12) + 24 + legendW > plotW ? 2 : 1;
      bands.push({ key, top: top + TITLE * rows, height: HEIGHTS[key], y0: 0, y1: 1, rows });
      top += TITLE * rows + HEIGHTS[key] + GAP;
    }
    const H = top - GAP + AXIS;
    const svg = s('svg', { class: 'graphs-svg', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'data-width': W, 'data-height': H });
    svg.append(s('title', {}, `${this.names.title} · ${w.graphs ?? ''}`));
    const layer = (cls: string) => {
      const g = s('g', { class: cls });
      svg.append(g);
      return g;
    };
    const grid = layer('g-grid');
    const plots = layer('g-plots');
    const labels = layer('g-labels');
    let drawnPoints = 0;

    /** Y in pixels of a value in a band. */
    const yOf = (b: Band, v: number) => b.top + b.height - ((v - b.y0) / (b.y1 - b.y0 || 1)) * b.height;
    /** Bands with nothing in view: their frame only, no made-up scale. */
    const empty = new Set<Band>();
    const range = (b: Band, sets: Columns[], floor0: boolean) => {
      let lo = Infinity;
      let hi = -Infinity;
      for (const c of sets) for (let j = 0; j < c.count; j++) {
        if (c.min[j] < lo) lo = c.min[j];
        if (c.max[j] > hi) hi = c.max[j];
      }
      if (!(lo <= hi)) {
        [lo, hi] = [0, 1];
        empty.add(b);
      }
      if (floor0) lo = Math.min(0, lo);
      if (hi === lo) hi = lo + 1;
      const pad = (hi - lo) * 0.05;
      b.y0 = floor0 ? lo : lo - pad;
      b.y1 = hi + pad;
    };
    // Each band's lines are clipped to its plot: an ACK line or window edge may run past the segments' range.
    const defs = s('defs');
    svg.insertBefore(defs, grid);
    const clips = new Map<Band, SVGGElement>();
    for (const b of bands) {
      const id = `graphs-clip-${b.key}`;
      const clip = s('clipPath', { id });
      clip.append(s('rect', { x: LEFT, y: b.top - 3, width: plotW, height: b.height + 6 }));
      defs.append(clip);
      const g = s('g', { 'clip-path': `url(#${id})` });
      plots.append(g);
      clips.set(b, g);
    }
    const path = (b: Band, cls: string, dpath: string) => dpath && clips.get(b)!.append(s('path', { class: cls, d: dpath }));
    const hit = (x: number, y: number, i: number) => {
      this.hits.x.push(x);
      this.hits.y.push(y);
      this.hits.i.push(i);
    };
    /** A vertical bar per column (min to max), for segments. */
    const bars = (b: Band, c: Columns) => {
      let out = '';
      for (let j = 0; j < c.count; j++) {
        const x = colX(c.col[j]);
        const ya = yOf(b, c.min[j]);
        const yb = yOf(b, c.max[j]);
        // At least a pixel and a half tall, so one small segment still shows.
        out += `M${x.toFixed(1)} ${Math.max(ya, yb + 1.5).toFixed(1)}V${yb.toFixed(1)}`;
        hit(x, yb, c.maxAt[j]);
        hit(x, ya, c.minAt[j]);
      }
      drawnPoints += 2 * c.count;
      return out;
    };
    /** A dot at the low and the high of each column. */
    const dots = (b: Band, c: Columns) => {
      let out = '';
      for (let j = 0; j < c.count; j++) {
        const x = colX(c.col[j]).toFixed(1);
        const ya = yOf(b, c.min[j]);
        const yb = yOf(b, c.max[j]);
        out += `M${x} ${ya.toFixed(1)}h0`;
        if (Math.abs(yb - ya) >= 1) out += `M${x} ${yb.toFixed(1)}h0`;
        hit(+x, ya, c.minAt[j]);
        hit(+x, yb, c.maxAt[j]);
      }
      drawnPoints += 2 * c.count;
      return out;
    };
    /** A line through each column's low and high, in time order. */
    const line = (b: Band, c: Columns) => {
      let out = '';
      for (let j = 0; j < c.count; j++) {
        const x = colX(c.col[j]).toFixed(1);
        // Within a column the earlier point goes first, so the line does not zigzag back.
        const first = c.minAt[j] <= c.maxAt[j];
        const ya = yOf(b, first ? c.min[j] : c.max[j]).toFixed(1);
        const yb = yOf(b, first ? c.max[j] : c.min[j]).toFixed(1);
        out += `${j ? 'L' : 'M'}${x} ${ya}L${x} ${yb}`;
        hit(+x, +ya, first ? c.minAt[j] : c.maxAt[j]);
      }
      drawnPoints += 2 * c.count;
      return out;
    };
    const title = (b: Band) => {
      const hd = headings[b.key];
      const first = b.top - TITLE * b.rows;
      labels.append(s('text', { class: 'g-title', x: LEFT, y: first + 14 }, hd.text));
      // The legend right-aligned at the plot's end, on the title's line or the next.
      const y = first + TITLE * (b.rows - 1) + 14;
      let x = W - RIGHT;
      for (const [cls, label] of [...hd.legend].reverse()) {
        labels.append(s('text', { class: 'g-legend', x, y, 'text-anchor': 'end' }, label));
        x -= measure(label, 11) + 4;
        labels.append(s('path', { class: `g-key ${cls}`, d: `M${(x - 14).toFixed(1)} ${y - 4}h12` }));
        x -= LEGEND_KEY - 4;
      }
    };
    const yAxis = (b: Band, fmt: (v: number) => string) => {
      grid.append(s('rect', { class: 'g-frame', x: LEFT, y: b.top, width: plotW, height: b.height }));
      if (empty.has(b)) return;
      for (const v of ticks(b.y0, b.y1, Math.max(2, Math.floor(b.height / 40)))) {
        const y = yOf(b, v);
        if (y < b.top - 0.5 || y > b.top + b.height + 0.5) continue;
        grid.append(s('path', { class: 'g-gridline', d: `M${LEFT} ${y.toFixed(1)}h${plotW}` }));
        labels.append(s('text', { class: 'g-tick', x: LEFT - 6, y: y + 4, 'text-anchor': 'end' }, fmt(v)));
      }
    };
    const note = (b: Band, text: string) => labels.append(s('text', { class: 'g-note', x: LEFT + plotW / 2, y: b.top + b.height / 2, 'text-anchor': 'middle' }, text));
    const [seqB, thrB, rttB, winB] = bands;
    const unknown = (kind: string) => data.unknown.includes(kind);

    // Time-sequence: the direction's segments, the other side's ACKs and window edge.
    const segs = decimate(p.segs[d], data.time, data.seq, p.seqEnd, x0, x1, cols);
    const retr = decimate(p.retrans[d], data.time, data.seq, p.seqEnd, x0, x1, cols);
    const acks = decimate(p.acks[o], data.time, data.ack, null, x0, x1, cols);
    const edges = this.mode === 'tcptrace' ? decimate(p.edges[o], data.time, p.edge, null, x0, x1, cols) : null;
    const sacks = decimateBlocks(p.sacks[o], data.time, x0, x1, cols);
    // The segments decide the range; the ACK line and window edge are drawn where they fall in it.
    range(seqB, segs.count ? [segs] : [acks], false);
    yAxis(seqB, (v) => si(v, 'B'));
    if (this.mode === 'tcptrace') {
      path(seqB, 'g-ack', line(seqB, acks));
      if (edges) path(seqB, 'g-window', line(seqB, edges));
      path(seqB, `g-seg ${side(d)}`, bars(seqB, segs));
    } else path(seqB, `g-dot ${side(d)}`, dots(seqB, segs));
    // The receiver's SACK blocks, as tcptrace draws them: a short vertical line at the ACK's time from each block's left edge to its right.
    let sackPath = '';
    for (let j = 0; j < sacks.count; j++) {
      const x = colX(sacks.col[j]);
      const ya = yOf(seqB, sacks.lo[j]);
      const yb = yOf(seqB, sacks.hi[j]);
      sackPath += `M${x.toFixed(1)} ${Math.max(ya, yb + 1.5).toFixed(1)}V${yb.toFixed(1)}`;
      hit(x, yb, sacks.at[j]);
    }
    drawnPoints += sacks.count;
    path(seqB, 'g-sack', sackPath);
    path(seqB, 'g-retrans', this.mode === 'tcptrace' ? bars(seqB, retr) : dots(seqB, retr));
    if (!segs.count) note(seqB, w.noData ?? '');
    title(seqB);

    // Throughput: both directions' bytes per bucket, as bits per second.
    const buckets = Math.max(1, Math.floor(plotW / BUCKET_PX));
    const bucketSec = (x1 - x0) / buckets;
    const thr = ([0, 1] as const).map((k) => bucketSums(p.segs[k], data.time, data.bytes, x0, x1, buckets));
    let thrMax = 0;
    for (const a of thr) for (const v of a) thrMax = Math.max(thrMax, (v * 8) / (bucketSec || 1));
    thrB.y0 = 0;
    thrB.y1 = thrMax * 1.05 || 1;
    if (!thrMax) empty.add(thrB);
    yAxis(thrB, (v) => si(v, 'bit/s'));
    for (const k of [0, 1] as const) {
      const a = thr[k];
      if (!p.segs[k].length) continue;
      let dd = '';
      for (let j = 0; j < a.length; j++) {
        const xa = LEFT + j * BUCKET_PX;
        const y = yOf(thrB, (a[j] * 8) / (bucketSec || 1)).toFixed(1);
        dd += `${j ? 'L' : 'M'}${xa} ${y}H${xa + BUCKET_PX}`;
      }
      drawnPoints += a.length;
      path(thrB, `g-throughput ${side(k)}`, dd);
    }
    title(thrB);

    // RTT: each ACK's sample, coloured by whose data it timed (the ACK's peer).
    const rtts = ([0, 1] as const).map((k) => decimate(p.rtts[k], data.time, data.rtt, null, x0, x1, cols));
    range(rttB, rtts, true);
    yAxis(rttB, ms);
    rtts.forEach((c, k) => path(rttB, `g-rtt ${side((1 - k) as 0 | 1)}`, dots(rttB, c)));
    if (unknown('flags')) note(rttB, w.unknownFlags ?? '');
    else if (!rtts[0].count && !rtts[1].count) note(rttB, w.noSamples ?? '');
    title(rttB);

    // Window and bytes in flight for the direction drawn: the receiver's window, the sender's flight.
    const flight = decimate(p.flights[d], data.time, data.inFlight, null, x0, x1, cols);
    const wins = decimate(p.wins[o], data.time, data.win, null, x0, x1, cols);
    range(winB, [flight, wins], true);
    yAxis(winB, (v) => si(v, 'B'));
    path(winB, 'g-window', line(winB, wins));
    path(winB, `g-flight ${side(d)}`, line(winB, flight));
    // What the text cannot give is said; a window scale unknown leaves the flight drawn.
    const said = unknown('flags') ? w.unknownFlags : !wins.count && unknown('window_scale') ? w.unknownWindowScale : !flight.count && unknown('unacknowledged') ? w.unknownUnacknowledged : !flight.count && !wins.count ? w.noSamples : '';
    if (said) note(winB, said);
    title(winB);

    // The shared time axis: grid lines through every band, labels under the last.
    const bottom = winB.top + winB.height;
    const tt = ticks(x0, x1, Math.max(2, Math.floor(plotW / 90)));
    const step = tt.length > 1 ? tt[1] - tt[0] : x1 - x0 || 1;
    for (const v of tt) {
      const x = X(v);
      if (x < LEFT - 0.5 || x > LEFT + plotW + 0.5) continue;
      for (const b of bands) grid.append(s('path', { class: 'g-gridline', d: `M${x.toFixed(1)} ${b.top}v${b.height}` }));
      labels.append(s('text', { class: 'g-tick', x: x.toFixed(1), y: bottom + 14, 'text-anchor': 'middle' }, secs(v, step)));
    }
    labels.append(s('text', { class: 'g-axis-title', x: LEFT + plotW / 2, y: bottom + 30, 'text-anchor': 'middle' }, w.timeAxis ?? ''));

    // The cursor's packet: a line through every band at its time, a ring where it is drawn.
    const ci = this.pointOf(this.current);
    if (ci >= 0 && data.time[ci] >= x0 && data.time[ci] <= x1) {
      const x = X(data.time[ci]).toFixed(1);
      const cursor = s('g', { class: 'g-cursor' });
      cursor.append(s('path', { d: `M${x} ${seqB.top}V${bottom}` }));
      const y = data.dir[ci] === d && data.len[ci] > 0 ? p.seqEnd[ci] : data.dir[ci] === o ? data.ack[ci] : NaN;
      if (y === y) cursor.append(s('circle', { cx: x, cy: yOf(seqB, y).toFixed(1), r: 5 }));
      cursor.append(s('title', {}, w.cursorPacket ?? ''));
      svg.append(cursor);
    }
    svg.dataset.points = String(drawnPoints);
    svg.dataset.columns = String(cols);
    svg.dataset.view = `${x0} ${x1}`;
    svg.dataset.dir = String(d);
    if (this.svg) this.svg.replaceWith(svg);
    else this.view.append(svg);
    this.svg = svg;
    const took = performance.now() - t0;
    svg.dataset.ms = took.toFixed(1);
    this.drawn = { packets: data.thinned?.packets ?? data.index.length, points: drawnPoints, ms: Math.round(took * 100) / 100 };
    if (data.thinned) this.askIfCoarse(data, plotW);
    this.status.textContent = `${secs(x0, (x1 - x0) / 10)} – ${secs(x1, (x1 - x0) / 10)}`;
  }
}
