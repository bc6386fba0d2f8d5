/** Where a command writes and what it runs in; injected so every command is callable from code. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** The terminal for live progress, when there is one (the process's stderr). */
  progress?: NodeJS.WriteStream;
}

/** The exit codes every command uses. */
export const EXIT = {
  /** Everything asked for succeeded (warnings allowed). */
  OK: 0,
  /** The input was read but is invalid, or the work failed. */
  FAILED: 1,
  /** The command line itself is wrong: unknown flag, missing argument, nothing to work on. */
  USAGE: 2,
} as const;

/** The process's own streams and environment. */
export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    cwd: process.cwd(),
    env: process.env,
    progress: process.stderr,
  };
}

/** A user mistake on the command line: printed as a message with exit code 2, never as a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** The `--log-level` of a command, or a usage error naming the levels. */
export function parseLogLevel(value: string | undefined): (typeof LOG_LEVELS)[number] {
  const level = LOG_LEVELS.find((l) => l === value);
  if (!level) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, not "${value}"`);
  return level;
}

/** A count flag such as `--concurrency`: a whole number of at least 1, or a usage error. */
export function parseCount(flag: string, value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1) throw new UsageError(`${flag} must be a whole number of at least 1, not "${value}"`);
  return count;
}
