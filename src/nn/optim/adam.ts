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
import { getBackend } from '../../tensor/registry.js';
import type { Tensor } from '../../tensor/tensor.js';
import { gradView, Optimizer, type ParamGroup } from './optimizer.js';

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
    const k = getBackend();
    for (const group of this.groups) {
      group.params.forEach((p, i) => {
        const g = gradView(p, 'adam');
        if (!g) return; // PyTorch skips parameters without a gradient (and does not count the step)
        const s = this.stateOf(group.keys[i]!, p, ['m', 'v']);
        s.step++;
        k.adamUpdate(p.view, g, s.buffers.m!.view, s.buffers.v!.view, {
          beta1,
          beta2,
          eps,
          weightDecay: group.weightDecay,
          stepSize: group.lr / (1 - beta1 ** s.step),
          sqrtBias2: Math.sqrt(1 - beta2 ** s.step),
        });
      });
    }
  }
}
