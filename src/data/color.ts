/**
 * Colour operations of torchvision's ColorJitter and RandomGrayscale, on float
 * images in [0, 1] (torchvision.transforms.functional, tensor path).
 *
 * Each takes a FloatImage and returns the result in `out`, a new image by
 * default; `out` may be the input itself (every operation here works in place).
 * Operations that need colour (saturation, hue, grayscale) leave a 1-channel
 * image unchanged, as torchvision does.
 *
 * Blending, as torchvision's _blend:  blend(a, b, f) = clamp(f·a + (1 − f)·b, 0, 1)
 */
import { clamp01, emptyLike, type FloatImage } from './image.js';
import { Float32Scratch } from './scratch.js';

/** ITU-R 601-2 luma weights: L = 0.299 R + 0.587 G + 0.114 B (torchvision uses 0.2989 for R). */
export const LUMA_R = 0.299;
export const LUMA_G = 0.587;
export const LUMA_B = 0.114;

const lumaScratch = new Float32Scratch();

/** Writes the luma plane [H, W] of `img` into `out` (for 1 channel: a copy of the plane). */
export function lumaPlane(img: FloatImage, out: Float32Array = new Float32Array(img.height * img.width)): Float32Array {
  const plane = img.height * img.width;
  const d = img.data;
  if (img.channels === 1) {
    out.set(d.subarray(0, plane));
    return out;
  }
  for (let p = 0; p < plane; p++) out[p] = LUMA_R * d[p]! + LUMA_G * d[plane + p]! + LUMA_B * d[2 * plane + p]!;
  return out;
}

/** Grayscale with the channel count kept: L replicated to every channel. */
export function toGrayscale(img: FloatImage, out: FloatImage = emptyLike(img)): FloatImage {
  const luma = lumaPlane(img, lumaScratch.get(img.height * img.width));
  for (let c = 0; c < img.channels; c++) out.data.set(luma, c * luma.length);
  return out;
}

/** Brightness: blend with black, x' = clamp(f·x). */
export function adjustBrightness(img: FloatImage, factor: number, out: FloatImage = emptyLike(img)): FloatImage {
  const src = img.data;
  const dst = out.data;
  for (let i = 0; i < src.length; i++) dst[i] = clamp01(factor * src[i]!);
  return out;
}

/** Contrast: blend with the mean m of the grayscale image, x' = clamp(f·x + (1 − f)·m). */
export function adjustContrast(img: FloatImage, factor: number, out: FloatImage = emptyLike(img)): FloatImage {
  const luma = lumaPlane(img, lumaScratch.get(img.height * img.width));
  let sum = 0;
  for (let p = 0; p < luma.length; p++) sum += luma[p]!;
  const offset = (1 - factor) * (sum / luma.length); // (1 − f)·m
  const src = img.data;
  const dst = out.data;
  for (let i = 0; i < src.length; i++) dst[i] = clamp01(factor * src[i]! + offset);
  return out;
}

/** Saturation: blend with the grayscale image, x' = clamp(f·x + (1 − f)·L). */
export function adjustSaturation(img: FloatImage, factor: number, out: FloatImage = emptyLike(img)): FloatImage {
  if (img.channels === 1) return copyInto(img, out);
  const luma = lumaPlane(img, lumaScratch.get(img.height * img.width));
  const plane = luma.length;
  const src = img.data;
  const dst = out.data;
  for (let c = 0; c < img.channels; c++) {
    for (let p = 0; p < plane; p++) {
      const i = c * plane + p;
      dst[i] = clamp01(factor * src[i]! + (1 - factor) * luma[p]!);
    }
  }
  return out;
}

/**
 * Hue: convert to HSV, rotate the hue by `shift` turns (h' = (h + shift) mod 1,
 * shift in [−0.5, 0.5]), convert back. Same formulas as torchvision's
 * _rgb2hsv / _hsv2rgb.
 */
export function adjustHue(img: FloatImage, shift: number, out: FloatImage = emptyLike(img)): FloatImage {
  if (img.channels === 1) return copyInto(img, out);
  const plane = img.height * img.width;
  const d = img.data;
  const o = out.data;
  for (let p = 0; p < plane; p++) {
    const r = d[p]!;
    const g = d[plane + p]!;
    const b = d[2 * plane + p]!;
    // RGB -> HSV: v = max, s = chroma / max, h from which channel is the max
    const maxc = Math.max(r, g, b);
    const chroma = maxc - Math.min(r, g, b);
    const v = maxc;
    const s = chroma === 0 ? 0 : chroma / maxc;
    let h = 0;
    if (chroma !== 0) {
      if (maxc === r) h = (g - b) / chroma;
      else if (maxc === g) h = 2 + (b - r) / chroma;
      else h = 4 + (r - g) / chroma;
      h = h / 6; // in [−1/6, 1): torchvision then takes it mod 1
      if (h < 0) h += 1;
    }
    h += shift; // rotate by `shift` turns ...
    h -= Math.floor(h); // ... and wrap back into [0, 1)
    // HSV -> RGB: sector i = ⌊6h⌋ (0..5), fraction f, and the three levels p, q, t
    const sector = Math.min(5, Math.floor(h * 6));
    const f = h * 6 - sector;
    const pv = clamp01(v * (1 - s));
    const qv = clamp01(v * (1 - s * f));
    const tv = clamp01(v * (1 - s * (1 - f)));
    let rr = v;
    let gg = pv;
    let bb = qv; // sector 5
    if (sector === 0) [rr, gg, bb] = [v, tv, pv];
    else if (sector === 1) [rr, gg, bb] = [qv, v, pv];
    else if (sector === 2) [rr, gg, bb] = [pv, v, tv];
    else if (sector === 3) [rr, gg, bb] = [pv, qv, v];
    else if (sector === 4) [rr, gg, bb] = [tv, pv, v];
    o[p] = rr;
    o[plane + p] = gg;
    o[2 * plane + p] = bb;
  }
  return out;
}

function copyInto(img: FloatImage, out: FloatImage): FloatImage {
  if (out !== img) out.data.set(img.data);
  return out;
}
