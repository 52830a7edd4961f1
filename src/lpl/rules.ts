/**
 * The LPL learning rule in closed form, computed with plain loops and no
 * autograd: the oracle against which the tests check that autograd's
 * −∂L/∂W of the losses reproduces the paper's rule.
 *
 * The erratum's Eq. 7 (Halvagal & Zenke, Nature Neuroscience 2023; erratum at
 * github.com/fmi-basel/latent-predictive-learning, erratum/erratum.md), for a
 * layer z = f(a), a = W·x (+ b), learning rate η:
 *
 *   ΔW_ij = η · 1/(M·B) · Σ_b e_bi · f'(a_bi) · x_bj
 *   e_bi  = −γ·(z_bi − z_bi(t−Δt)) + λ_1·(α/(σ²_i + ε))·(z_bi − zbar_i) − λ_2·β·Σ_{k≠i} (z_bk − zbar_k)·C_ik
 *
 * e is the postsynaptic factor: a prediction error, a Hebbian term and a
 * decorrelating term. With η = 1 the result equals −∂L/∂W exactly when the
 * constants are (derivations in tests/lpl/rules.test.ts):
 *
 *   one step of the paper (L = 1/(2BM)Σ(z(t) − SG z(t−Δt))² + λ_1 L_hebb(z(t)) + λ_2 L_decorr(z(t))):
 *     γ = 1,  α = 2B/(B−1),  β = 4B/((B−1)(M−1))                          ("one-step")
 *   the two-view objective of objective.ts (Hebbian and decorrelation averaged over both views):
 *     every view gets the rule with α/2 and β/2; the prediction error has
 *     γ = 2·λ_pred in both views for the symmetric MSE, or γ = λ_pred in view t
 *     and 0 in view t−Δt for the paper's one-sided form                     ("two-view")
 *
 * For a conv block (conv -> ReLU -> MaxPool -> global average pool) the rule
 * holds per position and is summed over positions: each pooled position q
 * carries e_bi/(H'·W') (the average pool) to the position its max pool
 * selected, where the ReLU mask f'(a) = [a > 0] applies, and x_j is the input
 * patch under the kernel there.
 */
import type { Tensor } from '../tensor/tensor.js';
import { fromArray } from '../tensor/tensor.js';
import { allocate } from '../tensor/view.js';
import type { PredForm } from './losses.js';

/** α = 2B/(B−1) and β = 4B/((B−1)(M−1)) of Eq. 7 (β = 0 for M = 1: no pairs). */
export function eq7Constants(B: number, M: number): { alpha: number; beta: number } {
  return { alpha: (2 * B) / (B - 1), beta: M > 1 ? (4 * B) / ((B - 1) * (M - 1)) : 0 };
}

export interface FactorCoefficients {
  gamma: number;
  alpha: number;
  beta: number;
  lambda1: number;
  lambda2: number;
  eps: number;
}

/** e_bi of Eq. 7 for z, zPrev: [B, M] row-major. Returns [B, M]. */
export function postsynapticFactor(
  z: Float64Array,
  zPrev: Float64Array,
  B: number,
  M: number,
  c: FactorCoefficients,
): Float64Array {
  const zbar = new Float64Array(M);
  for (let b = 0; b < B; b++) for (let i = 0; i < M; i++) zbar[i]! += z[b * M + i]! / B;
  const d = new Float64Array(B * M); // d_bi = z_bi − zbar_i
  for (let b = 0; b < B; b++) for (let i = 0; i < M; i++) d[b * M + i] = z[b * M + i]! - zbar[i]!;
  const C = new Float64Array(M * M); // C_ik = 1/(B−1) Σ_b d_bi d_bk (its diagonal is σ²_i)
  for (let i = 0; i < M; i++)
    for (let k = 0; k < M; k++) {
      let s = 0;
      for (let b = 0; b < B; b++) s += d[b * M + i]! * d[b * M + k]!;
      C[i * M + k] = s / (B - 1);
    }
  const e = new Float64Array(B * M);
  for (let b = 0; b < B; b++)
    for (let i = 0; i < M; i++) {
      const prediction = -c.gamma * (z[b * M + i]! - zPrev[b * M + i]!);
      const hebbian = c.lambda1 * (c.alpha / (C[i * M + i]! + c.eps)) * d[b * M + i]!;
      let cross = 0;
      for (let k = 0; k < M; k++) if (k !== i) cross += d[b * M + k]! * C[i * M + k]!;
      e[b * M + i] = prediction + hebbian - c.lambda2 * c.beta * cross;
    }
  return e;
}

export interface RuleOptions {
  lambdaPred?: number;
  lambdaHebb?: number;
  lambdaDecorr?: number;
  eps?: number;
  predForm?: PredForm;
  /** 'two-view' (default): −∂/∂W of lplObjective. 'one-step': Eq. 7 literally, with z(t) = view 2. */
  objective?: 'two-view' | 'one-step';
}

/** Which views contribute, with which constants: view v's rule uses the other view as z(t−Δt). */
function viewTerms(B: number, M: number, opts: RuleOptions): { view: 0 | 1; c: FactorCoefficients }[] {
  const { alpha, beta } = eq7Constants(B, M);
  const lambdaPred = opts.lambdaPred ?? 1;
  const base = { lambda1: opts.lambdaHebb ?? 1, lambda2: opts.lambdaDecorr ?? 10, eps: opts.eps ?? 1e-4 };
  if (opts.objective === 'one-step') return [{ view: 1, c: { ...base, gamma: lambdaPred, alpha, beta } }];
  const half = { ...base, alpha: alpha / 2, beta: beta / 2 }; // ½[L(z1) + L(z2)]
  if ((opts.predForm ?? 'symmetric') === 'paper') {
    return [
      { view: 0, c: { ...half, gamma: 0 } }, // SG(z1): no prediction error reaches view t−Δt
      { view: 1, c: { ...half, gamma: lambdaPred } },
    ];
  }
  return [
    { view: 0, c: { ...half, gamma: 2 * lambdaPred } },
    { view: 1, c: { ...half, gamma: 2 * lambdaPred } },
  ];
}

const values64 = (t: Tensor): Float64Array => Float64Array.from(t.toArray());

/**
 * The rule for z = ReLU(x·Wᵀ + b); W [M, N], x1, x2 [B, N].
 * Returns ΔW [M, N] and Δb [M] with η = 1 (= −∂L/∂W, −∂L/∂b).
 */
export function linearRule(
  layer: { weight: Tensor; bias: Tensor | null },
  x1: Tensor,
  x2: Tensor,
  opts: RuleOptions = {},
): { weight: Tensor; bias: Tensor | null } {
  const [M, N] = layer.weight.shape as [number, number];
  const B = x1.shape[0]!;
  const W = values64(layer.weight);
  const bias = layer.bias ? values64(layer.bias) : new Float64Array(M);
  const xs = [values64(x1), values64(x2)];
  // Forward, per view: a_bi = Σ_j W_ij x_bj + b_i,  z_bi = max(a_bi, 0).
  const a = xs.map((x) => {
    const out = new Float64Array(B * M);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < M; i++) {
        let s = bias[i]!;
        for (let j = 0; j < N; j++) s += W[i * N + j]! * x[b * N + j]!;
        out[b * M + i] = s;
      }
    return out;
  });
  const z = a.map((av) => av.map((v) => Math.max(v, 0)));
  const dW = new Float64Array(M * N);
  const db = new Float64Array(M);
  for (const { view, c } of viewTerms(B, M, opts)) {
    const e = postsynapticFactor(z[view]!, z[1 - view]!, B, M, c);
    const x = xs[view]!;
    for (let b = 0; b < B; b++)
      for (let i = 0; i < M; i++) {
        if (!(a[view]![b * M + i]! > 0)) continue; // f'(a) = 0
        const post = e[b * M + i]! / (M * B);
        for (let j = 0; j < N; j++) dW[i * N + j]! += post * x[b * N + j]!;
        db[i]! += post;
      }
  }
  return { weight: asTensor(dW, layer.weight), bias: layer.bias ? asTensor(db, layer.bias) : null };
}

/**
 * The rule for a conv block, z = globalAvgPool(maxPool2x2(ReLU(conv3x3(x, W) + b))),
 * stride 1, `padding` zeros, `pool` (2x2, stride 2) optional.
 * W [M, C, K, K], x1, x2 [B, C, H, W]. Returns ΔW and Δb with η = 1.
 */
export function convBlockRule(
  layer: { weight: Tensor; bias: Tensor | null; padding: number },
  x1: Tensor,
  x2: Tensor,
  opts: RuleOptions & { pool: boolean },
): { weight: Tensor; bias: Tensor | null } {
  const [M, C, K] = layer.weight.shape as [number, number, number, number];
  const [B, , H, Wd] = x1.shape as [number, number, number, number];
  const p = layer.padding;
  const OH = H + 2 * p - K + 1;
  const OW = Wd + 2 * p - K + 1;
  const W = values64(layer.weight);
  const bias = layer.bias ? values64(layer.bias) : new Float64Array(M);
  const xs = [values64(x1), values64(x2)];
  const xAt = (x: Float64Array, b: number, ch: number, h: number, w: number): number =>
    h < 0 || h >= H || w < 0 || w >= Wd ? 0 : x[((b * C + ch) * H + h) * Wd + w]!;

  // Forward, per view: the pre-activation a [B, M, OH, OW] and, for each pooled
  // position, the flat index (into a) of the position its max pool selected.
  const forward = (x: Float64Array) => {
    const a = new Float64Array(B * M * OH * OW);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < M; i++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++) {
            let s = bias[i]!;
            for (let ch = 0; ch < C; ch++)
              for (let kh = 0; kh < K; kh++)
                for (let kw = 0; kw < K; kw++)
                  s += W[((i * C + ch) * K + kh) * K + kw]! * xAt(x, b, ch, oh - p + kh, ow - p + kw);
            a[((b * M + i) * OH + oh) * OW + ow] = s;
          }
    const [PH, PW, k] = opts.pool ? [Math.floor(OH / 2), Math.floor(OW / 2), 2] : [OH, OW, 1];
    const selected = new Int32Array(B * M * PH * PW);
    const z = new Float64Array(B * M); // z_bi = mean over pooled positions of max over the window of ReLU(a)
    for (let bi = 0; bi < B * M; bi++)
      for (let ph = 0; ph < PH; ph++)
        for (let pw = 0; pw < PW; pw++) {
          let best = -Infinity;
          let where = 0;
          for (let dh = 0; dh < k; dh++)
            for (let dw = 0; dw < k; dw++) {
              const at = (bi * OH + ph * k + dh) * OW + pw * k + dw;
              const r = Math.max(a[at]!, 0);
              if (r > best) [best, where] = [r, at]; // the first maximum wins, as in the kernels
            }
          selected[(bi * PH + ph) * PW + pw] = where;
          z[bi]! += best / (PH * PW);
        }
    return { a, selected, z, positions: PH * PW };
  };
  const fw = xs.map(forward);

  const dW = new Float64Array(M * C * K * K);
  const db = new Float64Array(M);
  for (const { view, c } of viewTerms(B, M, opts)) {
    const { a, selected, positions } = fw[view]!;
    const e = postsynapticFactor(fw[view]!.z, fw[1 - view]!.z, B, M, c);
    const x = xs[view]!;
    for (let b = 0; b < B; b++)
      for (let i = 0; i < M; i++) {
        const post = e[b * M + i]! / (M * B) / positions; // the average pool's 1/(H'·W')
        for (let q = 0; q < positions; q++) {
          const at = selected[(b * M + i) * positions + q]!; // max-pool mask: only the selected position
          if (!(a[at]! > 0)) continue; // ReLU mask f'(a) = [a > 0]
          const oh = Math.floor(at / OW) % OH;
          const ow = at % OW;
          for (let ch = 0; ch < C; ch++)
            for (let kh = 0; kh < K; kh++)
              for (let kw = 0; kw < K; kw++)
                dW[((i * C + ch) * K + kh) * K + kw]! += post * xAt(x, b, ch, oh - p + kh, ow - p + kw);
          db[i]! += post;
        }
      }
  }
  return { weight: asTensor(dW, layer.weight), bias: layer.bias ? asTensor(db, layer.bias) : null };
}

/** values with like's shape and dtype. */
function asTensor(values: Float64Array, like: Tensor): Tensor {
  const out = allocate(like.dtype, values.length);
  out.set(values);
  return fromArray(out, like.shape);
}
