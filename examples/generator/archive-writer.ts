// Streams one planned archive: tar-stream pack -> zlib gzip -> destination. Tar headers carry a
// fixed mtime, uid/gid 0, fixed modes and owner names, so archives are byte-identical per plan.
// A member's size must be known before its header is written: members up to `memberBufferBytes`
// are generated once and held as chunks; larger ones are generated twice (sized, then streamed),
// which keeps memory bounded whatever rows-per-member asks for.

import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { toBytes } from './csv-dialect.js';
import type { ArchivePlan, MemberPlan } from './drop-plan.js';
import { emptyStats, memberChunks, type MemberStats } from './member-writer.js';
import type { DropProfile, TableProfile } from './profiles.js';

export interface ArchiveWriteOptions {
  gzipLevel: number;
  memberBufferBytes: number;
}

export interface ArchiveResult {
  /** Stats per member entry, in entry order. */
  members: { plan: MemberPlan; stats: MemberStats }[];
  /** Uncompressed bytes of all regular files written into the archive. */
  contentBytes: number;
}

const PIPE_BUFFER = 1024 * 1024;
const ZLIB_CHUNK = 256 * 1024;
const YIELD_EVERY = 256 * 1024;

type Header = Partial<tar.Header> & { name: string };
type Sink = ReturnType<tar.Pack['entry']>;

export async function writeArchive(
  profile: DropProfile,
  archive: ArchivePlan,
  destination: Writable,
  options: ArchiveWriteOptions,
): Promise<ArchiveResult> {
  // Large buffers and zlib chunks keep the gzip thread busy while the main thread generates
  // rows: each round trip to the main thread then carries ~256 KiB instead of 16 KiB.
  const pack = tar.pack({ highWaterMark: PIPE_BUFFER });
  const gzip = createGzip({ level: options.gzipLevel, chunkSize: ZLIB_CHUNK });
  const done = pipeline(pack, gzip, destination);
  // Surfaces a failed pipeline to the entry loop instead of leaving it waiting for 'drain'.
  const failed = done.then(
    () => new Promise<never>(() => {}),
    (err: unknown) => Promise.reject(err),
  );
  failed.catch(() => {});
  const base = { mtime: profile.mtime, uid: 0, gid: 0, uname: 'partner', gname: 'partner' };
  const result: ArchiveResult = { members: [], contentBytes: 0 };

  const addEntry = async (header: Header, fill?: (sink: Sink) => Promise<void>): Promise<void> => {
    let sink!: Sink;
    const finished = new Promise<void>((resolve, reject) => {
      sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    });
    if (fill !== undefined) await fill(sink);
    sink.end(undefined);
    await Promise.race([finished, failed]);
  };
  const writeChunks = async (sink: Sink, chunks: Iterable<Buffer>): Promise<void> => {
    for (const chunk of chunks) {
      if (!sink.write(chunk)) await Promise.race([new Promise<void>((resolve) => sink.once('drain', () => resolve())), failed]);
    }
  };

  for (const entry of archive.entries) {
    if (entry.kind === 'file') {
      const bytes = toBytes(entry.content, profile.dialect);
      result.contentBytes += bytes.length;
      await addEntry({ ...base, name: entry.name, type: 'file', mode: 0o644, size: bytes.length }, (sink) => writeChunks(sink, [bytes]));
    } else if (entry.kind === 'symlink') {
      await addEntry({ ...base, name: entry.name, type: 'symlink', mode: 0o777, linkname: entry.target });
    } else {
      const plan = entry.member;
      const table = profile.tables[plan.table] as TableProfile;
      const stats = emptyStats(table);
      const held: Buffer[] = [];
      let size = 0;
      let spilled = false;
      let sinceYield = 0;
      for (const chunk of memberChunks(plan, table, profile.dialect, stats)) {
        size += chunk.length;
        sinceYield += chunk.length;
        if (sinceYield >= YIELD_EVERY) {
          // Let zlib's completion callbacks run so compression overlaps generation.
          sinceYield = 0;
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        if (spilled) continue;
        held.push(chunk);
        if (size > options.memberBufferBytes) {
          spilled = true;
          held.length = 0;
        }
      }
      const header: Header = { ...base, name: plan.path, type: 'file', mode: 0o644, size };
      await addEntry(header, (sink) => writeChunks(sink, spilled ? memberChunks(plan, table, profile.dialect) : held));
      result.contentBytes += size;
      result.members.push({ plan, stats });
    }
  }
  pack.finalize();
  await done;
  return result;
}
