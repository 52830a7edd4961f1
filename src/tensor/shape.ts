/**
 * Shapes, strides and broadcasting, with errors that name the op and the shapes.
 *
 * A shape is a list of non-negative integer sizes, outermost first (row-major).
 * Broadcasting follows NumPy: shapes are aligned on the right; two sizes are
 * compatible when equal or when one of them is 1.
 */

export type Shape = readonly number[];

/** An error about shapes or arguments, always naming the op at fault. */
export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

/** `[2,3]` as written in error messages. */
export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

/** Throws unless every size is a non-negative integer. */
export function checkShape(op: string, shape: Shape): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: sizes must be non-negative integers, got ${formatShape(shape)}`);
    }
  }
}

/** Number of elements: the product of the sizes (1 for a scalar, shape []). */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides: the last axis has stride 1. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The broadcast shape of a and b (NumPy rules), or a ShapeError naming `op`. */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes cannot be broadcast together: ${formatShape(a)} and ${formatShape(b)}`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Normalises a list of axes against a rank: negative axes count from the end;
 * undefined means every axis. Axes are returned sorted and unique.
 */
export function normalizeAxes(
  op: string,
  axes: number | readonly number[] | undefined,
  rank: number,
): number[] {
  if (axes === undefined) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axes === 'number' ? [axes] : axes;
  const seen = new Set<number>();
  for (const a of list) {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw new ShapeError(`${op}: axis ${a} is out of range for a tensor of rank ${rank}`);
    }
    const axis = a < 0 ? a + rank : a;
    if (seen.has(axis)) throw new ShapeError(`${op}: axis ${a} is repeated`);
    seen.add(axis);
  }
  return [...seen].sort((x, y) => x - y);
}

/** The shape after reducing `axes`: kept as size 1, or removed. */
export function reducedShape(shape: Shape, axes: readonly number[], keepDims: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < shape.length; i++) {
    if (axes.includes(i)) {
      if (keepDims) out.push(1);
    } else out.push(shape[i]!);
  }
  return out;
}

/** Resolves one -1 in a reshape target against the element count. */
export function resolveReshape(op: string, from: Shape, to: readonly number[]): number[] {
  const total = sizeOf(from);
  let unknown = -1;
  let known = 1;
  to.forEach((d, i) => {
    if (d === -1) {
      if (unknown >= 0) throw new ShapeError(`${op}: only one size may be -1, got ${formatShape(to)}`);
      unknown = i;
    } else {
      if (!Number.isInteger(d) || d < 0) {
        throw new ShapeError(`${op}: sizes must be non-negative integers or -1, got ${formatShape(to)}`);
      }
      known *= d;
    }
  });
  const out = [...to];
  if (unknown >= 0) {
    if (known === 0 || total % known !== 0) {
      throw new ShapeError(
        `${op}: cannot reshape ${formatShape(from)} (${total} elements) to ${formatShape(to)}`,
      );
    }
    out[unknown] = total / known;
  }
  if (sizeOf(out) !== total) {
    throw new ShapeError(
      `${op}: cannot reshape ${formatShape(from)} (${total} elements) to ${formatShape(to)}`,
    );
  }
  return out;
}

/** Output size of a sliding window (conv, pooling) along one axis. */
export function windowOutputSize(
  input: number,
  kernel: number,
  stride: number,
  padBefore: number,
  padAfter = padBefore,
): number {
  return Math.floor((input + padBefore + padAfter - kernel) / stride) + 1;
}
