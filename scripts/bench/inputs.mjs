// The benchmark's inputs besides the capture itself: the first part of its text (1/4, 1/2),
// and larger traces made of shifted copies of it (4x, 8x). Each copy moves its addresses
// (127.0.0.1 becomes 127.0.K.1) and its clock (by K times the capture's span, rounded up), so
// the copies are distinct connections that follow each other in time.
import { closeSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs';

const CHUNK = 1 << 22;

/** Calls fn(buffer, start, end) for each whole-line piece of `file` (end after a newline). */
function eachPiece(file, fn) {
  const fd = openSync(file, 'r');
  let carry = Buffer.alloc(0);
  const buf = Buffer.allocUnsafe(CHUNK);
  for (;;) {
    const n = readSync(fd, buf, 0, CHUNK, null);
    const data = carry.length ? Buffer.concat([carry, buf.subarray(0, n)]) : buf.subarray(0, n);
    if (n === 0) {
      if (data.length) fn(data, 0, data.length);
      break;
    }
    const last = data.lastIndexOf(10);
    if (last < 0) {
      carry = Buffer.from(data);
      continue;
    }
    fn(data, 0, last + 1);
    carry = Buffer.from(data.subarray(last + 1));
  }
  closeSync(fd);
}

/** Counts the lines of a file. */
export function countLines(file) {
  let lines = 0;
  eachPiece(file, (b, s, e) => {
    for (let i = b.indexOf(10, s); i >= 0 && i < e; i = b.indexOf(10, i + 1)) lines++;
  });
  return lines;
}

/** Writes the first `fraction` of the lines of `src` to `dest`. */
export function headLines(src, dest, fraction) {
  const want = Math.round(countLines(src) * fraction);
  let lines = 0;
  const tmp = `${dest}.tmp`;
  const out = openSync(tmp, 'w');
  eachPiece(src, (b, s, e) => {
    if (lines >= want) return;
    let i = s;
    while (lines < want) {
      const nl = b.indexOf(10, i);
      if (nl < 0 || nl >= e) break;
      lines++;
      i = nl + 1;
    }
    writeSync(out, b, s, (lines < want ? e : i) - s);
  });
  closeSync(out);
  renameSync(tmp, dest);
}

const DAY = 86400;

/** Seconds since midnight of the "HH:MM:SS.ffffff " that starts a line at b[i], or -1. */
function clockAt(b, i, e) {
  if (i + 15 > e || b[i + 2] !== 58 || b[i + 5] !== 58 || b[i + 8] !== 46) return -1;
  const d = (k) => b[i + k] - 48;
  return (d(0) * 10 + d(1)) * 3600 + (d(3) * 10 + d(4)) * 60 + d(6) * 10 + d(7);
}

function writeClock(b, i, seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor(seconds / 60) % 60;
  const s = seconds % 60;
  b[i] = 48 + Math.floor(h / 10);
  b[i + 1] = 48 + (h % 10);
  b[i + 3] = 48 + Math.floor(m / 10);
  b[i + 4] = 48 + (m % 10);
  b[i + 6] = 48 + Math.floor(s / 10);
  b[i + 7] = 48 + (s % 10);
}

/** The whole seconds from the first line's clock to the last line's, plus one. */
function span(file) {
  let first = -1;
  let last = -1;
  eachPiece(file, (b, s, e) => {
    for (let i = s; i < e; ) {
      const t = clockAt(b, i, e);
      if (t >= 0) {
        if (first < 0) first = t;
        last = t;
      }
      const nl = b.indexOf(10, i);
      i = nl < 0 || nl >= e ? e : nl + 1;
    }
  });
  if (first < 0) return 1;
  return ((last - first + DAY) % DAY) + 1;
}

const ADDRESS = Buffer.from('127.0.0.1.');

/**
 * Writes `copies` shifted copies of `src` (text of a capture on 127.0.0.1, printed with -nn
 * and the default clock) to `dest`. Copy K (from 0) uses 127.0.K.1 and is K spans later.
 */
export function shiftedCopies(src, dest, copies) {
  if (copies > 9) throw new Error('at most 9 copies (127.0.0.1 to 127.0.8.1)');
  const shift = span(src);
  if (shift * copies >= DAY / 2) throw new Error('the copies would span more than half a day');
  const tmp = `${dest}.tmp`;
  const out = openSync(tmp, 'w');
  for (let k = 0; k < copies; k++) {
    eachPiece(src, (b, s, e) => {
      if (k > 0) {
        for (let i = s; i < e; ) {
          const t = clockAt(b, i, e);
          if (t >= 0) writeClock(b, i, (t + k * shift) % DAY);
          const nl = b.indexOf(10, i);
          i = nl < 0 || nl >= e ? e : nl + 1;
        }
        for (let i = b.indexOf(ADDRESS, s); i >= 0 && i < e; i = b.indexOf(ADDRESS, i + ADDRESS.length)) b[i + 6] = 48 + k;
      }
      writeSync(out, b, s, e - s);
    });
  }
  closeSync(out);
  renameSync(tmp, dest);
}

/** True if `dest` exists and is newer than `src`. */
export function fresh(dest, src) {
  try {
    return statSync(dest).mtimeMs >= statSync(src).mtimeMs;
  } catch {
    return false;
  }
}
