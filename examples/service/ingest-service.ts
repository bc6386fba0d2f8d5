/**
 * A data team's own service ingesting one partner day through the SDK, not the CLI: load the
 * spec, compile the plan, run it with the service's own connector registry (local files plus an
 * in-memory `mem://` connector of its own) and logger, and turn the typed `RunResult` into the
 * small report the service hands on.
 */
import { resolve } from 'node:path';
import { localFs } from '@partner-ingest/connectors';
import { PlanError, compilePlan, createConnectorRegistry, formatIssue, joinLocation, loadSpecFile, runPlan, uriScheme } from '@partner-ingest/core';
import type { CheckStatus, Logger, Plan, RunResult, SpecIssue } from '@partner-ingest/core';
import { createCollectingLogger } from './collecting-logger.js';
import { memoryConnectorFactory, type MemoryObjects } from './memory-connector.js';

/** Options of {@link ingestDay}. Locations are templates like the spec's (`{date}`, `{partner}`). */
export interface IngestDayOptions {
  /** The partner spec (YAML); a relative path is read from the working directory. */
  specPath: string;
  /** The day to ingest, `YYYY-MM-DD`. */
  date: string;
  /** Where the drop is: a local path or `file://` URI. */
  source: string;
  /** Where parts are staged: `mem://...` keeps them in this process, a path puts them on disk. */
  staging: string;
  /** Where merged tables, markers, the summary and the run state are published. */
  output: string;
  /** Receives the run's structured log; a collecting logger that prints nothing by default. */
  logger?: Logger;
  /** Backing store of `mem://` locations; a fresh one per call by default (gone after the call). */
  memory?: MemoryObjects;
}

/** One table of the day. */
export interface TableReport {
  name: string;
  /** Rows published in the merged table. */
  rows: number;
  status: CheckStatus;
  /**
   * Checks that failed at `fail` severity, as `check` or `check:column` (e.g.
   * `type_validity:amount`); `not_published` when the table was never merged.
   */
  failedChecks: string[];
}

/** What the service reports for one day. */
export interface IngestReport {
  /** `ok`, `warn` (published, with findings) or `fail`. */
  status: CheckStatus;
  /** 0 when every table was published (warnings allowed), 1 otherwise. */
  exitCode: 0 | 1;
  /** Every table of the spec, in spec order. */
  tables: TableReport[];
  /** Archives set aside whole (corrupt, truncated, over limits), by name. */
  quarantinedArchives: string[];
}

/** The spec has errors; `issues` holds them as data, the message as `file:line:col` lines. */
export class InvalidSpecError extends Error {
  override name = 'InvalidSpecError';
  constructor(
    readonly file: string,
    readonly issues: SpecIssue[],
  ) {
    super(`${file} is not a valid partner spec:\n${issues.map((issue) => `  ${formatIssue(file, issue)}`).join('\n')}`);
  }
}

/** Plain relative paths made absolute, so logs and the summary name real directories. */
function absolute(location: string): string {
  return uriScheme(location) === 'file' && !location.startsWith('file://') ? resolve(location) : location;
}

/**
 * Ingests one partner day. Throws `InvalidSpecError` for a broken spec and core's `PlanError`
 * for a bad date or location (including a scheme this service has no connector for); bad data
 * never throws, it shows in the report.
 */
export async function ingestDay(options: IngestDayOptions): Promise<IngestReport> {
  const logger = options.logger ?? createCollectingLogger();

  const loaded = await loadSpecFile(options.specPath, { env: process.env });
  if (!loaded.spec) throw new InvalidSpecError(options.specPath, loaded.issues);
  // Warnings (e.g. an unset alert webhook) do not stop the day, but someone should see them.
  for (const issue of loaded.issues) logger.warn('spec warning', { issue: formatIssue(options.specPath, issue) });
  const spec = loaded.spec;

  const plan = compilePlan(spec, {
    date: options.date,
    source: absolute(options.source),
    staging: absolute(options.staging),
    output: absolute(options.output),
  });

  // The service's own registry: only what it uses, plus its own scheme next to the built-in one.
  const connectors = createConnectorRegistry({ file: localFs }).register('mem', memoryConnectorFactory(options.memory));
  // runPlan would only find an unknown scheme when opening it, as a thrown ConnectorError; it is
  // the caller's mistake, so say so before anything runs, the way compilePlan reports locations.
  for (const [role, uri] of Object.entries(plan.locations)) {
    if (!connectors.schemes().includes(uriScheme(uri))) {
      throw new PlanError('BAD_LOCATION', `${role} location ${uri}: this service handles ${connectors.schemes().map((s) => `${s}://`).join(' and ')} locations (and plain paths)`);
    }
  }

  const result = await runPlan({ spec, plan, connectors, logger, env: process.env });
  const report = buildReport(plan, result);

  const summary = joinLocation(plan.locations.output, result.summaryKeys.json);
  if (report.exitCode === 0) {
    logger.info('day ingested', { partner: plan.partner, date: plan.date, status: report.status, summary });
  } else {
    const failing = report.tables.filter((t) => t.status === 'fail').map((t) => `${t.name} (${t.failedChecks.join(', ')})`);
    const failures = result.summary.failures.map((f) => `${f.task}: ${f.message}`);
    logger.error('day not ingested', { partner: plan.partner, date: plan.date, failing, failures, summary });
  }
  return report;
}

/** The service's report, from the run's summary. */
function buildReport(plan: Plan, result: RunResult): IngestReport {
  const { summary } = result;
  const merged = new Map(summary.tables.map((table) => [table.table, table]));
  const tables = plan.tables.map((name): TableReport => {
    const table = merged.get(name);
    // Absent when the run stopped before merging (drop not ready, an extract unit failed).
    if (!table) return { name, rows: 0, status: 'fail', failedChecks: ['not_published'] };
    return {
      name,
      rows: table.rows,
      status: table.status,
      failedChecks: table.checks.filter((c) => c.status === 'fail').map((c) => (c.column === undefined ? c.check : `${c.check}:${c.column}`)),
    };
  });
  return {
    status: result.status,
    exitCode: result.exitCode,
    tables,
    quarantinedArchives: summary.quarantined_archives.map((q) => q.archive),
  };
}
