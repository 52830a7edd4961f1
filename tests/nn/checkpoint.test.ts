/** safetensors checkpoints: exact round trip, metadata, optimizer state, and clear errors. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  Adam,
  CheckpointError,
  encodeBlocks,
  loadCheckpoint,
  lplObjective,
  randNormal,
  readSafetensors,
  Rng,
  saveCheckpoint,
  StateDictError,
  vgg11Encoder,
  vggEncoder,
  weightDecayGroups,
  writeSafetensors,
  tensor,
} from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lpl-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const net = (seed: number, width = 1 / 16) =>
  vgg11Encoder({ inChannels: 1, width, inputSize: 8, rng: new Rng(seed) });
const config = { width: 1 / 16, data: 'fashion-mnist', lambdas: [1, 1, 10] };

/** One Adam step of the layer-local objective on a fixed batch. */
function trainStep(model: ReturnType<typeof net>, opt: Adam, seed: number): void {
  const x1 = randNormal([4, 1, 8, 8], new Rng(seed));
  const x2 = randNormal([4, 1, 8, 8], new Rng(seed + 1));
  const o1 = encodeBlocks(model.blocks, x1);
  const o2 = encodeBlocks(model.blocks, x2);
  opt.zeroGrad();
  o1.z
    .map((z, k) => lplObjective(z, o2.z[k]!).total)
    .reduce((a, b) => a.add(b))
    .backward();
  opt.step();
}

describe('checkpoints', () => {
  it('save -> load gives bit-identical outputs, optimizer state and metadata', async () => {
    const a = net(1);
    const optA = new Adam(weightDecayGroups(a.namedParameters(), 1.5e-6), { lr: 1e-3 });
    trainStep(a, optA, 10);
    const file = join(dir, 'run.safetensors');
    await saveCheckpoint(file, {
      model: a,
      optimizer: optA,
      config,
      seed: 24,
      epoch: 3,
      extra: { rng: [1, 2, 3, 4] },
    });

    const b = net(2);
    const optB = new Adam(weightDecayGroups(b.namedParameters(), 1.5e-6), { lr: 1e-3 });
    const info = loadCheckpoint(file, { model: b, optimizer: optB });
    expect(info).toEqual({ version: '1', config, seed: 24, epoch: 3, extra: { rng: [1, 2, 3, 4] } });

    const x = randNormal([3, 1, 8, 8], new Rng(99));
    expect(Array.from(b.forward(x).toArray())).toEqual(Array.from(a.forward(x).toArray()));
    // the next training step is identical too (Adam's m, v and step counts came back)
    trainStep(a, optA, 20);
    trainStep(b, optB, 20);
    a.namedParameters().forEach(([name, p], i) =>
      expect(Array.from(b.parameters()[i]!.toArray()), name).toEqual(Array.from(p.toArray())),
    );
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]); // the temp file was renamed
  });

  it('writes a plain safetensors file: u64 header length, JSON header, 8-byte aligned data', async () => {
    const file = join(dir, 'plain.safetensors');
    const t = tensor([1.5, -2, 3], [3], { dtype: 'float64' });
    const u = tensor([0.25, 4, 5, 6], [2, 2]);
    await writeSafetensors(
      file,
      new Map([
        ['a', t],
        ['b', u],
      ]),
      { note: 'hi' },
    );
    const bytes = readFileSync(file);
    const n = Number(bytes.readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    expect(header).toEqual({
      __metadata__: { note: 'hi' },
      a: { dtype: 'F64', shape: [3], data_offsets: [0, 24] },
      b: { dtype: 'F32', shape: [2, 2], data_offsets: [24, 40] },
    });
    expect(bytes.readDoubleLE(8 + n + 8)).toBe(-2);
    expect(bytes.readFloatLE(8 + n + 24)).toBe(0.25);
    const back = readSafetensors(file);
    expect(Array.from(back.tensors.get('a')!.toArray())).toEqual([1.5, -2, 3]);
    expect(back.tensors.get('b')!.dtype).toBe('float32');
    expect(back.metadata).toEqual({ note: 'hi' });
  });

  it('another architecture: one error naming the file and every mismatch', async () => {
    const file = join(dir, 'wide.safetensors');
    await saveCheckpoint(file, { model: net(1, 1 / 8), config, seed: 1, epoch: 0 });
    let error: unknown;
    try {
      loadCheckpoint(file, { model: net(1, 1 / 16) });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StateDictError);
    const message = (error as Error).message;
    expect(message).toContain(file);
    expect(message).toContain('blocks.0.0.weight: shape [8,1,3,3] given, [4,1,3,3] expected');
    expect((error as StateDictError).mismatched.length).toBe(16);

    const deeper = vgg11Encoder({ inChannels: 1, width: 1 / 16, rng: new Rng(1) });
    const file2 = join(dir, 'vgg16.safetensors');
    await saveCheckpoint(file2, { model: net(1), config, seed: 1, epoch: 0 });
    // VGG-16 has 13 blocks: a VGG-11 checkpoint lacks blocks 8..12 (a weight and a bias each)
    const vgg16 = vggEncoder('vgg16', { inChannels: 1, width: 1 / 16, inputSize: 8, rng: new Rng(1) });
    expect(() => loadCheckpoint(file2, { model: vgg16 })).toThrow(/missing \(10\): blocks\.8\.0\.weight/);
    expect(() => loadCheckpoint(file2, { model: deeper, optimizer: new Adam(deeper.parameters()) })).toThrow(
      /holds no optimizer state/,
    );
  });

  it('a torn (truncated) or foreign file gives a clear error', async () => {
    const file = join(dir, 'torn.safetensors');
    await saveCheckpoint(file, { model: net(1), config, seed: 1, epoch: 0 });
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 100));
    expect(() => loadCheckpoint(file, { model: net(1) })).toThrow(CheckpointError);
    expect(() => loadCheckpoint(file, { model: net(1) })).toThrow(
      /torn\.safetensors: file is truncated: tensor 'blocks\.7\.0\.bias'/,
    );
    writeFileSync(file, bytes.subarray(0, 50));
    expect(() => loadCheckpoint(file, { model: net(1) })).toThrow(
      /truncated or not safetensors: header claims/,
    );
    writeFileSync(file, bytes.subarray(0, 5));
    expect(() => loadCheckpoint(file, { model: net(1) })).toThrow(/truncated \(5 bytes/);
    const other = join(dir, 'other.safetensors');
    await writeSafetensors(other, new Map([['x', tensor([1], [1])]]), {});
    expect(() => loadCheckpoint(other, { model: net(1) })).toThrow(/not an lpl-ts-checkpoint file/);
  });
});
