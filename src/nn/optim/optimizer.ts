/**
 * What every optimizer shares: parameter groups with their own learning rate
 * and weight decay, `zeroGrad()`, and a state that can be saved and restored.
 *
 * Parameters are updated in place on their data, outside the autograd tape,
 * by one backend kernel per parameter (`adamUpdate`, `sgdUpdate`): on a
 * device backend the parameters and the optimizer's buffers never leave the
 * device. The reference backend's kernels are the plain loops that say what
 * an update is.
 */
import type { Backend, FloatArray, View } from '../../tensor/backend.js';
import { getBackend } from '../../tensor/registry.js';
import { fromArray, zeros, type Tensor } from '../../tensor/tensor.js';
import { formatShape } from '../../tensor/shape.js';
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

/** Everything needed to resume: per-group hyper-parameters, per-parameter step counts and buffers (host copies). */
export interface OptimizerState {
  kind: string;
  groups: { lr: number; weightDecay: number }[];
  params: Record<string, { step: number; buffers: Record<string, FloatArray> }>;
}

export abstract class Optimizer {
  readonly groups: ResolvedGroup[];
  /** Step count and buffers (e.g. Adam's m and v, shaped like the parameter) by parameter key. */
  protected readonly perParam = new Map<string, { step: number; buffers: Record<string, Tensor> }>();

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

  /** Every buffer the optimizer keeps between steps (Adam's m and v, SGD's momentum). */
  stateTensors(): Tensor[] {
    return [...this.perParam.values()].flatMap((s) => Object.values(s.buffers));
  }

  /** Moves the optimizer's buffers to `backend` in place (the parameters move with their module). */
  async moveTo(backend: string | Backend): Promise<void> {
    for (const s of this.perParam.values()) for (const b of Object.values(s.buffers)) await b.moveTo(backend);
  }

  /** A copy of the state (buffers read back to the host), for checkpoints. */
  async state(): Promise<OptimizerState> {
    const params: OptimizerState['params'] = {};
    for (const [key, s] of this.perParam) {
      const buffers: Record<string, FloatArray> = {};
      for (const [name, b] of Object.entries(s.buffers)) buffers[name] = await b.data();
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
    const shapes = new Map<string, readonly number[]>();
    for (const g of this.groups) g.keys.forEach((k, i) => shapes.set(k, g.params[i]!.shape));
    this.perParam.clear();
    for (const [key, s] of Object.entries(state.params)) {
      const buffers: Record<string, Tensor> = {};
      for (const [name, b] of Object.entries(s.buffers))
        buffers[name] = fromArray(b.slice(), shapes.get(key)!);
      this.perParam.set(key, { step: s.step, buffers });
    }
  }

  /** The state of parameter `key` (its buffers created as zeros shaped like p on first use). */
  protected stateOf(
    key: string,
    p: Tensor,
    bufferNames: readonly string[],
  ): { step: number; buffers: Record<string, Tensor> } {
    let s = this.perParam.get(key);
    if (!s) {
      const buffers: Record<string, Tensor> = {};
      for (const name of bufferNames) buffers[name] = zeros(p.shape, { dtype: p.dtype });
      s = { step: 0, buffers };
      this.perParam.set(key, s);
    }
    return s;
  }
}

function isGroupList(x: readonly ParamGroup[] | readonly Tensor[]): x is readonly ParamGroup[] {
  return x.length > 0 && 'params' in (x[0] as object);
}

/**
 * The gradient of p as a row-major view on the backend in use (a copy only
 * when the gradient is a strided view), or null when none arrived. Checks
 * that p and its gradient live where that backend keeps its data.
 */
export function gradView(p: Tensor, kind: string): View | null {
  const g = p.grad;
  if (!g) return null;
  const k = getBackend();
  for (const [what, t] of [
    ['parameter', p],
    ['gradient', g],
  ] as const) {
    if (t.device !== k.device) {
      throw new Error(
        `${kind}: a ${formatShape(t.shape)} ${what} lives on '${t.device}' but the backend in use, ` +
          `'${k.name}', keeps its data on '${k.device}'`,
      );
    }
  }
  return k.contiguous(g.view);
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
