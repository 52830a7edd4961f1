/**
 * One error type for everything that can be wrong with data on disk.
 *
 * Every reader in src/data validates what it reads and, when something is off,
 * throws a `DataError` whose message starts with the file (or folder) and then
 * says what is wrong in words ("truncated record", "wrong magic number", ...).
 * A decoder crash deep inside a library is caught and re-thrown as one of these,
 * so a user always learns which file to look at.
 */
export class DataError extends Error {
  /** The file or folder the problem was found in. */
  readonly file: string;

  constructor(file: string, problem: string, options?: { cause?: unknown }) {
    super(`${file}: ${problem}`, options);
    this.name = 'DataError';
    this.file = file;
  }
}

/** The message of anything thrown, for wrapping library errors. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
