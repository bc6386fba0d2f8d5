// Worker-thread side of the archive pool: writes the archives generateDrop hands over, so rows
// for several archives are generated on several cores. It runs the same writeArchive as the
// in-process path, so the bytes are the same. Acts only when started by the pool (workerData
// role), never merely because it was imported inside some other worker (vitest runs tests in
// worker threads).

import { createWriteStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { writeArchive, type ArchiveWriteOptions } from './archive-writer.js';
import type { ArchivePlan } from './drop-plan.js';
import type { MemberStats } from './member-writer.js';
import { createProfile, type DropProfile, type ProfileName } from './profiles.js';

export const ARCHIVE_WORKER_ROLE = 'partner-ingest:archive-writer';

export interface ArchiveJob {
  profile: ProfileName;
  date: string;
  archive: ArchivePlan;
  /** File to write (the caller renames it into place). */
  path: string;
  options: ArchiveWriteOptions;
}

export type ArchiveJobReply =
  | { ok: true; stats: MemberStats[]; contentBytes: number }
  | { ok: false; message: string };

const port = parentPort;
if (port !== null && (workerData as { role?: string } | null)?.role === ARCHIVE_WORKER_ROLE) {
  const profiles = new Map<string, DropProfile>();
  port.on('message', (job: ArchiveJob) => {
    const key = `${job.profile}@${job.date}`;
    let profile = profiles.get(key);
    if (profile === undefined) {
      profile = createProfile(job.profile, job.date);
      profiles.set(key, profile);
    }
    writeArchive(profile, job.archive, createWriteStream(job.path), job.options).then(
      (result) => port.postMessage({ ok: true, stats: result.members.map((m) => m.stats), contentBytes: result.contentBytes } satisfies ArchiveJobReply),
      (err: unknown) => port.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) } satisfies ArchiveJobReply),
    );
  });
}
