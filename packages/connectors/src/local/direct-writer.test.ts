import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DIRECT_ALIGN, DIRECT_BLOCK_BYTES, DirectFileWriter } from './direct-writer.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Writes `bytes` in chunks of the given sizes (cycled) through a DirectFileWriter; returns the file and whether it wrote direct. */
async function writeThrough(bytes: Buffer, chunkSizes: number[]): Promise<{ file: Buffer; direct: boolean; size: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'pi-direct-'));
  dirs.push(dir);
  const path = join(dir, 'f');
  const handle = await open(path, 'wx');
  const writer = await DirectFileWriter.open(handle, path);
  const direct = writer.isDirect;
  // The caller's chunk is one reused buffer, overwritten after each write resolves (as the merge's
  // read buffers are): the writer must have taken its bytes by then.
  const reused = Buffer.alloc(Math.max(...chunkSizes));
  for (let at = 0, i = 0; at < bytes.length; i++) {
    const n = Math.min(chunkSizes[i % chunkSizes.length]!, bytes.length - at);
    bytes.copy(reused, 0, at, at + n);
    await writer.write(reused.subarray(0, n));
    reused.fill(0x21);
    at += n;
  }
  const size = await writer.end();
  await handle.sync();
  await handle.close();
  return { file: await readFile(path), direct, size };
}

describe('DirectFileWriter', () => {
  it.each([0, 1, DIRECT_ALIGN - 1, DIRECT_ALIGN, DIRECT_ALIGN + 1, DIRECT_BLOCK_BYTES - 1, DIRECT_BLOCK_BYTES, DIRECT_BLOCK_BYTES + 1, Math.floor(2.5 * DIRECT_BLOCK_BYTES) + 7])(
    'writes exactly %i bytes, whatever the chunking',
    async (length) => {
      const bytes = randomBytes(length);
      for (const chunks of [[1000], [65_536, 7], [3 * DIRECT_BLOCK_BYTES]]) {
        const { file, direct, size } = await writeThrough(bytes, chunks);
        expect(size).toBe(length);
        expect(file.length).toBe(length);
        expect(file.equals(bytes)).toBe(true);
        // This machine's temp filesystem (ext4 or tmpfs) takes O_DIRECT: the direct path is the one tested.
        expect(direct).toBe(true);
      }
    },
  );
});
