// End to end on remote storage: the same generated drop, run once on the local filesystem and then
// (1) with source, staging, output and state all on a real S3-compatible server (s3rver on a
// loopback port), (2) the seeds' pipeline, the partner's SFTP server (a real OpenSSH sshd) as the
// source and S3 for staging and output; each must publish the same merged files byte for byte and
// the same figures as the local run. A second S3 run of the finished day re-extracts nothing.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary, StorageConnector } from '@partner-ingest/core';
import { s3Connector } from '@partner-ingest/connectors';
import { generateDrop } from '../../examples/generator/generate-drop.js';
import { startS3Server, type S3TestServer } from '../../packages/connectors/src/s3/__fixtures__/s3-server.js';
import { SSHD, startSshServer, type SshTestServer } from '../../packages/connectors/src/sftp/__fixtures__/sshd.js';
import { assertBuilt, parseSummary, publishedKeys, readPublished, runCli, tempDir } from './cli-harness.js';

const DATE = '2026-11-22';
const SPEC = 'partners/acme-travel.yaml';

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** What two runs must agree on: everything but times, ids and where things were. */
function figures(summary: RunSummary) {
  return {
    status: summary.status,
    archives: { total: summary.archives.total, quarantined: summary.archives.quarantined },
    quarantined: summary.quarantined_archives.map((a) => [a.archive, a.code]),
    rowsQuarantined: summary.rows_quarantined,
    tables: summary.tables.map((t) => [t.table, t.rows, t.nulls, t.type_errors, t.duplicate_keys, t.malformed_rows, t.columns, t.status]),
  };
}

const tables = ['bookings', 'cancellations', 'searches'];
let server: S3TestServer;
let dropDir: string;
let local: { summary: RunSummary; files: Map<string, Buffer> };

beforeAll(async () => {
  assertBuilt();
  server = await startS3Server();
  await server.createBucket('acme-drop');
  await server.createBucket('acme-lake');
  const dir = await tempDir('remote');
  dropDir = join(dir, 'drop');
  await generateDrop({ profile: 'acme-travel', date: DATE, outDir: dropDir, archives: 5, rowsPerMember: 120, faults: ['malformed-row', 'type-error', 'duplicate-key', 'corrupt-archive'] as never });
  const localOut = join(dir, 'out');
  const localRun = await runCli(['run', SPEC, '--date', DATE, '--source', dropDir, '--staging', join(dir, 'staging'), '--output', localOut, '--json']);
  local = { summary: parseSummary(localRun), files: await readPublished(localOut, tables) };
  expect(local.summary.tables.length).toBe(3);
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

/** The published files of every table under `prefix` of the lake. */
async function publishedOnLake(lake: StorageConnector, prefix: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const table of tables) {
    for (const key of publishedKeys(table)) {
      if (await lake.stat(`${prefix}${key}`)) files.set(key, await bytesOf(await lake.read(`${prefix}${key}`)));
    }
  }
  return files;
}

function expectSameFiles(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [key, bytes] of expected) expect({ key, same: actual.get(key)?.equals(bytes) }).toEqual({ key, same: true });
}

describe('a day on S3: source, staging, output and state in buckets', () => {
  let lake: StorageConnector;
  let onS3: { code: number | null; summary: RunSummary; stderr: string };

  beforeAll(async () => {
    // The partner's upload: every file of the drop, the done marker last.
    const drop = await s3Connector(`s3://acme-drop/incoming/${DATE}/`, { env: server.env, durable: true });
    const names = (await readdir(dropDir)).sort((a, b) => Number(a === '_DONE') - Number(b === '_DONE'));
    for (const name of names) await drop.write(name, await readFile(join(dropDir, name)));
    await drop.close();

    const run = await runCli(
      ['run', SPEC, '--date', DATE, '--source', `s3://acme-drop/incoming/{date}/`, '--staging', 's3://acme-lake/staging/{date}/', '--output', 's3://acme-lake/merged/{date}/', '--state', 's3://acme-lake/state/{date}/', '--json'],
      { env: server.env, timeoutMs: 120_000 },
    );
    onS3 = { code: run.code, summary: parseSummary(run), stderr: run.stderr };
    lake = await s3Connector(`s3://acme-lake/`, { env: server.env, durable: true });
  }, 180_000);

  afterAll(async () => {
    await lake?.close();
  });

  it('finishes with the same status and figures as the local run', () => {
    expect(onS3.stderr).not.toContain('internal error');
    expect(onS3.code).toBe(1); // the duplicate keys fail the bookings check, on both
    expect(figures(onS3.summary)).toEqual(figures(local.summary));
    expect(onS3.summary.quarantined_archives.length).toBeGreaterThan(0);
  });

  it('publishes every table file byte for byte as the local run did', async () => {
    expectSameFiles(await publishedOnLake(lake, `merged/${DATE}/`), local.files);
  });

  it('writes the summary, the quarantine, the log and the state to the lake', async () => {
    const keys: string[] = [];
    for await (const info of lake.list(`merged/${DATE}/`)) keys.push(info.key);
    expect(keys).toContain(`merged/${DATE}/logs/summary/2026/11/22/merge_summary_${DATE}.json`);
    expect(keys).toContain(`merged/${DATE}/logs/summary/2026/11/22/summary.txt`);
    expect(keys.some((k) => k.includes('/_quarantine/'))).toBe(true);
    // The run's JSON-lines log, written locally and copied up when the run ended.
    const log = (await bytesOf(await lake.read(`merged/${DATE}/logs/partner-ingest_${DATE}.jsonl`))).toString('utf8');
    expect(log.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as { message: string }).message)).toContain('run finished');
    const summary = JSON.parse((await bytesOf(await lake.read(`merged/${DATE}/logs/summary/2026/11/22/merge_summary_${DATE}.json`))).toString('utf8')) as RunSummary;
    expect(figures(summary)).toEqual(figures(onS3.summary));
    const state: string[] = [];
    for await (const info of lake.list(`state/${DATE}/`)) state.push(info.key);
    expect(state.filter((k) => k.includes('/extract/')).length).toBe(onS3.summary.archives.total);
  });

  it('re-extracts nothing when the finished day is run again', async () => {
    const again = await runCli(
      ['run', SPEC, '--date', DATE, '--source', `s3://acme-drop/incoming/{date}/`, '--staging', 's3://acme-lake/staging/{date}/', '--output', 's3://acme-lake/merged/{date}/', '--state', 's3://acme-lake/state/{date}/', '--json'],
      { env: server.env, timeoutMs: 120_000 },
    );
    const summary = parseSummary(again);
    expect(summary.stages.extract).toMatchObject({ extracted: 0, reused: summary.archives.total });
    expect(figures(summary)).toEqual(figures(onS3.summary));
  });
});

// CI installs openssh-server (see .ci/run); elsewhere this says it did not run.
describe.skipIf(SSHD === undefined)("the seeds' pipeline: the partner's SFTP server, then S3 for staging and output", () => {
  let sshd: SshTestServer;
  let lake: StorageConnector;
  let run: { code: number | null; summary: RunSummary; stderr: string };

  beforeAll(async () => {
    sshd = await startSshServer();
    const outcome = await runCli(
      ['run', SPEC, '--date', DATE, '--source', `sftp://${sshd.user}@${sshd.host}:${sshd.port}${dropDir}/`, '--staging', 's3://acme-lake/sftp-staging/{date}/', '--output', 's3://acme-lake/from-sftp/{date}/', '--json'],
      { env: { ...server.env, ...sshd.env }, timeoutMs: 120_000 },
    );
    run = { code: outcome.code, summary: parseSummary(outcome), stderr: outcome.stderr };
    lake = await s3Connector('s3://acme-lake/', { env: server.env, durable: true });
  }, 180_000);

  afterAll(async () => {
    await lake?.close();
    await sshd?.stop();
  });

  it('finishes with the same status and figures as the local run', () => {
    expect(run.stderr).not.toContain('internal error');
    expect(run.code).toBe(1);
    expect(figures(run.summary)).toEqual(figures(local.summary));
  });

  it('publishes every table file byte for byte as the local run did', async () => {
    expectSameFiles(await publishedOnLake(lake, `from-sftp/${DATE}/`), local.files);
  });
});
