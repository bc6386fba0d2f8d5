// End to end: a failed day alerts the spec's Slack webhook (here a local HTTP server standing in
// for Slack, reached through ${SLACK_WEBHOOK}), and a webhook that is down changes nothing about
// the run but a logged warning.
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDrop } from '../../examples/generator/generate-drop.js';
import { assertBuilt, parseSummary, runCli, tempDir } from './cli-harness.js';

const DATE = '2026-11-22';

describe('alerts from a run', () => {
  let server: Server;
  let base: string;
  let status = 200;
  const texts: string[] = [];
  let dir: string;

  beforeAll(async () => {
    assertBuilt();
    server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8').on('data', (text: string) => (body += text));
      request.on('end', () => {
        texts.push((JSON.parse(body) as { text: string }).text);
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    dir = await tempDir('alerts');
    // Duplicate keys fail the bookings check (quality.onFailure: fail), so the day fails.
    await generateDrop({ profile: 'acme-travel', date: DATE, outDir: join(dir, 'drop'), archives: 3, rowsPerMember: 60, faults: ['duplicate-key'] as never });
  }, 60_000);

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const run = (name: string) =>
    runCli(['run', 'partners/acme-travel.yaml', '--date', DATE, '--source', join(dir, 'drop'), '--staging', join(dir, name, 'staging'), '--output', join(dir, name, 'out'), '--json'], {
      env: { SLACK_WEBHOOK: `${base}/services/T0/B0/secret` },
    });

  it('posts the failed day to Slack with the failing check and where the summary is', async () => {
    const outcome = await run('first');
    expect(outcome.code).toBe(1);
    expect(parseSummary(outcome).status).toBe('fail');
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('*partner-ingest: acme-travel 2026-11-22 FAIL*');
    expect(texts[0]).toMatch(/bookings: primary_key_duplicates \(fail\)/);
    expect(texts[0]).toContain(`Summary: ${join(dir, 'first', 'out')}/logs/summary/2026/11/22/merge_summary_${DATE}.json`);
  });

  it('leaves the exit code and the summary alone when Slack is down, and says so on stderr', async () => {
    status = 500;
    texts.length = 0;
    const outcome = await run('second');
    expect(outcome.code).toBe(1);
    expect(parseSummary(outcome).status).toBe('fail');
    expect(texts).toHaveLength(2); // the first try and one retry
    expect(outcome.stderr).toContain('alert not sent');
    expect(outcome.stderr).not.toContain('secret');
  });
});
