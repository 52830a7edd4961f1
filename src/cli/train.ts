/**
 * `npm run train`: self-supervised LPL training. Flags → config
 * (src/cli/train-flags.ts) → a run, new or resumed → src/lpl/epochs.ts trains
 * it into its folder (config.json, log.jsonl, checkpoints) → progress and a
 * table per epoch printed (src/cli/train-report.ts).
 */
import { closeWebGpu } from '../tensor/backends/webgpu.js';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import '../index.js';
import type { TrainConfig } from '../lpl/config.js';
import { trainEpochs } from '../lpl/epochs.js';
import { LAST_CHECKPOINT, restoreRun } from '../lpl/run-state.js';
import { loadTrainingData } from '../lpl/run-data.js';
import { LplRun, NonFiniteLossError } from '../lpl/train.js';
import { setupBackend } from './backend-setup.js';
import { CliError, helpText, parseFlags, runCommand } from './flags.js';
import { Progress } from './progress.js';
import { exitWithParent, relaunchWithAllocatorSettings } from './relaunch.js';
import { configFromFlags, flagOverrides, RESUME_FLAGS, TRAIN_FLAGS } from './train-flags.js';
import { defaultRunName, epochLines, headerLines } from './train-report.js';

const SUMMARY = `Trains a VGG-11 encoder with Latent Predictive Learning (Halvagal & Zenke 2023),
layer-locally: every block minimises its own predictive + Hebbian + decorrelation loss.
Writes config.json, log.jsonl, epoch-NNNN.safetensors and last.safetensors to the run folder.`;

function ensureWritable(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, '.write-test');
    writeFileSync(probe, '');
    appendFileSync(probe, '');
  } catch (e) {
    throw new CliError(
      `--out ${dir}: cannot write there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

/** Ctrl-C (or SIGTERM) asks the loop to stop after the current step; a second one quits at once. */
function stopOnSignals(): { requested: () => boolean; remove: () => void } {
  let requested = false;
  const onSignal = () => {
    if (requested) process.exit(130); // the last checkpoint on disk is complete
    requested = true;
    console.log('\ninterrupt: finishing this step and saving a checkpoint (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    requested: () => requested,
    remove: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

async function main(): Promise<void> {
  const f = parseFlags('train', TRAIN_FLAGS, process.argv.slice(2), { applyDefaults: false });
  if (f.help) {
    process.stdout.write(helpText('train', SUMMARY, TRAIN_FLAGS));
    return;
  }
  const warn = (message: string) => console.warn(`train: ${message}`);
  const resume = f.resume as string | undefined;
  const newRun = (config: TrainConfig) => new LplRun(config, loadTrainingData(config), { onWarning: warn });
  const run = resume
    ? restoreRun(resume, flagOverrides(f, RESUME_FLAGS), { onWarning: warn })
    : newRun(configFromFlags(f));
  const outDir =
    (f.out as string | undefined) ??
    (resume ? dirname(resume) : join('runs', (f.name as string | undefined) ?? defaultRunName(run)));
  ensureWritable(outDir);
  const backend = await setupBackend(
    f,
    run.model,
    run.inputSize,
    run.dataset.channels,
    run.config.batchSize,
    run.optimizer,
  );
  const c = run.config;
  writeFileSync(
    join(outDir, 'config.json'),
    JSON.stringify({ ...c, resumedFrom: resume ?? null }, null, 2) + '\n',
  );
  const workers = await run.loader.workerCount();
  for (const line of headerLines(run, { outDir, backend, workers, resumedFrom: resume })) console.log(line);
  if (run.finished) {
    console.log(
      `nothing to do: the run already finished its ${c.epochs} epochs (pass a larger --epochs to continue)`,
    );
    await run.close();
    return;
  }

  const stop = stopOnSignals();
  const progress = new Progress(process.stdout);
  let result;
  try {
    result = await trainEpochs(run, {
      outDir,
      keep: (f.keep as number | undefined) ?? 3,
      keepEpochs: parseEpochList(f['keep-epochs'] as string | undefined),
      logEvery: (f['log-every'] as number | undefined) ?? 10,
      shouldStop: stop.requested,
      onEpochStart: (epoch, steps, first) => progress.start(`epoch ${epoch + 1}/${c.epochs}`, steps, first),
      onStep: (record, rate) => progress.update(record.step + 1, { rate, loss: record.loss }),
      onEpochEnd: (summary) => {
        progress.stop();
        for (const line of epochLines(summary, c.epochs)) console.log(line);
      },
    });
  } catch (e) {
    if (e instanceof NonFiniteLossError) {
      throw new CliError(
        `${e.message}; training stopped, the last good checkpoint is ${join(outDir, LAST_CHECKPOINT)}`,
      );
    }
    throw e;
  } finally {
    progress.stop();
    stop.remove();
    await run.close();
  }
  if (result.stopped) {
    console.log(`stopped at epoch ${run.epoch + 1}, step ${run.step + 1}; saved ${result.lastCheckpoint}`);
    console.log(`continue with: npm run train -- --resume ${result.lastCheckpoint}`);
    process.exitCode = 130;
    return;
  }
  console.log(`done: ${result.lastCheckpoint}`);
  console.log(`next: npm run probe -- --checkpoint ${result.lastCheckpoint} --avgpool`);
}

/** `--keep-epochs 10,25,50`: positive integers, comma-separated. */
function parseEpochList(text: string | undefined): number[] {
  if (text === undefined) return [];
  return text.split(',').map((part) => {
    const epoch = Number(part.trim());
    if (!Number.isInteger(epoch) || epoch < 1) {
      throw new CliError(`--keep-epochs: '${part}' is not an epoch number ≥ 1 (give e.g. 10,25,50)`);
    }
    return epoch;
  });
}

if (!relaunchWithAllocatorSettings()) {
  exitWithParent();
  void runCommand('train', main).finally(closeWebGpu); // free the device, if one was taken, so that Node exits
}
