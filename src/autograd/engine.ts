/**
 * The tape engine of reverse-mode autograd.
 *
 * Every op is defined once with `defineOp`: a forward that runs kernels of the
 * current backend on views, and a backward written with Tensor ops. When any
 * input requires grad (and grad mode is on), the output records a GradNode
 * with an increasing id. Creation order is therefore a topological order:
 * `backward()` collects the nodes reachable from the output and visits them
 * by descending id, with no recursion.
 *
 * Gradients of broadcast inputs are summed back to the input's shape here,
 * once, so no op has to un-broadcast by itself.
 */
import type { Backend, View } from '../tensor/backend.js';
import { getBackend } from '../tensor/registry.js';
import { formatShape, sameShape, ShapeError } from '../tensor/shape.js';
import { Tensor, type GradNode } from '../tensor/tensor.js';
import { reshapeRowMajor } from '../tensor/view.js';

let gradEnabled = true;
let nextNodeId = 0;

/** Runs fn without recording any op (no graph, no gradients). */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** A tensor sharing t's values, cut from the graph: SG(t) in the paper's notation. */
export function detach(t: Tensor): Tensor {
  return new Tensor(t.view);
}

/**
 * An op's inputs as a tuple type: `[Tensor]`, `[Tensor, Tensor]`, `[Tensor, Tensor, Tensor?]`
 * (an optional bias), or `Tensor[]` for any number. The forward sees the same tuple of views,
 * and the backward returns one gradient (or null) per input, so a missing input or an extra
 * gradient is a compile error.
 */
export type Inputs = readonly (Tensor | undefined)[]; // undefined only as the type of an optional element
/** The inputs of an op of one and of two tensors. */
export type Unary = [x: Tensor];
export type Binary = [a: Tensor, b: Tensor];
export type ViewsOf<I extends Inputs> = { [K in keyof I]: View };
export type GradsOf<I extends Inputs> = { [K in keyof I]: Tensor | null };

export interface OpSpec<I extends Inputs, Attrs> {
  /** Validates shapes and attributes; throws a ShapeError naming the op. */
  check?(inputs: I, attrs: Attrs): void;
  /** Computes the output view with the backend's kernels. */
  forward(k: Backend, inputs: ViewsOf<I>, attrs: Attrs): View;
  /** Given g = ∂L/∂out, returns ∂L/∂input for each input (any broadcast shape, or null). */
  backward(g: Tensor, inputs: I, attrs: Attrs, out: Tensor): GradsOf<I>;
}

/**
 * An op whose forward leaves something of type S for its backward (max-pool's argmax):
 * the forward returns it beside the output, and the backward receives it, typed.
 */
export interface SavingOpSpec<I extends Inputs, Attrs, S> {
  check?(inputs: I, attrs: Attrs): void;
  forward(k: Backend, inputs: ViewsOf<I>, attrs: Attrs): { out: View; saved: S };
  backward(g: Tensor, inputs: I, attrs: Attrs, out: Tensor, saved: S): GradsOf<I>;
}

/** An op as applied: inputs and attributes in, a recorded output out. */
export type OpFn<I extends Inputs, Attrs> = (inputs: I, attrs: Attrs) => Tensor;

/** Every op defined so far, by name, in the saving form (used by tests to check coverage and re-apply ops). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const opTable = new Map<string, SavingOpSpec<any, any, any>>();

/** Defines an op: returns the function that applies it and records it on the tape. */
export function defineOp<I extends Inputs, Attrs = undefined>(
  name: string,
  spec: OpSpec<I, Attrs>,
): OpFn<I, Attrs> {
  return defineSavingOp<I, Attrs, undefined>(name, {
    check: spec.check,
    forward: (k, views, attrs) => ({ out: spec.forward(k, views, attrs), saved: undefined }),
    backward: (g, inputs, attrs, out) => spec.backward(g, inputs, attrs, out),
  });
}

/** Defines an op whose forward saves a value of type S for its backward. */
export function defineSavingOp<I extends Inputs, Attrs, S>(
  name: string,
  spec: SavingOpSpec<I, Attrs, S>,
): OpFn<I, Attrs> {
  if (opTable.has(name)) throw new Error(`defineOp: op '${name}' is defined twice`);
  opTable.set(name, spec);
  return (given, attrs) => {
    const inputs = given as readonly Tensor[]; // an optional input is absent from the array, never undefined in it
    const dtype = inputs[0]?.dtype;
    for (const t of inputs) {
      if (t.dtype !== dtype) throw new ShapeError(`${name}: dtypes differ: ${dtype} and ${t.dtype}`);
    }
    spec.check?.(given, attrs);
    const k = getBackend();
    inputs.forEach((t, i) => {
      if (t.device !== k.device) {
        throw new Error(
          `${name}: input ${i} (${formatShape(t.shape)}) lives on '${t.device}', but the backend in use, ` +
            `'${k.name}', keeps its data on '${k.device}'; move it with await t.to('${k.name}')`,
        );
      }
    });
    const views = inputs.map((t) => t.view) as unknown as ViewsOf<I>; // a map keeps the tuple's length
    const { out: outView, saved } = spec.forward(k, views, attrs);
    const out = new Tensor(outView);
    if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
      out.requiresGrad = true;
      const node: GradNode = {
        id: nextNodeId++,
        op: name,
        inputs,
        backward: (g) => spec.backward(g, given, attrs, out, saved),
      };
      out.node = node;
    }
    return out;
  };
}

/**
 * Back-propagates from `root`: accumulates ∂root/∂leaf into `leaf.grad` for
 * every leaf that requires grad. `root` must be a scalar unless `grad`
 * (∂L/∂root, same shape) is given.
 */
export function backward(root: Tensor, grad?: Tensor): void {
  if (!root.requiresGrad) {
    throw new Error(
      'backward: the tensor does not require grad (no input required grad, or it was made under noGrad)',
    );
  }
  if (grad === undefined) {
    if (root.size !== 1) {
      throw new ShapeError(
        `backward: the output has shape ${formatShape(root.shape)}; pass its gradient, or call backward on a scalar`,
      );
    }
    grad = new Tensor(getBackend().fill(root.shape, root.dtype, 1));
  } else if (!sameShape(grad.shape, root.shape) || grad.dtype !== root.dtype) {
    throw new ShapeError(
      `backward: gradient ${formatShape(grad.shape)} ${grad.dtype} does not match output ${formatShape(root.shape)} ${root.dtype}`,
    );
  }

  // 1. Collect every node reachable from root (iteratively).
  const byId = new Map<number, Tensor>();
  const stack: Tensor[] = [root];
  while (stack.length > 0) {
    const t = stack.pop()!;
    if (!t.node || byId.has(t.node.id)) continue;
    byId.set(t.node.id, t);
    for (const input of t.node.inputs) if (input.requiresGrad && input.node) stack.push(input);
  }
  const ids = [...byId.keys()].sort((a, b) => b - a);

  // 2. Visit nodes from the newest to the oldest, passing gradients to inputs.
  const pending = new Map<Tensor, Tensor>();
  noGrad(() => {
    if (!root.node) {
      accumulateLeaf(root, grad);
      return;
    }
    pending.set(root, grad);
    for (const id of ids) {
      const t = byId.get(id)!;
      const g = pending.get(t);
      if (!g) continue;
      pending.delete(t); // free intermediate gradients as soon as they are used
      const inputGrads = t.node!.backward(g);
      t.node!.inputs.forEach((input, i) => {
        const gi = inputGrads[i];
        if (!gi || !input.requiresGrad) return;
        const shaped = sumToShape(gi, input.shape, t.node!.op);
        if (input.node) {
          const previous = pending.get(input);
          pending.set(input, previous ? addTensors(previous, shaped) : shaped);
        } else {
          accumulateLeaf(input, shaped);
        }
      });
    }
  });
}

/**
 * leaf.grad += g. The first gradient is copied, so that every leaf owns a
 * row-major .grad: g may be a broadcast view (stride 0), or the very tensor
 * that another leaf or the caller also holds (y = a + b passes g to both).
 */
function accumulateLeaf(leaf: Tensor, g: Tensor): void {
  leaf.grad = leaf.grad ? addTensors(leaf.grad, g) : new Tensor(getBackend().copy(g.view));
}

function addTensors(a: Tensor, b: Tensor): Tensor {
  return new Tensor(getBackend().binary('add', a.view, b.view));
}

/**
 * Sums a gradient over the axes along which its input was broadcast, so that
 * it has the input's shape: leading extra axes, and axes where the input had size 1.
 */
export function sumToShape(g: Tensor, shape: readonly number[], op: string): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.rank - shape.length;
  if (lead < 0) {
    throw new ShapeError(
      `${op}: gradient ${formatShape(g.shape)} has lower rank than its input ${formatShape(shape)}`,
    );
  }
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
    else if (shape[i - lead] !== g.shape[i]) {
      throw new ShapeError(
        `${op}: gradient ${formatShape(g.shape)} does not broadcast to input ${formatShape(shape)}`,
      );
    }
  }
  const k = getBackend();
  const summed = axes.length > 0 ? k.reduce('sum', g.view, axes) : k.contiguous(g.view);
  return new Tensor(reshapeRowMajor(k.contiguous(summed), shape));
}
