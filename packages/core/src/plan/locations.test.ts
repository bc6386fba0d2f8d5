import { fileURLToPath } from 'node:url';
import { loadSpecFile } from '@partner-ingest/core';
import type { PartnerSpec } from '@partner-ingest/core';
import { describe, expect, it } from 'vitest';
import { expandLocation, joinLocation } from './locations.js';

const partners = fileURLToPath(new URL('../../../../partners/', import.meta.url));

async function partner(name: string): Promise<PartnerSpec> {
  const loaded = await loadSpecFile(`${partners}${name}.yaml`);
  if (!loaded.spec) throw new Error(`${name}: ${JSON.stringify(loaded.issues)}`);
  return loaded.spec;
}

describe('expandLocation on the partner specs', () => {
  it.each([
    [
      'acme-travel',
      's3://acme-drop/incoming/2026/11/22/',
      's3://acme-lake/staging/acme-travel/2026-11-22/',
      's3://acme-lake/merged/acme-travel/2026-11-22/',
    ],
    [
      'fjord-rail',
      'sftp://fjordrail@sftp.fjord-rail.example:22/exports/20261122/',
      's3://rail-lake/staging/fjord-rail/2026-11-22/',
      's3://rail-lake/merged/fjord-rail/2026-11-22/',
    ],
  ])('%s', async (name, source, staging, output) => {
    const spec = await partner(name);
    const vars = { date: '2026-11-22', partner: spec.partner };
    expect(expandLocation(spec.source.uri, vars)).toBe(source);
    expect(expandLocation(spec.staging, vars)).toBe(staging);
    expect(expandLocation(spec.output.uri, vars)).toBe(output);
  });
});

describe('expandLocation', () => {
  const vars = { date: '2026-03-07', partner: 'acme' };
  it.each([
    ['s3://lake/{partner}/{date}/', 's3://lake/acme/2026-03-07/'],
    ['s3://lake/{date:yyyy/MM/dd}/', 's3://lake/2026/03/07/'],
    ['s3://lake/dt={date:yyyyMMdd}/p={partner}', 's3://lake/dt=20260307/p=acme'],
    ['/data/{date:dd.MM.yyyy}', '/data/07.03.2026'],
    ['file:///srv/drops/{partner}/{date}/', 'file:///srv/drops/acme/2026-03-07/'],
    ['./drops/{date}/', './drops/2026-03-07/'],
    ['/plain/path/', '/plain/path/'],
    ['relative/dir', 'relative/dir'],
    ['C:\\drops\\{date}', 'C:\\drops\\2026-03-07'],
    ['s3://${BUCKET}/{partner}/{date}/', 's3://${BUCKET}/acme/2026-03-07/'],
    ['sftp://user:${SFTP_PASSWORD}@host/{date}', 'sftp://user:${SFTP_PASSWORD}@host/2026-03-07'],
  ])('%s -> %s', (template, expected) => {
    expect(expandLocation(template, vars)).toBe(expected);
  });

  it.each([
    ['s3://lake/{table}/', 'BAD_LOCATION', /uses \{table\}; locations may use \{date\} and \{partner\}/],
    ['s3://lake/{date/', 'BAD_LOCATION', /is not closed/],
    ['s3://lake/}', 'BAD_LOCATION', /closes no placeholder/],
    ['s3://lake/{date:YYYY}/', 'BAD_LOCATION', /unknown date token "YYYY".*did you mean "yyyy"/],
  ])('rejects %s', (template, code, message) => {
    expect(() => expandLocation(template, vars)).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
  });

  it('rejects a date that is not a calendar day', () => {
    expect(() => expandLocation('/x/{date}', { date: '2026-02-30', partner: 'acme' })).toThrow(expect.objectContaining({ code: 'BAD_DATE' }));
  });
});

describe('joinLocation', () => {
  it.each([
    ['s3://lake/out/', '_state/', 's3://lake/out/_state/'],
    ['s3://lake/out', '_state/', 's3://lake/out/_state/'],
    ['/tmp/out', '_state/', '/tmp/out/_state/'],
    ['file:///', '_state/', 'file:///_state/'],
    ['s3://lake/out/?region=eu-west-1', '_state/', 's3://lake/out/_state/?region=eu-west-1'],
    ['s3://lake/out?endpoint=http%3A%2F%2F127.0.0.1%3A9000', '_state/', 's3://lake/out/_state/?endpoint=http%3A%2F%2F127.0.0.1%3A9000'],
    ['/tmp/what?ever', '_state/', '/tmp/what?ever/_state/'],
  ])('%s + %s = %s', (base, name, expected) => {
    expect(joinLocation(base, name)).toBe(expected);
  });
});
