// Decimation for the graphs: however many points a series has, at most one low and one high per
// pixel column are drawn (min/max per column keeps every spike and gap a full drawing would show).
// Pure: no DOM, so the webview tests can run it on its own.

/** Per pixel column that has points: its column, the lowest and highest value, and the points they came from. */
export interface Columns {
  count: number;
  col: Int32Array;
  min: Float64Array;
  max: Float64Array;
  /** Point indexes (into the series) of the min and the max. */
  minAt: Int32Array;
  maxAt: Int32Array;
}

/**
 * The points `pick` (indexes into x, lo, hi) whose x lies in [x0, x1], gathered into `columns`
 * pixel columns: per column the smallest lo and the largest hi (hi defaults to lo). Points with
 * no x or no value are skipped. O(points), one pass, no allocation per point.
 */
export function decimate(
  pick: Int32Array,
  x: ArrayLike<number>,
  lo: ArrayLike<number>,
  hi: ArrayLike<number> | null,
  x0: number,
  x1: number,
  columns: number,
): Columns {
  const cols = Math.max(1, Math.floor(columns));
  const min = new Float64Array(cols).fill(Infinity);
  const max = new Float64Array(cols).fill(-Infinity);
  const minAt = new Int32Array(cols).fill(-1);
  const maxAt = new Int32Array(cols).fill(-1);
  const per = cols / (x1 - x0 || 1);
  const top = hi ?? lo;
  for (let k = 0; k < pick.length; k++) {
    const i = pick[k];
    const xi = x[i];
    // NaN fails both tests, so a point without a time is skipped here.
    if (!(xi >= x0 && xi <= x1)) continue;
    const a = lo[i];
    const b = top[i];
    if (a !== a || b !== b) continue;
    let c = ((xi - x0) * per) | 0;
    if (c >= cols) c = cols - 1;
    if (a < min[c]) {
      min[c] = a;
      minAt[c] = i;
    }
    if (b > max[c]) {
      max[c] = b;
      maxAt[c] = i;
    }
  }
  let count = 0;
  for (let c = 0; c < cols; c++) if (minAt[c] >= 0) count++;
  const out: Columns = { count, col: new Int32Array(count), min: new Float64Array(count), max: new Float64Array(count), minAt: new Int32Array(count), maxAt: new Int32Array(count) };
  for (let c = 0, j = 0; c < cols; c++) {
    if (minAt[c] < 0) continue;
    out.col[j] = c;
    out.min[j] = min[c];
    out.max[j] = max[c];
    out.minAt[j] = minAt[c];
    out.maxAt[j] = maxAt[c];
    j++;
  }
  return out;
}

/**
 * Sums of `value` over the points `pick` in each of `buckets` equal spans of [x0, x1]: bytes per
 * bucket, for throughput. Points without x are skipped.
 */
export function bucketSums(pick: Int32Array, x: ArrayLike<number>, value: ArrayLike<number>, x0: number, x1: number, buckets: number): Float64Array {
  const n = Math.max(1, Math.floor(buckets));
  const out = new Float64Array(n);
  const per = n / (x1 - x0 || 1);
  for (let k = 0; k < pick.length; k++) {
    const i = pick[k];
    const xi = x[i];
    if (!(xi >= x0 && xi <= x1)) continue;
    let b = ((xi - x0) * per) | 0;
    if (b >= n) b = n - 1;
    out[b] += value[i];
  }
  return out;
}

/** Indexes 0..n-1 where `keep(i)`, as an Int32Array (the `pick` of decimate). */
export function where(n: number, keep: (i: number) => boolean): Int32Array {
  const out = new Int32Array(n);
  let j = 0;
  for (let i = 0; i < n; i++) if (keep(i)) out[j++] = i;
  return out.slice(0, j);
}

/** Round numbers for an axis: about `count` ticks over [a, b], each 1, 2 or 5 times a power of ten. */
export function ticks(a: number, b: number, count: number): number[] {
  if (!(b > a) || !(count > 0)) return [a];
  const raw = (b - a) / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? 10 * pow;
  const out: number[] = [];
  for (let v = Math.ceil(a / step) * step; v <= b + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** SACK blocks per pixel column: the ranges drawn, and the point (ACK) each came from. */
export interface BlockColumns {
  count: number;
  col: Int32Array;
  lo: Float64Array;
  hi: Float64Array;
  at: Int32Array;
}

/**
 * SACK blocks (`blocks`: point, left edge, right edge, three numbers each) of the points whose x
 * lies in [x0, x1], gathered into `columns` pixel columns: per column the union of its blocks,
 * so the holes between blocks stay visible, and at most `most` ranges (the nearest ones merged
 * first), so a column never draws more than a few however many ACKs fall in it.
 */
export function decimateBlocks(blocks: Float64Array, x: ArrayLike<number>, x0: number, x1: number, columns: number, most = 4): BlockColumns {
  const cols = Math.max(1, Math.floor(columns));
  const per = cols / (x1 - x0 || 1);
  const n = blocks.length / 3;
  // A counting sort of the blocks in view by column.
  const colOf = new Int32Array(n).fill(-1);
  const start = new Int32Array(cols + 1);
  for (let k = 0; k < n; k++) {
    const xi = x[blocks[3 * k]];
    if (!(xi >= x0 && xi <= x1) || !(blocks[3 * k + 2] >= blocks[3 * k + 1])) continue;
    const c = Math.min(cols - 1, ((xi - x0) * per) | 0);
    colOf[k] = c;
    start[c + 1]++;
  }
  for (let c = 0; c < cols; c++) start[c + 1] += start[c];
  const fill = start.slice(0, cols);
  const order = new Int32Array(start[cols]);
  for (let k = 0; k < n; k++) if (colOf[k] >= 0) order[fill[colOf[k]]++] = k;

  const col: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  const at: number[] = [];
  for (let c = 0; c < cols; c++) {
    if (start[c] === start[c + 1]) continue;
    const ks = Array.from(order.subarray(start[c], start[c + 1])).sort((a, b) => blocks[3 * a + 1] - blocks[3 * b + 1]);
    // Overlapping or touching blocks become one range.
    const ranges: Array<[number, number, number]> = [];
    for (const k of ks) {
      const l = blocks[3 * k + 1];
      const r = blocks[3 * k + 2];
      const last = ranges[ranges.length - 1];
      if (last && l <= last[1]) {
        if (r > last[1]) last[1] = r;
      } else ranges.push([l, r, blocks[3 * k]]);
    }
    while (ranges.length > most) {
      let j = 1;
      for (let i = 2; i < ranges.length; i++) if (ranges[i][0] - ranges[i - 1][1] < ranges[j][0] - ranges[j - 1][1]) j = i;
      ranges[j - 1][1] = Math.max(ranges[j - 1][1], ranges[j][1]);
      ranges.splice(j, 1);
    }
    for (const [l, r, p] of ranges) {
      col.push(c);
      lo.push(l);
      hi.push(r);
      at.push(p);
    }
  }
  return { count: col.length, col: Int32Array.from(col), lo: Float64Array.from(lo), hi: Float64Array.from(hi), at: Int32Array.from(at) };
}

/** The SACK triples (point, left, right) whose point `keep`s. */
export function blocksWhere(blocks: Float64Array, keep: (point: number) => boolean): Float64Array {
  const out: number[] = [];
  for (let k = 0; k < blocks.length; k += 3) if (keep(blocks[k])) out.push(blocks[k], blocks[k + 1], blocks[k + 2]);
  return Float64Array.from(out);
}

/** The first index i with a[i] >= x (a.length if none): a ascends. */
export function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The point (series index) of packet `index` in a series' ascending packet indexes, or -1. */
export function pointOf(indexes: ArrayLike<number>, index: number): number {
  const i = lowerBound(indexes, index);
  return i < indexes.length && indexes[i] === index ? i : -1;
}
