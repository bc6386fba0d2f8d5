import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { spec, tempStore } from '../ingest/__fixtures__/kit.js';
import { silentLogger } from '../log/logger.js';
import type { Logger } from '../log/logger.js';
import { compilePlan } from '../plan/compile.js';
import type { Plan } from '../plan/plan.js';
import { listArchives, SourcesNotReadyError, waitForSources } from './wait-for-sources.js';

function plan(readiness: string, archives = '"*.tar.gz"'): Plan {
  const s = spec(`apiVersion: partner-ingest/v1
partner: acme
source:
  uri: /drop
  archives: ${archives}
  readiness: ${readiness}
staging: /staging
output: { uri: /out }
members: { pattern: "{table}_{batch_id}.csv" }
tables:
  t: { columns: { id: {} } }
`);
  return compilePlan(s, { date: '2026-11-22' });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recordingLogger(): Logger & { infos: Array<[string, unknown]> } {
  const infos: Array<[string, unknown]> = [];
  return { ...silentLogger, infos, info: (message: string, meta?: unknown) => void infos.push([message, meta]) } as Logger & { infos: Array<[string, unknown]> };
}

describe('listArchives', () => {
  it('lists top-level archives matching the glob, sorted, and every key it saw', async () => {
    const { store } = await tempStore('drop');
    for (const key of ['b.tar.gz', 'a.tar.gz', '_DONE', 'notes.txt', 'sub/c.tar.gz', 'c.tar.gz.part']) await store.write(key, 'x');
    const { archives, keys } = await listArchives(store, '*.tar.gz');
    expect(archives.map((a) => a.key)).toEqual(['a.tar.gz', 'b.tar.gz']);
    expect(archives[0]).toMatchObject({ size: 1, version: expect.any(String) });
    expect([...keys].sort()).toEqual(['_DONE', 'a.tar.gz', 'b.tar.gz', 'c.tar.gz.part', 'notes.txt', 'sub/c.tar.gz']);
  });

  it('finds nothing in a drop that does not exist yet', async () => {
    const { dir } = await tempStore('drop');
    const { localFsConnector } = await import('@partner-ingest/connectors');
    expect(await listArchives(localFsConnector(`${dir}/not-yet`), '*.tar.gz')).toEqual({ archives: [], keys: new Set() });
  });
});

describe('waitForSources', () => {
  it('returns at once when the drop is ready', async () => {
    const { store } = await tempStore('drop');
    await store.write('a.tar.gz', 'x');
    await store.write('_DONE', '');
    const ready = await waitForSources(store, plan('{ minArchives: 1, doneMarker: _DONE, timeout: 1s, pollEvery: 10ms }'), silentLogger);
    expect(ready.archives.map((a) => a.key)).toEqual(['a.tar.gz']);
    expect(ready.waitedMs).toBeLessThan(100);
  });

  it('is ready with no archives when minArchives is 0', async () => {
    const { store } = await tempStore('drop');
    expect((await waitForSources(store, plan('{ minArchives: 0 }'), silentLogger)).archives).toEqual([]);
  });

  it.each<[string, string, string[], RegExp]>([
    ['too few archives', '{ minArchives: 2, timeout: 60ms, pollEvery: 10ms }', ['a.tar.gz', 'b.tgz'], /: 1 of at least 2 archive\(s\) matching \*\.tar\.gz\. /],
    ['no done marker', '{ minArchives: 1, doneMarker: _DONE, timeout: 60ms, pollEvery: 10ms }', ['a.tar.gz', 'DONE'], /: no done marker _DONE\. /],
    ['neither', '{ minArchives: 1, doneMarker: _SUCCESS, timeout: 60ms, pollEvery: 10ms }', [], /: 0 of at least 1 archive\(s\) matching \*\.tar\.gz, no done marker _SUCCESS\. /],
    ['nothing, looking once (timeout 0s)', '{ minArchives: 1 }', [], /: 0 of at least 1 archive\(s\)/],
  ])('fails after the timeout with what is missing: %s', async (_, readiness, files, missing) => {
    const { store } = await tempStore('drop');
    for (const key of files) await store.write(key, 'x');
    const logger = recordingLogger();
    const started = Date.now();
    const error = await waitForSources(store, plan(readiness), logger).then(() => undefined, (e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(SourcesNotReadyError);
    expect(error).toMatchObject({ code: 'SOURCES_NOT_READY', name: 'SourcesNotReadyError' });
    const message = (error as Error).message;
    expect(message).toContain(`the drop at ${store.uri} is not ready after 0s`);
    expect(message).toMatch(missing);
    expect(message).toContain('raise source.readiness.timeout in the spec');
    expect(elapsed).toBeLessThan(1000);
    if (readiness.includes('60ms')) {
      expect(elapsed).toBeGreaterThanOrEqual(60); // the whole timeout
      expect(logger.infos.length).toBeGreaterThanOrEqual(3);
      expect(logger.infos[0]![0]).toBe('waiting for the drop');
    } else {
      expect(logger.infos).toEqual([]);
    }
  });

  it('waits for archives and the done marker to arrive', async () => {
    const { store } = await tempStore('drop');
    const arriving = (async () => {
      await sleep(40);
      await store.write('b.tar.gz', 'x');
      await store.write('a.tar.gz', 'x');
      await sleep(40);
      await store.write('_DONE', '');
    })();
    const ready = await waitForSources(store, plan('{ minArchives: 2, doneMarker: _DONE, timeout: 5s, pollEvery: 10ms }'), silentLogger);
    await arriving;
    expect(ready.archives.map((a) => a.key)).toEqual(['a.tar.gz', 'b.tar.gz']);
    expect(ready.waitedMs).toBeGreaterThanOrEqual(60);
  });

  it('takes a last look at the deadline, not one poll interval before it', async () => {
    const { store } = await tempStore('drop');
    // Looks at 0 and 400 ms, then at the 600 ms deadline: the archive arrives in between.
    const arriving = sleep(450).then(() => store.write('a.tar.gz', 'x'));
    const ready = await waitForSources(store, plan('{ timeout: 600ms, pollEvery: 400ms }'), silentLogger);
    await arriving;
    expect(ready.archives.map((a) => a.key)).toEqual(['a.tar.gz']);
  });

  it('stops waiting when aborted, with the abort reason', async () => {
    const { store } = await tempStore('drop');
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('shutting down')), 30);
    const started = Date.now();
    await expect(waitForSources(store, plan('{ timeout: 10s, pollEvery: 5s }'), silentLogger, controller.signal)).rejects.toThrow('shutting down');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('does not wait at all under a signal that is already aborted', async () => {
    const { store } = await tempStore('drop');
    const started = Date.now();
    await expect(waitForSources(store, plan('{ timeout: 10s, pollEvery: 5s }'), silentLogger, AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('leaves no abort listener behind, however many times it polled', async () => {
    const { store } = await tempStore('drop');
    const controller = new AbortController();
    setTimeout(() => void store.write('a.tar.gz', 'x'), 150);
    await waitForSources(store, plan('{ timeout: 5s, pollEvery: 5ms }'), silentLogger, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toEqual([]);
  });
});
