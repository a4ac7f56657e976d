// Reading ASCII out of bytes, shared by the line readers (scan.ts, oldFormat.ts, repair.ts):
// character codes, words as bytes, and a number reader that says where the number ended.

export const TAB = 9;
export const SP = 32;
export const COMMA = 44;
export const DOT = 46;
export const COLON = 58;
export const LT = 60;
export const GT = 62;
export const LBRACK = 91;
export const RBRACK = 93;
export const LBRACE = 123;
export const RBRACE = 125;
export const LPAREN = 40;
export const RPAREN = 41;

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** A word as bytes: comparing bytes to bytes is faster than to a string. */
export const ascii = (word: string): Uint8Array => Uint8Array.from(word, (ch) => ch.charCodeAt(0));

/** True if the bytes at b[i..] are `w`. */
export function matches(b: Uint8Array, i: number, end: number, w: Uint8Array): boolean {
  const n = w.length;
  if (i + n > end) return false;
  for (let k = 0; k < n; k++) if (b[i + k] !== w[k]) return false;
  return true;
}

/** Where the last readUint() stopped: the offset after its digits. */
export let numEnd = 0;

/** Parses digits at b[i..]; returns the value and sets `numEnd`. NaN if no digit. */
export function readUint(b: Uint8Array, i: number, end: number): number {
  let v = 0;
  const s = i;
  while (i < end) {
    const c = b[i];
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    i++;
  }
  numEnd = i;
  return i === s ? NaN : v;
}

/** Reads a fraction ".ddd" at b[i] (the dot); returns its value and sets numEnd. */
export function readFraction(b: Uint8Array, i: number, end: number): number {
  if (b[i] !== DOT) {
    numEnd = i;
    return 0;
  }
  let v = 0;
  let scale = 1;
  i++;
  while (i < end && isDigit(b[i]) && scale < 1e12) {
    v = v * 10 + (b[i] - 48);
    scale *= 10;
    i++;
  }
  while (i < end && isDigit(b[i])) i++;
  numEnd = i;
  return v / scale;
}

/** The chunks one after another in one array (the chunk itself when there is one). */
export function joinBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
