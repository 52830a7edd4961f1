/**
 * Worker thread of the augmentation pool (see augment-pool.ts).
 *
 * It receives the data set once, in `workerData` (a SharedArrayBuffer, so no
 * copy), and then jobs: a list of image indices and two shared output buffers.
 * It writes the two views of each image into its slice of the outputs and
 * answers `{ id }`, or `{ id, error }` when something threw.
 */
import { platform } from '#platform';
import type { AugmentOptions } from './augment.js';
import { augmentTwoViews, type StoredShape } from './two-view.js';

/** What the pool passes when it starts a worker. */
export interface AugmentWorkerData {
  images: SharedArrayBuffer;
  shape: StoredShape;
  options: AugmentOptions;
  seed: number;
}

/** One job: augment `indices` of `epoch` into x1/x2 starting at image slot `offset`. */
export interface AugmentJob {
  id: number;
  indices: Int32Array;
  epoch: number;
  offset: number;
  x1: SharedArrayBuffer;
  x2: SharedArrayBuffer;
}

export type AugmentReply = { id: number; error?: string };

const port = platform.parentPort();
if (port) {
  const data = (await platform.workerData()) as AugmentWorkerData;
  const images = new Uint8Array(data.images);
  port.onMessage((message) => {
    const job = message as AugmentJob;
    try {
      const x1 = new Float32Array(job.x1);
      const x2 = new Float32Array(job.x2);
      augmentTwoViews(images, data.shape, job.indices, job.epoch, data.seed, data.options, x1, x2, job.offset);
      port.postMessage({ id: job.id } satisfies AugmentReply);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      port.postMessage({ id: job.id, error: message } satisfies AugmentReply);
    }
  });
  port.postMessage('ready');
}
