import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CIFAR10_STATS } from '../../src/data/stats.js';
import {
  evalTransform,
  maybeColorJitter,
  randomColorJitter,
  randomGaussianBlur,
  randomGrayscale,
  randomHorizontalFlip,
  randomResizedCrop,
  simclrAugment,
  simclrAugmentOptions,
} from '../../src/data/augment.js';
import { blurKernelSize, gaussianBlur, gaussianKernel1d, reflectIndex } from '../../src/data/blur.js';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation, toGrayscale } from '../../src/data/color.js';
import type { FloatImage } from '../../src/data/image.js';
import { toFloatImage } from '../../src/data/image.js';
import { resizeCrop, resizeUint8 } from '../../src/data/resize.js';
import {
  denormalize,
  horizontalFlip,
  normalize,
  randomResizedCropBox,
  resizedCrop,
  roundHalfEven,
} from '../../src/data/transforms.js';
import { Rng } from '../../src/tensor/random.js';

/** A random float image [C, H, W] with values in [0, 1] (no NaN, no −0 surprises: built from bytes). */
const floatImage = (channels?: number) =>
  fc
    .record({
      channels: channels === undefined ? fc.constantFrom(1, 3) : fc.constant(channels),
      height: fc.integer({ min: 1, max: 12 }),
      width: fc.integer({ min: 1, max: 12 }),
      seed: fc.integer({ min: 0, max: 1e6 }),
    })
    .map(({ channels: c, height, width, seed }): FloatImage => {
      const rng = new Rng(seed);
      const data = Float32Array.from({ length: c * height * width }, () => rng.next());
      return { data, channels: c, height, width };
    });

const bytesImage = fc
  .record({
    channels: fc.constantFrom(1, 3),
    height: fc.integer({ min: 2, max: 20 }),
    width: fc.integer({ min: 2, max: 20 }),
    seed: fc.integer({ min: 0, max: 1e6 }),
  })
  .map(({ channels, height, width, seed }) => {
    const rng = new Rng(seed);
    const pixels = Uint8Array.from({ length: channels * height * width }, () => rng.int(256));
    return { pixels, channels, height, width };
  });

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

const allFinite = (a: Float32Array) => a.every((v) => Number.isFinite(v));

describe('geometry', () => {
  it('flipping twice is the identity, and flips in place too', () => {
    fc.assert(
      fc.property(floatImage(), (img) => {
        expect(horizontalFlip(horizontalFlip(img)).data).toEqual(img.data);
        const copy = { ...img, data: img.data.slice() };
        horizontalFlip(copy, copy);
        expect(copy.data).toEqual(horizontalFlip(img).data);
      }),
    );
  });

  it('a crop of the full image at its own size is the identity', () => {
    fc.assert(
      fc.property(bytesImage, ({ pixels, channels, height, width }) => {
        const rng = new Rng(1);
        const box = randomResizedCropBox(rng, height, width, [1, 1], [width / height, width / height]);
        expect(box).toEqual({ top: 0, left: 0, height, width });
        const out = resizedCrop(pixels, channels, height, width, box, height, width, 1 / 255);
        expect(maxAbsDiff(out.data, toFloatImage(pixels, channels, height, width).data)).toBeLessThan(1e-6);
      }),
    );
  });

  it('crop boxes stay inside the image, follow the scale range, and fall back to the centre', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.integer({ min: 1, max: 64 }), fc.nat(), (h, w, seed) => {
        const box = randomResizedCropBox(new Rng(seed), h, w);
        expect(box.top).toBeGreaterThanOrEqual(0);
        expect(box.left).toBeGreaterThanOrEqual(0);
        expect(box.height).toBeGreaterThanOrEqual(1);
        expect(box.top + box.height).toBeLessThanOrEqual(h);
        expect(box.left + box.width).toBeLessThanOrEqual(w);
      }),
    );
    // scale (2, 3) can never fit: the fallback is the centre crop with the ratio clamped into (3/4, 4/3)
    expect(randomResizedCropBox(new Rng(0), 32, 32, [2, 3])).toEqual({ top: 0, left: 0, height: 32, width: 32 });
    expect(randomResizedCropBox(new Rng(0), 10, 40, [2, 3])).toEqual({ top: 0, left: 13, height: 10, width: 13 });
    expect(randomResizedCropBox(new Rng(0), 40, 10, [2, 3])).toEqual({ top: 13, left: 0, height: 13, width: 10 });
  });

  it('rounds halves to even like Python', () => {
    expect([0.5, 1.5, 2.5, 3.5, -2.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 4, -2, 2, 3]);
  });

  it('bilinear resize matches F.interpolate(align_corners=False) and preserves constants', () => {
    // 1×2 → 1×4: centres at −0.25 (clamped), 0.25, 0.75, 1.25 (clamped) in input pixel coordinates
    const up = resizeCrop(Float32Array.from([0, 1]), 1, 1, 2, { top: 0, left: 0, height: 1, width: 2 }, 1, 4);
    expect(Array.from(up)).toEqual([0, 0.25, 0.75, 1]);
    // shrinking 4 → 2 widens the triangle to 2 input pixels (PIL / antialias=True): output 0 has its
    // centre at 1.0 and weights 0.75, 0.75, 0.25 on pixels 0, 1, 2 → (0 + 0.75 + 0.5) / 1.75 = 5/7
    const down = resizeCrop(Float32Array.from([0, 1, 2, 3]), 1, 1, 4, { top: 0, left: 0, height: 1, width: 4 }, 1, 2);
    expect(down[0]).toBeCloseTo(5 / 7, 6);
    expect(down[1]).toBeCloseTo(3 - 5 / 7, 6);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 255 }), (h, w, v) => {
        const constant = new Uint8Array(3 * 7 * 5).fill(v);
        expect(resizeUint8(constant, 3, 7, 5, h, w).every((x) => x === v)).toBe(true);
      }),
    );
  });
});

describe('colour', () => {
  it('identity factors change nothing; saturation 0 is grayscale; contrast 0 is the mean', () => {
    fc.assert(
      fc.property(floatImage(3), (img) => {
        expect(maxAbsDiff(adjustBrightness(img, 1).data, img.data)).toBeLessThan(1e-7);
        expect(maxAbsDiff(adjustContrast(img, 1).data, img.data)).toBeLessThan(1e-6);
        expect(maxAbsDiff(adjustSaturation(img, 1).data, img.data)).toBeLessThan(1e-6);
        expect(maxAbsDiff(adjustHue(img, 0).data, img.data)).toBeLessThan(1e-5);
        expect(maxAbsDiff(adjustSaturation(img, 0).data, toGrayscale(img).data)).toBeLessThan(1e-6);
        const flat = adjustContrast(img, 0).data;
        expect(maxAbsDiff(flat, new Float32Array(flat.length).fill(flat[0]!))).toBe(0);
      }),
    );
  });

  it('hue rotates red to green to blue; grayscale uses the 601-2 luma', () => {
    const red: FloatImage = { data: Float32Array.from([1, 0, 0]), channels: 3, height: 1, width: 1 };
    expect(Array.from(adjustHue(red, 1 / 3).data).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, 1, 0]);
    expect(Array.from(adjustHue(red, -1 / 3).data).map((v) => Math.round(v * 1e6) / 1e6)).toEqual([0, 0, 1]);
    const gray = toGrayscale({ data: Float32Array.from([1, 0.5, 0.25]), channels: 3, height: 1, width: 1 });
    expect(gray.data[0]).toBeCloseTo(0.299 + 0.587 * 0.5 + 0.114 * 0.25, 6);
    expect(gray.data[0]).toBe(gray.data[2]);
  });

  it('colour operations leave 1-channel images alone (jitter keeps them finite and in range)', () => {
    fc.assert(
      fc.property(floatImage(1), fc.nat(), (img, seed) => {
        expect(adjustSaturation(img, 0.3).data).toEqual(img.data);
        expect(adjustHue(img, 0.2).data).toEqual(img.data);
        expect(toGrayscale(img).data).toEqual(img.data);
        const out = randomColorJitter(img, new Rng(seed), { brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2 });
        expect(out.data.every((v) => v >= 0 && v <= 1)).toBe(true);
      }),
    );
  });
});

describe('blur', () => {
  it('kernel sizes ≈10% of the side, odd; kernels are normalised and symmetric', () => {
    expect([10, 28, 32, 64, 96, 224].map(blurKernelSize)).toEqual([3, 3, 3, 7, 9, 23]);
    const k = gaussianKernel1d(5, 1.3);
    expect(k.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(k[0]).toBeCloseTo(k[4]!, 15);
    expect([-2, -1, 0, 3, 4, 5].map((i) => reflectIndex(i, 4))).toEqual([2, 1, 0, 3, 2, 1]);
  });

  it('keeps constants, keeps the mean of a periodic-free image close, works in place', () => {
    fc.assert(
      fc.property(floatImage(), fc.double({ min: 0.1, max: 2, noNaN: true }), (img, sigma) => {
        const constant = { ...img, data: new Float32Array(img.data.length).fill(0.7) };
        expect(maxAbsDiff(gaussianBlur(constant, 3, sigma).data, constant.data)).toBeLessThan(1e-6);
        const blurred = gaussianBlur(img, 3, sigma);
        expect(allFinite(blurred.data)).toBe(true);
        const copy = { ...img, data: img.data.slice() };
        gaussianBlur(copy, 3, sigma, copy);
        expect(copy.data).toEqual(blurred.data);
      }),
    );
  });
});

describe('normalize', () => {
  it('normalize then denormalize is the identity', () => {
    fc.assert(
      fc.property(
        floatImage(3),
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.double({ min: 0.05, max: 2, noNaN: true }), { minLength: 3, maxLength: 3 }),
        (img, mean, std) => {
          expect(maxAbsDiff(denormalize(normalize(img, mean, std), mean, std).data, img.data)).toBeLessThan(1e-5);
        },
      ),
    );
    const img: FloatImage = { data: new Float32Array(4), channels: 1, height: 2, width: 2 };
    expect(() => normalize(img, [0, 0], [1, 1])).toThrow(/1 channels/);
    expect(() => normalize(img, [0], [0])).toThrow(/positive/);
  });
});

describe('simclrAugment', () => {
  const stats = (channels: number) => (channels === 3 ? CIFAR10_STATS : { mean: [0.5], std: [0.25] });

  it('gives finite [C, S, S] views, the same for the same seed and different for different seeds', () => {
    fc.assert(
      fc.property(bytesImage, fc.integer({ min: 1, max: 24 }), fc.nat(), (image, size, seed) => {
        const { pixels, channels, height, width } = image;
        const options = simclrAugmentOptions(size, stats(channels));
        const a = simclrAugment(pixels, channels, height, width, options, new Rng(seed));
        const b = simclrAugment(pixels, channels, height, width, options, new Rng(seed));
        expect([a.channels, a.height, a.width]).toEqual([channels, size, size]);
        expect(a.data).toHaveLength(channels * size * size);
        expect(allFinite(a.data)).toBe(true);
        expect(a.data).toEqual(b.data);
      }),
    );
    // with a textured image, ten seeds give ten different views
    const rng = new Rng(5);
    const pixels = Uint8Array.from({ length: 3 * 32 * 32 }, () => rng.int(256));
    const options = simclrAugmentOptions(32, CIFAR10_STATS);
    const views = Array.from({ length: 10 }, (_, s) => simclrAugment(pixels, 3, 32, 32, options, new Rng(s)).data.join());
    expect(new Set(views).size).toBe(10);
  });

  it('with every random op off and a full crop it is just normalisation', () => {
    const rng = new Rng(7);
    const pixels = Uint8Array.from({ length: 3 * 16 * 16 }, () => rng.int(256));
    const options = simclrAugmentOptions(16, CIFAR10_STATS, {
      cropScale: [1, 1],
      cropRatio: [1, 1],
      flipP: 0,
      jitterP: 0,
      grayscaleP: 0,
      blurP: 0,
    });
    const view = simclrAugment(pixels, 3, 16, 16, options, new Rng(1));
    const expected = normalize(toFloatImage(pixels, 3, 16, 16), CIFAR10_STATS.mean, CIFAR10_STATS.std);
    expect(maxAbsDiff(view.data, expected.data)).toBeLessThan(1e-5);
    expect(maxAbsDiff(evalTransform(pixels, 3, 16, 16, { size: 16, ...CIFAR10_STATS }).data, expected.data)).toBeLessThan(1e-5);
  });

  it('the evaluation transform centre-crops non-square images', () => {
    const pixels = new Uint8Array(1 * 4 * 8);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 8; x++) pixels[y * 8 + x] = x < 2 || x >= 6 ? 255 : 0;
    const out = evalTransform(pixels, 1, 4, 8, { size: 4, mean: [0], std: [1] });
    expect(Array.from(out.data).every((v) => v === 0)).toBe(true); // the white side bars are cropped away
  });

  it("Resize(35) + CenterCrop(32), the authors' release transform: the crop starts at round(1.5) = 2", () => {
    // a horizontal ramp: pixel (y, x) = x, so a bilinear upscale is exact and shows where the crop sits
    const ramp = new Uint8Array(32 * 32).map((_, i) => i % 32);
    const out = evalTransform(ramp, 1, 32, 32, { size: 32, resize: 35, mean: [0], std: [1] });
    // output column x is column x + 2 of the 35-wide image, at source position (x + 2 + ½)·32/35 − ½
    const source = (x: number) => ((x + 2.5) * 32) / 35 - 0.5;
    for (const x of [0, 1, 16, 30, 31]) expect(255 * out.data[5 * 32 + x]!).toBeCloseTo(source(x), 3);
    // a constant image stays constant, normalised
    const grey = evalTransform(new Uint8Array(3 * 32 * 32).fill(51), 3, 32, 32, {
      size: 32,
      resize: 35,
      mean: [0.1, 0.2, 0.3],
      std: [0.5, 0.5, 0.5],
    });
    expect(grey.data[0]).toBeCloseTo((0.2 - 0.1) / 0.5, 5);
    expect(grey.data[2 * 1024 + 1023]).toBeCloseTo((0.2 - 0.3) / 0.5, 5);
  });

  it('Resize + CenterCrop of a non-square image: the shorter side to R, the longer ⌊R·long/short⌋, halves to even', () => {
    // 40 × 32 (H × W): resized to 43 × 35; top = round(5.5) = 6, left = round(1.5) = 2
    const rows = new Uint8Array(40 * 32).map((_, i) => Math.floor(i / 32)); // pixel (y, x) = y
    const out = evalTransform(rows, 1, 40, 32, { size: 32, resize: 35, mean: [0], std: [1] });
    const source = (y: number) => ((y + 6.5) * 40) / 43 - 0.5;
    for (const y of [0, 15, 31]) expect(255 * out.data[y * 32 + 7]!).toBeCloseTo(source(y), 3);
    expect(() => evalTransform(rows, 1, 40, 32, { size: 32, resize: 30, mean: [0], std: [1] })).toThrow(
      /resize must be an integer ≥ the crop size 32, got 30/,
    );
  });
});

describe('random wrappers', () => {
  it('apply with probability 1, pass through with probability 0, and keep shapes', () => {
    fc.assert(
      fc.property(floatImage(3), fc.nat(), fc.integer({ min: 1, max: 16 }), (img, seed, size) => {
        const rng = () => new Rng(seed);
        expect(randomHorizontalFlip(img, rng(), 1).data).toEqual(horizontalFlip(img).data);
        expect(randomHorizontalFlip(img, rng(), 0).data).toEqual(img.data);
        expect(randomGrayscale(img, rng(), 1).data).toEqual(toGrayscale(img).data);
        expect(randomGrayscale(img, rng(), 0).data).toEqual(img.data);
        expect(randomGaussianBlur(img, rng(), 0, [0.1, 2], 3).data).toEqual(img.data);
        const jitter = { brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2 };
        expect(maybeColorJitter(img, rng(), 0, jitter).data).toEqual(img.data);
        const crop = randomResizedCrop(img, rng(), size);
        expect([crop.channels, crop.height, crop.width]).toEqual([3, size, size]);
        expect(crop.data.every((v) => Number.isFinite(v) && v >= 0 && v <= 1)).toBe(true);
      }),
    );
  });
});
