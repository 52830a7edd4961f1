/**
 * What an epoch's steps add up to: each layer's mean losses over the steps,
 * the images per second, and the diagnostics of the last step's z (variance,
 * participation ratio, silent units). The command's epoch table and log, and
 * the demo page's plots, are made from it.
 */
import { layerDiagnostics, type LayerDiagnostics, type StepRecord } from './train.js';

/** One layer's line of an epoch: its mean losses over the epoch's steps, and diagnostics of the last step. */
export interface EpochLayer extends Partial<LayerDiagnostics> {
  layer: number;
  channels: number;
  pred?: number;
  hebb?: number;
  decorr?: number;
  total?: number;
}

export interface EpochSummary {
  /** 0-based epoch that ended. */
  epoch: number;
  seconds: number;
  imagesPerSecond: number;
  lr: number | undefined;
  layers: EpochLayer[];
}

/** Sums of the losses of each layer over an epoch's steps, and the images seen. */
export class EpochMeter {
  private readonly sums: { pred: number; hebb: number; decorr: number; total: number; n: number }[];
  images = 0;
  last: StepRecord | null = null;
  private readonly started = performance.now();

  constructor(private readonly channels: readonly number[]) {
    this.sums = channels.map(() => ({ pred: 0, hebb: 0, decorr: 0, total: 0, n: 0 }));
  }

  add(record: StepRecord): void {
    this.images += record.images;
    this.last = record;
    record.layers.forEach((l, k) => {
      if (!l) return;
      const s = this.sums[k]!;
      s.pred += l.pred;
      s.hebb += l.hebb;
      s.decorr += l.decorr;
      s.total += l.total;
      s.n++;
    });
  }

  get seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  get imagesPerSecond(): number {
    return this.images / this.seconds;
  }

  /** The epoch's record: mean losses per layer, and the last step's diagnostics (read asynchronously). */
  async summary(epoch: number): Promise<EpochSummary> {
    const seconds = this.seconds;
    const diagnostics = this.last ? await layerDiagnostics(this.last.z) : [];
    const layers = this.sums.map((s, k) => ({
      layer: k + 1,
      channels: this.channels[k]!,
      ...(s.n > 0
        ? { pred: s.pred / s.n, hebb: s.hebb / s.n, decorr: s.decorr / s.n, total: s.total / s.n }
        : {}),
      ...diagnostics[k],
    }));
    return { epoch, seconds, imagesPerSecond: this.images / seconds, lr: this.last?.lr, layers };
  }
}
