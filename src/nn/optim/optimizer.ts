/**
 * What every optimizer shares: parameter groups with their own learning rate
 * and weight decay, `zeroGrad()`, and a state that can be saved and restored.
 *
 * Parameters are updated in place on their data, outside the autograd tape.
 * An update is a plain loop over the parameter's elements (the optimizer is
 * the one place where the numbers are simply read and written).
 */
import type { FloatArray } from '../../tensor/backend.js';
import type { Tensor } from '../../tensor/tensor.js';
import { isContiguous } from '../../tensor/view.js';

/** Parameters that share hyper-parameters. `names` (optional) key their saved state. */
export interface ParamGroup {
  params: Tensor[];
  names?: string[];
  lr?: number;
  weightDecay?: number;
}

/** A group with every option resolved. */
export interface ResolvedGroup {
  params: Tensor[];
  /** One key per parameter: its name, or "<group>.<index>". */
  keys: string[];
  lr: number;
  weightDecay: number;
}

/** Everything needed to resume: per-group hyper-parameters, per-parameter step counts and buffers. */
export interface OptimizerState {
  kind: string;
  groups: { lr: number; weightDecay: number }[];
  params: Record<string, { step: number; buffers: Record<string, FloatArray> }>;
}

export abstract class Optimizer {
  readonly groups: ResolvedGroup[];
  /** Step count and buffers (e.g. Adam's m and v) by parameter key. */
  protected readonly perParam = new Map<string, { step: number; buffers: Record<string, FloatArray> }>();

  constructor(
    readonly kind: string,
    groups: readonly ParamGroup[] | readonly Tensor[],
    defaults: { lr: number; weightDecay: number },
  ) {
    const list: ParamGroup[] = isGroupList(groups) ? [...groups] : [{ params: [...(groups as Tensor[])] }];
    const seen = new Set<Tensor>();
    this.groups = list.map((g, gi) => {
      if (g.names && g.names.length !== g.params.length) {
        throw new Error(`${kind}: group ${gi} has ${g.params.length} params but ${g.names.length} names`);
      }
      for (const p of g.params) {
        if (seen.has(p)) throw new Error(`${kind}: a parameter appears in more than one group`);
        if (!p.isLeaf || !isContiguous(p.view) || p.view.offset !== 0) {
          throw new Error(`${kind}: parameters must be contiguous leaf tensors`);
        }
        seen.add(p);
      }
      return {
        params: g.params,
        keys: g.params.map((_, i) => g.names?.[i] ?? `${gi}.${i}`),
        lr: g.lr ?? defaults.lr,
        weightDecay: g.weightDecay ?? defaults.weightDecay,
      };
    });
  }

  /** One update of every parameter that has a gradient. */
  abstract step(): void;

  /** Sets every gradient to null (PyTorch's default set_to_none). */
  zeroGrad(): void {
    for (const g of this.groups) for (const p of g.params) p.grad = null;
  }

  /** Sets the learning rate of every group (what a schedule calls each epoch or step). */
  setLr(lr: number): void {
    for (const g of this.groups) g.lr = lr;
  }

  /** A copy of the state (buffers copied), for checkpoints. */
  state(): OptimizerState {
    const params: OptimizerState['params'] = {};
    for (const [key, s] of this.perParam) {
      const buffers: Record<string, FloatArray> = {};
      for (const [name, b] of Object.entries(s.buffers)) buffers[name] = b.slice();
      params[key] = { step: s.step, buffers };
    }
    return {
      kind: this.kind,
      groups: this.groups.map((g) => ({ lr: g.lr, weightDecay: g.weightDecay })),
      params,
    };
  }

  /** Restores a state saved by `state()`; says exactly what does not fit. */
  loadState(state: OptimizerState): void {
    if (state.kind !== this.kind) throw new Error(`${this.kind}.loadState: the state is for '${state.kind}'`);
    if (state.groups.length !== this.groups.length) {
      throw new Error(
        `${this.kind}.loadState: ${state.groups.length} groups saved, ${this.groups.length} here`,
      );
    }
    const sizes = new Map<string, number>();
    for (const g of this.groups) g.keys.forEach((k, i) => sizes.set(k, g.params[i]!.size));
    const problems: string[] = [];
    for (const [key, s] of Object.entries(state.params)) {
      const size = sizes.get(key);
      if (size === undefined) problems.push(`unexpected ${key}`);
      for (const [name, b] of Object.entries(s.buffers)) {
        if (size !== undefined && b.length !== size)
          problems.push(`${key}.${name}: ${b.length} values, ${size} expected`);
      }
    }
    if (problems.length > 0) throw new Error(`${this.kind}.loadState: ${problems.join('; ')}`);
    state.groups.forEach((g, i) => {
      this.groups[i]!.lr = g.lr;
      this.groups[i]!.weightDecay = g.weightDecay;
    });
    this.perParam.clear();
    for (const [key, s] of Object.entries(state.params)) {
      const buffers: Record<string, FloatArray> = {};
      for (const [name, b] of Object.entries(s.buffers)) buffers[name] = b.slice();
      this.perParam.set(key, { step: s.step, buffers });
    }
  }
}

function isGroupList(x: readonly ParamGroup[] | readonly Tensor[]): x is readonly ParamGroup[] {
  return x.length > 0 && 'params' in (x[0] as object);
}

/** The gradient's values in row-major order (a copy only when the gradient is a strided view). */
export function gradValues(p: Tensor): FloatArray | null {
  const g = p.grad;
  if (!g) return null;
  if (isContiguous(g.view) && g.view.offset === 0 && g.view.data.length === g.size) return g.view.data;
  return g.toArray();
}

/**
 * Two groups from named parameters: weights with `weightDecay`, and biases
 * (names ending in "bias") and other 1-D parameters without, as the authors' code does.
 */
export function weightDecayGroups(named: readonly [string, Tensor][], weightDecay: number): ParamGroup[] {
  const decay: ParamGroup = { params: [], names: [], weightDecay };
  const noDecay: ParamGroup = { params: [], names: [], weightDecay: 0 };
  for (const [name, p] of named) {
    const group = name.endsWith('bias') || p.rank <= 1 ? noDecay : decay;
    group.params.push(p);
    group.names!.push(name);
  }
  return [decay, noDecay];
}
