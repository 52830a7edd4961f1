/** Adam and SGD against steps computed by hand, parameter groups, and saved state. */
import { describe, expect, it } from 'vitest';
import { Adam, Linear, Rng, SGD, sum, tensor, weightDecayGroups, type Tensor } from '../../src/index.js';

const param = (values: number[]): Tensor =>
  tensor(values, [values.length], { dtype: 'float64', requiresGrad: true });
const setGrad = (p: Tensor, values: number[]): void => {
  p.grad = tensor(values, [values.length], { dtype: 'float64' });
};

describe('Adam (PyTorch semantics, coupled L2 decay)', () => {
  it('matches two steps computed by hand, with decay on the weight group only', async () => {
    const w = param([1, -2]);
    const b = param([0.5]);
    const opt = new Adam(
      [
        { params: [w], weightDecay: 0.1 },
        { params: [b], weightDecay: 0 },
      ],
      { lr: 0.1 },
    );
    setGrad(w, [0.5, 0]);
    setGrad(b, [-1]);
    opt.step();
    // Step 1, w: g' = g + 0.1·θ = (0.6, −0.2); m = 0.1·g' ; v = 0.001·g'²;
    // m̂ = g', √v̂ = |g'|, so θ ← θ − 0.1·g'/(|g'| + 1e-8)
    expect(w.toArray()[0]).toBeCloseTo(1 - (0.1 * 0.6) / (0.6 + 1e-8), 15);
    expect(w.toArray()[1]).toBeCloseTo(-2 + (0.1 * 0.2) / (0.2 + 1e-8), 15);
    // b: no decay, g = −1: θ ← 0.5 + 0.1/(1 + 1e-8)
    expect(b.toArray()[0]).toBeCloseTo(0.5 + 0.1 / (1 + 1e-8), 15);

    setGrad(w, [-0.3, 0.4]);
    setGrad(b, [2]);
    opt.step();
    // Step 2, w[0]: g' = −0.3 + 0.1·0.9 = −0.21; m = 0.9·0.06 + 0.1·(−0.21) = 0.033;
    // v = 0.999·0.00036 + 0.001·0.0441 = 0.00040374; bias corrections 1 − 0.9² = 0.19, 1 − 0.999² = 0.001999;
    // θ = 0.9 − (0.1/0.19)·0.033/(√0.00040374/√0.001999 + 1e-8) = 0.86135299721…
    expect(w.toArray()[0]).toBeCloseTo(0.8613529972101512, 12);
    expect(w.toArray()[1]).toBeCloseTo(-1.9076998029693946, 12);
    expect(b.toArray()[0]).toBeCloseTo(0.5633896465279251, 12);
    const state = (await opt.state()).params['0.0']!;
    expect(state.step).toBe(2);
    expect(state.buffers.m![0]).toBeCloseTo(0.033, 10);
    expect(state.buffers.v![0]).toBeCloseTo(0.00040374, 12);
  });

  it('weightDecayGroups: weights decay, biases do not; names key the state', async () => {
    const layer = new Linear(3, 2, { rng: new Rng(1), dtype: 'float64' });
    const groups = weightDecayGroups(layer.namedParameters(), 1.5e-6);
    expect(groups.map((g) => g.names)).toEqual([['weight'], ['bias']]);
    expect(groups.map((g) => g.weightDecay)).toEqual([1.5e-6, 0]);
    // with zero gradients only decay moves a parameter: the weight moves, the bias does not
    const opt = new Adam(groups, { lr: 0.01 });
    const w0 = layer.weight.toArray().slice();
    const b0 = layer.bias!.toArray().slice();
    layer.weight.grad = tensor(new Array(6).fill(0), [2, 3], { dtype: 'float64' });
    layer.bias!.grad = tensor([0, 0], [2], { dtype: 'float64' });
    opt.step();
    expect(Array.from(layer.bias!.toArray())).toEqual(Array.from(b0));
    layer.weight.toArray().forEach((v, i) => expect(Math.abs(v)).toBeLessThan(Math.abs(w0[i]!)));
    expect(Object.keys((await opt.state()).params).sort()).toEqual(['bias', 'weight']);
  });

  it('skips parameters without a gradient and accepts strided gradients', async () => {
    const a = param([1, 2, 3]);
    const b = param([4]);
    const opt = new Adam([a, b], { lr: 0.5 });
    sum(a).backward(); // ∂/∂a = 1 everywhere (a broadcast view)
    opt.step();
    expect(Array.from(a.toArray()).map((v, i) => v - (i + 1))).toEqual(
      [-0.5, -0.5, -0.5].map((x) => expect.closeTo(x, 6)),
    );
    expect(b.toArray()[0]).toBe(4);
    expect((await opt.state()).params['0.1']).toBeUndefined();
    opt.zeroGrad();
    expect(a.grad).toBeNull();
  });

  it('state()/loadState() resume exactly; a state for other parameters is refused', async () => {
    const make = () => {
      const layer = new Linear(3, 2, { rng: new Rng(5), dtype: 'float64' });
      return { layer, opt: new Adam(weightDecayGroups(layer.namedParameters(), 0.01), { lr: 0.05 }) };
    };
    const grads = (layer: Linear, k: number) => {
      layer.weight.grad = tensor([1, -2, 3, 0.5, k, -k], [2, 3], { dtype: 'float64' });
      layer.bias!.grad = tensor([k, 1], [2], { dtype: 'float64' });
    };
    const a = make();
    grads(a.layer, 1);
    a.opt.step();
    const b = make();
    b.layer.loadStateDict(a.layer.stateDict());
    b.opt.loadState(await a.opt.state());
    for (const run of [a, b]) {
      grads(run.layer, 2);
      run.opt.step();
    }
    expect(Array.from(b.layer.weight.toArray())).toEqual(Array.from(a.layer.weight.toArray()));
    expect(Array.from(b.layer.bias!.toArray())).toEqual(Array.from(a.layer.bias!.toArray()));

    const other = new Adam([param([1, 2, 3, 4])], { lr: 0.1 });
    const saved = await a.opt.state();
    expect(() => other.loadState(saved)).toThrow(/2 groups saved, 1 here/);
    const sgd = new SGD([param([1])], { lr: 0.1 });
    expect(() => sgd.loadState(saved)).toThrow(/for 'adam'/);
  });

  it('setLr changes every group', () => {
    const opt = new Adam(weightDecayGroups(new Linear(2, 2, { rng: new Rng(1) }).namedParameters(), 0.1));
    opt.setLr(0.25);
    expect(opt.groups.map((g) => g.lr)).toEqual([0.25, 0.25]);
  });
});

describe('SGD with momentum', () => {
  it('matches two steps computed by hand', () => {
    const w = param([1]);
    const opt = new SGD([w], { lr: 0.1, momentum: 0.9, weightDecay: 0.1 });
    setGrad(w, [0.5]);
    opt.step(); // g' = 0.5 + 0.1 = 0.6; buf = 0.6; θ = 1 − 0.06
    expect(w.toArray()[0]).toBeCloseTo(0.94, 15);
    setGrad(w, [-0.2]);
    opt.step(); // g' = −0.2 + 0.094 = −0.106; buf = 0.54 − 0.106 = 0.434; θ = 0.94 − 0.0434
    expect(w.toArray()[0]).toBeCloseTo(0.8966, 15);
  });

  it('Nesterov uses g + μ·buf', () => {
    const w = param([1]);
    const opt = new SGD([w], { lr: 0.1, momentum: 0.5, nesterov: true });
    setGrad(w, [1]);
    opt.step(); // buf = 1; update = 1 + 0.5 = 1.5
    expect(w.toArray()[0]).toBeCloseTo(0.85, 15);
  });
});
