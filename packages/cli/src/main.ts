/**
 * The `partner-ingest` command line: parses arguments and dispatches to one typed function per
 * command. Only this package writes to the terminal.
 */
import { parseArgs } from 'node:util';
import { validateCommand } from './commands/validate.js';
import { EXIT, UsageError } from './io.js';
import type { CliIo } from './io.js';

const VERSION = '0.1.0';

const HELP = `partner-ingest: declarative ingestion of partner data drops

Usage:
  partner-ingest validate <spec.yaml | dir | glob>... [--format text|json]
  partner-ingest --help | --version

Commands:
  validate   Check partner specs; prints file:line:col for every problem.
             Exit 0 when all are valid, 1 when any is invalid, 2 on usage errors.
`;

const VALIDATE_HELP = `Usage: partner-ingest validate <spec.yaml | dir | glob>... [--format text|json]

Checks each spec (directories are searched for *.yaml and *.yml) and prints every problem as
  path/to/spec.yaml:LINE:COL error|warning CODE message
followed by a verdict per file.

Options:
  --format text|json   json prints one machine-readable report and nothing else (default: text)
  -h, --help           show this help
`;

async function runValidate(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: 'string', default: 'text' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    io.stdout(VALIDATE_HELP);
    return EXIT.OK;
  }
  if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format must be text or json, not "${values.format}"`);
  if (positionals.length === 0) throw new UsageError('validate needs at least one spec file, directory or glob (e.g. partners/)');
  const { exitCode } = await validateCommand({ targets: positionals, format: values.format }, io);
  return exitCode;
}

/** Runs the CLI with `argv` (without node and the script). Returns the process exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout(HELP);
        return command === undefined ? EXIT.USAGE : EXIT.OK;
      case '-v':
      case '--version':
        io.stdout(`${VERSION}\n`);
        return EXIT.OK;
      case 'validate':
        return await runValidate(rest, io);
      default:
        throw new UsageError(`unknown command "${command}"; run partner-ingest --help`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`partner-ingest: ${(error as Error).message}\n`);
      return EXIT.USAGE;
    }
    throw error;
  }
}
