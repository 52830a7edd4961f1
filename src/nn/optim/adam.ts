/**
 * Adam (Kingma & Ba 2015) with COUPLED L2 weight decay, exactly as PyTorch's
 * torch.optim.Adam(weight_decay=wd) (not AdamW). For each parameter θ with
 * gradient g, at step t (counted per parameter):
 *
 *   g ← g + wd·θ                       coupled L2: the decay goes through m and v
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   θ ← θ − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps)
 *
 * Defaults: β1 = 0.9, β2 = 0.999, eps = 1e-8. LPL-SPEC.md: lr 1e-3, wd 1.5e-6
 * on weights only (see `weightDecayGroups`).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { allocate } from '../../tensor/view.js';
import { gradValues, Optimizer, type ParamGroup } from './optimizer.js';

export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
}

export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;

  constructor(groups: readonly ParamGroup[] | readonly Tensor[], opts: AdamOptions = {}) {
    super('adam', groups, { lr: opts.lr ?? 1e-3, weightDecay: opts.weightDecay ?? 0 });
    [this.beta1, this.beta2] = opts.betas ?? [0.9, 0.999];
    this.eps = opts.eps ?? 1e-8;
  }

  step(): void {
    const { beta1, beta2, eps } = this;
    for (const group of this.groups) {
      group.params.forEach((p, i) => {
        const grad = gradValues(p);
        if (!grad) return; // PyTorch skips parameters without a gradient (and does not count the step)
        const key = group.keys[i]!;
        let s = this.perParam.get(key);
        if (!s) {
          s = { step: 0, buffers: { m: allocate(p.dtype, p.size), v: allocate(p.dtype, p.size) } };
          this.perParam.set(key, s);
        }
        s.step++;
        const m = s.buffers.m!;
        const v = s.buffers.v!;
        const theta = p.view.data;
        const wd = group.weightDecay;
        const stepSize = group.lr / (1 - beta1 ** s.step);
        const sqrtBias2 = Math.sqrt(1 - beta2 ** s.step);
        for (let j = 0; j < theta.length; j++) {
          const g = grad[j]! + wd * theta[j]!;
          m[j] = beta1 * m[j]! + (1 - beta1) * g;
          v[j] = beta2 * v[j]! + (1 - beta2) * g * g;
          theta[j] = theta[j]! - (stepSize * m[j]!) / (Math.sqrt(v[j]!) / sqrtBias2 + eps);
        }
      });
    }
  }
}
