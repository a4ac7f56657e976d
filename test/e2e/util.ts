// Helpers shared by the extension-host tests.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Trace } from '../../src/trace/model';

export const EXTENSION_ID = 'tcp-trace-inspector.tcp-trace-inspector';
export const LANGUAGE_ID = 'tcpdump';

/** What activate() returns (the contract with src/editor/extension.ts). */
export interface TestApi {
  traceFor(uri: vscode.Uri): Trace | undefined;
  panelModel(): unknown;
  treeItems(): Promise<Array<{ label: string; description?: string; id?: string }>>;
  treeTexts(): string[];
  treeAggregates(by: 'server' | 'client'): Array<{ label: string; description?: string }>;
}

/** Activates the extension under test and gives its test API (typed as the test needs it). */
export async function activateExtension<T = TestApi>(): Promise<T> {
  const ext = vscode.extensions.getExtension<T>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is installed`);
  return ext.activate();
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until fn returns something truthy, or throws with what it last saw. */
export async function waitFor<T>(what: string, fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await sleep(100);
  }
}

/** Runs a command but gives up after timeoutMs (a command that opens a prompt never resolves). */
export async function runCommand(id: string, ...args: unknown[]): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), 5000); });
  try {
    return await Promise.race([vscode.commands.executeCommand(id, ...args), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** State names compared loosely: `Time-Wait`, `TIME WAIT` and `TIME_WAIT` are one. */
export function norm(s: string): string {
  return s.toUpperCase().replace(/[\s-]+/g, '_');
}

/** Text of hover contents, whatever their kind. */
export function hoverText(hovers: vscode.Hover[]): string {
  const parts: string[] = [];
  for (const h of hovers) {
    for (const c of h.contents) {
      if (typeof c === 'string') parts.push(c);
      else if (c instanceof vscode.MarkdownString) parts.push(c.value);
      else if (c && typeof (c as { value?: unknown }).value === 'string') parts.push((c as { value: string }).value);
    }
  }
  return parts.join('\n');
}

/** Every number in a text that reads as a duration, in milliseconds. */
export function durationsMs(text: string): number[] {
  const out: number[] = [];
  const re = /(\d+(?:\.\d+)?)\s*(ms|µs|us|s)\b/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const v = Number(m[1]);
    out.push(m[2] === 's' ? v * 1000 : m[2] === 'ms' ? v : v / 1000);
  }
  return out;
}

/** Whether a shown duration is this many milliseconds, allowing for rounding to 2 significant places. */
export function sameDuration(shownMs: number, ms: number): boolean {
  return Math.abs(shownMs - ms) <= Math.max(0.006, ms * 0.051);
}

/** All strings and numbers inside a JSON-like value. */
export function leaves(v: unknown, out: Array<string | number> = []): Array<string | number> {
  if (typeof v === 'string' || typeof v === 'number') out.push(v);
  else if (Array.isArray(v)) for (const x of v) leaves(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) leaves(x, out);
  return out;
}
