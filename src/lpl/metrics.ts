/**
 * Diagnostics of a representation z: [B, M] (Halvagal & Zenke, Nature
 * Neuroscience 2023, use the dimensionality of the feature covariance to show
 * that without the decorrelation term the representation collapses onto few
 * dimensions, and without the Hebbian term onto a point).
 *
 *   C = dᵀd/(B−1),  d = z − zbar                  the M×M feature covariance
 *   PR = (Σ_i λ_i)² / Σ_i λ_i² = (tr C)² / ‖C‖_F²  participation ratio
 *
 * PR is between 1 (one direction carries all variance) and M (variance spread
 * evenly over M uncorrelated directions); no eigenvalues are needed, since
 * Σλ = tr C and Σλ² = ‖C‖_F² for a symmetric C.
 */
import { matmul, mean, noGrad, sub, transpose } from '../autograd/index.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** The feature covariance C = dᵀd/(B−1) as a row-major [M, M] array (no gradient). */
export function featureCovariance(z: Tensor): Float64Array {
  if (z.rank !== 2 || z.shape[0]! < 2) {
    throw new ShapeError(`featureCovariance: z must be [B, M] with B ≥ 2, got ${formatShape(z.shape)}`);
  }
  const B = z.shape[0]!;
  return noGrad(() => {
    const d = sub(z, mean(z, 0, true));
    return Float64Array.from(matmul(transpose(d), d).toArray(), (v) => v / (B - 1));
  });
}

/** (tr C)² / ‖C‖_F²; 0 when every unit is constant. */
export function participationRatio(z: Tensor): number {
  const C = featureCovariance(z);
  const M = z.shape[1]!;
  let trace = 0;
  let frobenius2 = 0;
  for (let i = 0; i < M; i++) trace += C[i * M + i]!;
  for (const v of C) frobenius2 += v * v;
  return frobenius2 > 0 ? (trace * trace) / frobenius2 : 0;
}

export interface VarianceSummary {
  /** Mean, median, min and max over units of the per-unit variance σ²_i. */
  mean: number;
  median: number;
  min: number;
  max: number;
  /** Fraction of units with σ²_i below `deadThreshold` (collapsed or dead units). */
  deadFraction: number;
}

/** A unit whose variance over the batch (or the images) is below this is counted as dead (silent). */
export const DEAD_VARIANCE_THRESHOLD = 1e-8;

/** Per-unit variances σ²_i = C_ii, summarised. */
export function unitVarianceSummary(z: Tensor, deadThreshold = DEAD_VARIANCE_THRESHOLD): VarianceSummary {
  const C = featureCovariance(z);
  const M = z.shape[1]!;
  const v = Array.from({ length: M }, (_, i) => C[i * M + i]!).sort((a, b) => a - b);
  const median = M % 2 === 1 ? v[(M - 1) / 2]! : (v[M / 2 - 1]! + v[M / 2]!) / 2;
  return {
    mean: v.reduce((s, x) => s + x, 0) / M,
    median,
    min: v[0]!,
    max: v[M - 1]!,
    deadFraction: v.filter((x) => x < deadThreshold).length / M,
  };
}
