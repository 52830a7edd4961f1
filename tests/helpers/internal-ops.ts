/**
 * Direct access to ops that the public API only applies inside a backward
 * pass (conv2dInputGrad, conv2dWeightGrad, avgPool2dGrad, maxPool2dGrad).
 * backward() runs under noGrad, so their own backward is never reached by
 * differentiating through a gradient; to gradcheck it, a test re-registers the
 * op's spec (same forward, same backward) under an alias and applies that.
 */
import { defineOp, opTable, type OpFn, type OpSpec } from '../../src/autograd/engine.js';

/** Names registered by `internalOp`; the op-coverage test ignores them. */
export const aliasNames = new Set<string>();
const aliases = new Map<string, OpFn<never>>();

export function internalOp<Attrs>(name: string): OpFn<Attrs> {
  const spec = opTable.get(name);
  if (!spec) throw new Error(`internalOp: no op named '${name}'`);
  let fn = aliases.get(name);
  if (!fn) {
    const alias = `${name} (applied directly by a test)`;
    aliasNames.add(alias);
    fn = defineOp(alias, spec as OpSpec<never>);
    aliases.set(name, fn);
  }
  return fn as unknown as OpFn<Attrs>;
}
