/**
 * The worker-thread side of the task pool: opens connectors from a registry module, runs the
 * extract units and table merges it is sent, and posts back each result (plain data) plus byte
 * progress. Only references travel between threads: the spec, URIs, keys and versions.
 *
 * Keep this module's imports to what those tasks need: with the core's spec and logging
 * libraries in a worker's heap, V8 ran a full mark-compact every few MB of input (see
 * `docs/architecture.md`).
 */
import { parentPort } from 'node:worker_threads';
import type { ObjectInfo, StorageConnector } from '../connectors/connector.js';
import type { ConnectorRegistry } from '../connectors/registry.js';
import { runExtractUnit } from '../ingest/extract-unit.js';
import type { Logger } from '../log/logger.js';
import type { ArchiveLimits } from '../archive/limits.js';
import { compileMemberPattern } from '../spec/member-pattern.js';
import type { PartnerSpec } from '../spec/schema.js';
import type { MergeInputs } from './merge-manifest.js';
import { copyParts, countKeys } from './merge-work.js';
import { warmUp } from './warm-up.js';

/** Sent once to a new worker. */
export interface WorkerSetup {
  spec: PartnerSpec;
  tables: string[];
  locations: { source: string; staging: string; output: string };
  /** A module URL whose `defaultConnectorRegistry()` opens the locations. */
  connectorsModule: string;
  env: Record<string, string | undefined>;
  limits?: Partial<ArchiveLimits>;
}

/** One task: an extract unit, or one of the two data halves of a table's merge (see `merge-work.ts`). */
export type WorkerTask =
  | { id: number; kind: 'extract'; archive: ObjectInfo; archiveId: string }
  | { id: number; kind: 'copy'; table: string; inputs: MergeInputs }
  | { id: number; kind: 'count'; table: string; inputs: MergeInputs };

/** What a worker posts back. */
export type WorkerMessage =
  | { type: 'decoded'; id: number }
  | { type: 'bytes'; bytes: number }
  | { type: 'log'; level: keyof Logger; message: string; fields?: Record<string, unknown> }
  | { type: 'done'; id: number; result: unknown }
  | { type: 'failed'; id: number; message: string };

const port = parentPort;
if (port) {
  let setup: WorkerSetup | undefined;
  let connectors: Promise<[StorageConnector, StorageConnector, StorageConnector]> | undefined;
  let matcher: ReturnType<typeof compileMemberPattern> | undefined;
  // Units start once the hot paths are warm (see `warm-up.ts`); a failed warm-up costs only speed.
  let warm: Promise<unknown> = Promise.resolve();
  const logger: Logger = {
    error: (message, fields) => port.postMessage({ type: 'log', level: 'error', message, fields }),
    warn: (message, fields) => port.postMessage({ type: 'log', level: 'warn', message, fields }),
    info: (message, fields) => port.postMessage({ type: 'log', level: 'info', message, fields }),
    debug: (message, fields) => port.postMessage({ type: 'log', level: 'debug', message, fields }),
  };
  const open = async (s: WorkerSetup) => {
    const module = (await import(s.connectorsModule)) as { defaultConnectorRegistry(): ConnectorRegistry };
    const registry = module.defaultConnectorRegistry();
    const context = { env: s.env };
    return Promise.all([
      registry.open(s.locations.source, context),
      registry.open(s.locations.staging, { ...context, durable: false }), // see ConnectorContext.durable
      registry.open(s.locations.output, context),
    ]);
  };
  port.on('message', (message: { setup: WorkerSetup } | { task: WorkerTask } | { close: true }) => {
    if ('setup' in message) {
      setup = message.setup;
      connectors = open(setup);
      connectors.catch(() => {});
      matcher = compileMemberPattern(setup.spec.members.pattern, setup.tables, setup.spec.members.placeholders ?? {});
      warm = warmUp().catch((error: Error) => logger.debug('the warm-up failed', { error: error.message }));
      return;
    }
    if ('close' in message) {
      void (async () => {
        const opened = await connectors?.catch(() => undefined);
        await Promise.all((opened ?? []).map((c) => c.close().catch(() => {})));
        port.close();
      })();
      return;
    }
    const { task } = message;
    void (async () => {
      try {
        const [source, staging, output] = await connectors!;
        await warm;
        if (task.kind === 'copy' || task.kind === 'count') {
          const result = task.kind === 'copy' ? await copyParts(task.table, task.inputs, staging, output) : await countKeys(setup!.spec, task.table, task.inputs, staging);
          port.postMessage({ type: 'done', id: task.id, result });
          return;
        }
        let pending = 0;
        const record = await runExtractUnit({
          spec: setup!.spec,
          matcher: matcher!,
          archive: task.archive,
          archiveId: task.archiveId,
          source,
          staging,
          output,
          logger,
          ...(setup!.limits ? { limits: setup!.limits } : {}),
          // The unit has only writes left: the pool may send the next one (see task-pool.ts).
          onDecoded: () => port.postMessage({ type: 'decoded', id: task.id }),
          onBytes: (bytes) => {
            // Progress is batched: one message per few MB, not one per chunk.
            pending += bytes;
            if (pending >= 4 * 1024 * 1024) {
              port.postMessage({ type: 'bytes', bytes: pending });
              pending = 0;
            }
          },
        });
        if (pending > 0) port.postMessage({ type: 'bytes', bytes: pending });
        port.postMessage({ type: 'done', id: task.id, result: record });
      } catch (error) {
        port.postMessage({ type: 'failed', id: task.id, message: (error as Error).message });
      }
    })();
  });
}
