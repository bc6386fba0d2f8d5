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
