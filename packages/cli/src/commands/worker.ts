/**
 * `partner-ingest worker --redis URL`: runs plan units (extract an archive, copy or count a table)
 * from the BullMQ queue until stopped with SIGINT or SIGTERM, which finishes the units in hand.
 * Start as many as wanted, on any machines that reach Redis and the storage; each opens the
 * locations with its own environment (credentials never travel through Redis).
 */
import { parseArgs } from 'node:util';
import { createRunLogger, parseDuration, startBullmqWorker } from '@partner-ingest/core';
import { EXIT, parseCount, parseLogLevel, UsageError } from '../io.js';
import type { CliIo } from '../io.js';

export const WORKER_HELP = `Usage: partner-ingest worker --redis URL [options]

Takes units of runs started with \`partner-ingest run --executor bullmq\` from Redis and runs them,
until stopped (SIGINT or SIGTERM finish the units in hand first). Run as many as wanted, on any
machines that reach Redis and the storage; each uses its own credentials.

Options:
  --redis URL             redis://host:port of the BullMQ queues (required)
  --queue NAME            the queue (default: partner-ingest)
  --concurrency N         units at once, each on a thread of its own (default: 1)
  --stalled-after D       a unit whose worker stopped answering for D is taken up by another
                          worker (default: 30s)
  --log-level LEVEL       error, warn, info or debug (default: info)
  -h, --help              show this help
`;

/** Parses `worker`'s arguments and runs a worker until a signal stops it. */
export async function workerFromArgs(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      redis: { type: 'string' },
      queue: { type: 'string' },
      concurrency: { type: 'string', default: '1' },
      'stalled-after': { type: 'string', default: '30s' },
      'log-level': { type: 'string', default: 'info' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    io.stdout(WORKER_HELP);
    return EXIT.OK;
  }
  if (positionals.length > 0) throw new UsageError(`worker takes no arguments, got ${positionals.join(' ')}`);
  if (values.redis === undefined) throw new UsageError('worker needs --redis redis://host:port');
  const concurrency = parseCount('--concurrency', values.concurrency!);
  let lockMs: number;
  try {
    lockMs = parseDuration(values['stalled-after']!);
  } catch {
    throw new UsageError(`--stalled-after must be a duration such as 10s or 1m, not "${values['stalled-after']}"`);
  }
  const level = parseLogLevel(values['log-level']);
  const logger = createRunLogger({ level, console: true });
  const worker = await startBullmqWorker({
    redis: values.redis,
    ...(values.queue !== undefined ? { queue: values.queue } : {}),
    concurrency,
    connectorsModule: import.meta.resolve('@partner-ingest/connectors'),
    env: { ...io.env },
    logger,
    lockMs,
  });
  // The URL may hold a password: log where, not how.
  const redisUrl = new URL(values.redis);
  logger.info('worker ready', { redis: `${redisUrl.protocol}//${redisUrl.host}`, queue: values.queue ?? 'partner-ingest', concurrency });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  logger.info('worker stopping: finishing the units in hand');
  await worker.close();
  await logger.close();
  return EXIT.OK;
}
