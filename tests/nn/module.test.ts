/** Module: dotted parameter names, train/eval, state dicts and their errors. */
import { describe, expect, it } from 'vitest';
import {
  Conv2d,
  Linear,
  Module,
  ReLU,
  Rng,
  Sequential,
  StateDictError,
  tensor,
  type Tensor,
} from '../../src/index.js';

class TwoLayer extends Module {
  readonly body: Sequential;
  readonly head: Linear;
  constructor(rng: Rng, hidden = 4) {
    super();
    this.body = this.addModule('body', new Sequential(new Linear(3, hidden, { rng }), new ReLU()));
    this.head = this.addModule('head', new Linear(hidden, 2, { rng, bias: false }));
  }
  forward(x: Tensor): Tensor {
    return this.head.forward(this.body.forward(x));
  }
}

describe('Module', () => {
  it('names parameters with dots, depth first, in registration order; all require grad', () => {
    const m = new TwoLayer(new Rng(1));
    expect(m.namedParameters().map(([n]) => n)).toEqual(['body.0.weight', 'body.0.bias', 'head.weight']);
    expect(m.parameters().every((p) => p.requiresGrad)).toBe(true);
    expect(m.parameterCount()).toBe(3 * 4 + 4 + 4 * 2);
    expect(m.namedChildren().map(([n]) => n)).toEqual(['body', 'head']);
  });

  it('train/eval set the flag on every descendant', () => {
    const m = new TwoLayer(new Rng(1));
    m.eval();
    expect([m, m.body, ...m.body.layers, m.head].every((x) => !x.training)).toBe(true);
    m.train();
    expect([m, m.body, ...m.body.layers, m.head].every((x) => x.training)).toBe(true);
  });

  it('loadStateDict copies values in place, so outputs match and tensors stay the same objects', () => {
    const a = new TwoLayer(new Rng(1));
    const b = new TwoLayer(new Rng(2));
    const x = tensor([1, -2, 0.5, 3, 0, -1], [2, 3]);
    const weightBefore = b.head.weight;
    expect(Array.from(b.forward(x).toArray())).not.toEqual(Array.from(a.forward(x).toArray()));
    b.loadStateDict(a.stateDict());
    expect(Array.from(b.forward(x).toArray())).toEqual(Array.from(a.forward(x).toArray()));
    expect(b.head.weight).toBe(weightBefore);
  });

  it('a state dict that does not fit lists every missing, unexpected and mismatched entry', () => {
    const m = new TwoLayer(new Rng(1));
    const state = new Map(m.stateDict());
    state.delete('body.0.bias');
    state.set('extra.weight', tensor([1], [1]));
    state.set('head.weight', tensor(new Array(10).fill(0), [2, 5]));
    try {
      m.loadStateDict(state, { source: 'run.safetensors' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(StateDictError);
      const err = e as StateDictError;
      expect(err.missing).toEqual(['body.0.bias']);
      expect(err.unexpected).toEqual(['extra.weight']);
      expect(err.mismatched).toEqual(['head.weight: shape [2,5] given, [2,4] expected']);
      expect(err.message).toMatch(
        /^run\.safetensors does not fit the model: missing \(1\): body\.0\.bias; unexpected/,
      );
    }
    const wrongType = new Map(m.stateDict());
    wrongType.set('head.weight', tensor(new Array(8).fill(0), [2, 4], { dtype: 'float64' }));
    expect(() => m.loadStateDict(wrongType)).toThrow(/head\.weight: dtype float64 given, float32 expected/);
  });

  it('rejects duplicate or dotted names', () => {
    class Bad extends Module {
      constructor(name: string) {
        super();
        this.addModule('a', new ReLU());
        this.addModule(name, new ReLU());
      }
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    expect(() => new Bad('a')).toThrow(/registered twice/);
    expect(() => new Bad('b.c')).toThrow(/invalid name/);
  });

  it('zeroGrad clears gradients', () => {
    const conv = new Conv2d(1, 2, 3, { rng: new Rng(3), padding: 1 });
    conv
      .forward(tensor(new Array(16).fill(1), [1, 1, 4, 4]))
      .sum()
      .backward();
    expect(conv.weight.grad).not.toBeNull();
    conv.zeroGrad();
    expect(conv.parameters().every((p) => p.grad === null)).toBe(true);
  });
});
