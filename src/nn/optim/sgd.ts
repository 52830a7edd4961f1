/**
 * Stochastic gradient descent with momentum and coupled L2 weight decay, as
 * PyTorch's torch.optim.SGD (dampening 0):
 *
 *   g ← g + wd·θ
 *   buf ← g                  on the first step
 *   buf ← μ·buf + g          afterwards
 *   θ ← θ − lr·buf           (Nesterov: θ ← θ − lr·(g + μ·buf))
 */
import type { Tensor } from '../../tensor/tensor.js';
import { allocate } from '../../tensor/view.js';
import { gradValues, Optimizer, type ParamGroup } from './optimizer.js';

export interface SgdOptions {
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(groups: readonly ParamGroup[] | readonly Tensor[], opts: SgdOptions = {}) {
    super('sgd', groups, { lr: opts.lr ?? 1e-2, weightDecay: opts.weightDecay ?? 0 });
    this.momentum = opts.momentum ?? 0;
    this.nesterov = opts.nesterov ?? false;
  }

  step(): void {
    const mu = this.momentum;
    for (const group of this.groups) {
      group.params.forEach((p, i) => {
        const grad = gradValues(p);
        if (!grad) return;
        const key = group.keys[i]!;
        let s = this.perParam.get(key);
        const first = !s;
        if (!s) {
          s = { step: 0, buffers: mu !== 0 ? { momentum: allocate(p.dtype, p.size) } : {} };
          this.perParam.set(key, s);
        }
        s.step++;
        const buf = s.buffers.momentum;
        const theta = p.view.data;
        const wd = group.weightDecay;
        for (let j = 0; j < theta.length; j++) {
          const g = grad[j]! + wd * theta[j]!;
          let update = g;
          if (buf) {
            buf[j] = first ? g : mu * buf[j]! + g;
            update = this.nesterov ? g + mu * buf[j]! : buf[j]!;
          }
          theta[j] = theta[j]! - group.lr * update;
        }
      });
    }
  }
}
