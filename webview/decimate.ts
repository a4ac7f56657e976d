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
