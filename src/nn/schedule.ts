/**
 * Learning-rate schedule of LPL-SPEC.md: linear warm-up from 0, then cosine
 * decay to `minLr`. The authors' code uses pl_bolts' LinearWarmupCosineAnnealingLR
 * stepped once per epoch (warmup_start_lr = 0, eta_min = 1e-6); at integer epochs
 * e this function gives exactly its values:
 *
 *   e < W:   lr = baseLr · e / (W − 1)                     (0 at e = 0, baseLr at e = W − 1)
 *   e ≥ W:   lr = minLr + ½(baseLr − minLr)(1 + cos(π (e − W) / (E − W)))
 *
 * with W = warmupEpochs and E = totalEpochs (so lr = minLr at e = E). Between
 * integer epochs (per-step use, e = epoch + step / stepsPerEpoch) the warm-up
 * is the straight line through those points, capped at baseLr until e = W,
 * and the cosine is evaluated at the fractional epoch.
 */
export interface WarmupCosineOptions {
  baseLr: number;
  warmupEpochs: number;
  totalEpochs: number;
  /** Default 1e-6. */
  minLr?: number;
}

/** The learning rate at (possibly fractional) epoch `epoch`, counted from 0. */
export function warmupCosineLr(opts: WarmupCosineOptions, epoch: number): number {
  const { baseLr, warmupEpochs: W, totalEpochs: E } = opts;
  const minLr = opts.minLr ?? 1e-6;
  if (!(E > W) || W < 0)
    throw new Error(`warmupCosineLr: need 0 ≤ warmupEpochs < totalEpochs, got ${W}, ${E}`);
  if (!(epoch >= 0)) throw new Error(`warmupCosineLr: epoch must be ≥ 0, got ${epoch}`);
  if (epoch < W) {
    // pl_bolts divides by max(1, W − 1), so even W = 1 starts at 0.
    return baseLr * Math.min(1, epoch / Math.max(1, W - 1));
  }
  const progress = Math.min(1, (epoch - W) / (E - W));
  return minLr + 0.5 * (baseLr - minLr) * (1 + Math.cos(Math.PI * progress));
}
