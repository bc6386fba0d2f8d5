#!/usr/bin/env node
/**
 * The service as a process: ingests one partner day and prints the report as JSON on stdout
 * (nothing else goes there; the log goes to stderr). Exits with the run's exit code: 0 when every
 * table was published, 1 when not, 2 for a usage, spec, date or location mistake.
 *
 *   node examples/dist/service/main.js --spec partners/acme-travel.yaml --date 2026-11-22 \
 *     --source /tmp/drop --staging mem://staging --output /tmp/merged
 */
import { parseArgs } from 'node:util';
import { PlanError } from '@partner-ingest/core';
import type { LogLevel } from '@partner-ingest/core';
import { createCollectingLogger } from './collecting-logger.js';
import { InvalidSpecError, ingestDay } from './ingest-service.js';

const USAGE = `Usage: node examples/dist/service/main.js --spec FILE --date YYYY-MM-DD --source DIR --output DIR
                 [--staging mem://staging] [--log-level error|warn|info|debug]

Ingests one partner day with the SDK and prints a JSON report on stdout. Staging defaults to
mem://staging (in memory, this process only); a path stages on disk instead.`;

const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

class UsageError extends Error {}

function parse(argv: string[]) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        spec: { type: 'string' },
        date: { type: 'string' },
        source: { type: 'string' },
        staging: { type: 'string', default: 'mem://staging' },
        output: { type: 'string' },
        'log-level': { type: 'string', default: 'info' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help' as const;
  const { spec, date, source, staging, output } = values;
  if (spec === undefined || date === undefined || source === undefined || output === undefined) {
    const missing = (['spec', 'date', 'source', 'output'] as const).filter((name) => values[name] === undefined);
    throw new UsageError(`missing ${missing.map((name) => `--${name}`).join(', ')}`);
  }
  const logLevel = LOG_LEVELS.find((level) => level === values['log-level']);
  if (!logLevel) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  return { spec, date, source, staging, output, logLevel };
}

async function main(argv: string[]): Promise<number> {
  let args: Exclude<ReturnType<typeof parse>, 'help'>;
  try {
    const parsed = parse(argv);
    if (parsed === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    args = parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`service: ${error.message}\n${USAGE}\n`);
    return 2;
  }

  const logger = createCollectingLogger({ console: args.logLevel });
  try {
    const report = await ingestDay({ specPath: args.spec, date: args.date, source: args.source, staging: args.staging, output: args.output, logger });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return report.exitCode;
  } catch (error) {
    if (error instanceof InvalidSpecError || error instanceof PlanError) {
      process.stderr.write(`service: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // A bug (or storage failing under us), not a user mistake: show the stack.
    process.stderr.write(`service: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 70;
  },
);
