/**
 * Command-line flags from one table per command: the same table parses the
 * arguments (node:util parseArgs), validates them, and prints `--help`, so the
 * help can never disagree with what is accepted.
 */
import { parseArgs } from 'node:util';

/** A user error: printed as one line, exit code 2, no stack trace. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}

export type FlagType = 'string' | 'boolean' | 'number' | 'int';

export interface FlagSpec {
  name: string;
  type: FlagType;
  /** Shown in --help as METAVAR (e.g. N, PATH). */
  metavar?: string;
  default?: string | number | boolean;
  /** The value the paper used, shown beside the default. */
  paper?: string;
  choices?: readonly string[];
  /** Lower bound for numbers (inclusive). */
  min?: number;
  help: string;
}

/** Flag values by name; `_` holds the positional arguments. */
export interface FlagValues {
  [name: string]: string | number | boolean | string[] | undefined;
  _: string[];
}

/** Parses argv against the table; throws CliError naming the flag at fault. */
export function parseFlags(
  command: string,
  specs: readonly FlagSpec[],
  argv: string[],
  opts: { applyDefaults?: boolean; positionals?: boolean } = {},
): FlagValues {
  const applyDefaults = opts.applyDefaults ?? true;
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const s of specs) options[s.name] = { type: s.type === 'boolean' ? 'boolean' : 'string' };
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, strict: true, allowPositionals: true }) as typeof parsed;
  } catch (error) {
    const message = (error as Error).message.split('\n')[0]!;
    throw new CliError(
      `${message.replace(/\. To specify a positional.*$/, '')} (see npm run ${command} -- --help)`,
    );
  }
  if (parsed.positionals.length > 0 && !opts.positionals) {
    throw new CliError(`unexpected argument '${parsed.positionals[0]}' (see npm run ${command} -- --help)`);
  }
  const values: FlagValues = { help: parsed.values.help === true, _: parsed.positionals };
  for (const s of specs) {
    const raw = parsed.values[s.name];
    values[s.name] = raw === undefined ? (applyDefaults ? s.default : undefined) : convert(s, raw);
  }
  return values;
}

function convert(s: FlagSpec, raw: string | boolean): string | number | boolean {
  if (s.type === 'boolean') return raw === true;
  const text = String(raw);
  if (s.choices && !s.choices.includes(text)) {
    throw new CliError(`--${s.name}: expected one of ${s.choices.join(', ')}, got '${text}'`);
  }
  if (s.type === 'string') return text;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || (s.type === 'int' && !Number.isInteger(n))) {
    throw new CliError(
      `--${s.name}: expected ${s.type === 'int' ? 'an integer' : 'a number'}, got '${text}'`,
    );
  }
  if (s.min !== undefined && n < s.min)
    throw new CliError(`--${s.name}: must be at least ${s.min}, got ${n}`);
  return n;
}

/** The --help text: usage, then one line per flag with its default and the paper's value. */
export function helpText(command: string, summary: string, specs: readonly FlagSpec[]): string {
  const rows = specs.map((s) => {
    const left = `  --${s.name}${s.type === 'boolean' ? '' : ` ${s.metavar ?? (s.choices ? s.choices.join('|') : 'VALUE')}`}`;
    const notes: string[] = [];
    if (s.default !== undefined && s.type !== 'boolean') notes.push(`default ${formatDefault(s.default)}`);
    if (s.paper !== undefined) notes.push(`paper: ${s.paper}`);
    return [left, s.help + (notes.length ? ` (${notes.join('; ')})` : '')] as const;
  });
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const lines = rows.map(([l, r]) => l.padEnd(width) + r);
  return `Usage: npm run ${command} -- [flags]\n\n${summary}\n\nFlags:\n${lines.join('\n')}\n  --help${' '.repeat(width - 8)}show this help\n`;
}

/** 1e-6 rather than 0.000001. */
function formatDefault(v: string | number | boolean): string {
  return typeof v === 'number' && v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential() : String(v);
}

/** Runs a command's main, turning user errors into one line and exit code 2. */
export async function runCommand(command: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    const e = error as Error;
    const isUserError = [
      'CliError',
      'DataError',
      'ShapeError',
      'CheckpointError',
      'StateDictError',
      'ConfigError',
    ].includes(e?.name);
    if (process.env.LPL_DEBUG) console.error(e);
    else if (isUserError) console.error(`${command}: ${e.message}`);
    else console.error(`${command}: ${e?.message ?? e} (internal error; run with LPL_DEBUG=1 for the stack)`);
    process.exitCode = isUserError ? 2 : 1;
  }
}
