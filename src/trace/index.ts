// The engine's entry points. Pure TypeScript: no editor, file system or DOM.

import { TraceBuilder } from './builder';
import { Utf8Input } from './decode';
import { keepNormalized, TEXT_REPAIRS } from './repair';
import type { Repair, Trace, TraceOptions } from './model';

export { TraceBuilder } from './builder';
export { Utf8Input, type InputEncoding } from './decode';
export { explainPacket, eventText, limitText, limitsUnknownText, noteText, type Lang } from './explain';
export { connectionLimits, limitsOf, type Limits, type LimitsUnknown } from './limits';
export { keepNormalized, repairText } from './repair';
export { flagString, stateName } from './columns';
export { CONN_STATE_TEXT, HISTORY_TEXT, zeekText } from './zeek';
export * from './model';
export * from './states';

const encoder = new TextEncoder();

/** Analyses tcpdump text held in bytes (UTF-8, or UTF-16 with a byte-order mark). */
export function analyzeBytes(bytes: Uint8Array, options?: TraceOptions): Trace {
  const b = new TraceBuilder(options);
  b.expect(bytes.length);
  // In slices: the builder decodes UTF-16 as it goes, so no second copy of the whole text.
  const step = 1 << 24;
  for (let i = 0; i < bytes.length; i += step) b.push(bytes.subarray(i, Math.min(bytes.length, i + step)));
  return b.finish();
}

/** Analyses tcpdump text from a string (an editor document). */
export function analyzeText(text: string, options?: TraceOptions): Trace {
  const b = new TraceBuilder(options);
  b.expect(text.length);
  // Encode in slices so a huge document never needs one huge extra buffer at once. A slice
  // never ends between the two halves of a surrogate pair (each half alone would become U+FFFD).
  const step = 1 << 24;
  for (let i = 0; i < text.length; ) {
    let j = Math.min(text.length, i + step);
    const last = text.charCodeAt(j - 1);
    if (j < text.length && last >= 0xd800 && last <= 0xdbff) j--;
    b.push(encoder.encode(text.slice(i, j)));
    i = j;
  }
  return b.finish();
}

/**
 * True if the whole lines of `sample` (UTF-8) need a packet's text repaired to be read (see
 * repair.ts): glued or wrapped packets, prefixes, odd characters, notes. Such text is read with
 * push(), not by the scanning thread (which counts noise lines, copies and the like as push() does).
 */
export function needsRepairs(sample: Uint8Array): boolean {
  const end = sample.lastIndexOf(10) + 1;
  const b = new TraceBuilder();
  b.push(sample.subarray(0, end));
  return b.end().some((r) => TEXT_REPAIRS.includes(r.kind)) || b.heldLines > 0;
}

/**
 * The text as the engine reads it: one packet per line, glued and wrapped packets mended, noise
 * (prompts, banners, quoting, notes, prose) left out, tcpdump's other lines as they were. What was done is in
 * `repairs`. The text of tcp-trace --normalize and of the editor's normalised copy.
 */
export function normalizeText(text: string, options?: TraceOptions): { text: string; repairs: Repair[] } {
  const lines: string[] = [];
  const b = new TraceBuilder(options, (line, tcp) => {
    if (keepNormalized(line, tcp)) lines.push(line);
  });
  b.push(encoder.encode(text));
  const repairs = b.end();
  return { text: lines.length ? lines.join('\n') + '\n' : '', repairs };
}

/** UTF-16 text (with its BOM) becomes UTF-8; a UTF-8 BOM is dropped. */
export function toUtf8(bytes: Uint8Array): Uint8Array {
  const input = new Utf8Input();
  const head = input.push(bytes);
  const tail = input.end();
  if (!tail.length) return head;
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}
