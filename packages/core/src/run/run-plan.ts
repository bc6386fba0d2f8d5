/**
 * The local executor: runs a compiled plan in-process. Extract units (inflate and tokenise:
 * CPU-bound) run in one p-queue lane sized from the machine; per-table merges (reads and writes:
 * IO-bound) in another. Every task records its completion in the state store, so a re-run skips
 * what is done and unchanged, and a run killed at any moment resumes to byte-identical outputs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import PQueue from 'p-queue';
import type { ArchiveLimits } from '../archive/limits.js';
import type { ObjectInfo, StorageConnector } from '../connectors/connector.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import { runExtractUnit, safeKeySegment } from '../ingest/extract-unit.js';
import type { ExtractUnitRecord } from '../ingest/extract-unit.js';
import { keyRunBytes } from '../ingest/key-run.js';
import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import type { Plan } from '../plan/plan.js';
import type { CheckStatus } from '../quality/dqa.js';
import { bottleneckHints, formatSummaryText, roundTo, summaryKeys } from '../report/summary.js';
import type { RunSummary, TableSummary } from '../report/summary.js';
import { compileMemberPattern } from '../spec/member-pattern.js';
import type { PartnerSpec } from '../spec/schema.js';
import type { MergeInputs } from './merge-manifest.js';
import type { MergeWorkResult } from './merge-work.js';
import { TaskPool } from './task-pool.js';
import type { WorkerSetup } from './task-worker.js';
import { postCheck } from './post-check.js';
import { gather } from './gather.js';
import { fingerprint, StateStore } from './state-store.js';
import { runTableStage } from './table-stage.js';
import { UnitLedger } from './unit-ledger.js';
import { SourcesNotReadyError, waitForSources } from './wait-for-sources.js';

/** How far a run has got, for progress displays. */
export interface RunProgress {
  stage: 'wait-for-sources' | 'extract' | 'merge' | 'summary' | 'post-check' | 'done';
  archivesTotal: number;
  archivesDone: number;
  /** Uncompressed bytes processed by extract so far. */
  bytesDone: number;
  /** Rows written by finished extract units. */
  rowsDone: number;
  tablesTotal: number;
  tablesDone: number;
}

/** Options of {@link runPlan}. */
export interface RunOptions {
  spec: PartnerSpec;
  plan: Plan;
  connectors: ConnectorRegistry;
  logger?: Logger;
  /** Extract units at once; default: the machine's available parallelism. */
  concurrency?: number;
  /** Redo every unit even when its inputs are unchanged. */
  force?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: RunProgress) => void;
  archiveLimits?: Partial<ArchiveLimits>;
  /** Environment handed to connectors (credentials, endpoints). */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Run extract units on worker threads, one per `concurrency`, so inflate and tokenise use every
   * core. Workers cannot receive connector objects, so they open locations with the
   * `defaultConnectorRegistry()` exported by this module URL (the CLI passes
   * `@partner-ingest/connectors`). Without it, units run on the calling thread.
   */
  connectorsModule?: string;
  /**
   * Runs extract units and merges elsewhere: given what a unit needs (spec, locations), returns an
   * executor, e.g. `bullmqExecutor(...)` to run them on worker processes of other machines through
   * Redis. Without it, the worker-thread pool of `connectorsModule` (or the calling thread) runs them.
   */
  executor?: (setup: WorkerSetup) => Promise<UnitExecutor>;
}

/** Runs the heavy units of a plan: the local thread pool, or a distributed queue. */
export interface UnitExecutor {
  extract(archive: ObjectInfo, archiveId: string): Promise<ExtractUnitRecord>;
  /** Copies a table's parts and counts its duplicates, from its manifest in staging. */
  merge(table: string, inputs: MergeInputs): Promise<MergeWorkResult>;
  /** Stops at once; pending units fail with `reason`. */
  abort(reason: Error): Promise<void>;
  /** Releases what it holds once the run is done. */
  close(): Promise<void>;
}

/** The outcome of a run. */
export interface RunResult {
  status: CheckStatus;
  /** 0 when every table was published (warnings allowed), 1 otherwise. */
  exitCode: 0 | 1;
  summary: RunSummary;
  /** Where the summary was written, relative to the output location. */
  summaryKeys: { json: string; text: string };
}

/** The staging and state id of an archive: readable, unique, and safe as a storage key segment. */
export function archiveId(key: string): string {
  return `${safeKeySegment(key)}-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

/** The version of what extract units stage (parts, key runs); bump it when their format changes. */
// 3: key runs grouped by top byte instead of sorted (see `key-run.ts`).
const STAGING_LAYOUT = 3;

interface ExtractState {
  specHash: string;
  record: ExtractUnitRecord;
}

/**
 * Whether everything the unit staged is still there, whole: staging is written without flushing
 * to disk (see `ConnectorContext.durable`), so after a machine crash an object may be missing or
 * cut short, and its size then differs from the one recorded.
 */
async function stagedIntact(staging: StorageConnector, record: ExtractUnitRecord): Promise<boolean> {
  // An archive's parts and key runs share one object (see stagedObjectKey) and tile it, so its
  // size is their sum. (Units staged before that wrote an object per part and per archive's runs.)
  const sizes = new Map<string, number>();
  const add = (key: string, bytes: number) => sizes.set(key, (sizes.get(key) ?? 0) + bytes);
  for (const part of record.parts) add(part.key, part.bytes);
  for (const run of Object.values(record.keyRuns)) add(run.key, keyRunBytes(run.count));
  const expected = [...sizes];
  const found = await Promise.all(expected.map(([key]) => staging.stat(key)));
  return found.every((info, i) => info?.size === expected[i]![1]);
}

const seconds = (ms: number) => roundTo(ms / 1000);

const rowsOf = (record: ExtractUnitRecord) => record.parts.reduce((sum, part) => sum + part.metrics.rows, 0);

/** Runs a plan to the end and returns its summary; never throws for bad data, only for bugs. */
export async function runPlan(options: RunOptions): Promise<RunResult> {
  const { spec, plan } = options;
  const logger = options.logger ?? silentLogger;
  const started = new Date();
  const runId = `${plan.date}T${started.toISOString().slice(11, 19).replace(/:/g, '')}-${randomBytes(3).toString('hex')}`;
  const concurrency = Math.max(1, options.concurrency ?? availableParallelism());
  const progress: RunProgress = { stage: 'wait-for-sources', archivesTotal: 0, archivesDone: 0, bytesDone: 0, rowsDone: 0, tablesTotal: plan.tables.length, tablesDone: 0 };
  const report = () => options.onProgress?.({ ...progress });
  const failures: RunSummary['failures'] = [];
  const stages: RunSummary['stages'] = {};
  const context = { env: options.env ?? process.env };

  const opened: StorageConnector[] = [];
  let pool: UnitExecutor | undefined;
  const open = async (uri: string, durable = true) => {
    const connector = await options.connectors.open(uri, { ...context, durable });
    opened.push(connector);
    return connector;
  };
  try {
    const [source, staging, output, stateConnector] = [
      await open(plan.locations.source),
      await open(plan.locations.staging, false), // see ConnectorContext.durable
      await open(plan.locations.output),
      await open(plan.locations.state),
    ];
    const state = new StateStore(stateConnector);
    logger.info('run started', { runId, partner: plan.partner, date: plan.date, source: source.uri, output: output.uri });

    // wait-for-sources
    report();
    let archives: ObjectInfo[] = [];
    const waitStart = Date.now();
    try {
      archives = (await waitForSources(source, plan, logger, options.signal)).archives;
    } catch (error) {
      if (!(error instanceof SourcesNotReadyError)) throw error;
      failures.push({ task: 'wait-for-sources', message: error.message });
      logger.error('the drop is not ready', { reason: error.message });
    }
    stages['wait-for-sources'] = { duration_sec: seconds(Date.now() - waitStart), archives: archives.length };

    // extract: one unit per archive
    progress.stage = 'extract';
    progress.archivesTotal = archives.length;
    report();
    // Records staged by a runtime with another staging layout are redone, not misread.
    const specHash = fingerprint({ spec, stagingLayout: STAGING_LAYOUT });
    const matcher = compileMemberPattern(spec.members.pattern, plan.tables, spec.members.placeholders ?? {});
    // Records are folded in as units finish, not kept, and what the merges need is staged (see
    // `unit-ledger.ts`), under a prefix of this run's own: another run of the day may be staging too.
    const units = new UnitLedger({
      tables: Object.fromEntries(plan.tables.map((table) => [table, Object.keys(spec.tables[table]!.columns)])),
      staging,
      prefix: `manifests/${runId}`,
    });
    let reused = 0;
    const extractStart = Date.now();
    const setup: WorkerSetup = {
      spec,
      tables: plan.tables,
      locations: { source: plan.locations.source, staging: plan.locations.staging, output: plan.locations.output },
      connectorsModule: options.connectorsModule ?? '',
      env: { ...context.env },
      ...(options.archiveLimits ? { limits: options.archiveLimits } : {}),
    };
    if (options.executor) {
      pool = await options.executor(setup);
    } else if (options.connectorsModule && TaskPool.available() && archives.length > 1) {
      pool = new TaskPool(Math.min(concurrency, archives.length), setup, logger, (bytes) => {
        progress.bytesDone += bytes;
        report();
      });
    }
    // With worker threads, a unit's state-store reads and writes run while other units extract:
    // the pool keeps one unit per worker, and a queue as narrow as the pool left each worker idle
    // between units for the last one's state write and the next one's state read.
    const cpu = new PQueue({ concurrency: pool ? 2 * concurrency : concurrency });
    const abortPool = () => void pool?.abort(new Error('the run was aborted'));
    options.signal?.addEventListener('abort', abortPool, { once: true });
    for (const [index, archive] of archives.entries()) {
      // Units are queued as others start, not all up front: each queued unit holds a closure and
      // promises until its turn, and a day of thousands of archives held thousands of them.
      await cpu.onSizeLessThan(cpu.concurrency);
      await units.room();
      void cpu.add(async () => {
        const id = archiveId(archive.key);
        const stateKey = `extract/${id}.json`;
        try {
          const previous = options.force ? undefined : await state.get<ExtractState>(stateKey);
          if (previous && previous.specHash === specHash && previous.record.version === archive.version && (await stagedIntact(staging, previous.record))) {
            units.add(index, previous.record);
            progress.rowsDone += rowsOf(previous.record);
            reused++;
            progress.bytesDone += previous.record.uncompressedBytes;
          } else {
            const record = pool
              ? await pool.extract(archive, id)
              : await runExtractUnit({
                  spec,
                  matcher,
                  archive,
                  archiveId: id,
                  source,
                  staging,
                  output,
                  logger,
                  ...(options.archiveLimits ? { limits: options.archiveLimits } : {}),
                  ...(options.signal ? { signal: options.signal } : {}),
                  onBytes: (bytes) => {
                    progress.bytesDone += bytes;
                  },
                });
            await state.put(stateKey, { specHash, record } satisfies ExtractState);
            units.add(index, record);
            progress.rowsDone += rowsOf(record);
            logger.debug('archive extracted', { archive: archive.key, status: record.status, parts: record.parts.length, ms: record.durationMs });
          }
        } catch (error) {
          units.skip(index);
          failures.push({ task: `extract:${archive.key}`, message: (error as Error).message });
          logger.error('extract failed', { archive: archive.key, error: (error as Error).message });
        }
        progress.archivesDone++;
        report();
      });
    }
    await cpu.onIdle();
    if (failures.length === 0) {
      try {
        await units.close();
      } catch (error) {
        failures.push({ task: 'extract', message: (error as Error).message });
        logger.error('the merge manifests could not be staged', { error: (error as Error).message });
      }
    }
    stages.extract = {
      duration_sec: seconds(Date.now() - extractStart),
      archives: archives.length,
      extracted: units.finished - reused,
      reused,
      concurrency,
    };

    // merge:<table> and dqa:<table>, tables in parallel
    progress.stage = 'merge';
    report();
    const mergeStart = Date.now();
    const tables: TableSummary[] = [];
    if (failures.length === 0) {
      const io = new PQueue({ concurrency: Math.max(2, Math.min(plan.tables.length, 2 * concurrency)) });
      // The tables that start at once submit their merges together (see `gather.ts`).
      const meeting = gather(Math.min(plan.tables.length, io.concurrency));
      const results = await Promise.all(
        plan.tables.map((table) =>
          io.add(async () => {
            const party = meeting.join();
            try {
              return await runTableStage({
                spec,
                specHash,
                table,
                units: units.table(table),
                staging,
                output,
                state,
                logger,
                force: options.force ?? false,
                ...(pool
                  ? {
                      merge: async (name, inputs) => {
                        await party.pass();
                        return pool!.merge(name, inputs);
                      },
                    }
                  : {}),
              });
            } catch (error) {
              failures.push({ task: `merge:${table}`, message: (error as Error).message });
              logger.error('merge failed', { table, error: (error as Error).message });
              return undefined;
            } finally {
              party.leave();
              progress.tablesDone++;
              report();
            }
          }),
        ),
      );
      for (const result of results) if (result) tables.push(result);
    } else {
      for (const table of plan.tables) failures.push({ task: `merge:${table}`, message: 'not run: an earlier task failed, so the day is incomplete; re-run once it is fixed' });
    }
    await units.discard(); // the manifests have served their merges (or there were none)
    stages.merge = { duration_sec: seconds(Date.now() - mergeStart), tables: tables.length };
    options.signal?.removeEventListener('abort', abortPool);
    await pool?.close();

    // summary
    progress.stage = 'summary';
    report();
    const quarantinedArchives = units.quarantinedArchives();
    const unmatched = spec.members.onUnmatched === 'ignore' ? [] : units.unmatchedMembers();
    if (unmatched.length > 0 && spec.members.onUnmatched === 'fail') {
      failures.push({ task: 'extract', message: `${unmatched.length} member(s) do not match the member pattern (members.onUnmatched: fail)` });
    }
    const worst = (a: CheckStatus, b: CheckStatus): CheckStatus => (a === 'fail' || b === 'fail' ? 'fail' : a === 'warn' || b === 'warn' ? 'warn' : 'ok');
    const computeStatus = () => {
      let status: CheckStatus = failures.length > 0 ? 'fail' : 'ok';
      for (const table of tables) status = worst(status, table.status);
      if (quarantinedArchives.length > 0 || unmatched.length > 0) status = worst(status, 'warn');
      return status;
    };
    const keys = summaryKeys(plan.date);
    const buildSummary = (): RunSummary => {
      const status = computeStatus();
      const ended = new Date();
      return {
        partner: plan.partner,
        date: plan.date,
        run_id: runId,
        status,
        exit_code: status === 'fail' ? 1 : 0,
        start_time: started.toISOString(),
        end_time: ended.toISOString(),
        duration_sec: seconds(ended.getTime() - started.getTime()),
        locations: { source: source.uri, staging: staging.uri, output: output.uri, state: stateConnector.uri },
        stages,
        archives: { total: archives.length, extracted: units.finished - reused, reused, quarantined: quarantinedArchives.length },
        input: {
          compressed_mb: roundTo(archives.reduce((sum, a) => sum + a.size, 0) / 1e6),
          uncompressed_mb: roundTo(units.uncompressedBytes / 1e6),
        },
        rows_quarantined: units.quarantinedRows,
        quarantine_files: units.quarantineFiles(),
        quarantined_archives: quarantinedArchives,
        quarantined_members: units.quarantinedMembers(),
        unmatched_members: unmatched,
        tables,
        hints: bottleneckHints(spec, tables),
        failures,
      };
    };
    const writeSummary = async (summary: RunSummary) => {
      await output.write(keys.json, `${JSON.stringify(summary, null, 2)}\n`);
      await output.write(keys.text, formatSummaryText(summary));
    };
    const summaryStart = Date.now();
    stages.summary = { duration_sec: 0 };
    let summary = buildSummary();
    await writeSummary(summary);
    stages.summary = { duration_sec: seconds(Date.now() - summaryStart) };

    // post-check: every output and marker exists and matches the summary
    progress.stage = 'post-check';
    report();
    const problems = await postCheck(output, summary, keys);
    for (const problem of problems) failures.push({ task: 'post-check', message: problem });
    summary = buildSummary();
    await writeSummary(summary);
    progress.stage = 'done';
    report();
    logger.info('run finished', { runId, status: summary.status, tables: tables.length, failures: failures.length });
    return { status: summary.status, exitCode: summary.exit_code === 0 ? 0 : 1, summary, summaryKeys: keys };
  } finally {
    await pool?.close();
    await Promise.all(opened.map((connector) => connector.close().catch(() => {})));
  }
}
