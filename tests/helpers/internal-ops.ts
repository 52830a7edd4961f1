/**
 * Direct access to ops that the public API only applies inside a backward
 * pass (conv2dInputGrad, conv2dWeightGrad, avgPool2dGrad, maxPool2dGrad).
 * backward() runs under noGrad, so their own backward is never reached by
 * differentiating through a gradient; to gradcheck it, a test re-registers the
 * op's spec (same forward, same backward) under an alias and applies that.
 */
import { defineSavingOp, opTable, type Inputs, type OpFn } from '../../src/autograd/engine.js';

/** Names registered by `internalOp`; the op-coverage test ignores them. */
export const aliasNames = new Set<string>();
const aliases = new Map<string, OpFn<Inputs, unknown>>();

export function internalOp<Attrs>(name: string): OpFn<Inputs, Attrs> {
  const spec = opTable.get(name);
  if (!spec) throw new Error(`internalOp: no op named '${name}'`);
  let fn = aliases.get(name);
  if (!fn) {
    const alias = `${name} (applied directly by a test)`;
    aliasNames.add(alias);
    fn = defineSavingOp(alias, spec);
    aliases.set(name, fn);
  }
  return fn as OpFn<Inputs, Attrs>;
}
