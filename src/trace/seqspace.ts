// Sequence-space and window arithmetic for the per-packet passes. V8 leaves a floating-point
// remainder (`%` on numbers past 2^31) and `2 ** n` to library calls that cost tens of
// nanoseconds, once per packet; these give the same results with a compare and a table.

const U32 = 4294967296;

/** x modulo 2^32, for x >= 0; the sum of two 32-bit numbers needs at most one subtraction. */
export function mod32(x: number): number {
  return x < U32 ? x : x < 2 * U32 ? x - U32 : x % U32;
}

/** a - b modulo 2^32, for a and b in [0, 2^32) (NaN stays NaN). */
export function seqAfter(a: number, b: number): number {
  const d = a - b;
  return d < 0 ? d + U32 : d;
}

/** a - b in sequence space (mod 2^32), as a signed distance in [-2^31, 2^31). */
export function seqDiff(a: number, b: number): number {
  let d = a - b;
  if (d >= U32 || d <= -U32) d %= U32;
  return d >= 2147483648 ? d - U32 : d < -2147483648 ? d + U32 : d;
}

/** 2^k for the window scales a SYN can carry (RFC 7323 allows 0 to 14; the option's byte goes to 255). */
const POW2 = Float64Array.from({ length: 256 }, (_, k) => 2 ** k);

/** A window advertised as `win` with window scale `shift` in bytes: win * 2^shift, NaN when the shift is unknown (NaN). */
export function scaleWindow(win: number, shift: number): number {
  return (shift & 255) === shift ? win * POW2[shift] : win * 2 ** shift;
}
