/**
 * Colour operations of torchvision's ColorJitter and RandomGrayscale, on float
 * images in [0, 1] (torchvision.transforms.functional, tensor path).
 *
 * Each takes a FloatImage and returns a new one. Operations that need colour
 * (saturation, hue, grayscale) return a 1-channel image unchanged, as
 * torchvision does.
 *
 * Blending, as torchvision's _blend:  blend(a, b, f) = clamp(f·a + (1 − f)·b, 0, 1)
 */
import { clamp01, emptyLike, type FloatImage } from './image.js';

/** ITU-R 601-2 luma weights: L = 0.299 R + 0.587 G + 0.114 B (torchvision uses 0.2989 for R). */
export const LUMA_R = 0.299;
export const LUMA_G = 0.587;
export const LUMA_B = 0.114;

/** The luma plane [H, W] of an RGB image (or the single plane of a grayscale one). */
export function lumaPlane(img: FloatImage): Float32Array {
  const plane = img.height * img.width;
  if (img.channels === 1) return img.data.slice(0, plane);
  const luma = new Float32Array(plane);
  const d = img.data;
  for (let p = 0; p < plane; p++) luma[p] = LUMA_R * d[p]! + LUMA_G * d[plane + p]! + LUMA_B * d[2 * plane + p]!;
  return luma;
}

/** Grayscale with the channel count kept: L replicated to every channel. */
export function toGrayscale(img: FloatImage): FloatImage {
  if (img.channels === 1) return img;
  const luma = lumaPlane(img);
  const out = emptyLike(img);
  for (let c = 0; c < img.channels; c++) out.data.set(luma, c * luma.length);
  return out;
}

/** Brightness: blend with black, x' = clamp(f·x). */
export function adjustBrightness(img: FloatImage, factor: number): FloatImage {
  const out = emptyLike(img);
  for (let i = 0; i < img.data.length; i++) out.data[i] = clamp01(factor * img.data[i]!);
  return out;
}

/** Contrast: blend with the mean m of the grayscale image, x' = clamp(f·x + (1 − f)·m). */
export function adjustContrast(img: FloatImage, factor: number): FloatImage {
  const luma = lumaPlane(img);
  let sum = 0;
  for (let p = 0; p < luma.length; p++) sum += luma[p]!;
  const mean = sum / luma.length;
  const out = emptyLike(img);
  for (let i = 0; i < img.data.length; i++) out.data[i] = clamp01(factor * img.data[i]! + (1 - factor) * mean);
  return out;
}

/** Saturation: blend with the grayscale image, x' = clamp(f·x + (1 − f)·L). */
export function adjustSaturation(img: FloatImage, factor: number): FloatImage {
  if (img.channels === 1) return img;
  const luma = lumaPlane(img);
  const plane = luma.length;
  const out = emptyLike(img);
  for (let c = 0; c < img.channels; c++) {
    for (let p = 0; p < plane; p++) {
      const i = c * plane + p;
      out.data[i] = clamp01(factor * img.data[i]! + (1 - factor) * luma[p]!);
    }
  }
  return out;
}

/**
 * Hue: convert to HSV, rotate the hue by `shift` turns (h' = (h + shift) mod 1,
 * shift in [−0.5, 0.5]), convert back. Same formulas as torchvision's
 * _rgb2hsv / _hsv2rgb.
 */
export function adjustHue(img: FloatImage, shift: number): FloatImage {
  if (img.channels === 1) return img;
  const plane = img.height * img.width;
  const d = img.data;
  const out = emptyLike(img);
  const o = out.data;
  for (let p = 0; p < plane; p++) {
    const r = d[p]!;
    const g = d[plane + p]!;
    const b = d[2 * plane + p]!;
    // RGB -> HSV
    const maxc = Math.max(r, g, b);
    const minc = Math.min(r, g, b);
    const chroma = maxc - minc;
    const v = maxc;
    const s = chroma === 0 ? 0 : chroma / maxc;
    let h = 0;
    if (chroma !== 0) {
      const rc = (maxc - r) / chroma;
      const gc = (maxc - g) / chroma;
      const bc = (maxc - b) / chroma;
      if (maxc === r) h = bc - gc;
      else if (maxc === g) h = 2 + rc - bc;
      else h = 4 + gc - rc;
      h = (h / 6 + 1) % 1;
    }
    h = (((h + shift) % 1) + 1) % 1; // rotate, kept in [0, 1)
    // HSV -> RGB
    const sector = Math.floor(h * 6);
    const f = h * 6 - sector;
    const pv = clamp01(v * (1 - s));
    const qv = clamp01(v * (1 - s * f));
    const tv = clamp01(v * (1 - s * (1 - f)));
    let rr: number, gg: number, bb: number;
    switch (sector % 6) {
      case 0: [rr, gg, bb] = [v, tv, pv]; break;
      case 1: [rr, gg, bb] = [qv, v, pv]; break;
      case 2: [rr, gg, bb] = [pv, v, tv]; break;
      case 3: [rr, gg, bb] = [pv, qv, v]; break;
      case 4: [rr, gg, bb] = [tv, pv, v]; break;
      default: [rr, gg, bb] = [v, pv, qv]; break;
    }
    o[p] = rr;
    o[plane + p] = gg;
    o[2 * plane + p] = bb;
  }
  return out;
}
