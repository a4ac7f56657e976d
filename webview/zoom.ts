// Zoom and pan for an SVG drawing: the mouse wheel or a pinch zooms, a drag pans, buttons zoom
// and fit, and the keyboard does the same (+ / - / 0, arrow keys) while the view has focus.
// The view is the SVG's viewBox: no transforms or inline styles, so the CSP stays strict.
import { custom, h } from './dom';

export interface ZoomWords {
  zoomIn: string;
  zoomOut: string;
  fit: string;
  /** The Fit button's longer name. */
  fitHelp: string;
  /** The view's accessible name: what it shows and how to move it. */
  label: string;
}

/** A rectangle in drawing units. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The zoom a drawing opens at where it fits at a smaller one: its text then reads at 85% of its size or more. */
const LEGIBLE_SCALE = 0.85;
const MAX_SCALE = 4;
/** One key press or button click zooms by this factor. */
const STEP = 1.25;
/** One arrow key press pans by this share of the view. */
const PAN_SHARE = 0.15;

export class PanZoom {
  /** The view the drawing shows in, and its buttons (placed apart, so they cover none of it). */
  readonly viewport: HTMLDivElement;
  readonly controls: HTMLDivElement;
  private readonly percent: HTMLSpanElement;
  private readonly buttons: Record<'zoomIn' | 'zoomOut' | 'fit', HTMLElement>;
  private svg: SVGSVGElement | null = null;
  /** The drawing's size in its units. */
  private size = { w: 1, h: 1 };
  /** The viewport's size in CSS pixels. */
  private port = { w: 0, h: 0 };
  /** CSS pixels per drawing unit, and the drawing point at the view's centre. */
  private scale = 1;
  private cx = 0;
  private cy = 0;
  /**
   * 'auto' until the user zooms or pans: the whole drawing, or where that would be smaller than
   * LEGIBLE_SCALE, that scale centred on the focus. 'fit' after Fit (or 0) until the next zoom
   * or pan: it fits again when resized. 'user': the zoom and place the user chose.
   */
  private mode: 'auto' | 'fit' | 'user' = 'auto';
  private focus: Box | null = null;
  private readonly pointers = new Map<number, { x: number; y: number }>();

  constructor() {
    this.viewport = h('div', { class: 'zoom-view', tabindex: '0', role: 'group' });
    this.percent = h('span', { class: 'zoom-percent', 'aria-hidden': 'true' });
    const button = (cls: string, text: string, run: () => void) => {
      const b = custom('vscode-button', { secondary: '', class: cls }, text);
      b.addEventListener('click', run);
      return b;
    };
    this.buttons = {
      zoomOut: button('zoom-out', '−', () => this.zoomBy(1 / STEP)),
      zoomIn: button('zoom-in', '+', () => this.zoomBy(STEP)),
      fit: button('zoom-fit', '', () => this.fit()),
    };
    this.controls = h('div', { class: 'zoom-controls' }, this.percent, this.buttons.zoomOut, this.buttons.zoomIn, this.buttons.fit);

    this.viewport.addEventListener('keydown', (e) => this.onKey(e));
    this.viewport.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    this.viewport.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    this.viewport.addEventListener('pointermove', (e) => this.onPointerMove(e));
    for (const type of ['pointerup', 'pointercancel'] as const) this.viewport.addEventListener(type, (e) => this.onPointerUp(e));
    new ResizeObserver((entries) => {
      const box = entries[entries.length - 1].contentRect;
      // A hidden view (the Handshake tab chosen) keeps the view it had.
      if (!box.width || !box.height || (box.width === this.port.w && box.height === this.port.h)) return;
      this.port = { w: box.width, h: box.height };
      this.settle();
    }).observe(this.viewport);
  }

  setWords(words: ZoomWords): void {
    this.viewport.setAttribute('aria-label', words.label);
    this.buttons.fit.textContent = words.fit;
    for (const [k, name] of [['zoomIn', words.zoomIn], ['zoomOut', words.zoomOut], ['fit', words.fitHelp]] as const) {
      this.buttons[k].setAttribute('aria-label', name);
      this.buttons[k].setAttribute('title', name);
    }
  }

  /**
   * Shows a drawing of `width` x `height` units. `focus` is the part that matters now (the
   * endpoints' states): when it changes, the view pans to bring it in sight, at the zoom the
   * user chose.
   */
  show(svg: SVGSVGElement, width: number, height: number, focus: Box | null): void {
    if (this.svg !== svg) {
      if (this.svg) this.svg.replaceWith(svg);
      else this.viewport.append(svg);
      this.svg = svg;
    }
    this.size = { w: width, h: height };
    // A new focus out of sight brings the view to it; the same one again leaves the view where the user put it.
    const moved = JSON.stringify(focus) !== JSON.stringify(this.focus);
    this.focus = focus;
    if (!this.port.w) this.port = { w: this.viewport.clientWidth, h: this.viewport.clientHeight };
    if (this.mode === 'user' && moved && focus && !this.inView(focus)) this.centreOn(focus);
    this.settle();
  }

  /** The whole drawing in view. */
  fit(): void {
    this.mode = 'fit';
    this.settle();
  }

  /** Zooms by `factor` about a point of the viewport (CSS pixels from its corner), its centre by default. */
  zoomBy(factor: number, at?: { x: number; y: number }): boolean {
    const scale = this.clampScale(this.scale * factor);
    if (Math.abs(scale - this.scale) < 1e-9) return false;
    const px = at?.x ?? this.port.w / 2;
    const py = at?.y ?? this.port.h / 2;
    // The drawing point under (px, py) stays under it.
    const ux = this.cx + (px - this.port.w / 2) / this.scale;
    const uy = this.cy + (py - this.port.h / 2) / this.scale;
    this.scale = scale;
    this.cx = ux - (px - this.port.w / 2) / scale;
    this.cy = uy - (py - this.port.h / 2) / scale;
    this.mode = 'user';
    this.apply();
    return true;
  }

  /** Moves the drawing by (dx, dy) CSS pixels, as a drag does. */
  panBy(dx: number, dy: number): void {
    this.cx -= dx / this.scale;
    this.cy -= dy / this.scale;
    this.mode = 'user';
    this.apply();
  }

  private fitScale(): number {
    if (!this.port.w || !this.port.h) return 1;
    return Math.min(this.port.w / this.size.w, this.port.h / this.size.h);
  }

  private clampScale(scale: number): number {
    return Math.min(MAX_SCALE, Math.max(this.fitScale(), scale));
  }

  /** Works out the view for the mode, then shows it. */
  private settle(): void {
    if (this.mode === 'fit' || this.mode === 'auto') {
      const fit = this.fitScale();
      this.scale = this.mode === 'fit' ? fit : Math.max(fit, LEGIBLE_SCALE);
      this.cx = this.size.w / 2;
      this.cy = this.size.h / 2;
      if (this.mode === 'auto' && this.focus) this.centreOn(this.focus);
    } else this.scale = this.clampScale(this.scale);
    this.apply();
  }

  private centreOn(b: Box): void {
    this.cx = b.x + b.w / 2;
    this.cy = b.y + b.h / 2;
  }

  /** Whether a box lies wholly in the view. */
  private inView(b: Box): boolean {
    const hw = this.port.w / 2 / this.scale;
    const hh = this.port.h / 2 / this.scale;
    return b.x >= this.cx - hw && b.x + b.w <= this.cx + hw && b.y >= this.cy - hh && b.y + b.h <= this.cy + hh;
  }

  private apply(): void {
    const vw = (this.port.w || this.size.w) / this.scale;
    const vh = (this.port.h || this.size.h) / this.scale;
    // The drawing never leaves the view: where it is smaller than the view it is centred,
    // elsewhere its edges stop at the view's.
    const pin = (c: number, view: number, full: number) => (view >= full ? full / 2 : Math.min(full - view / 2, Math.max(view / 2, c)));
    this.cx = pin(this.cx, vw, this.size.w);
    this.cy = pin(this.cy, vh, this.size.h);
    this.svg?.setAttribute('viewBox', `${(this.cx - vw / 2).toFixed(2)} ${(this.cy - vh / 2).toFixed(2)} ${vw.toFixed(2)} ${vh.toFixed(2)}`);
    this.percent.textContent = `${Math.round(this.scale * 100)}%`;
  }

  private onKey(e: KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const step = Math.min(this.port.w, this.port.h) * PAN_SHARE;
    switch (e.key) {
      case '+':
      case '=':
        this.zoomBy(STEP);
        break;
      case '-':
      case '_':
        this.zoomBy(1 / STEP);
        break;
      case '0':
        this.fit();
        break;
      // An arrow moves the view that way: the drawing moves the other.
      case 'ArrowLeft':
        this.panBy(step, 0);
        break;
      case 'ArrowRight':
        this.panBy(-step, 0);
        break;
      case 'ArrowUp':
        this.panBy(0, step);
        break;
      case 'ArrowDown':
        this.panBy(0, -step);
        break;
      default:
        return;
    }
    e.preventDefault();
  }

  private onWheel(e: WheelEvent): void {
    // A pinch on a touchpad arrives as a wheel event with ctrlKey; lines and pages are made pixels.
    const px = e.deltaY * (e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? this.port.h : 1);
    const r = this.viewport.getBoundingClientRect();
    // At the zoom's limit the wheel scrolls the panel, so the view is no trap.
    if (this.zoomBy(Math.exp(-px * (e.ctrlKey ? 0.01 : 0.002)), { x: e.clientX - r.left, y: e.clientY - r.top })) e.preventDefault();
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    this.pointers.set(e.pointerId, { x: e.clientX, y: e.clientY });
    this.viewport.setPointerCapture(e.pointerId);
    this.viewport.classList.add('dragging');
  }

  private onPointerMove(e: PointerEvent): void {
    const last = this.pointers.get(e.pointerId);
    if (!last) return;
    const now = { x: e.clientX, y: e.clientY };
    if (this.pointers.size === 2) {
      // Two fingers: zoom by how far apart they moved, about the point between them, and pan
      // as that point moves: the drawing under the fingers stays under them.
      const other = [...this.pointers].find(([id]) => id !== e.pointerId)![1];
      const before = Math.hypot(last.x - other.x, last.y - other.y);
      const after = Math.hypot(now.x - other.x, now.y - other.y);
      const r = this.viewport.getBoundingClientRect();
      if (before > 0) this.zoomBy(after / before, { x: (last.x + other.x) / 2 - r.left, y: (last.y + other.y) / 2 - r.top });
      this.panBy((now.x - last.x) / 2, (now.y - last.y) / 2);
    } else this.panBy(now.x - last.x, now.y - last.y);
    this.pointers.set(e.pointerId, now);
  }

  private onPointerUp(e: PointerEvent): void {
    this.pointers.delete(e.pointerId);
    if (!this.pointers.size) this.viewport.classList.remove('dragging');
  }
}
