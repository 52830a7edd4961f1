/**
 * Module: the base of every layer and network, as in PyTorch's nn.Module.
 *
 * A module owns named parameters (Tensors with requiresGrad = true) and named
 * child modules. Names nest with dots, so a VGG's first conv weight is
 * `blocks.0.0.weight`. `stateDict()` lists every parameter under its dotted
 * name; `loadStateDict()` copies values back in place (so an optimizer that
 * holds the parameter tensors keeps working) and, when names, shapes or dtypes
 * do not match, throws one error that lists every mismatch.
 */
import { formatShape } from '../tensor/shape.js';
import type { Backend } from '../tensor/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import { getBackend } from '../tensor/registry.js';

/** Parameters by dotted name, in registration order (depth first). */
export type StateDict = Map<string, Tensor>;

export abstract class Module {
  /** Training or evaluation mode (no layer here behaves differently yet; kept for dropout/BN-like layers). */
  training = true;
  private readonly ownParameters = new Map<string, Tensor>();
  private readonly ownChildren = new Map<string, Module>();

  /** The module's computation. */
  abstract forward(x: Tensor): Tensor;

  /** Registers a parameter under `name`; marks it requiresGrad. */
  protected addParameter(name: string, value: Tensor): Tensor {
    checkName(name, this.ownParameters, this.ownChildren);
    value.requiresGrad = true;
    this.ownParameters.set(name, value);
    return value;
  }

  /** Registers a child module under `name`. */
  protected addModule<M extends Module>(name: string, child: M): M {
    checkName(name, this.ownParameters, this.ownChildren);
    this.ownChildren.set(name, child);
    return child;
  }

  /** [name, child] for the direct children. */
  namedChildren(): [string, Module][] {
    return [...this.ownChildren.entries()];
  }

  children(): Module[] {
    return [...this.ownChildren.values()];
  }

  /** [dotted name, parameter] for this module's parameters, then each child's, depth first. */
  namedParameters(prefix = ''): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, p] of this.ownParameters) out.push([prefix + name, p]);
    for (const [name, child] of this.ownChildren) out.push(...child.namedParameters(`${prefix}${name}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, p]) => p);
  }

  /** Total number of scalar parameters. */
  parameterCount(): number {
    return this.parameters().reduce((n, p) => n + p.size, 0);
  }

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    this.training = mode;
    for (const child of this.ownChildren.values()) child.train(mode);
    return this;
  }

  /** Evaluation mode: `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** Moves every parameter to `backend` in place (the model's tensors stay the same objects). */
  async moveTo(backend: string | Backend): Promise<void> {
    for (const p of this.parameters()) await p.moveTo(backend);
  }

  /** Sets every parameter's gradient to null (PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** The live parameter tensors by dotted name (not copies: read them, or copy before changing). */
  stateDict(): StateDict {
    return new Map(this.namedParameters());
  }

  /**
   * Copies `state` into the parameters, in place. Throws a StateDictError that
   * lists every missing, unexpected and mismatched (shape or dtype) entry;
   * `source` (e.g. a file name) is named in the message.
   */
  loadStateDict(state: StateDict, opts: { source?: string } = {}): void {
    const own = this.stateDict();
    const missing = [...own.keys()].filter((name) => !state.has(name));
    const unexpected = [...state.keys()].filter((name) => !own.has(name));
    const mismatched: string[] = [];
    for (const [name, p] of own) {
      const q = state.get(name);
      if (!q) continue;
      if (formatShape(q.shape) !== formatShape(p.shape)) {
        mismatched.push(`${name}: shape ${formatShape(q.shape)} given, ${formatShape(p.shape)} expected`);
      } else if (q.dtype !== p.dtype) {
        mismatched.push(`${name}: dtype ${q.dtype} given, ${p.dtype} expected`);
      }
    }
    if (missing.length + unexpected.length + mismatched.length > 0) {
      throw new StateDictError(opts.source ?? 'state dict', missing, unexpected, mismatched);
    }
    const k = getBackend();
    for (const [name, p] of own) {
      const q = state.get(name)!;
      // values from elsewhere (a file read into host memory, say) are uploaded first
      const source = q.device === p.device ? q.view : k.upload(q.dataSync(), q.shape);
      k.assign(p.view, source);
    }
  }
}

/** A state dict that does not fit a module: every problem listed, by name. */
export class StateDictError extends Error {
  constructor(
    readonly source: string,
    readonly missing: string[],
    readonly unexpected: string[],
    readonly mismatched: string[],
  ) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`missing ${listNames(missing)}`);
    if (unexpected.length > 0) parts.push(`unexpected ${listNames(unexpected)}`);
    if (mismatched.length > 0) parts.push(`mismatched ${listNames(mismatched)}`);
    super(`${source} does not fit the model: ${parts.join('; ')}`);
    this.name = 'StateDictError';
  }
}

/** At most 20 entries, then a count, so a whole-network mismatch stays readable. */
function listNames(names: string[]): string {
  const shown = names.slice(0, 20).join(', ');
  return `(${names.length}): ${shown}${names.length > 20 ? `, … ${names.length - 20} more` : ''}`;
}

function checkName(name: string, params: Map<string, unknown>, children: Map<string, unknown>): void {
  if (name === '' || name.includes('.'))
    throw new Error(`Module: invalid name '${name}' (empty or with a dot)`);
  if (params.has(name) || children.has(name)) throw new Error(`Module: name '${name}' is registered twice`);
}
