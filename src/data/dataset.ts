/**
 * The common in-memory form of every image data set the readers produce.
 *
 * Images are stored as one flat uint8 array, planar ("channels first"), the
 * layout the network wants:
 *
 *   images[((n * C + c) * H + y) * W + x]   for image n, channel c, row y, column x
 *
 * Labels are 0-based class indices, or -1 for an unlabeled image (STL-10's
 * unlabeled split).
 */
export interface ImageDataset {
  /** [N, C, H, W] uint8, planar, row-major inside each plane. */
  images: Uint8Array;
  /** [N] 0-based class index, or -1 when the image has no label. */
  labels: Int32Array;
  /** N, the number of images. */
  n: number;
  /** C: 1 (grayscale) or 3 (RGB). */
  channels: number;
  /** H */
  height: number;
  /** W */
  width: number;
  /** Class names; labels index into this list. */
  classes: string[];
  /** A short human-readable description of where the data came from. */
  source: string;
}

/** Which part of a data set to read. `unlabeled` exists only for STL-10. */
export type DatasetSplit = 'train' | 'test' | 'unlabeled';

/** Bytes in one image: C·H·W. */
export function imageSize(ds: Pick<ImageDataset, 'channels' | 'height' | 'width'>): number {
  return ds.channels * ds.height * ds.width;
}

/** The uint8 pixels of image `index`, a view (no copy) of shape [C, H, W]. */
export function imageAt(ds: ImageDataset, index: number): Uint8Array {
  if (!Number.isInteger(index) || index < 0 || index >= ds.n) {
    throw new RangeError(`imageAt: index ${index} is outside 0..${ds.n - 1}`);
  }
  const size = imageSize(ds);
  return ds.images.subarray(index * size, (index + 1) * size);
}

/** How many images carry each label: counts[k] for class k (unlabeled images are not counted). */
export function classCounts(ds: ImageDataset): number[] {
  const counts = new Array<number>(ds.classes.length).fill(0);
  for (const label of ds.labels) {
    if (label >= 0) counts[label] = (counts[label] ?? 0) + 1;
  }
  return counts;
}

/** A new data set holding the images at `indices`, in that order (the pixels are copied). */
export function subsetDataset(ds: ImageDataset, indices: ArrayLike<number>, source = ds.source): ImageDataset {
  const size = imageSize(ds);
  const images = new Uint8Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    images.set(imageAt(ds, index), i * size);
    labels[i] = ds.labels[index]!;
  }
  return { ...ds, images, labels, n: indices.length, source };
}

/**
 * Checks the invariants every reader promises, so a bug in a reader surfaces
 * here and not as a wrong number three modules later.
 */
export function checkDataset(ds: ImageDataset): void {
  const where = ds.source || 'dataset';
  const size = imageSize(ds);
  if (ds.images.length !== ds.n * size) {
    throw new Error(`${where}: images has ${ds.images.length} bytes, expected N·C·H·W = ${ds.n * size}`);
  }
  if (ds.labels.length !== ds.n) {
    throw new Error(`${where}: labels has ${ds.labels.length} entries, expected N = ${ds.n}`);
  }
  for (let i = 0; i < ds.n; i++) {
    const label = ds.labels[i]!;
    if (label < -1 || label >= ds.classes.length) {
      throw new Error(`${where}: label ${label} of image ${i} is outside -1..${ds.classes.length - 1}`);
    }
  }
}
