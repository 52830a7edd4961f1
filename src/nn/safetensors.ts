/**
 * The safetensors file format (https://github.com/huggingface/safetensors),
 * readable by PyTorch (`safetensors.torch.load_file`) and numpy:
 *
 *   8 bytes    N, the header length, unsigned 64-bit little-endian
 *   N bytes    JSON: { "<name>": { "dtype": "F32" | "F64", "shape": [...],
 *                                  "data_offsets": [begin, end] }, ...,
 *                      "__metadata__": { "<key>": "<string>" } }
 *              padded with spaces so the data starts at a multiple of 8
 *   the rest   raw little-endian values; offsets count from the data's start
 *
 * `encodeSafetensors` and `decodeSafetensors` work on bytes (a browser page
 * downloads and loads checkpoints as bytes); `writeSafetensors` and
 * `readSafetensors` add the file. Writing goes to a temporary file in the same
 * directory, then a rename, so a crash never leaves a half-written file under
 * the real name.
 */
import { platform } from '#platform';
import { LITTLE_ENDIAN } from '../platform/platform.js';
import type { DType, FloatArray } from '../tensor/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { viewOf } from '../tensor/view.js';

const DTYPE_CODE: Record<DType, string> = { float32: 'F32', float64: 'F64' };
const BYTES: Record<DType, number> = { float32: 4, float64: 8 };

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** A file that is not a valid (or complete) safetensors file, named in the message. */
export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

function checkHost(): void {
  if (!LITTLE_ENDIAN) throw new Error('safetensors: only little-endian hosts are supported');
}

/**
 * Writes tensors (in map order) and string metadata to `file`, atomically.
 * Every tensor is read first (from whichever backend holds it), then the file
 * is written in one go.
 */
export async function writeSafetensors(
  file: string,
  tensors: Map<string, Tensor>,
  metadata: Record<string, string>,
): Promise<void> {
  platform.files.writeFileAtomic(file, await encodeSafetensors(tensors, metadata));
}

/** The bytes of a safetensors file, as chunks in file order (header length, header, each tensor). */
export async function encodeSafetensors(
  tensors: Map<string, Tensor>,
  metadata: Record<string, string>,
): Promise<Uint8Array[]> {
  checkHost();
  const header: Record<string, HeaderEntry | Record<string, string>> = { __metadata__: metadata };
  const chunks: FloatArray[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error(`safetensors: '__metadata__' is not a valid tensor name`);
    const bytes = t.size * BYTES[t.dtype];
    header[name] = {
      dtype: DTYPE_CODE[t.dtype],
      shape: [...t.shape],
      data_offsets: [offset, offset + bytes],
    };
    chunks.push(await t.data());
    offset += bytes;
  }
  const utf8 = new TextEncoder();
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + utf8.encode(json).length) % 8)) % 8); // data starts 8-byte aligned
  const headerBytes = utf8.encode(json);
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  return [prefix, headerBytes, ...chunks.map((c) => new Uint8Array(c.buffer, c.byteOffset, c.byteLength))];
}

/** Reads every tensor and the metadata of a safetensors file; a torn or foreign file gives a CheckpointError. */
export function readSafetensors(file: string): {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
} {
  return decodeSafetensors(platform.files.readFile(file), file);
}

/** Every tensor and the metadata in the bytes of a safetensors file; errors name it `source`. */
export function decodeSafetensors(
  buf: Uint8Array,
  source: string,
): {
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
} {
  checkHost();
  const fail = (why: string): never => {
    throw new CheckpointError(`${source}: ${why}`);
  };
  if (buf.length < 8) fail(`file is truncated (${buf.length} bytes; a safetensors file starts with 8)`);
  const n = Number(new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true));
  if (n > buf.length - 8) {
    fail(`file is truncated or not safetensors: header claims ${n} bytes, only ${buf.length - 8} follow`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + n))) as Record<string, unknown>;
  } catch (e) {
    return fail(`header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + n;
  const dataBytes = buf.length - dataStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors = new Map<string, Tensor>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const entry = raw as HeaderEntry;
    const dtype = (Object.keys(DTYPE_CODE) as DType[]).find((d) => DTYPE_CODE[d] === entry.dtype);
    if (!dtype) fail(`tensor '${name}' has dtype ${entry.dtype}; only F32 and F64 are supported`);
    const [begin, end] = entry.data_offsets;
    const count = entry.shape.reduce((a, d) => a * d, 1);
    if (end - begin !== count * BYTES[dtype!]) {
      fail(`tensor '${name}': ${end - begin} bytes do not hold shape [${entry.shape}] of ${entry.dtype}`);
    }
    if (end > dataBytes)
      fail(`file is truncated: tensor '${name}' ends at byte ${end} of ${dataBytes} data bytes`);
    // Copy into a fresh, aligned buffer (the file's offsets need not be aligned).
    const bytes = new Uint8Array(end - begin);
    bytes.set(buf.subarray(dataStart + begin, dataStart + end));
    const data = dtype === 'float64' ? new Float64Array(bytes.buffer) : new Float32Array(bytes.buffer);
    tensors.set(name, new Tensor(viewOf(data, entry.shape))); // in host memory, whatever backend is in use
  }
  return { tensors, metadata };
}
