// Test helpers: build tar archives in memory (tar-stream's packer, or raw headers for what it
// refuses to write) and run readArchive over them, collecting everything it delivers.

import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';
import { readArchive } from '../read-archive.js';
import type { ArchiveMember, ArchiveStats, ReadArchiveOptions, RejectedMember } from '../types.js';

/** One entry for {@link buildTar}. */
export interface EntrySpec {
  name: string;
  type?: Header['type'];
  data?: string | Buffer;
  linkname?: string;
  pax?: Record<string, string>;
}

/** A finalised tar (with end-of-archive marker) written by tar-stream's packer. */
export async function buildTar(entries: EntrySpec[]): Promise<Buffer> {
  const packer = pack();
  const chunks: Buffer[] = [];
  packer.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const ended = new Promise<void>((resolve) => packer.on('end', () => resolve()));
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const header: Header = {
      name: entry.name,
      type,
      mode: 0o644,
      mtime: new Date(0),
      size: 0,
      uid: 0,
      gid: 0,
      uname: '',
      gname: '',
      devmajor: 0,
      devminor: 0,
      linkname: entry.linkname ?? '',
      ...(entry.pax ? { pax: entry.pax } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (type === 'file' || type === 'contiguous-file') packer.entry(header, entry.data ?? '', done);
      else packer.entry(header, done); // entries without data complete on their own
    });
  }
  packer.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** Fields of a hand-made ustar header; `name` may be raw bytes (e.g. invalid UTF-8). */
export interface RawHeader {
  name: string | Buffer;
  size?: number;
  /** A single typeflag character: '0' file, '5' directory, 'S' GNU sparse, ... */
  typeflag?: string;
  linkname?: string;
}

/** One 512-byte ustar header block with a valid checksum. */
export function ustarHeader(fields: RawHeader): Buffer {
  const block = Buffer.alloc(512);
  const name = typeof fields.name === 'string' ? Buffer.from(fields.name) : fields.name;
  name.copy(block, 0, 0, Math.min(100, name.length));
  block.write('0000644\0', 100, 'latin1');
  block.write('0000000\0', 108, 'latin1');
  block.write('0000000\0', 116, 'latin1');
  block.write(`${(fields.size ?? 0).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  block.write('00000000000\0', 136, 'latin1');
  block.write(fields.typeflag ?? '0', 156, 'latin1');
  if (fields.linkname) block.write(fields.linkname, 157, 'latin1');
  block.write('ustar\0' + '00', 257, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return block;
}

/** Data padded to whole 512-byte blocks. */
export function padded(data: Buffer): Buffer {
  const rest = data.length % 512;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - rest)]);
}

/** The end-of-archive marker: two zero blocks. */
export const END_OF_ARCHIVE = Buffer.alloc(1024);

/** A Readable over `buffer`, in chunks of `chunkSize` bytes (small chunks exercise boundaries). */
export function streamOf(buffer: Buffer, chunkSize = 64 * 1024): Readable {
  let offset = 0;
  return new Readable({
    read() {
      if (offset >= buffer.length) return void this.push(null);
      this.push(buffer.subarray(offset, offset + chunkSize));
      offset += chunkSize;
    },
  });
}

/** What a read delivered. */
export interface Collected {
  members: Array<Omit<ArchiveMember, 'stream'> & { data: Buffer }>;
  rejected: RejectedMember[];
  stats?: ArchiveStats;
  error?: unknown;
}

/** Runs readArchive over `archive`, reading every member fully; never throws. */
export async function collect(archive: Buffer | Readable, options: ReadArchiveOptions = {}): Promise<Collected> {
  const result: Collected = { members: [], rejected: [] };
  const input = Buffer.isBuffer(archive) ? streamOf(archive) : archive;
  try {
    result.stats = await readArchive(
      input,
      {
        async onMember({ stream, ...member }) {
          const chunks: Buffer[] = [];
          for await (const chunk of stream) chunks.push(chunk as Buffer);
          result.members.push({ ...member, data: Buffer.concat(chunks) });
        },
        onRejected(rejected) {
          result.rejected.push(rejected);
        },
      },
      options,
    );
  } catch (err) {
    result.error = err;
  }
  return result;
}

/** gzip, optionally as several concatenated gzip members cut every `memberBytes` bytes. */
export function gzipped(data: Buffer, memberBytes?: number): Buffer {
  if (memberBytes === undefined) return gzipSync(data);
  const members: Buffer[] = [];
  for (let offset = 0; offset < data.length; offset += memberBytes) members.push(gzipSync(data.subarray(offset, offset + memberBytes)));
  return Buffer.concat(members);
}
