// Tiny DOM helpers. Every string from a trace goes in as a text node, never as HTML.

export const SVG_NS = 'http://www.w3.org/2000/svg';

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: Array<Node | string | null | undefined>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** Custom elements (vscode-elements) by tag name. */
export function custom(tag: string, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** `{0}`-style placeholders filled with plain values. */
export function format(template: string, ...args: Array<string | number>): string {
  return template.replace(/\{(\d+)\}/g, (m, i: string) => (args[Number(i)] !== undefined ? String(args[Number(i)]) : m));
}

let measuring: CanvasRenderingContext2D | null | undefined;

/** The width in CSS pixels of `text` drawn in `font` (a CSS font shorthand), or undefined where there is no canvas. */
export function textWidth(text: string, font: string): number | undefined {
  if (measuring === undefined) measuring = typeof document !== 'undefined' ? document.createElement('canvas').getContext('2d') : null;
  if (!measuring) return undefined;
  measuring.font = font;
  return measuring.measureText(text).width;
}

const themeListeners: Array<() => void> = [];

/**
 * Calls `listener` after each change of theme: VS Code sets the body's class and the root's
 * style. One observer serves every listener, in the order they were added.
 */
export function onThemeChange(listener: () => void): void {
  if (typeof document === 'undefined' || !document.body) return;
  if (!themeListeners.length) {
    const themed = new MutationObserver(() => themeListeners.forEach((l) => l()));
    for (const el of [document.documentElement, document.body]) themed.observe(el, { attributes: true, attributeFilter: ['class', 'style'] });
  }
  themeListeners.push(listener);
}

const styles = new Map<string, string>();
let stylesWatched = false;

/**
 * A computed style of the body (a font family, a theme variable), read once per theme: reading
 * one makes the browser work out the page's styles there and then, which after a change to the
 * page costs milliseconds.
 */
export function bodyStyle(property: string): string {
  if (typeof document === 'undefined' || !document.body) return '';
  if (!stylesWatched) {
    stylesWatched = true;
    onThemeChange(() => styles.clear());
  }
  let value = styles.get(property);
  if (value === undefined) {
    value = getComputedStyle(document.body).getPropertyValue(property).trim();
    styles.set(property, value);
  }
  return value;
}
