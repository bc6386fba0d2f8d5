/**
 * wait-for-sources: the readiness gate. Lists the drop until it holds at least `minArchives`
 * archives (and the done marker, when the spec names one), or fails after the timeout with a
 * message that says what was found and what was missing.
 */
import type { ObjectInfo, StorageConnector } from '../connectors/connector.js';
import type { Logger } from '../log/logger.js';
import type { Plan } from '../plan/plan.js';
import { archiveGlob } from './archive-glob.js';

/** The drop was not ready in time. */
export class SourcesNotReadyError extends Error {
  override name = 'SourcesNotReadyError';
  readonly code = 'SOURCES_NOT_READY';
}

/** What the gate found. */
export interface ReadySources {
  archives: ObjectInfo[];
  waitedMs: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    // The listener goes with its timer: a long wait polls many times on the same signal.
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Lists the archives of the drop once: top-level objects matching the glob, sorted by key. */
export async function listArchives(source: StorageConnector, glob: string): Promise<{ archives: ObjectInfo[]; keys: Set<string> }> {
  const matches = archiveGlob(glob);
  const archives: ObjectInfo[] = [];
  const keys = new Set<string>();
  for await (const info of source.list('')) {
    keys.add(info.key);
    if (matches(info.key)) archives.push(info);
  }
  archives.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { archives, keys };
}

/** Waits until the drop is ready, per the plan's readiness. */
export async function waitForSources(source: StorageConnector, plan: Plan, logger: Logger, signal?: AbortSignal): Promise<ReadySources> {
  const { minArchives, doneMarker, timeoutMs, pollEveryMs } = plan.readiness;
  const started = Date.now();
  for (;;) {
    const { archives, keys } = await listArchives(source, plan.archives);
    const markerOk = doneMarker === undefined || keys.has(doneMarker);
    if (archives.length >= minArchives && markerOk) return { archives, waitedMs: Date.now() - started };
    const missing = [
      archives.length < minArchives ? `${archives.length} of at least ${minArchives} archive(s) matching ${plan.archives}` : '',
      markerOk ? '' : `no done marker ${doneMarker}`,
    ].filter(Boolean);
    const waited = Date.now() - started;
    if (waited >= timeoutMs) {
      throw new SourcesNotReadyError(
        `the drop at ${source.uri} is not ready after ${Math.round(waited / 1000)}s: ${missing.join(', ')}. ` +
          'Check that the partner delivered, or raise source.readiness.timeout in the spec (or --wait-timeout)',
      );
    }
    logger.info('waiting for the drop', { source: source.uri, found: archives.length, missing: missing.join(', '), retryInMs: pollEveryMs });
    // The last look is at the deadline, not one poll interval before it.
    await sleep(Math.min(pollEveryMs, timeoutMs - waited), signal);
  }
}
