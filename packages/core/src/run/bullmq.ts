/**
 * Distributed execution on BullMQ queues in Redis: a coordinator (`partner-ingest run --executor
 * bullmq`) enqueues the plan's units (extract one archive, copy or count one table) as their
 * dependencies finish, and any number of worker processes (`partner-ingest worker`), on any
 * machines that reach Redis and the storage, run them.
 *
 * Jobs carry only references: the state location's URI and the key of the unit's setup there
 * (the spec and the locations, written once per run by the coordinator), and the unit's own
 * keys, ids and versions. Results come back the same way: the worker writes a unit's record (with
 * its figures and type-error samples) to the state store and its job returns the key. Credentials
 * never travel: each worker opens the locations with its own environment. Units are idempotent and publish atomically, so a unit that runs twice (a retry,
 * or a job BullMQ found stalled after its worker died) leaves the same bytes.
 *
 * bullmq (and ioredis) load only when this executor or a worker is started.
 */
import { createHash } from 'node:crypto';
import type { ObjectInfo } from '../connectors/connector.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import type { ExtractUnitRecord } from '../ingest/extract-unit.js';
import type { Logger } from '../log/logger.js';
import type { MergeInputs } from './merge-manifest.js';
import type { MergeWorkResult } from './merge-work.js';
import type { UnitExecutor } from './run-plan.js';
import { StateStore } from './state-store.js';
import { TaskPool, type PoolTask } from './task-pool.js';
import type { WorkerSetup } from './task-worker.js';

/** The queue every unit goes through, unless told otherwise. */
export const DEFAULT_QUEUE = 'partner-ingest';

/** A worker closes the threads it keeps for a run once they have been idle this long. */
const IDLE_POOL_MS = 60_000;

/** What a finished job returns: where its result is in the state store. */
export interface UnitJobResult {
  resultKey: string;
}

/** What a job carries. */
export interface UnitJob {
  /** The state location (a URI) holding the setup. */
  state: string;
  /** The setup's key in the state store (its content's hash is in the name). */
  setupKey: string;
  task: PoolTask;
}

/** A Redis URL as it may be shown: without its password. */
function shownRedis(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname.length > 1 ? parsed.pathname : ''}`;
  } catch {
    return '(an invalid Redis URL)';
  }
}

/** Options of {@link bullmqExecutor}. */
export interface BullmqExecutorOptions {
  /** `redis://host:port[/db]`. */
  redis: string;
  /** The state location of the run (where the setup is published for the workers). */
  state: string;
  connectors: ConnectorRegistry;
  env: Readonly<Record<string, string | undefined>>;
  queue?: string;
  /** Tries per unit before it counts as failed (default 3), with exponential backoff from `backoffMs` (default 2 s). */
  attempts?: number;
  backoffMs?: number;
  /** How often a pending unit's state is read (default 250 ms). */
  pollMs?: number;
  logger?: Logger;
  onBytes?: (bytes: number) => void;
}

function redisConnection(url: string) {
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new Error(`--redis must be a redis:// URL, not ${JSON.stringify(url)}`);
  return {
    host: parsed.hostname,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
  };
}

/** The setup as the workers read it: without the coordinator's environment (credentials stay home). */
function publishedSetup(setup: WorkerSetup): Omit<WorkerSetup, 'env' | 'connectorsModule'> {
  const { env: _env, connectorsModule: _module, ...rest } = setup;
  return rest;
}

/**
 * An executor for `runPlan({ executor })` that runs units on BullMQ workers. Each unit is a job;
 * its outcome is read back from Redis, so a job that vanishes (Redis restarted without its data)
 * fails the unit with a message saying so instead of waiting forever.
 */
export function bullmqExecutor(options: BullmqExecutorOptions): (setup: WorkerSetup) => Promise<UnitExecutor> {
  return async (setup) => {
    const { Queue } = await import('bullmq');
    const connection = redisConnection(options.redis);
    const body = JSON.stringify(publishedSetup(setup));
    const setupKey = `executor/setup-${createHash('sha256').update(body).digest('hex').slice(0, 16)}.json`;
    // The state store carries the setup and the units' results.
    const results = await options.connectors.open(options.state, { env: options.env });
    const resultStore = new StateStore(results);
    try {
      await resultStore.put(setupKey, JSON.parse(body));
    } catch (error) {
      await results.close();
      throw error;
    }
    const queue = new Queue(options.queue ?? DEFAULT_QUEUE, { connection });
    let aborted: Error | undefined;
    const pollMs = options.pollMs ?? 250;

    const run = async (task: PoolTask, name: string): Promise<unknown> => {
      // A copy or count carries only where its table's manifest is staged (`merge-manifest.ts`).
      const data: UnitJob = { state: options.state, setupKey, task };
      const job = await queue.add(name, data, {
        attempts: options.attempts ?? 3,
        backoff: { type: 'exponential', delay: options.backoffMs ?? 2000 },
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
      for (;;) {
        if (aborted) throw aborted;
        const state = await queue.getJobState(job.id!);
        if (state === 'completed' || state === 'failed') {
          const finished = await queue.getJob(job.id!);
          if (state === 'completed') {
            const { resultKey } = finished!.returnvalue as UnitJobResult;
            const result = await resultStore.get<{ value: unknown }>(resultKey);
            if (!result) throw new Error(`its result ${resultKey} is not in ${options.state}: do the workers write to the same state location?`);
            await resultStore.delete(resultKey).catch(() => {});
            return result.value;
          }
          throw new Error(`${finished?.failedReason ?? 'failed'} (after ${finished?.attemptsMade ?? '?'} attempt(s) on BullMQ workers)`);
        }
        if (state === 'unknown') {
          throw new Error(`its job ${job.id} is gone from Redis (${shownRedis(options.redis)}): was Redis restarted without persistence? Re-run the day; finished units are kept`);
        }
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    };

    return {
      async extract(archive: ObjectInfo, archiveId: string): Promise<ExtractUnitRecord> {
        const record = (await run({ kind: 'extract', archive, archiveId }, `extract:${archive.key}`)) as ExtractUnitRecord;
        options.onBytes?.(record.uncompressedBytes);
        return record;
      },
      async merge(table: string, inputs: MergeInputs): Promise<MergeWorkResult> {
        const [copied, duplicates] = await Promise.all([run({ kind: 'copy', table, inputs }, `copy:${table}`), run({ kind: 'count', table, inputs }, `count:${table}`)]);
        return { copied, duplicates } as MergeWorkResult;
      },
      async abort(reason: Error): Promise<void> {
        aborted = reason;
        await queue.close();
        await results.close();
      },
      async close(): Promise<void> {
        await queue.close();
        await results.close();
      },
    };
  };
}

/** Options of {@link startBullmqWorker}. */
export interface BullmqWorkerOptions {
  redis: string;
  queue?: string;
  /** Units at once in this process, each on a worker thread (default 1). */
  concurrency?: number;
  /** The module whose `defaultConnectorRegistry()` opens locations (in this process and its threads). */
  connectorsModule: string;
  env: Record<string, string | undefined>;
  logger: Logger;
  /**
   * How long a unit's lock lasts without renewal: a worker that dies holding a unit loses it after
   * this long and another worker takes it up (BullMQ's stalled-job check). Default 30 s.
   */
  lockMs?: number;
}

/** A running worker; `close()` finishes the units in hand and stops. */
export interface RunningWorker {
  close(): Promise<void>;
}

/** Starts a process-wide worker that runs units from the queue until closed. */
export async function startBullmqWorker(options: BullmqWorkerOptions): Promise<RunningWorker> {
  const { Worker } = await import('bullmq');
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const module = (await import(options.connectorsModule)) as { defaultConnectorRegistry(): ConnectorRegistry };
  const registry = module.defaultConnectorRegistry();
  // One thread pool per setup (a run's spec and locations), made when its first unit comes and
  // closed once it has had nothing to do for a minute: a worker serves many days and partners.
  const pools = new Map<string, Promise<{ pool: TaskPool; state: StateStore; close(): Promise<void> }>>();
  const usage = new Map<string, { active: number; last: number }>();
  const sweep = setInterval(() => {
    for (const [id, use] of usage) {
      if (use.active > 0 || Date.now() - use.last < IDLE_POOL_MS) continue;
      const pool = pools.get(id);
      pools.delete(id);
      usage.delete(id);
      void pool?.then((p) => p.close(), () => {});
    }
  }, IDLE_POOL_MS / 2);
  sweep.unref();
  const poolFor = (job: UnitJob) => {
    const id = `${job.state}\n${job.setupKey}`;
    let pool = pools.get(id);
    if (!pool) {
      pool = (async () => {
        const store = await registry.open(job.state, { env: options.env });
        const state = new StateStore(store);
        const published = await state.get<Omit<WorkerSetup, 'env' | 'connectorsModule'>>(job.setupKey).catch(async (error: unknown) => {
          await store.close();
          throw error;
        });
        if (!published) {
          await store.close();
          throw new Error(`the run's setup ${job.setupKey} is not in ${job.state}: is this worker reaching the same storage as the coordinator?`);
        }
        const threads = new TaskPool(concurrency, { ...published, env: options.env, connectorsModule: options.connectorsModule }, options.logger, () => {});
        return {
          pool: threads,
          state,
          async close() {
            await threads.close();
            await store.close();
          },
        };
      })();
      pool.catch(() => pools.delete(id));
      pools.set(id, pool);
    }
    return pool;
  };
  const lockMs = options.lockMs ?? 30_000;
  const worker = new Worker<UnitJob>(
    options.queue ?? DEFAULT_QUEUE,
    async (job) => {
      options.logger.info('unit started', { unit: job.name, attempt: job.attemptsMade + 1 });
      const id = `${job.data.state}\n${job.data.setupKey}`;
      const use = usage.get(id) ?? { active: 0, last: 0 };
      usage.set(id, use);
      use.active++;
      try {
        const { pool, state } = await poolFor(job.data);
        const value = await pool.runTask(job.data.task);
        const resultKey = `executor/results/${job.id}-${job.attemptsMade}.json`;
        await state.put(resultKey, { value });
        options.logger.info('unit done', { unit: job.name });
        return { resultKey } satisfies UnitJobResult;
      } finally {
        use.active--;
        use.last = Date.now();
      }
    },
    { connection: redisConnection(options.redis), concurrency, lockDuration: lockMs, stalledInterval: Math.max(1000, Math.floor(lockMs / 2)), maxStalledCount: 3 },
  );
  worker.on('failed', (job, error) => options.logger.warn('unit failed', { unit: job?.name, attempt: job?.attemptsMade, error: error.message }));
  worker.on('error', (error) => options.logger.error('worker error', { error: error.message }));
  await worker.waitUntilReady();
  return {
    async close() {
      clearInterval(sweep);
      await worker.close();
      await Promise.all([...pools.values()].map((p) => p.then((pool) => pool.close(), () => {})));
    },
  };
}
