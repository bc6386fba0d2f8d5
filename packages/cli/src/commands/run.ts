/**
 * `partner-ingest run <spec> --date D`: compiles the day's plan and runs it with the local
 * executor. Exit 0 when every table was published (warnings allowed), 1 when a quality check at
 * fail severity or a task failed, 2 on a usage or spec error.
 */
import { createReadStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConnectorRegistry, sendAlerts } from '@partner-ingest/connectors';
import { PlanError, bullmqExecutor, compilePlan, joinLocation, parseDuration, createRunLogger, formatIssue, formatSummaryText, loadSpecFile, resolveRunDate, runPlan, uriScheme } from '@partner-ingest/core';
import type { ConnectorRegistry, LogLevel, RunProgress, RunResult } from '@partner-ingest/core';
import { parseArgs } from 'node:util';
import { EXIT, parseCount, parseLogLevel, UsageError } from '../io.js';
import type { CliIo } from '../io.js';
import { createProgressLine } from '../progress.js';

/** Options of `run`. Location overrides are templates, like the spec's own; a plain path is local. */
export interface RunCommandOptions {
  spec: string;
  /** `YYYY-MM-DD`; defaults to yesterday in the spec's time zone. */
  date?: string;
  source?: string;
  staging?: string;
  output?: string;
  state?: string;
  concurrency?: number;
  /** Replaces the spec's source.readiness.timeout, e.g. `0s` to look once and not wait. */
  waitTimeout?: string;
  force?: boolean;
  /** Print the summary as JSON (and nothing else) on stdout. */
  json?: boolean;
  logLevel?: LogLevel;
  /** Connectors to use instead of the built-in ones. */
  connectors?: ConnectorRegistry;
  /** Run units on BullMQ workers through this Redis (`redis://host:port`), instead of this machine. */
  redis?: string;
  /** The BullMQ queue (default `partner-ingest`). */
  queue?: string;
  /** Receives progress (the CLI draws it on a TTY). */
  onProgress?: (progress: RunProgress) => void;
  signal?: AbortSignal;
}

/** What `run` did. */
export interface RunCommandResult {
  exitCode: number;
  result?: RunResult;
}

/** The local directory of a file location, or undefined for remote storage. */
function localDirectory(uri: string, cwd: string): string | undefined {
  if (uriScheme(uri) !== 'file') return undefined;
  return uri.startsWith('file://') ? fileURLToPath(uri) : resolve(cwd, uri);
}

/** Runs one partner's day. */
export async function runCommand(options: RunCommandOptions, io: CliIo): Promise<RunCommandResult> {
  const specPath = isAbsolute(options.spec) ? options.spec : join(io.cwd, options.spec);
  const loaded = await loadSpecFile(specPath, { env: io.env });
  for (const issue of loaded.issues) if (issue.severity === 'warning' || !loaded.spec) io.stderr(`${formatIssue(options.spec, issue)}\n`);
  if (!loaded.spec) {
    io.stderr(`${options.spec}: invalid; fix it first (partner-ingest validate ${options.spec})\n`);
    return { exitCode: EXIT.USAGE };
  }
  const spec = loaded.spec;
  let plan;
  try {
    const date = resolveRunDate(options.date, spec.timezone, new Date());
    const relative = (uri: string | undefined) => (uri !== undefined && uriScheme(uri) === 'file' && !uri.startsWith('file://') ? resolve(io.cwd, uri) : uri);
    plan = compilePlan(spec, { date, source: relative(options.source), staging: relative(options.staging), output: relative(options.output), state: relative(options.state), ...(options.waitTimeout !== undefined ? { waitTimeout: options.waitTimeout } : {}) });
  } catch (error) {
    if (!(error instanceof PlanError)) throw error;
    io.stderr(`partner-ingest: error ${error.code} ${error.message}\n`);
    return { exitCode: EXIT.USAGE };
  }
  if (options.concurrency !== undefined && (!Number.isInteger(options.concurrency) || options.concurrency < 1)) {
    io.stderr('partner-ingest: --concurrency must be a whole number of at least 1\n');
    return { exitCode: EXIT.USAGE };
  }

  const connectors = options.connectors ?? defaultConnectorRegistry();
  for (const [name, uri] of Object.entries(plan.locations)) {
    if (!connectors.schemes().includes(uriScheme(uri))) {
      io.stderr(`partner-ingest: error the ${name} location ${uri} needs a "${uriScheme(uri)}://" connector; available: ${connectors.schemes().join(', ')}. Override it with --${name} <path>\n`);
      return { exitCode: EXIT.USAGE };
    }
  }

  // JSON lines go under the output's logs/: written there when the output is local, written to a
  // temp file and uploaded at the end otherwise. The console gets a human view on stderr.
  const logKey = `logs/partner-ingest_${plan.date}.jsonl`;
  const outputDir = localDirectory(plan.locations.output, io.cwd);
  let jsonFile: string;
  let uploadLog: string | undefined;
  if (outputDir) {
    mkdirSync(join(outputDir, 'logs'), { recursive: true });
    jsonFile = join(outputDir, logKey);
  } else {
    uploadLog = mkdtempSync(join(tmpdir(), 'partner-ingest-log-'));
    jsonFile = join(uploadLog, basename(logKey));
  }
  const logger = createRunLogger({ level: options.logLevel ?? 'info', console: true, jsonFile });
  let result: RunResult;
  try {
    result = await runPlan({
      spec,
      plan,
      connectors,
      logger,
      env: io.env,
      // Extract units run on worker threads, which open locations with the built-in connectors.
      ...(options.connectors ? {} : { connectorsModule: import.meta.resolve('@partner-ingest/connectors') }),
      ...(options.redis !== undefined
        ? {
            executor: bullmqExecutor({
              redis: options.redis,
              state: plan.locations.state,
              connectors,
              env: io.env,
              logger,
              ...(options.queue !== undefined ? { queue: options.queue } : {}),
            }),
          }
        : {}),
      ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      ...(options.force ? { force: true } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    // Best effort: a notifier that fails is logged and leaves the run's outcome as it is.
    if (spec.alerts.length > 0) await sendAlerts(spec.alerts, result.summary, { summaryUri: joinUri(plan.locations.output, result.summaryKeys.json), logger });
  } finally {
    await logger.close();
    if (uploadLog) await uploadRunLog(connectors, plan.locations.output, logKey, jsonFile, uploadLog, io);
  }
  io.stdout(options.json ? `${JSON.stringify(result.summary, null, 2)}\n` : formatSummaryText(result.summary));
  if (!options.json) io.stdout(`summary: ${joinUri(plan.locations.output, result.summaryKeys.json)}\n`);
  return { exitCode: result.exitCode, result };
}

/** Copies the run's JSON-lines log to a remote output; a failure is reported, never fatal. */
async function uploadRunLog(connectors: ConnectorRegistry, output: string, key: string, file: string, dir: string, io: CliIo): Promise<void> {
  try {
    const store = await connectors.open(output, { env: io.env });
    try {
      await store.write(key, createReadStream(file));
    } finally {
      await store.close();
    }
  } catch (error) {
    io.stderr(`partner-ingest: warning the run's log could not be copied to ${joinUri(output, key)} (${(error as Error).message}); it is kept at ${file}\n`);
    return;
  }
  rmSync(dir, { recursive: true, force: true });
}

function joinUri(base: string, key: string): string {
  return joinLocation(base, key);
}

/** `run --help`. */
export const RUN_HELP = `Usage: partner-ingest run <spec.yaml> [options]

Runs one day of a partner: waits for the drop, extracts every archive, merges and checks each
table, writes the summary, and verifies what it published. Re-running a day skips what is done and
unchanged; a run that was killed resumes where it stopped.

Options:
  --date YYYY-MM-DD       the day to run (default: yesterday in the spec's timezone)
  --source URI            read the drop from here instead of source.uri
  --staging URI           stage parts here instead of staging
  --output URI            publish here instead of output.uri
  --state URI             record task state here (default: <output>/_state/)
  --concurrency N         archives extracted at once (default: the number of cores; with
                          --executor bullmq, units in flight across all workers, default 16)
  --executor local|bullmq local runs units on this machine's cores (the default); bullmq enqueues
                          them for \`partner-ingest worker\` processes through --redis
  --redis URL             redis://host:port of the BullMQ queues (with --executor bullmq)
  --queue NAME            the BullMQ queue (default: partner-ingest)
  --wait-timeout D        wait at most D for the drop (e.g. 0s, 10m) instead of source.readiness.timeout
  --force                 redo every task, even those whose inputs are unchanged
  --json                  print the run summary as JSON, and nothing else, on stdout
  --log-level LEVEL       error, warn, info or debug for the console (default: info)
  -h, --help              show this help

URIs may use {date}, {date:FORMAT} and {partner}; plain paths are local paths.
Exit 0 when every table was published (warnings allowed), 1 when a quality check at fail
severity or a task failed, 2 on a usage or spec error.
`;

/** Parses `run`'s arguments and runs it, drawing progress on a terminal and stopping cleanly on Ctrl-C. */
export async function runFromArgs(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      date: { type: 'string' },
      source: { type: 'string' },
      staging: { type: 'string' },
      output: { type: 'string' },
      state: { type: 'string' },
      concurrency: { type: 'string' },
      'wait-timeout': { type: 'string' },
      executor: { type: 'string', default: 'local' },
      redis: { type: 'string' },
      queue: { type: 'string' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(RUN_HELP);
    return EXIT.OK;
  }
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0 ? 'run needs a spec file (e.g. partners/acme-travel.yaml)' : `run takes one spec file, got ${positionals.length}`);
  }
  const logLevel = parseLogLevel(values['log-level']);
  let concurrency = values.concurrency === undefined ? undefined : parseCount('--concurrency', values.concurrency);
  const waitTimeout = values['wait-timeout'];
  if (waitTimeout !== undefined) {
    try {
      parseDuration(waitTimeout);
    } catch {
      throw new UsageError(`--wait-timeout must be a duration such as 0s, 30s, 10m or 1h30m, not "${waitTimeout}"`);
    }
  }
  if (values.executor !== 'local' && values.executor !== 'bullmq') throw new UsageError(`--executor must be local or bullmq, not "${values.executor}"`);
  if (values.executor === 'bullmq' && values.redis === undefined) throw new UsageError('--executor bullmq needs --redis redis://host:port (where the workers take their units)');
  if (values.executor === 'local' && values.redis !== undefined) throw new UsageError('--redis is for --executor bullmq; add it, or drop --redis to run here');
  if (values.executor === 'bullmq') concurrency ??= 16;
  const progress = io.progress ? createProgressLine(io.progress) : undefined;
  const abort = new AbortController();
  const onSignal = () => abort.abort(new Error('interrupted (SIGINT)'));
  process.once('SIGINT', onSignal);
  try {
    const { exitCode } = await runCommand(
      {
        spec: positionals[0]!,
        ...(values.date !== undefined ? { date: values.date } : {}),
        ...(values.source !== undefined ? { source: values.source } : {}),
        ...(values.staging !== undefined ? { staging: values.staging } : {}),
        ...(values.output !== undefined ? { output: values.output } : {}),
        ...(values.state !== undefined ? { state: values.state } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(waitTimeout !== undefined ? { waitTimeout } : {}),
        ...(values.redis !== undefined ? { redis: values.redis } : {}),
        ...(values.queue !== undefined ? { queue: values.queue } : {}),
        force: values.force ?? false,
        json: values.json ?? false,
        logLevel,
        ...(progress ? { onProgress: progress.update } : {}),
        signal: abort.signal,
      },
      io,
    );
    return exitCode;
  } finally {
    progress?.done();
    process.removeListener('SIGINT', onSignal);
  }
}
