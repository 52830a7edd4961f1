/**
 * Stochastic gradient descent with momentum and coupled L2 weight decay, as
 * PyTorch's torch.optim.SGD (dampening 0):
 *
 *   g ← g + wd·θ
 *   buf ← g                  on the first step
 *   buf ← μ·buf + g          afterwards
 *   θ ← θ − lr·buf           (Nesterov: θ ← θ − lr·(g + μ·buf))
 */
import { getBackend } from '../../tensor/registry.js';
import type { Tensor } from '../../tensor/tensor.js';
import { gradView, Optimizer, type ParamGroup } from './optimizer.js';

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
    const k = getBackend();
    for (const group of this.groups) {
      group.params.forEach((p, i) => {
        const g = gradView(p, 'sgd');
        if (!g) return;
        const first = !this.perParam.has(group.keys[i]!);
        const s = this.stateOf(group.keys[i]!, p, mu !== 0 ? ['momentum'] : []);
        s.step++;
        k.sgdUpdate(p.view, g, s.buffers.momentum?.view ?? null, {
          lr: group.lr,
          weightDecay: group.weightDecay,
          momentum: mu,
          nesterov: this.nesterov,
          first,
        });
      });
    }
  }
}
