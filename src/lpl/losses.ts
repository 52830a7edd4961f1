/**
 * The three terms of Latent Predictive Learning, one pure function each, in
 * the symbols of Halvagal & Zenke, "The combination of Hebbian and predictive
 * plasticity learns invariant object representations in deep sensory
 * networks", Nature Neuroscience 26, 1906–1915 (2023), Methods, with the
 * decorrelation term as corrected by the authors' erratum
 * (github.com/fmi-basel/latent-predictive-learning, erratum/erratum.md) and the
 * conventions of the authors' code (models/module.py). See LPL-SPEC.md.
 *
 * Every z is [B, M]: B samples (the batch), M units (channels). Every term is
 * intensive: for i.i.d. samples its value does not grow with B or M.
 *
 *   zbar_i = SG( (1/B) Σ_b z_bi ),   d_bi = z_bi − zbar_i
 *
 * zbar is detached (SG = stop-gradient) as in the authors' code. That changes
 * no gradient, since Σ_b d_bi = 0; `detachMean: false` exists to test exactly that.
 */
import {
  add,
  detach,
  div,
  log,
  matmul,
  mean,
  mul,
  neg,
  pow,
  square,
  sub,
  sum,
  transpose,
} from '../autograd/index.js';
import { HOST } from '../tensor/backend.js';
import { getBackend } from '../tensor/registry.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import { tensor, type Tensor } from '../tensor/tensor.js';

export type PredForm = 'symmetric' | 'paper';

function checkZ(op: string, z: Tensor): [number, number] {
  if (z.rank !== 2) throw new ShapeError(`${op}: z must be [B, M], got ${formatShape(z.shape)}`);
  const [B, M] = z.shape as [number, number];
  if (B < 2) throw new ShapeError(`${op}: needs at least 2 samples to estimate (co)variances, got B = ${B}`);
  return [B, M];
}

/**
 * Predictive term: view t−Δt is z1, view t is z2, both [B, M].
 *
 *   symmetric (default, the authors' code: F.mse_loss(z1, z2)):
 *     L_pred = 1/(B·M) · Σ_b Σ_i (z1_bi − z2_bi)²
 *   paper (Methods, one-sided; z(t) predicts the detached z(t−Δt)):
 *     L_pred = 1/(2·B·M) · Σ_b Σ_i (z2_bi − SG(z1_bi))²
 */
export function predictiveLoss(z1: Tensor, z2: Tensor, opts: { form?: PredForm } = {}): Tensor {
  if (z1.rank !== 2 || formatShape(z1.shape) !== formatShape(z2.shape)) {
    throw new ShapeError(
      `predictiveLoss: z1 and z2 must both be [B, M]: ${formatShape(z1.shape)}, ${formatShape(z2.shape)}`,
    );
  }
  if ((opts.form ?? 'symmetric') === 'paper') return mul(mean(square(sub(z2, detach(z1)))), 0.5);
  return mean(square(sub(z1, z2)));
}

/** d = z − zbar, zbar = (1/B) Σ_b z_b (detached unless detachMean is false). [B, M] */
export function centered(z: Tensor, detachMean = true): Tensor {
  const zbar = mean(z, 0, true); // [1, M]
  return sub(z, detachMean ? detach(zbar) : zbar);
}

/**
 * Hebbian term (Methods, Eq. 5; the authors' code):
 *   σ²_i   = 1/(B−1) · Σ_b d_bi²
 *   L_hebb = −(1/M) · Σ_i log(σ²_i + ε),   ε = 1e-4
 * It rewards variance: every unit is pushed away from a constant output.
 */
export function hebbianLoss(z: Tensor, opts: { eps?: number; detachMean?: boolean } = {}): Tensor {
  const [B] = checkZ('hebbianLoss', z);
  const d = centered(z, opts.detachMean ?? true);
  const variance = div(sum(square(d), 0), B - 1); // σ²: [M]
  return neg(mean(log(add(variance, opts.eps ?? 1e-4))));
}

/**
 * Decorrelation term (the erratum's corrected Eq. 6; the authors' code):
 *   C_ik     = 1/(B−1) · Σ_b d_bi d_bk,   C_ii := 0
 *   L_decorr = 1/(M² − M) · Σ_{i≠k} C_ik²
 * C is one matmul, dᵀd/(B−1); the diagonal is removed with a 0/1 mask.
 * With a single unit (M = 1) there is no pair and the term is 0.
 */
export function decorrelationLoss(z: Tensor, opts: { detachMean?: boolean } = {}): Tensor {
  const [B, M] = checkZ('decorrelationLoss', z);
  if (M < 2) return mul(sum(z), 0);
  const d = centered(z, opts.detachMean ?? true);
  const C = div(matmul(transpose(d), d), B - 1); // [M, M]
  const offDiagonal = mul(C, offDiagonalMask(M, z.dtype));
  return div(sum(square(offDiagonal)), M * M - M);
}

/**
 * 1 − I, [M, M]: zeroes the diagonal of a covariance. A constant, so on host
 * backends one per (M, dtype) is kept; a device backend gets a fresh upload
 * each call (its buffers made during a training step are freed when the step ends).
 */
const masks = new Map<string, Tensor>();
function offDiagonalMask(M: number, dtype: Tensor['dtype']): Tensor {
  const onHost = getBackend().device === HOST;
  const key = `${M}:${dtype}`;
  let mask = onHost ? masks.get(key) : undefined;
  if (!mask) {
    const values = new Float64Array(M * M).fill(1);
    for (let i = 0; i < M; i++) values[i * M + i] = 0;
    mask = tensor(values, [M, M], { dtype });
    if (onHost) masks.set(key, mask);
  }
  return mask;
}

/**
 * FOR COMPARISON ONLY, NOT LPL: the decorrelation term as first printed in the
 * paper's Eq. 6, which the erratum withdrew (it penalises products of squared
 * deviations, not covariances, so it also pushes uncorrelated units apart):
 *   L = 1/((B−1)(M² − M)) · Σ_b Σ_i Σ_{k≠i} d_bi² d_bk²
 *     = 1/((B−1)(M² − M)) · Σ_b [ (Σ_i d_bi²)² − Σ_i d_bi⁴ ]
 */
export function decorrelationLossFirstVersion(z: Tensor): Tensor {
  const [B, M] = checkZ('decorrelationLossFirstVersion', z);
  if (M < 2) return mul(sum(z), 0);
  const d = centered(z);
  const rowSquares = sum(square(d), 1); // Σ_i d_bi²: [B]
  const rowFourths = sum(pow(d, 4), 1); // Σ_i d_bi⁴: [B]
  return div(sum(sub(square(rowSquares), rowFourths)), (B - 1) * (M * M - M));
}
