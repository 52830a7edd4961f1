/**
 * The float image the transforms work on, and conversions to it.
 *
 * A FloatImage is one image, planar: data[(c · height + y) · width + x],
 * values in [0, 1] before normalisation.
 */
export interface FloatImage {
  /** [C, H, W] float32 */
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/** A new FloatImage of the given shape, filled with zeros. */
export function emptyImage(channels: number, height: number, width: number): FloatImage {
  return { data: new Float32Array(channels * height * width), channels, height, width };
}

/** Same shape as `img`, new zero-filled data. */
export function emptyLike(img: FloatImage): FloatImage {
  return emptyImage(img.channels, img.height, img.width);
}

/** uint8 pixels [C, H, W] to a FloatImage with values x / 255 in [0, 1]. */
export function toFloatImage(pixels: Uint8Array, channels: number, height: number, width: number): FloatImage {
  if (pixels.length !== channels * height * width) {
    throw new RangeError(`toFloatImage: ${pixels.length} bytes do not make a ${channels}×${height}×${width} image`);
  }
  const data = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) data[i] = pixels[i]! / 255;
  return { data, channels, height, width };
}

/** Clamps to [0, 1], the range every colour operation keeps. */
export function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
