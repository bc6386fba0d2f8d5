/**
 * merge:<table>'s copy, begun while extract still runs. The ledger hands each archive's parts to
 * the table's early copy as soon as every archive before it has finished (the same turn in which
 * they go to the manifest), and the copy writes them into the merged file's temp object at once.
 * When the merge stage comes, only the last parts, the flush and the rename are left, and the
 * merge checks that what was copied is what its manifest names before it publishes.
 *
 * Why: the merge's copy writes every byte of the day once more and flushes it to disk; on the 1 GB
 * drop it was most of the merge stage (searches' 647 MB in 0.9-1.6 s, bookings' 309 MB in
 * 1.0-1.4 s, at this VM disk's ~650 MB/s), after extract had finished, while extract (CPU-bound)
 * left the disk idle. Copied during extract, the writes overlap the CPU work.
 *
 * Nothing here decides what is published: a copy the merge does not confirm is thrown away
 * (its temp object removed by the output connector) and the merge copies from the manifest as
 * before. The copy starts over when the union of columns grows (a new column first seen after
 * parts were copied: the header and every row before would lack it), as long as it has kept the
 * parts seen so far ({@link MAX_REPLAY_PARTS}); beyond that it gives up.
 */
import type { ObjectInfo, StorageConnector } from '../connectors/connector.js';
import { copyTable } from '../ingest/merge-table.js';
import type { CopiedTable, PartRef } from '../ingest/merge-table.js';
import type { Logger } from '../log/logger.js';
import type { MergeInputs } from './merge-manifest.js';

/**
 * Bytes an early copy reads at a time. Every table's copy holds its buffers through the whole
 * extract stage, beside the workers; 1 MiB ones (the merge's) added ~20 MiB to the 1 GB drop's
 * peak RSS, and the parts it reads were just written, so they come from the page cache in any size.
 */
const EARLY_CHUNK_BYTES = 256 * 1024;

/** Parts an early copy keeps to start over with when the union grows (~150 bytes each). */
export const MAX_REPLAY_PARTS = 4096;

/** Thrown into a copy attempt that must not be published: its write is abandoned. */
class Withdrawn extends Error {
  constructor(why: string) {
    super(`early copy withdrawn: ${why}`);
  }
}

const sameColumns = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((c, i) => c === b[i]);

/** One table's early copy; see the module comment. */
export class EarlyCopy {
  /** Parts offered and not yet taken by the current attempt. */
  private pending: PartRef[] = [];
  /** Every part offered, while there are at most MAX_REPLAY_PARTS; `undefined` past that. */
  private replay: PartRef[] | undefined = [];
  private offered = 0;
  private columns: string[];
  /** The current attempt: its number, and its write. */
  private attempt = 0;
  private writing: Promise<ObjectInfo | undefined> | undefined;
  /** Set by the merge (`finish`) or `abandon`: no more parts will come. */
  private verdict: { publish: boolean; why: string } | undefined;
  /** Attempts waiting for a part or the verdict (a superseded one may still wait). */
  private readonly waiting: (() => void)[] = [];
  private over = false;

  constructor(
    private readonly table: string,
    declared: readonly string[],
    private readonly staging: StorageConnector,
    private readonly output: StorageConnector,
    private readonly logger: Logger,
  ) {
    this.columns = [...declared];
  }

  /**
   * The next archive's parts, in listing order, and the table's union of columns with them in
   * (`ManifestBuilder.union`).
   */
  offer(parts: readonly PartRef[], union: readonly string[]): void {
    if (this.over) return;
    this.offered += parts.length;
    if (this.replay) {
      this.replay.push(...parts);
      if (this.replay.length > MAX_REPLAY_PARTS) this.replay = undefined;
    }
    this.pending.push(...parts);
    // Parts pile up only when the copy falls far behind (a resumed day offers its reused archives
    // at once): the merge copies those from the manifest instead of this holding them all.
    if (this.pending.length > MAX_REPLAY_PARTS) return this.giveUp('it fell behind');
    if (!sameColumns(union, this.columns)) {
      this.columns = [...union];
      if (this.writing !== undefined) {
        if (!this.replay) return this.giveUp('the columns grew after more parts than it keeps were copied');
        // Start over; the attempt in flight sees it was superseded when it asks for its next part.
        this.pending = [...this.replay];
        this.writing = undefined;
      }
    }
    if (this.writing === undefined && this.pending.length > 0) this.start();
    this.poke();
  }

  /**
   * Called by the merge in place of its copy, once the ledger is closed and the table's
   * `_SUCCESS` withdrawn: lets the copy publish if it covered exactly `inputs`, and returns it;
   * `undefined` when it did not (the merge then copies).
   */
  async finish(inputs: MergeInputs): Promise<CopiedTable | undefined> {
    const covers = !this.over && this.writing !== undefined && this.offered === inputs.parts && sameColumns(this.columns, inputs.columns);
    if (!covers) this.giveUp('its parts or columns differ from the manifest');
    this.over = true;
    this.verdict ??= { publish: true, why: '' };
    this.poke();
    const data = await this.writing;
    if (!covers || data === undefined) return undefined;
    return { columns: [...inputs.columns], data, copiedParts: inputs.copiedParts, reprojectedParts: inputs.parts - inputs.copiedParts };
  }

  /** The merge will not use this copy (the day failed, or its merge is reused): its temp object is removed. */
  async abandon(why: string): Promise<void> {
    if (!this.over) this.giveUp(why);
    await this.writing;
  }

  private giveUp(why: string): void {
    this.over = true;
    this.verdict = { publish: false, why };
    this.pending = [];
    this.replay = undefined;
    this.poke();
  }

  private poke(): void {
    for (const wake of this.waiting.splice(0)) wake();
  }

  private start(): void {
    const attempt = ++this.attempt;
    this.writing = copyTable(this.table, [...this.columns], this.parts(attempt), this.staging, this.output, EARLY_CHUNK_BYTES).catch((error: unknown) => {
      if (error instanceof Withdrawn) return undefined;
      this.logger.debug('early copy failed; the merge will copy', { table: this.table, error: (error as Error).message });
      if (attempt === this.attempt) this.giveUp('it failed');
      return undefined;
    });
  }

  /** The parts of attempt `attempt`, as they are offered; it ends only if the merge confirms it. */
  private async *parts(attempt: number): AsyncGenerator<PartRef> {
    for (;;) {
      if (attempt !== this.attempt) throw new Withdrawn('the columns grew');
      const next = this.pending.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.verdict) {
        if (this.verdict.publish) return;
        throw new Withdrawn(this.verdict.why);
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }
}
