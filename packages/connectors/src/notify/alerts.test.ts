// The alert notifiers against a real HTTP server on a loopback port that records what it is sent
// and answers as each test asks (fine, 500, 400, never).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertSpec, RunSummary } from '@partner-ingest/core/connectors';
import { buildAlert, sendAlerts, slackText } from './alerts.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

let server: Server;
let base: string;
let received: Received[] = [];
let answer: (path: string) => number | 'hang' = () => 200;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const status = answer(request.url ?? '');
      if (status === 'hang') return; // never answers
      response.writeHead(status).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  received = [];
  answer = () => 200;
});

function summary(status: RunSummary['status']): RunSummary {
  return {
    partner: 'acme-travel',
    date: '2026-11-22',
    run_id: '2026-11-22T030000-abc123',
    status,
    exit_code: status === 'fail' ? 1 : 0,
    start_time: '2026-11-23T03:00:00.000Z',
    end_time: '2026-11-23T03:05:00.000Z',
    duration_sec: 300,
    locations: { source: 's3://drop/', staging: 's3://lake/staging/', output: 's3://lake/merged/', state: 's3://lake/state/' },
    stages: {},
    archives: { total: 10, extracted: 10, reused: 0, quarantined: 1 },
    input: { compressed_mb: 1, uncompressed_mb: 4 },
    rows_quarantined: 3,
    quarantine_files: [],
    quarantined_archives: [{ archive: 'a_0007.tar.gz', code: 'ARCHIVE_CORRUPT', reason: 'bad CRC' }],
    quarantined_members: [],
    unmatched_members: [],
    tables: [
      {
        table: 'bookings',
        status,
        checks: [
          { check: 'null_ratio', status: 'warn', column: 'guest_note', message: 'guest_note is 97% null, above 95%' },
          { check: 'primary_key_duplicates', status: status === 'fail' ? 'fail' : 'ok', message: '12 duplicate booking_id values' },
          { check: 'expected_files', status: 'ok', message: '10 files' },
        ],
      },
    ] as unknown as RunSummary['tables'],
    hints: [],
    failures: status === 'fail' ? [{ task: 'extract:a_0009.tar.gz', message: 'cannot read s3://drop/a_0009.tar.gz: no such object' }] : [],
  };
}

const logs: { level: string; message: string }[] = [];
const logger = {
  info: (message: string) => logs.push({ level: 'info', message }),
  warn: (message: string) => logs.push({ level: 'warn', message }),
};
const SUMMARY = 's3://lake/merged/logs/summary/2026/11/22/merge_summary_2026-11-22.json';

describe('sendAlerts', () => {
  it('posts a failed run to Slack: partner, date, failing tables with reasons, and where the summary is', async () => {
    const alerts: AlertSpec[] = [{ notifier: 'slack', webhook: `${base}/slack/T000/B000/xyz`, on: ['fail'] }];
    expect(await sendAlerts(alerts, summary('fail'), { summaryUri: SUMMARY, logger })).toEqual([{ notifier: 'slack', result: 'sent' }]);
    expect(received).toHaveLength(1);
    const text = (received[0]!.body as { text: string }).text;
    expect(text.split('\n')).toEqual([
      '*partner-ingest: acme-travel 2026-11-22 FAIL* (run 2026-11-22T030000-abc123)',
      '• extract:a_0009.tar.gz: cannot read s3://drop/a_0009.tar.gz: no such object',
      '• bookings: primary_key_duplicates (fail): 12 duplicate booking_id values',
      '• bookings: null_ratio (warn): guest_note is 97% null, above 95%',
      'Quarantined: 1 archive(s), 3 row(s)',
      `Summary: ${SUMMARY}`,
    ]);
  });

  it('posts the alert as JSON to a generic webhook, with its headers', async () => {
    const alerts: AlertSpec[] = [{ notifier: 'webhook', url: `${base}/hook`, headers: { Authorization: 'Bearer t0ken' }, on: ['fail'] }];
    await sendAlerts(alerts, summary('fail'), { summaryUri: SUMMARY, logger });
    expect(received).toHaveLength(1);
    expect(received[0]!.headers.authorization).toBe('Bearer t0ken');
    expect(received[0]!.headers['content-type']).toBe('application/json');
    expect(received[0]!.body).toEqual(buildAlert(summary('fail'), SUMMARY));
    expect(received[0]!.body).toMatchObject({ partner: 'acme-travel', date: '2026-11-22', status: 'fail', summary: SUMMARY, quarantined_archives: 1 });
  });

  it('sends on warn only to the alerts that ask for it, and never for a clean run', async () => {
    const alerts: AlertSpec[] = [
      { notifier: 'webhook', url: `${base}/fail-only`, on: ['fail'] },
      { notifier: 'webhook', url: `${base}/fail-and-warn`, on: ['fail', 'warn'] },
    ];
    const warned = await sendAlerts(alerts, summary('warn'), { summaryUri: SUMMARY, logger });
    expect(warned.map((o) => o.result)).toEqual(['skipped', 'sent']);
    expect(received.map((r) => r.path)).toEqual(['/fail-and-warn']);
    received = [];
    expect((await sendAlerts(alerts, summary('ok'), { summaryUri: SUMMARY, logger })).map((o) => o.result)).toEqual(['skipped', 'skipped']);
    expect(received).toEqual([]);
  });

  it('retries a 5xx once, then logs the failure with the host (never the token) and does not throw', async () => {
    answer = () => 503;
    logs.length = 0;
    const alerts: AlertSpec[] = [{ notifier: 'slack', webhook: `${base}/services/SECRET-TOKEN`, on: ['fail'] }];
    const outcome = await sendAlerts(alerts, summary('fail'), { summaryUri: SUMMARY, logger });
    expect(outcome).toEqual([{ notifier: 'slack', result: 'failed', reason: 'HTTP 503' }]);
    expect(received).toHaveLength(2);
    const warning = logs.find((l) => l.level === 'warn')!.message;
    expect(warning).toContain(new URL(base).host);
    expect(warning).not.toContain('SECRET-TOKEN');
    expect(warning).toContain("run's outcome is unchanged");
  });

  it('does not retry a 4xx, and goes on to the next alert', async () => {
    answer = (path) => (path === '/bad' ? 400 : 200);
    const alerts: AlertSpec[] = [
      { notifier: 'webhook', url: `${base}/bad`, on: ['fail'] },
      { notifier: 'webhook', url: `${base}/good`, on: ['fail'] },
    ];
    const outcome = await sendAlerts(alerts, summary('fail'), { summaryUri: SUMMARY, logger });
    expect(outcome.map((o) => o.result)).toEqual(['failed', 'sent']);
    expect(received.map((r) => r.path)).toEqual(['/bad', '/good']);
  });

  it('gives up on a server that never answers, and on one that is not there', async () => {
    answer = () => 'hang';
    const hanging = await sendAlerts([{ notifier: 'webhook', url: `${base}/slow`, on: ['fail'] }], summary('fail'), { summaryUri: SUMMARY, logger, timeoutMs: 200 });
    expect(hanging).toEqual([{ notifier: 'webhook', result: 'failed', reason: 'no answer in time' }]);
    const missing = await sendAlerts([{ notifier: 'webhook', url: 'http://127.0.0.1:9/hook', on: ['fail'] }], summary('fail'), { summaryUri: SUMMARY, logger });
    expect(missing[0]!.result).toBe('failed');
  });

  it('skips an alert whose secret was not set (the loader left ${VAR} in it), with a warning', async () => {
    logs.length = 0;
    const outcome = await sendAlerts([{ notifier: 'slack', webhook: '${SLACK_WEBHOOK}', on: ['fail'] }], summary('fail'), { summaryUri: SUMMARY, logger });
    expect(outcome).toEqual([{ notifier: 'slack', result: 'skipped', reason: 'its environment variable is not set' }]);
    expect(received).toEqual([]);
    expect(logs.some((l) => l.level === 'warn' && l.message.includes('not set'))).toBe(true);
  });

  it('keeps a Slack message short when there are many problems', () => {
    const many = summary('fail');
    many.failures = Array.from({ length: 15 }, (_, i) => ({ task: `extract:a_${i}.tar.gz`, message: 'gone' }));
    const lines = slackText(buildAlert(many, SUMMARY)).split('\n');
    expect(lines).toContain('• ... and 7 more');
    expect(lines.length).toBeLessThan(15);
  });
});
