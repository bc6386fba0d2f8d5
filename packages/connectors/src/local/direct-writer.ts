/**
 * Sequential writes of a big durable file with `O_DIRECT`: the bytes go from an aligned buffer of
 * ours to the disk, not through the page cache. The local connector uses it for `writeChunks` (the
 * merged tables): files of hundreds of MB that are flushed to disk before they are published
 * anyway, and that this process never reads back.
 *
 * Why: a buffered write first copies every byte into page-cache pages the kernel must find, and
 * the `fsync` then writes them out; `O_DIRECT` skips both the copy and the pages. Measured with
 * `dd` on this project's ext4 VM disk, 1 GiB, three runs each: buffered then fsync 2.47-2.63 s wall
 * and 1.73-1.88 s of system CPU; `O_DIRECT` 1.26-1.65 s wall and 0.17-0.21 s. On the VM the page
 * cost is high because freed memory goes back to the host and is faulted in again; on bare metal
 * the saving is smaller but the page cache is still spared a file nobody is about to read.
 *
 * `O_DIRECT` wants the memory, the file offset and the length aligned to the device's block. The
 * buffers are WebAssembly memories, which V8 maps page-aligned (Node has no other way to ask for
 * aligned memory), and every write is a multiple of 4 KiB at a multiple of 4 KiB; the last, short
 * block is written whole and the file truncated to its length. Where the platform has no
 * `O_DIRECT` or the filesystem refuses it (at open or at the first write), the same positional
 * writes go through the ordinary handle: slower, never different bytes.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { errnoCode } from './fs-errors.js';

/** Alignment of every direct write's memory, offset and length: 4 KiB covers 512 B and 4 KiB sectors. */
export const DIRECT_ALIGN = 4096;
/**
 * Bytes per direct write, two blocks per writer. 512 KiB wrote 1 GiB in 1.29-1.46 s here (1 MiB:
 * 1.20-1.22 s, 256 KiB: 1.45-2.23 s); a run writes its tables at once, holding two blocks each.
 */
export const DIRECT_BLOCK_BYTES = 512 * 1024;
const WASM_PAGE = 64 * 1024;

// The one WebAssembly API used here (the project's TypeScript libs do not declare WebAssembly).
declare const WebAssembly: { Memory: new (descriptor: { initial: number }) => { buffer: ArrayBuffer } };

/** Aligned blocks no longer in use, kept for the next writer of this thread. */
const spareBlocks: Buffer[] = [];
const SPARE_BLOCKS = 4;

function alignedBlock(): Buffer {
  return spareBlocks.pop() ?? Buffer.from(new WebAssembly.Memory({ initial: DIRECT_BLOCK_BYTES / WASM_PAGE }).buffer);
}

function releaseBlock(block: Buffer): void {
  if (spareBlocks.length < SPARE_BLOCKS) spareBlocks.push(block);
}

/** Opens `path` (an existing file) for direct writes, or `undefined` where that is not possible. */
async function openDirect(path: string): Promise<FileHandle | undefined> {
  const direct = (constants as Record<string, number | undefined>).O_DIRECT;
  if (direct === undefined) return undefined;
  try {
    return await open(path, constants.O_WRONLY | direct);
  } catch (error) {
    if (errnoCode(error) === 'EINVAL' || errnoCode(error) === 'EOPNOTSUPP') return undefined;
    throw error;
  }
}

/**
 * Writes one file from start to end: {@link write} the bytes in order, then {@link end}. One block
 * is written in the background while the next fills. Errors surface from the call after the
 * failed write, or from `end`.
 */
export class DirectFileWriter {
  private blocks: [Buffer, Buffer];
  private filling = 0;
  /** Bytes in the block being filled. */
  private fill = 0;
  /** File offset of the block being filled. */
  private position = 0;
  private inFlight: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;

  private constructor(
    private readonly buffered: FileHandle,
    private direct: FileHandle | undefined,
  ) {
    this.blocks = [alignedBlock(), alignedBlock()];
  }

  /**
   * A writer for the empty file open as `handle` (opened for writing) at `path`; the caller still
   * owns and closes `handle`.
   */
  static async open(handle: FileHandle, path: string): Promise<DirectFileWriter> {
    return new DirectFileWriter(handle, await openDirect(path));
  }

  /** Whether writes still bypass the page cache (for tests). */
  get isDirect(): boolean {
    return this.direct !== undefined;
  }

  /** Appends `chunk`; the chunk may be reused by the caller once this resolves. */
  async write(chunk: Uint8Array): Promise<void> {
    for (let done = 0; done < chunk.length; ) {
      const block = this.blocks[this.filling]!;
      const n = Math.min(chunk.length - done, block.length - this.fill);
      block.set(n === chunk.length ? chunk : chunk.subarray(done, done + n), this.fill);
      this.fill += n;
      done += n;
      if (this.fill === block.length) await this.flushBlock(block.length);
    }
  }

  /** Writes what is left, truncates the file to the bytes written and returns their count. */
  async end(): Promise<number> {
    const size = this.position + this.fill;
    if (this.fill > 0) await this.flushBlock(Math.ceil(this.fill / DIRECT_ALIGN) * DIRECT_ALIGN);
    await this.settle();
    // The last block was written whole, past the data: cut the file back to the real length.
    if (size % DIRECT_ALIGN !== 0) await this.buffered.truncate(size);
    await this.release();
    return size;
  }

  /** Stops writing (after a failure elsewhere): waits for the write in flight, keeps no error. */
  async abort(): Promise<void> {
    await this.inFlight;
    await this.release();
  }

  private async release(): Promise<void> {
    for (const block of this.blocks) releaseBlock(block);
    this.blocks = [Buffer.alloc(0), Buffer.alloc(0)];
    const direct = this.direct;
    this.direct = undefined;
    await direct?.close().catch(() => undefined);
  }

  /** Starts writing the block being filled (`length` bytes of it) and moves to the other one. */
  private async flushBlock(length: number): Promise<void> {
    // The other block is free only once its write has finished.
    await this.settle();
    const block = this.blocks[this.filling]!;
    const position = this.position;
    this.inFlight = this.writeAt(block, length, position).catch((error: unknown) => {
      this.failure ??= { error };
    });
    this.position += this.fill;
    this.fill = 0;
    this.filling = 1 - this.filling;
  }

  private async settle(): Promise<void> {
    await this.inFlight;
    if (this.failure) throw this.failure.error;
  }

  private async writeAt(block: Buffer, length: number, position: number): Promise<void> {
    for (let done = 0; done < length; ) {
      const handle = this.direct ?? this.buffered;
      try {
        done += (await handle.write(block, done, length - done, position + done)).bytesWritten;
      } catch (error) {
        // A filesystem that opens with O_DIRECT but refuses the alignment: carry on buffered.
        if (this.direct === undefined || errnoCode(error) !== 'EINVAL') throw error;
        const direct = this.direct;
        this.direct = undefined;
        await direct.close().catch(() => undefined);
      }
    }
  }
}
