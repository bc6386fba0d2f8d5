/**
 * Alert notifiers: after a run, tell people when it failed (and when it only warned, if the spec
 * asks). A Slack incoming webhook gets a short text; a generic webhook gets the alert as JSON.
 * Sending is best effort by design: a notifier that is down, slow or refuses is logged and never
 * changes the run's outcome, since the day's data is already published (or not) by then.
 */
import type { AlertSpec, RunSummary } from '@partner-ingest/core/connectors';

/** What an alert says about a run (the generic webhook's JSON body). */
export interface RunAlert {
  partner: string;
  date: string;
  run_id: string;
  status: RunSummary['status'];
  /** Checks that did not pass, worst first: table, check, its status and why. */
  problems: { table: string; check: string; status: string; message: string }[];
  /** Tasks that failed (an archive that could not be read, a merge that broke). */
  failures: { task: string; message: string }[];
  quarantined_archives: number;
  rows_quarantined: number;
  /** Where the full summary is. */
  summary: string;
}

/** The alert for a finished run whose summary JSON is at `summaryUri`. */
export function buildAlert(summary: RunSummary, summaryUri: string): RunAlert {
  const problems = summary.tables
    .flatMap((table) => table.checks.filter((c) => c.status !== 'ok').map((c) => ({ table: table.table, check: c.check, status: c.status, message: c.message })))
    .sort((a, b) => Number(b.status === 'fail') - Number(a.status === 'fail'));
  return {
    partner: summary.partner,
    date: summary.date,
    run_id: summary.run_id,
    status: summary.status,
    problems,
    failures: summary.failures,
    quarantined_archives: summary.quarantined_archives.length,
    rows_quarantined: summary.rows_quarantined,
    summary: summaryUri,
  };
}

/** The Slack message: a headline, then at most `limit` problems, then where to read more. */
export function slackText(alert: RunAlert, limit = 10): string {
  const lines = [`*partner-ingest: ${alert.partner} ${alert.date} ${alert.status.toUpperCase()}* (run ${alert.run_id})`];
  const items = [
    ...alert.failures.map((f) => `• ${f.task}: ${f.message}`),
    ...alert.problems.map((p) => `• ${p.table}: ${p.check} (${p.status}): ${p.message}`),
  ];
  lines.push(...items.slice(0, limit));
  if (items.length > limit) lines.push(`• ... and ${items.length - limit} more`);
  if (alert.quarantined_archives > 0 || alert.rows_quarantined > 0) {
    lines.push(`Quarantined: ${alert.quarantined_archives} archive(s), ${alert.rows_quarantined} row(s)`);
  }
  lines.push(`Summary: ${alert.summary}`);
  return lines.join('\n');
}

/** Where the outcome of sending is reported. */
export interface AlertLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

/** How one alert went. */
export interface AlertOutcome {
  notifier: AlertSpec['notifier'];
  /** `sent`; `skipped` (the status is not one it is for, or its secret is unset); `failed` (logged). */
  result: 'sent' | 'skipped' | 'failed';
  reason?: string;
}

/** Options of {@link sendAlerts}. */
export interface SendAlertsOptions {
  /** Where the run's summary JSON is, for the message. */
  summaryUri: string;
  logger: AlertLogger;
  /** Per-request time limit in ms (default 10 s). */
  timeoutMs?: number;
  /** Replaces the global fetch (for tests). */
  fetch?: typeof fetch;
}

/** The host of a URL, for messages: never the path or query, which may hold a token. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(not a URL)';
  }
}

async function post(url: string, body: unknown, headers: Record<string, string>, options: SendAlertsOptions): Promise<void> {
  const doFetch = options.fetch ?? fetch;
  let lastError = '';
  // One retry: a webhook that blinks should not cost the alert; one that is down must not hold the run.
  for (let attempt = 1; attempt <= 2; attempt++) {
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return;
      lastError = `HTTP ${response.status}`;
      if (response.status < 500 && response.status !== 429) break;
    } catch (error) {
      lastError = (error as Error).name === 'TimeoutError' ? 'no answer in time' : (error as Error).message;
    }
  }
  throw new Error(lastError);
}

/**
 * Sends the spec's alerts that apply to this run's status. Never throws: each failure is logged
 * with what to check and reported in the outcome.
 */
export async function sendAlerts(alerts: readonly AlertSpec[], summary: RunSummary, options: SendAlertsOptions): Promise<AlertOutcome[]> {
  const alert = buildAlert(summary, options.summaryUri);
  const outcomes: AlertOutcome[] = [];
  for (const spec of alerts) {
    const url = spec.notifier === 'slack' ? spec.webhook : spec.url;
    if (summary.status === 'ok' || !(spec.on as readonly string[]).includes(summary.status)) {
      outcomes.push({ notifier: spec.notifier, result: 'skipped', reason: `the run's status is ${summary.status}` });
      continue;
    }
    // An unset ${VAR} stays in the URL: the loader already warned that this alert is disabled.
    if (/\$\{[A-Z_][A-Z0-9_]*\}/.test(url) || Object.values(spec.notifier === 'webhook' ? (spec.headers ?? {}) : {}).some((v) => /\$\{[A-Z_][A-Z0-9_]*\}/.test(v))) {
      outcomes.push({ notifier: spec.notifier, result: 'skipped', reason: 'its environment variable is not set' });
      options.logger.warn('alert not sent: its environment variable is not set', { notifier: spec.notifier });
      continue;
    }
    try {
      if (spec.notifier === 'slack') await post(url, { text: slackText(alert) }, {}, options);
      else await post(url, alert, spec.headers ?? {}, options);
      outcomes.push({ notifier: spec.notifier, result: 'sent' });
      options.logger.info('alert sent', { notifier: spec.notifier, host: hostOf(url), status: summary.status });
    } catch (error) {
      const reason = (error as Error).message;
      outcomes.push({ notifier: spec.notifier, result: 'failed', reason });
      options.logger.warn(`alert not sent: ${spec.notifier} at ${hostOf(url)} failed (${reason}); check the URL and that the service is up. The run's outcome is unchanged`, {
        notifier: spec.notifier,
      });
    }
  }
  return outcomes;
}
