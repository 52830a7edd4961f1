/**
 * The LPL objective of one layer, and of a whole network (Halvagal & Zenke,
 * Nature Neuroscience 2023, Methods; the erratum's Eq. 6; LPL-SPEC.md):
 *
 *   L_layer = λ_pred·L_pred(z1, z2) + λ_1·½[L_hebb(z1) + L_hebb(z2)] + λ_2·½[L_decorr(z1) + L_decorr(z2)]
 *
 * defaults λ_pred = 1, λ_1 = 1, λ_2 = 10 (the authors' pull/push/decorr
 * coefficients). The Hebbian and decorrelation terms are averaged over the
 * two views, as in the authors' code. `total` is what is minimised.
 *
 * Ablations: `usePred/useHebb/useDecorr: false` leave a term out of `total`;
 * its value is still returned (computed without recording gradients) so that
 * it can be logged.
 */
import { add, mul, noGrad } from '../autograd/index.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import type { EncoderOutput, TrainingMode } from './encoder.js';
import { stackPositions, unitsPerPosition } from './encoder.js';
import { decorrelationLoss, hebbianLoss, predictiveLoss, type PredForm } from './losses.js';

export interface LplOptions {
  lambdaPred?: number;
  lambdaHebb?: number;
  lambdaDecorr?: number;
  /** 'symmetric' (default, the authors' code) or 'paper' (one-sided, 1/(2BM)). */
  predForm?: PredForm;
  /** ε of the Hebbian term (default 1e-4). */
  eps?: number;
  usePred?: boolean;
  useHebb?: boolean;
  useDecorr?: boolean;
}

/** The weighted total and the three unweighted terms (each averaged over the two views). */
export interface LplTerms {
  total: Tensor;
  pred: Tensor;
  hebb: Tensor;
  decorr: Tensor;
}

/** Weights and switches with defaults filled in. */
export function resolveLplOptions(opts: LplOptions = {}): Required<LplOptions> {
  return {
    lambdaPred: opts.lambdaPred ?? 1,
    lambdaHebb: opts.lambdaHebb ?? 1,
    lambdaDecorr: opts.lambdaDecorr ?? 10,
    predForm: opts.predForm ?? 'symmetric',
    eps: opts.eps ?? 1e-4,
    usePred: opts.usePred ?? true,
    useHebb: opts.useHebb ?? true,
    useDecorr: opts.useDecorr ?? true,
  };
}

/** A term that is switched off is computed for logging only, off the tape. */
const term = (on: boolean, f: () => Tensor): Tensor => (on ? f() : noGrad(f));

/** The objective of one layer; z1, z2: [B, M] (views t−Δt and t). */
export function lplObjective(z1: Tensor, z2: Tensor, opts: LplOptions = {}): LplTerms {
  const o = resolveLplOptions(opts);
  const pred = term(o.usePred, () => predictiveLoss(z1, z2, { form: o.predForm }));
  const hebb = term(o.useHebb, () =>
    mul(add(hebbianLoss(z1, { eps: o.eps }), hebbianLoss(z2, { eps: o.eps })), 0.5),
  );
  const decorr = term(o.useDecorr, () => mul(add(decorrelationLoss(z1), decorrelationLoss(z2)), 0.5));
  return { total: weightedTotal(o, pred, hebb, decorr), pred, hebb, decorr };
}

/**
 * The "no pooling" control on unpooled block outputs map1, map2: [B, C, H, W],
 * exactly as the authors' code (models/module.py, no_pooling) does it:
 *   L_pred   on the maps (the mean over B·C·H·W values, same as on any reshaping),
 *   L_hebb   with every (channel, position) a unit: z = [B, C·H·W], variance over the batch,
 *   L_decorr with positions as extra samples: z = [B·H·W, C], covariance between channels.
 */
export function unpooledObjective(map1: Tensor, map2: Tensor, opts: LplOptions = {}): LplTerms {
  if (map1.rank !== 4 || formatShape(map1.shape) !== formatShape(map2.shape)) {
    throw new ShapeError(
      `unpooledObjective: maps must both be [B,C,H,W]: ${formatShape(map1.shape)}, ${formatShape(map2.shape)}`,
    );
  }
  const o = resolveLplOptions(opts);
  const flat1 = unitsPerPosition(map1);
  const flat2 = unitsPerPosition(map2);
  const pred = term(o.usePred, () => predictiveLoss(flat1, flat2, { form: o.predForm }));
  const hebb = term(o.useHebb, () =>
    mul(add(hebbianLoss(flat1, { eps: o.eps }), hebbianLoss(flat2, { eps: o.eps })), 0.5),
  );
  const decorr = term(o.useDecorr, () =>
    mul(add(decorrelationLoss(stackPositions(map1)), decorrelationLoss(stackPositions(map2))), 0.5),
  );
  return { total: weightedTotal(o, pred, hebb, decorr), pred, hebb, decorr };
}

function weightedTotal(o: Required<LplOptions>, pred: Tensor, hebb: Tensor, decorr: Tensor): Tensor {
  const parts: Tensor[] = [];
  if (o.usePred) parts.push(mul(pred, o.lambdaPred));
  if (o.useHebb) parts.push(mul(hebb, o.lambdaHebb));
  if (o.useDecorr) parts.push(mul(decorr, o.lambdaDecorr));
  if (parts.length === 0) return mul(pred, 0); // nothing to learn; a zero that keeps the return type
  return parts.reduce((a, b) => add(a, b));
}

export interface NetworkObjectiveOptions extends LplOptions {
  /** 'layer-local' (default): every block's objective, summed; 'end-to-end': the last block's only. */
  mode?: TrainingMode;
  /** The "no pooling" control: use the unpooled maps (the encoder must have kept them). */
  noPooling?: boolean;
}

/**
 * The loss of a network for one batch of two views. Layer-local: the sum of
 * all blocks' objectives, minimised by one optimizer (each block only sees
 * its own term, because the encoder detached its input). End-to-end: the last
 * block's objective only, with full backprop. `layers[k]` holds block k's
 * terms (null for blocks that are not trained on).
 */
export function networkObjective(
  out1: EncoderOutput,
  out2: EncoderOutput,
  opts: NetworkObjectiveOptions = {},
): { total: Tensor; layers: (LplTerms | null)[] } {
  const n = out1.z.length;
  if (n === 0 || out2.z.length !== n) throw new Error(`networkObjective: ${n} and ${out2.z.length} blocks`);
  if (opts.noPooling && (out1.maps.length !== n || out2.maps.length !== n)) {
    throw new Error('networkObjective: noPooling needs the unpooled maps (encode with keepMaps: true)');
  }
  const trained = (k: number): boolean => (opts.mode ?? 'layer-local') === 'layer-local' || k === n - 1;
  const layers = out1.z.map((z1, k) => {
    if (!trained(k)) return null;
    return opts.noPooling
      ? unpooledObjective(out1.maps[k]!, out2.maps[k]!, opts)
      : lplObjective(z1, out2.z[k]!, opts);
  });
  const totals = layers.filter((t): t is LplTerms => t !== null).map((t) => t.total);
  return { total: totals.reduce((a, b) => add(a, b)), layers };
}
