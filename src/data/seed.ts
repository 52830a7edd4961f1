/**
 * Deriving independent random streams from one seed, so that every random
 * choice of the data pipeline is a pure function of (seed, what it is for):
 *
 *   epochRng(seed, e)          the shuffling order of epoch e
 *   viewRng(seed, e, i, v)     the augmentation of view v (0 or 1) of image i in epoch e
 *
 * Nothing depends on batch size, on which worker does the work, or on what was
 * computed before, so training can resume at any step bit for bit.
 *
 * The keys are hashed with MurmurHash3's 32-bit mixing (four times, with four
 * different hash seeds) into the 128-bit state of an Rng.
 */
import { Rng } from '../tensor/random.js';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function rotl32(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}

/** MurmurHash3 (x86, 32-bit) of a list of 32-bit words. */
export function murmur3Words(words: readonly number[], hashSeed: number): number {
  let h = hashSeed >>> 0;
  for (const word of words) {
    let k = Math.imul(word >>> 0, C1);
    k = rotl32(k, 15);
    k = Math.imul(k, C2);
    h ^= k;
    h = rotl32(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) >>> 0;
  }
  h ^= words.length * 4;
  // final avalanche (fmix32)
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seed (any finite number up to 2^53) as two 32-bit words. */
function seedWords(seed: number): [number, number] {
  if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  return [seed >>> 0, Math.floor(seed / 4294967296) >>> 0];
}

/** An Rng whose 128-bit state is a hash of the keys: a stream of its own for each key tuple. */
export function keyedRng(seed: number, ...keys: number[]): Rng {
  const words = [...seedWords(seed), ...keys.map((k) => k >>> 0)];
  const state: number[] = [0, 1, 2, 3].map((w) => murmur3Words(words, 0x5bd1e995 + w));
  if (!state.some((s) => s !== 0)) state[0] = 1; // xoshiro must not start from all zeros
  return Rng.fromState(state);
}

/** Tags keep the streams for different purposes apart. */
const EPOCH_TAG = 1;
const VIEW_TAG = 2;

/** The Rng that shuffles epoch `epoch`. */
export function epochRng(seed: number, epoch: number): Rng {
  return keyedRng(seed, EPOCH_TAG, epoch);
}

/** The Rng of the augmentation of view `view` of image `index` in epoch `epoch`. */
export function viewRng(seed: number, epoch: number, index: number, view: number): Rng {
  return keyedRng(seed, VIEW_TAG, epoch, index, view);
}
