// A fixed pool of worker threads that write archives (see archive-worker.ts). Each worker takes
// one archive at a time; callers never have more archives in flight than the pool has workers.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ArchiveResult } from './archive-writer.js';
import { ARCHIVE_WORKER_ROLE, type ArchiveJob, type ArchiveJobReply } from './archive-worker.js';

/**
 * Row generation allocates many short-lived strings; a young generation twice Node's default
 * cuts scavenges enough to gain ~10% throughput, for ~50 MB more memory per worker.
 */
const YOUNG_GENERATION_MB = 96;

export interface ArchivePool {
  readonly size: number;
  write(job: ArchiveJob): Promise<ArchiveResult>;
  close(): Promise<void>;
}

export function createArchivePool(size: number): ArchivePool {
  const url = new URL('./archive-worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) {
    // Running from TypeScript sources (e.g. under vitest): workers need the compiled module.
    throw new Error('worker threads need the compiled generator (pnpm exec tsc -p examples); use threads: 0');
  }
  const workers = Array.from(
    { length: size },
    () => new Worker(url, { workerData: { role: ARCHIVE_WORKER_ROLE }, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } }),
  );
  const idle = [...workers];

  const run = (worker: Worker, job: ArchiveJob) =>
    new Promise<ArchiveJobReply>((resolve, reject) => {
      const cleanup = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (reply: ArchiveJobReply) => {
        cleanup();
        resolve(reply);
      };
      const onError = (err: Error) => {
        cleanup();
        reject(err);
      };
      const onExit = (code: number) => {
        cleanup();
        reject(new Error(`archive worker exited with code ${code}`));
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.postMessage(job);
    });

  return {
    size,
    async write(job) {
      const worker = idle.pop();
      if (worker === undefined) throw new Error('archive pool: more archives in flight than workers');
      try {
        const reply = await run(worker, job);
        if (!reply.ok) throw new Error(`${job.archive.name}: ${reply.message}`);
        const members = job.archive.entries.flatMap((e) => (e.kind === 'member' ? [e.member] : []));
        return {
          members: members.map((plan, i) => ({ plan, stats: reply.stats[i] as ArchiveResult['members'][number]['stats'] })),
          contentBytes: reply.contentBytes,
        };
      } finally {
        idle.push(worker);
      }
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
