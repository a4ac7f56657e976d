// The engine's entry points. Pure TypeScript: no editor, file system or DOM.

import { TraceBuilder } from './builder';
import type { Trace, TraceOptions } from './model';

export { TraceBuilder } from './builder';
export { explainPacket, eventText, type Lang } from './explain';
export { flagString, stateName } from './trace';
export { CONN_STATE_TEXT } from './zeek';
export * from './model';
export * from './states';

const encoder = new TextEncoder();

/** Analyses tcpdump text held in bytes (UTF-8, or UTF-16 with a byte-order mark). */
export function analyzeBytes(bytes: Uint8Array, options?: TraceOptions): Trace {
  const b = new TraceBuilder(options);
  b.push(toUtf8(bytes));
  return b.finish();
}

/** Analyses tcpdump text from a string (an editor document). */
export function analyzeText(text: string, options?: TraceOptions): Trace {
  const b = new TraceBuilder(options);
  // Encode in slices so a huge document never needs one huge extra buffer at once.
  const step = 1 << 24;
  for (let i = 0; i < text.length; i += step) b.push(encoder.encode(text.slice(i, i + step)));
  return b.finish();
}

/** UTF-16 text (with its BOM) becomes UTF-8; a UTF-8 BOM is dropped. */
export function toUtf8(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) {
    const le = bytes[0] === 0xff;
    return encoder.encode(new TextDecoder(le ? 'utf-16le' : 'utf-16be').decode(bytes.subarray(2)));
  }
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3);
  return bytes;
}
