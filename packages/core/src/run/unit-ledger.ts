/**
 * What a run keeps of its finished extract units until the merge. A unit's record (each part with
 * its metrics, samples and drift) is ~3 KB of JSON; the whole records stay in the state store.
 * Here each record is folded in as its unit finishes: per table, figures that grow with the
 * columns, not the archives (`MetricsTally`, drift), and what the merge must name (the archive's
 * parts and key run) goes to the table's manifest in staging (`merge-manifest.ts`) as soon as
 * every archive before it in the listing has finished. So the ledger holds only the archives that
 * finished out of turn, at most {@link MAX_OUT_OF_TURN}: the feed waits for `room()` beyond that.
 *
 * Kept whole, the records grew the main thread's live heap by ~4.9 KB per archive; the parts' keys
 * and runs kept until the merge, by ~1.7 KB per archive, and their copies in the merge tasks the
 * peak RSS by ~4.6 KB per archive.
 */
import type { StorageConnector } from '../connectors/connector.js';
import type { ExtractedPart, ExtractUnitRecord, SkippedMember } from '../ingest/extract-unit.js';
import { MetricsTally } from '../ingest/part-metrics.js';
import { ManifestBuilder, SEGMENT_LINES } from './merge-manifest.js';
import type { ArchiveSlot, MergeInputs } from './merge-manifest.js';

/**
 * Archives finished ahead of one still running that the ledger holds before the feed waits (each
 * a few hundred bytes per table): one slow archive early in the listing must not make the ledger
 * hold the rest of the day.
 */
export const MAX_OUT_OF_TURN = 4096;

/** What the summary lists of an archive, when it has something to list. */
interface ArchiveNotes {
  archive: string;
  error?: { code: string; message: string };
  unmatched: string[];
  quarantinedMembers: SkippedMember[];
  quarantineKey?: string;
}

const sorted = (items: Iterable<string>) => [...items].sort();

/** One table's share of the finished units. */
export class TableLedger {
  /** What archives finished out of turn gave this table, by listing index, until their turn. */
  private readonly waiting = new Map<number, ArchiveSlot>();
  readonly metrics = new MetricsTally();
  /** Members of this table quarantined whole (in any archive). */
  quarantinedMembers = 0;
  /** Parts whose columns drifted from the spec. */
  driftedMembers = 0;
  private readonly drift = { newColumns: new Set<string>(), droppedColumns: new Set<string>(), missingColumns: new Set<string>() };

  /** @internal */
  readonly manifest: ManifestBuilder;

  /** @internal */
  constructor(manifest: ManifestBuilder) {
    this.manifest = manifest;
  }

  /** @internal Folds in what archive `index` gave this table; its slot waits for its turn. */
  add(index: number, parts: readonly ExtractedPart[], run: ArchiveSlot['run'], source: ArchiveSlot['source']): void {
    parts.forEach((part, i) => {
      this.metrics.add(part.metrics, [index, i]);
      if (part.newColumns.length + part.droppedColumns.length + part.missingColumns.length === 0) return;
      this.driftedMembers++;
      for (const c of part.newColumns) this.drift.newColumns.add(c);
      for (const c of part.droppedColumns) this.drift.droppedColumns.add(c);
      for (const c of part.missingColumns) this.drift.missingColumns.add(c);
    });
    this.waiting.set(index, {
      parts: parts.map((p) => ({ key: p.key, ...(p.offset ? { offset: p.offset } : {}), bytes: p.bytes, columns: p.columns })),
      ...(run ? { run: { key: run.key, count: run.count, ...(run.offset ? { offset: run.offset } : {}) } } : {}),
      ...(source ? { source } : {}),
    });
  }

  /** @internal Archive `index`'s turn has come: its slot, if any, goes to the manifest. */
  advance(index: number): void {
    const slot = this.waiting.get(index);
    if (!slot) return;
    this.waiting.delete(index);
    this.manifest.append(slot);
  }

  /** Where the merge's inputs are staged and what they add up to; once the ledger is closed. */
  inputs(): MergeInputs {
    return this.manifest.inputs();
  }

  /** Columns the parts added, dropped or missed against the spec, each list sorted. */
  columnDrift(): { newColumns: string[]; droppedColumns: string[]; missingColumns: string[] } {
    return { newColumns: sorted(this.drift.newColumns), droppedColumns: sorted(this.drift.droppedColumns), missingColumns: sorted(this.drift.missingColumns) };
  }
}

/** Where a ledger stages its manifests. */
export interface LedgerOptions {
  /** Each table's declared columns (the start of its union), by table, in the plan's order. */
  tables: Readonly<Record<string, readonly string[]>>;
  staging: StorageConnector;
  /** Staging prefix of this run's manifests; a table's segments go under `<prefix>/<table>/`. */
  prefix: string;
}

/** The finished extract units of a run, folded in as they finish, in any order. */
export class UnitLedger {
  private readonly tables = new Map<string, TableLedger>();
  private readonly notes: (ArchiveNotes | undefined)[] = [];
  /** Listing indexes finished out of turn (after {@link next}). */
  private readonly outOfTurn = new Set<number>();
  /** The first listing index not yet finished: every archive before it is in the manifests. */
  private next = 0;
  private readonly waiters: (() => void)[] = [];
  /** Segment writes, one after another; the first failure is kept for `close`. */
  private writing: Promise<void> = Promise.resolve();
  private failure: Error | undefined;
  private readonly staging: StorageConnector;
  /** Units finished (extracted or reused). */
  finished = 0;
  uncompressedBytes = 0;
  quarantinedRows = 0;

  constructor(options: LedgerOptions) {
    this.staging = options.staging;
    for (const [table, declared] of Object.entries(options.tables)) {
      this.tables.set(table, new TableLedger(new ManifestBuilder(`${options.prefix}/${table}`, declared)));
    }
  }

  /** Folds in the record of the archive at `index` in the listing; the record is not kept. */
  add(index: number, record: ExtractUnitRecord): void {
    this.finished++;
    this.uncompressedBytes += record.uncompressedBytes;
    this.quarantinedRows += record.quarantinedRows;
    const quarantined = record.status === 'quarantined';
    if (quarantined || record.unmatched.length > 0 || record.quarantinedMembers.length > 0 || record.quarantineKey) {
      this.notes[index] = {
        archive: record.archive,
        ...(quarantined ? { error: record.error! } : {}),
        unmatched: record.unmatched,
        quarantinedMembers: record.quarantinedMembers,
        ...(record.quarantineKey ? { quarantineKey: record.quarantineKey } : {}),
      };
    }
    for (const member of record.quarantinedMembers) {
      if (member.table) this.tables.get(member.table)!.quarantinedMembers++;
    }
    const source: [string, string] | undefined = quarantined ? undefined : [record.archiveId, record.version]; // one for all tables
    for (const [name, ledger] of this.tables) {
      const parts = quarantined ? [] : record.parts.filter((p) => p.table === name);
      const run = record.keyRuns[name];
      if (parts.length === 0 && !run) continue;
      ledger.add(index, parts, run, source);
    }
    this.finish(index);
  }

  /** The unit at `index` failed (the run reports it, and does not merge): its turn passes. */
  skip(index: number): void {
    this.finish(index);
  }

  /** Resolves once the ledger holds fewer than {@link MAX_OUT_OF_TURN} archives finished out of turn. */
  async room(): Promise<void> {
    while (this.outOfTurn.size >= MAX_OUT_OF_TURN) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Writes what is left of the manifests; rejects if a segment could not be staged. Call once every unit has finished. */
  async close(): Promise<void> {
    if (this.outOfTurn.size > 0) throw new Error(`bug: the ledger was closed with archive ${this.next} of the listing unfinished`);
    for (const ledger of this.tables.values()) while (ledger.manifest.buffered > 0) this.stage(ledger.manifest);
    await this.writing;
    if (this.failure) throw new Error(`could not stage the merge manifests in ${this.staging.uri}: ${this.failure.message}`);
  }

  /** Deletes the manifests' segments from staging, once the merges are done with them. */
  async discard(): Promise<void> {
    await this.writing;
    const keys = [...this.tables.values()].flatMap((ledger) => ledger.manifest.staged());
    await Promise.all(keys.map((key) => this.staging.delete(key).catch(() => {})));
  }

  private finish(index: number): void {
    if (index < this.next) return; // already in the manifests
    this.outOfTurn.add(index);
    if (index !== this.next) return;
    while (this.outOfTurn.delete(this.next)) {
      for (const ledger of this.tables.values()) ledger.advance(this.next);
      this.next++;
    }
    for (const ledger of this.tables.values()) while (ledger.manifest.buffered >= SEGMENT_LINES) this.stage(ledger.manifest);
    for (const wake of this.waiters.splice(0)) wake();
  }

  private stage(manifest: ManifestBuilder): void {
    const { key, text } = manifest.takeSegment();
    this.writing = this.writing.then(async () => {
      if (this.failure) return;
      try {
        await this.staging.write(key, text);
      } catch (error) {
        this.failure = error as Error;
      }
    });
  }

  table(name: string): TableLedger {
    const ledger = this.tables.get(name);
    if (!ledger) throw new Error(`bug: table ${name} is not in the plan`);
    return ledger;
  }

  quarantinedArchives(): { archive: string; code: string; reason: string }[] {
    return this.notes.flatMap((n) => (n?.error ? [{ archive: n.archive, code: n.error.code, reason: n.error.message }] : []));
  }

  unmatchedMembers(): { archive: string; member: string }[] {
    return this.notes.flatMap((n) => (n ? n.unmatched.map((member) => ({ archive: n.archive, member })) : []));
  }

  quarantinedMembers(): { archive: string; member: string; code: string; reason: string }[] {
    return this.notes.flatMap((n) => (n ? n.quarantinedMembers.map((m) => ({ archive: n.archive, member: m.member, code: m.code, reason: m.reason })) : []));
  }

  quarantineFiles(): string[] {
    return this.notes.flatMap((n) => (n?.quarantineKey ? [n.quarantineKey] : []));
  }
}
