/**
 * The `partner-ingest` command line: parses arguments and dispatches to one typed function per
 * command. Only this package writes to the terminal.
 */
import { parseArgs } from 'node:util';
import { planCommand } from './commands/plan.js';
import { runFromArgs } from './commands/run.js';
import { validateCommand } from './commands/validate.js';
import { workerFromArgs } from './commands/worker.js';
import { EXIT, UsageError } from './io.js';
import type { CliIo } from './io.js';

const VERSION = '0.1.0';

const HELP = `partner-ingest: declarative ingestion of partner data drops

Usage:
  partner-ingest validate <spec.yaml | dir | glob>... [--format text|json]
  partner-ingest plan <spec.yaml> [--date YYYY-MM-DD] [--format text|json|mermaid]
                      [--source URI] [--staging URI] [--output URI] [--state URI]
  partner-ingest run <spec.yaml> [--date YYYY-MM-DD] [--source URI] [--staging URI] [--output URI]
                     [--state URI] [--concurrency N] [--force] [--json] [--log-level LEVEL]
                     [--executor local|bullmq --redis URL [--queue NAME]]
  partner-ingest worker --redis URL [--concurrency N] [--queue NAME]
  partner-ingest --help | --version

Commands:
  validate   Check partner specs; prints file:line:col for every problem.
             Exit 0 when all are valid, 1 when any is invalid, 2 on usage errors.
  plan       Print the tasks one day of a spec compiles to; reads nothing but the spec.
             Exit 0 when printed, 2 on usage errors, a bad date or an invalid spec.
  run        Run one day: extract, merge, check, summarise, verify.
             Exit 0 when every table was published, 1 when a check or task failed, 2 on usage
             or spec errors.
  worker     Run units of \`run --executor bullmq\` runs from Redis, on this machine.

Run partner-ingest <command> --help for a command's options.
`;

const VALIDATE_HELP = `Usage: partner-ingest validate <spec.yaml | dir | glob>... [--format text|json]

Checks each spec (directories are searched for *.yaml and *.yml) and prints every problem as
  path/to/spec.yaml:LINE:COL error|warning CODE message
followed by a verdict per file.

Options:
  --format text|json   json prints one machine-readable report and nothing else (default: text)
  -h, --help           show this help
`;

const PLAN_HELP = `Usage: partner-ingest plan <spec.yaml> [options]

Compiles the spec and a run date into the day's plan (resolve-date, wait-for-sources, extract
per archive, merge and dqa per table, summary, post-check) and prints it. Nothing is read but the
spec and nothing is written. \${ENV} references are printed as written, set or not.

Options:
  --date YYYY-MM-DD             the day to plan (default: yesterday in the spec's timezone)
  --format text|json|mermaid    json prints only the plan as JSON; mermaid a flowchart (default: text)
  --source URI                  read the drop from here instead of source.uri
  --staging URI                 stage parts here instead of staging
  --output URI                  publish here instead of output.uri
  --state URI                   record task state here (default: <output>/_state/)
  -h, --help                    show this help

URIs may use {date}, {date:FORMAT} and {partner}, like the spec's; plain paths are local paths.
`;

const PLAN_FORMATS = ['text', 'json', 'mermaid'] as const;

async function runPlan(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      date: { type: 'string' },
      format: { type: 'string', default: 'text' },
      source: { type: 'string' },
      staging: { type: 'string' },
      output: { type: 'string' },
      state: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(PLAN_HELP);
    return EXIT.OK;
  }
  const format = PLAN_FORMATS.find((f) => f === values.format);
  if (!format) throw new UsageError(`--format must be text, json or mermaid, not "${values.format}"`);
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'plan needs a spec file (e.g. partners/acme-travel.yaml)' : `plan takes one spec file, got ${positionals.length}`);
  }
  const { exitCode } = await planCommand(
    {
      spec: positionals[0]!,
      format,
      date: values.date,
      source: values.source,
      staging: values.staging,
      output: values.output,
      state: values.state,
    },
    io,
  );
  return exitCode;
}

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
      case 'plan':
        return await runPlan(rest, io);
      case 'run':
        return await runFromArgs(rest, io);
      case 'worker':
        return await workerFromArgs(rest, io);
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
