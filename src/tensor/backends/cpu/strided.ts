/**
 * Walking several strided views in lock-step with plain nested loops.
 *
 * Size-1 axes are dropped and neighbouring axes merged wherever every view
 * steps through them as through one axis (stride[i] = stride[i+1]·size[i+1]),
 * so a contiguous tensor becomes one long axis and a per-channel broadcast
 * [N,C,H,W] + [C,1,1] becomes three: [N, C, H·W] with strides [0, 1, 0] for
 * the bias. The result is padded in front to exactly 4 axes; views that need
 * more are left to the reference backend.
 */
import type { Shape } from '../../shape.js';

export const LOOP_RANK = 4;

export interface Loops {
  /** 4 sizes, outermost first. */
  shape: number[];
  /** Per view, 4 strides. */
  strides: number[][];
}

/** Merges the axes of `shape` walked by views with the given strides; null if more than 4 remain. */
export function mergeAxes(shape: Shape, strides: readonly (readonly number[])[]): Loops | null {
  const keep: number[] = [];
  for (let i = 0; i < shape.length; i++) if (shape[i] !== 1) keep.push(i);
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (const axis of keep) {
    const size = shape[axis]!;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strides.every((s, v) => outStrides[v]![last] === s[axis]! * size);
    if (mergeable) {
      outShape[last] = outShape[last]! * size;
      strides.forEach((s, v) => (outStrides[v]![last] = s[axis]!));
    } else {
      outShape.push(size);
      strides.forEach((s, v) => outStrides[v]!.push(s[axis]!));
    }
  }
  if (outShape.length > LOOP_RANK) return null;
  while (outShape.length < LOOP_RANK) {
    outShape.unshift(1);
    outStrides.forEach((s) => s.unshift(0));
  }
  return { shape: outShape, strides: outStrides };
}
