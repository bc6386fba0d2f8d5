// Bridges one tar-stream entry stream (a streamx Readable) to the Node Readable a caller gets as
// `member.stream`, with backpressure both ways and without copying. tar-stream destroys the whole
// extractor when an entry stream is destroyed, so the entry stream is never destroyed: when the
// caller gives up, the rest of the member is read and dropped instead.

import { Readable } from 'node:stream';

/** The parts of a tar-stream entry stream (streamx Readable) used here. */
export interface TarEntryStream {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  pause(): unknown;
  resume(): unknown;
}

// Eight of zlib's 128 KiB output chunks would be 1 MiB per member in memory; one is plenty.
const HIGH_WATER_MARK = 128 * 1024;
const noop = () => {};

/** One delivered member's data path. */
export class MemberFeed {
  /** What the caller reads. */
  readonly stream: Readable;
  /** The caller's stream buffer is full and it has not asked for more: the caller holds things up. */
  full = false;
  /** Every byte of the member has been read from the tar (or there were none). */
  sourceDone: boolean;
  private discarding = false;
  private received = 0;

  /**
   * `onProgress` is called per chunk, `onSourceDone` with the byte count once the member's data is
   * exhausted (the caller may still be reading buffered bytes).
   */
  constructor(
    private readonly source: TarEntryStream,
    size: number,
    onProgress: () => void,
    onSourceDone: (received: number) => void,
  ) {
    this.sourceDone = size === 0;
    this.stream = new Readable({
      highWaterMark: HIGH_WATER_MARK,
      read: () => {
        this.full = false;
        if (!this.discarding) source.resume();
      },
      destroy: (err, callback) => {
        if (!this.sourceDone) this.discard();
        callback(err);
      },
    });
    // Errors reach the caller through its own listeners, pipeline or iterator; this listener only
    // keeps a member stream nobody listens to from crashing the process.
    this.stream.on('error', noop);
    if (size === 0) {
      this.stream.push(null);
      return;
    }
    source.on('data', (chunk) => {
      this.received += chunk.length;
      onProgress();
      if (!this.discarding && !this.stream.push(chunk)) {
        this.full = true;
        source.pause();
      }
    });
    source.on('end', () => {
      this.sourceDone = true;
      if (!this.discarding) this.stream.push(null);
      onSourceDone(this.received);
    });
  }

  /** The caller is done with the member: drop what it left unread, read the rest of the member into the void. */
  abandon(): void {
    if (!this.stream.readableEnded && !this.stream.destroyed) this.stream.destroy();
  }

  private discard(): void {
    this.discarding = true;
    this.full = false;
    this.source.resume();
  }
}
