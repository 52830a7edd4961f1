/**
 * How close is close enough: the one rule of every numerical comparison in
 * this project (gradcheck, and every test that compares two computations).
 *
 *   |got − want| ≤ rtol · max(|want|, scale) + atol        elementwise
 *
 * - `rtol` is what the arithmetic can promise relative to the scale: about one
 *   unit roundoff u for an elementwise function; (n + 3)·u for a sum of n
 *   rounded products (`sumRtol`, the classic bound γₙ of a recursive sum, with
 *   room for the products' own rounding); a looser, stated figure where two
 *   algorithms differ (float32 against float64, finite differences).
 * - `scale` is the magnitude of what the computation combined, not of its
 *   result. A value that is a sum which cancels (a bias gradient of a centred
 *   loss, Σ_b d_bi = 0; a matmul entry whose products cancel) keeps the
 *   rounding of its summands: relative to the result alone its error is
 *   unbounded, and a purely relative test fails at random. So `scale` is Σ|terms|
 *   (the same computation on |inputs|) when it is known per element, or the
 *   largest magnitude of the terms or of the whole tensor when it is not.
 * - `atol` is an absolute floor for what the format itself cannot resolve:
 *   the smallest normal number, below which a GPU may flush to zero.
 *
 * Equal values always match (±∞ included), and NaN matches NaN.
 */
import type { DType } from './backend.js';

/** The unit roundoff u of each dtype: half the distance from 1 to the next number. */
export const UNIT_ROUNDOFF: Readonly<Record<DType, number>> = { float32: 2 ** -24, float64: 2 ** -53 };

/** The smallest positive normal number of each dtype (GPUs may flush anything smaller to zero). */
export const SMALLEST_NORMAL: Readonly<Record<DType, number>> = { float32: 2 ** -126, float64: 2 ** -1022 };

/** rtol of a sum of n rounded products, relative to Σ|terms|: (n + 3)·u. */
export function sumRtol(n: number, dtype: DType): number {
  return (n + 3) * UNIT_ROUNDOFF[dtype];
}

export interface Tolerance {
  rtol: number;
  /** The magnitude of the terms combined: one number for every element, or one per element (default 0). */
  scale?: number | ArrayLike<number>;
  /** Absolute floor (default 0). */
  atol?: number;
}

export interface Violation {
  index: number;
  got: number;
  want: number;
  /** The allowed |got − want| at this element. */
  bound: number;
}

/** The allowed |got − want| at element i of `want`. */
export function toleranceBound(want: number, tol: Tolerance, i: number): number {
  const s = tol.scale === undefined ? 0 : typeof tol.scale === 'number' ? tol.scale : tol.scale[i]!;
  return tol.rtol * Math.max(Math.abs(want), s) + (tol.atol ?? 0);
}

/** Whether got is close enough to want by the rule above. */
export function isClose(got: number, want: number, bound: number): boolean {
  if (got === want) return true;
  if (Number.isNaN(got) && Number.isNaN(want)) return true;
  return Math.abs(got - want) <= bound; // false when either is NaN or they are unequal infinities
}

/** The element with the largest excess over its bound, or null when every element is close enough. */
export function worstViolation(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: Tolerance,
): Violation | null {
  if (got.length !== want.length) {
    throw new Error(`tolerance: ${got.length} values compared with ${want.length}`);
  }
  if (typeof tol.scale === 'object' && tol.scale.length !== want.length) {
    throw new Error(`tolerance: ${tol.scale.length} scales for ${want.length} values`);
  }
  let worst: Violation | null = null;
  let worstExcess = -Infinity;
  for (let i = 0; i < want.length; i++) {
    const bound = toleranceBound(want[i]!, tol, i);
    if (isClose(got[i]!, want[i]!, bound)) continue;
    const diff = Math.abs(got[i]! - want[i]!);
    const excess = Number.isNaN(diff) ? Infinity : diff - bound;
    if (worst === null || excess > worstExcess) {
      worst = { index: i, got: got[i]!, want: want[i]!, bound };
      worstExcess = excess;
    }
  }
  return worst;
}

/** The largest |x| over all elements (0 for none): a whole-tensor scale. */
export function maxMagnitude(...arrays: ArrayLike<number>[]): number {
  let m = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
