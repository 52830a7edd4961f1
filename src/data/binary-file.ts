/**
 * Small helpers for reading binary data files with errors that name the file.
 *
 * - `readFileBytes` reads a whole file (for files of at most a few hundred MB).
 * - `gunzipIfNeeded` inflates gzip data (recognised by its magic bytes 1f 8b).
 * - `ChunkedFile` reads byte ranges of a file that may be far too large to hold
 *   in memory at once (STL-10's unlabeled_X.bin is 2.7 GB).
 */
import * as fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError, describeError } from './errors.js';

/** The two bytes every gzip stream starts with. */
const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** The whole file as bytes; a missing or unreadable file becomes a DataError. */
export function readFileBytes(file: string): Uint8Array {
  try {
    const buffer = fs.readFileSync(file);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw new DataError(file, `cannot read file (${describeError(error)})`, { cause: error });
  }
}

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC_0 && bytes[1] === GZIP_MAGIC_1;
}

/**
 * Inflates gzip data; returns other data unchanged. A file whose name ends in
 * `.gz` must be gzip data, so a renamed or half-downloaded file is caught here.
 */
export function gunzipIfNeeded(bytes: Uint8Array, file: string): Uint8Array {
  if (!isGzip(bytes)) {
    if (file.endsWith('.gz')) throw new DataError(file, 'named .gz but does not start with the gzip magic 1f 8b');
    return bytes;
  }
  try {
    const inflated = gunzipSync(bytes);
    return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
  } catch (error) {
    throw new DataError(file, `corrupt or truncated gzip data (${describeError(error)})`, { cause: error });
  }
}

/** A file opened for reading byte ranges; call `close()` when done. */
export class ChunkedFile {
  readonly file: string;
  /** Size of the file in bytes. */
  readonly size: number;
  private fd: number;

  constructor(file: string) {
    this.file = file;
    try {
      this.fd = fs.openSync(file, 'r');
      this.size = fs.fstatSync(this.fd).size;
    } catch (error) {
      throw new DataError(file, `cannot open file (${describeError(error)})`, { cause: error });
    }
  }

  /** Reads `length` bytes starting at byte `offset` into `into` (or a new array). */
  read(offset: number, length: number, into: Uint8Array = new Uint8Array(length)): Uint8Array {
    if (offset + length > this.size) {
      throw new DataError(this.file, `truncated: wanted bytes ${offset}..${offset + length}, file has ${this.size}`);
    }
    let done = 0;
    while (done < length) {
      const got = fs.readSync(this.fd, into, done, length - done, offset + done);
      if (got === 0) throw new DataError(this.file, `unexpected end of file at byte ${offset + done}`);
      done += got;
    }
    return into;
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** Reads a small text file of one name per line (blank lines skipped), or null if absent. */
export function readNameList(file: string): string[] | null {
  if (!fs.existsSync(file)) return null;
  const text = fs.readFileSync(file, 'utf8');
  const names = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  if (names.length === 0) throw new DataError(file, 'class name list is empty');
  return names;
}
