/** What `npm run train` prints: the run's header, and a table per epoch. */
import { basename } from 'node:path';
import type { EpochSummary } from '../lpl/epochs.js';
import type { LplRun } from '../lpl/train.js';

/** A number in 4 decimals, or in exponent form when very large or small. */
export const fmt = (v: number, digits = 4): string =>
  Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(digits);

/** The lines that describe a run before it trains. */
export function headerLines(
  run: LplRun,
  info: { outDir: string; backend: string; workers: number; resumedFrom?: string },
): string[] {
  const c = run.config;
  const ds = run.dataset;
  const term = (on: boolean, value: number) => (on ? String(value) : 'off');
  const lines = [
    `LPL training → ${info.outDir}`,
    `  data      ${ds.source}: ${ds.n} images ${ds.channels}×${ds.height}×${ds.width}, input ${run.inputSize}×${run.inputSize}`,
    `  network   VGG-11 width ${c.width}: channels ${run.model.channels.join(',')} (${c.mode})`,
    `  training  ${c.epochs} epochs × ${run.stepsPerEpoch} steps of ${c.batchSize}, Adam lr ${c.lr} (warm-up ${c.warmupEpochs} epochs${c.warmupSteps > 0 ? ` and ${c.warmupSteps} steps` : ''}, cosine to ${c.minLr}${c.scheduleEpochs !== null ? ` at epoch ${c.scheduleEpochs}` : ''}), wd ${c.weightDecay}`,
    `  loss      λ_pred ${term(c.usePred, c.lambdaPred)}, λ_hebb ${term(c.useHebb, c.lambdaHebb)}, λ_decorr ${term(c.useDecorr, c.lambdaDecorr)}, predictive form ${c.predForm}${c.noPooling ? ', no pooling' : ''}${c.shufflePositives ? ', shuffled positives' : ''}`,
    `  seed      ${c.seed}; backend ${info.backend}; augmentation workers ${info.workers}`,
  ];
  if (info.resumedFrom) {
    lines.push(`  resumed   from ${info.resumedFrom} at epoch ${run.epoch + 1}, step ${run.step + 1}`);
  }
  return lines;
}

/** The epoch's line and its per-layer table: mean losses, variance, participation ratio, silent units. */
export function epochLines(summary: EpochSummary, epochs: number): string[] {
  const { epoch, seconds, imagesPerSecond, lr, layers } = summary;
  const v = (x: number | undefined) => (x === undefined ? '   -     ' : fmt(x).padStart(9));
  return [
    `epoch ${epoch + 1}/${epochs}: ${seconds.toFixed(1)} s, ${imagesPerSecond.toFixed(1)} images/s, lr ${fmt(lr ?? 0)}`,
    '  layer  ch   L_pred    L_hebb    L_decorr  variance  PR      dead',
    ...layers.map(
      (l) =>
        `  ${String(l.layer).padStart(5)} ${String(l.channels).padStart(4)} ${v(l.pred)} ${v(l.hebb)} ${v(l.decorr)} ${v(l.variance)} ${(l.participationRatio ?? 0).toFixed(2).padStart(6)} ${((l.deadFraction ?? 0) * 100).toFixed(0).padStart(4)}%`,
    ),
  ];
}

/** The run folder's default name: data set, variant and time. */
export function defaultRunName(run: LplRun, now = new Date()): string {
  const c = run.config;
  const stamp = now.toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
  const dataName = c.data === null ? 'fashion-mnist' : basename(c.data); // basename ignores a trailing slash
  const parts = [c.mode === 'end-to-end' ? 'e2e' : 'lpl'];
  if (!c.usePred) parts.push('no-pred');
  if (!c.useHebb) parts.push('no-hebb');
  if (!c.useDecorr) parts.push('no-decorr');
  if (c.noPooling) parts.push('no-pooling');
  if (c.shufflePositives) parts.push('shuffled');
  return `${dataName}_${parts.join('-')}_${stamp}`;
}
