// The sample-drop generator: plans a drop for a partner profile and a date, writes its archives
// (streamed, deterministic), the `_DONE` marker where the partner sends one, and `manifest.json`:
// the exact figures a correct run of the pipeline must report for this drop.

import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createArchivePool } from './archive-pool.js';
import { writeArchive, type ArchiveResult } from './archive-writer.js';
import { buildManifest, type DropManifest } from './drop-manifest.js';
import { batchesInArchive, FAULT_KINDS, planDrop, type ArchivePlan, type FaultKind } from './drop-plan.js';
import { memberChunks } from './member-writer.js';
import { createProfile, isProfileName, type DropProfile, type TableProfile } from './profiles.js';
import { parseIsoDate } from './value-format.js';

export type { ArchiveManifest, DropManifest, ManifestFault, TableManifest } from './drop-manifest.js';
export { FAULT_KINDS, type FaultKind, type RejectedMember } from './drop-plan.js';
export { PROFILE_NAMES, type ProfileName } from './profiles.js';

export interface GenerateDropOptions {
  /** Partner profile: 'acme-travel' or 'fjord-rail'. */
  profile: string;
  /** Drop date, yyyy-MM-dd. */
  date: string;
  /** Directory receiving the archives, `_DONE` and `manifest.json` (created if missing). */
  outDir: string;
  /** Default 1. */
  seed?: number;
  /** Well-formed archives (the corrupt-archive fault adds one). Default 8, or derived from `size`. */
  archives?: number;
  /** Data rows per member of a table with scale 1 (bookings, tickets); other tables scale
   * (searches x3, cancellations x0.1, journeys x0.5). Default 200, or derived from `size`. */
  rowsPerMember?: number;
  /** Target uncompressed CSV bytes; picks rows per member (and archives unless given). */
  size?: number;
  /** Uncompressed bytes per batch when `size` picks the archive count. Default 5 MB. */
  archiveBytes?: number;
  /** Batches (one member per table each) per archive; every fifth archive holds one more. Default 1. */
  batchesPerArchive?: number;
  /** Default 'none'. */
  faults?: 'none' | 'all' | readonly FaultKind[];
  /**
   * zlib level, default 4: its streams inflate as fast as level 6's (what partners' `tar czf`
   * produces), so the pipeline's inflate cost stays realistic, at twice level 6's compression
   * speed. Level 1 compresses faster still but inflates ~25% slower.
   */
  gzipLevel?: number;
  /** Archives written at once in-process (gzip runs on libuv's thread pool). Default min(4, cores). */
  concurrency?: number;
  /**
   * Worker threads writing archives (one archive each at a time), so row generation uses several
   * cores; needs the compiled generator. 0 (default) writes in-process. Same bytes either way.
   */
  threads?: number;
  /** Members larger than this are generated twice instead of held in memory. Default 16 MiB. */
  memberBufferBytes?: number;
}

const DEFAULT_ARCHIVES = 8;
const DEFAULT_ROWS = 200;
const SAMPLE_ROWS = 400;

export async function generateDrop(options: GenerateDropOptions): Promise<DropManifest> {
  const profileName = options.profile;
  if (!isProfileName(profileName)) throw new Error(`unknown profile ${JSON.stringify(profileName)}`);
  parseIsoDate(options.date);
  const profile = createProfile(profileName, options.date);
  const seed = options.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new Error('seed must be an integer in [0, 2^32)');
  const faultKinds = resolveFaults(options.faults ?? 'none');
  const batchesPerArchive = options.batchesPerArchive ?? 1;
  const shape = resolveShape(profile, seed, batchesPerArchive, options);
  const plan = planDrop(profile, { seed, ...shape, batchesPerArchive, faults: new Set(faultKinds) });

  await mkdir(options.outDir, { recursive: true });
  const names = new Set(plan.archives.map((a) => a.name));
  const stale = (await readdir(options.outDir)).filter((f) => f.endsWith('.tar.gz') && !names.has(f));
  if (stale.length > 0) {
    throw new Error(`${options.outDir} holds archives that are not part of this drop (${stale.slice(0, 3).join(', ')}); use an empty directory`);
  }

  // A marker left by an earlier run would announce this drop before its archives are rewritten.
  if (profile.doneMarker !== undefined) await rm(join(options.outDir, profile.doneMarker), { force: true });

  const writeOptions = { gzipLevel: options.gzipLevel ?? 4, memberBufferBytes: options.memberBufferBytes ?? 16 * 1024 * 1024 };
  const threads = options.threads ?? 0;
  if (!Number.isInteger(threads) || threads < 0) throw new Error('threads must be a non-negative integer');
  const pool = threads > 0 ? createArchivePool(threads) : undefined;
  const concurrency = pool?.size ?? Math.max(1, options.concurrency ?? Math.min(4, availableParallelism()));
  const written = await mapLimit(plan.archives, concurrency, async (archive) => {
    const path = join(options.outDir, archive.name);
    const partial = join(options.outDir, `.${archive.name}.partial`);
    let result: ArchiveResult;
    let truncatedAt = 0;
    if (archive.corrupt) {
      const chunks: Buffer[] = [];
      const collect = new Writable({
        write(chunk: Buffer, _enc, cb) {
          chunks.push(chunk);
          cb();
        },
      });
      result = await writeArchive(profile, archive, collect, writeOptions);
      const whole = Buffer.concat(chunks);
      truncatedAt = Math.floor(whole.length / 2);
      await writeFile(partial, whole.subarray(0, truncatedAt));
    } else if (pool !== undefined) {
      result = await pool.write({ profile: profileName, date: options.date, archive, path: partial, options: writeOptions });
    } else {
      result = await writeArchive(profile, archive, createWriteStream(partial), writeOptions);
    }
    await rename(partial, path);
    return { result, bytes: (await stat(path)).size, truncatedAt };
  }).finally(() => pool?.close());

  const manifest = buildManifest(profile, plan, written, { seed, rowsPerMember: shape.rowsPerMember, faultKinds });
  await writeFile(join(options.outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  if (profile.doneMarker !== undefined) await writeFile(join(options.outDir, profile.doneMarker), '');
  return manifest;
}

function resolveFaults(faults: 'none' | 'all' | readonly FaultKind[]): FaultKind[] {
  if (faults === 'none') return [];
  if (faults === 'all') return [...FAULT_KINDS];
  for (const f of faults) if (!FAULT_KINDS.includes(f)) throw new Error(`unknown fault ${JSON.stringify(f)}`);
  return FAULT_KINDS.filter((f) => faults.includes(f));
}

/** Archives and rows per member, from explicit options or from a target size. */
function resolveShape(
  profile: DropProfile,
  seed: number,
  batchesPerArchive: number,
  options: GenerateDropOptions,
): { archives: number; rowsPerMember: number } {
  if (options.size === undefined) {
    return { archives: options.archives ?? DEFAULT_ARCHIVES, rowsPerMember: options.rowsPerMember ?? DEFAULT_ROWS };
  }
  if (options.rowsPerMember !== undefined) throw new Error('size and rowsPerMember are mutually exclusive');
  if (!(options.size > 0)) throw new Error('size must be positive');
  const perRow = bytesPerBaseRow(profile, seed);
  const batches = (archives: number) => {
    let total = 0;
    for (let i = 0; i < archives; i++) total += batchesInArchive(i, batchesPerArchive);
    return total;
  };
  let archives = options.archives;
  if (archives === undefined) {
    const wanted = Math.max(1, Math.round(options.size / (options.archiveBytes ?? 5_000_000)));
    archives = 1;
    while (batches(archives) < wanted) archives++;
  }
  return { archives, rowsPerMember: Math.max(1, Math.round(options.size / (batches(archives) * perRow))) };
}

/** Uncompressed bytes one batch adds per base row, measured on a small sample batch. */
function bytesPerBaseRow(profile: DropProfile, seed: number): number {
  const sample = planDrop(profile, { seed, archives: 1, rowsPerMember: SAMPLE_ROWS, batchesPerArchive: 1, faults: new Set() });
  let bytes = 0;
  for (const e of (sample.archives[0] as ArchivePlan).entries) {
    if (e.kind !== 'member') continue;
    for (const chunk of memberChunks(e.member, profile.tables[e.member.table] as TableProfile, profile.dialect)) bytes += chunk.length;
  }
  return bytes / SAMPLE_ROWS;
}

/** Runs `fn` over `items` with at most `limit` in flight; results keep the items' order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
