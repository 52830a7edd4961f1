/** The VGG conv stack: channels, pools, parameter count, small inputs. */
import { describe, expect, it } from 'vitest';
import {
  Conv2dReLU,
  MaxPool2d,
  randNormal,
  Rng,
  scaledChannels,
  vgg11Encoder,
  vggEncoder,
  VGG_CONFIGS,
} from '../../src/index.js';

describe('VGG-11 encoder', () => {
  it('has the 8 blocks of LPL-SPEC.md: conv3x3 pad 1 + ReLU, pools after blocks 1, 2, 4, 6, 8', () => {
    const net = vgg11Encoder({ inChannels: 3, width: 1 / 8, rng: new Rng(1) });
    expect(net.channels).toEqual([8, 16, 32, 32, 64, 64, 64, 64]);
    expect(net.pools).toEqual([true, true, false, true, false, true, false, true]);
    net.blocks.forEach((block, k) => {
      expect(block.layers[0] instanceof Conv2dReLU).toBe(true); // conv3x3 and its ReLU in one layer
      expect(block.layers.length).toBe(net.pools[k] ? 2 : 1);
      expect(block.layers.at(-1) instanceof MaxPool2d).toBe(net.pools[k]);
    });
    expect(
      net
        .namedParameters()
        .slice(0, 3)
        .map(([n]) => n),
    ).toEqual(['blocks.0.0.weight', 'blocks.0.0.bias', 'blocks.1.0.weight']);
    expect(net.outputSizes(32)).toEqual([16, 8, 8, 4, 4, 2, 2, 1]);
  });

  it('has the parameter count of torchvision’s VGG-11 features at width 1 (9,220,480)', () => {
    const channels = scaledChannels(VGG_CONFIGS.vgg11);
    expect(channels).toEqual([64, 128, 256, 256, 512, 512, 512, 512]);
    let inC = 3;
    let count = 0;
    for (const c of channels) {
      count += inC * c * 9 + c;
      inC = c;
    }
    expect(count).toBe(9_220_480);
    expect(vgg11Encoder({ inChannels: 3, rng: new Rng(1) }).parameterCount()).toBe(count);
  });

  it('rounds scaled channels and keeps at least one', () => {
    expect(scaledChannels(VGG_CONFIGS.vgg11, 0.3)).toEqual([19, 38, 77, 77, 154, 154, 154, 154]);
    expect(scaledChannels(VGG_CONFIGS.vgg11, 0.001)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(() => scaledChannels(VGG_CONFIGS.vgg11, 0)).toThrow(/width/);
  });

  it('28x28 inputs: the fifth pool (on a 1x1 map) is left out when inputSize is given', () => {
    const net = vgg11Encoder({ inChannels: 1, width: 1 / 32, inputSize: 28, rng: new Rng(2) });
    expect(net.skippedPools).toEqual([7]);
    expect(net.pools).toEqual([true, true, false, true, false, true, false, false]);
    expect(net.outputSizes(28)).toEqual([14, 7, 7, 3, 3, 1, 1, 1]);
    expect(net.forward(randNormal([2, 1, 28, 28], new Rng(3))).shape).toEqual([2, 16, 1, 1]);
    const strict = vgg11Encoder({ inChannels: 1, width: 1 / 32, rng: new Rng(2) });
    expect(() => strict.forward(randNormal([1, 1, 28, 28], new Rng(3)))).toThrow(
      /maxPool2d: kernel 2x2 is larger/,
    );
  });

  it('other depths are one line of config', () => {
    expect(vggEncoder('vgg16', { inChannels: 3, width: 1 / 64, rng: new Rng(4) }).blocks.length).toBe(13);
    expect(
      vggEncoder('vgg13', { inChannels: 3, width: 1 / 64, rng: new Rng(4) }).pools.filter(Boolean).length,
    ).toBe(5);
  });
});
