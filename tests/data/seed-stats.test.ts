import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ImageDataset } from '../../src/data/dataset.js';
import { keyedRng, murmur3Words } from '../../src/data/seed.js';
import { channelStats } from '../../src/data/stats.js';

describe('seed derivation', () => {
  it('is a pure function of the keys and separates nearby keys', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(1000), fc.nat(100000), (seed, epoch, index) => {
        expect(keyedRng(seed, epoch, index).state()).toEqual(keyedRng(seed, epoch, index).state());
        expect(keyedRng(seed, epoch, index).next()).not.toBe(keyedRng(seed, epoch, index + 1).next());
        expect(keyedRng(seed, epoch, index).state()).not.toEqual(keyedRng(seed + 1, epoch, index).state());
      }),
    );
    // MurmurHash3_x86_32 of the empty input with seed 0 is 0; with seed 1 it is 0x514e28b7
    expect(murmur3Words([], 0)).toBe(0);
    expect(murmur3Words([], 1)).toBe(0x514e28b7);
    expect(() => keyedRng(1.5)).toThrow(/integer/);
  });
});

describe('channelStats', () => {
  it('computes per-channel mean and population std in [0, 1] units', () => {
    const ds: ImageDataset = {
      // two 1×2 images with 2 channels: channel 0 = 0, 255, 0, 255; channel 1 = 51 everywhere
      images: Uint8Array.from([0, 255, 51, 51, 0, 255, 51, 51]),
      labels: Int32Array.from([0, 0]),
      n: 2,
      channels: 2,
      height: 1,
      width: 2,
      classes: ['x'],
      source: 'test',
    };
    const stats = channelStats(ds);
    expect(stats.mean[0]).toBeCloseTo(0.5, 12);
    expect(stats.std[0]).toBeCloseTo(0.5, 12);
    expect(stats.mean[1]).toBeCloseTo(0.2, 12);
    expect(stats.std[1]).toBeCloseTo(0, 6);
  });
});
