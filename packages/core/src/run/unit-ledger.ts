/**
 * What a run keeps of its finished extract units until the merge. A unit's record (each part with
 * its metrics, samples and drift) is ~3 KB of JSON. Kept whole until the merge, the records grew
 * the main thread's live heap by ~4.9 KB per archive (18.3 MB when the merge starts for 1,000 small
 * archives, 33.0 MB for 4,000; now 15.3 and 20.3 MB), and the merges sent every part's metrics to
 * the workers. Here each record is folded in as its unit finishes: per table, figures that grow
 * with the columns, not the archives (`MetricsTally`, drift), and per archive only what the merge
 * must name: its parts' keys, sizes and column lists (one shared array per distinct list) and its
 * key run. The whole records stay in the state store.
 */
import type { KeyRunRef } from '../ingest/duplicates.js';
import type { ExtractedPart, ExtractUnitRecord, SkippedMember } from '../ingest/extract-unit.js';
import type { PartRef } from '../ingest/merge-table.js';
import { MetricsTally } from '../ingest/part-metrics.js';

/** What one archive gave one table. */
interface TableSlot {
  parts: PartRef[];
  run?: KeyRunRef;
  /** `[archiveId, version]` of the archive, when it was extracted whole and gave the table something. */
  source?: [string, string];
}

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
  /** Per archive index, in the listing's order: what the archive gave this table. */
  private readonly slots: (TableSlot | undefined)[] = [];
  readonly metrics = new MetricsTally();
  /** Members of this table quarantined whole (in any archive). */
  quarantinedMembers = 0;
  /** Parts whose columns drifted from the spec. */
  driftedMembers = 0;
  private readonly drift = { newColumns: new Set<string>(), droppedColumns: new Set<string>(), missingColumns: new Set<string>() };

  /** @internal Folds in what archive `index` gave this table; `share` gives the one array of a column list. */
  add(index: number, parts: readonly ExtractedPart[], run: KeyRunRef | undefined, source: [string, string] | undefined, share: (columns: readonly string[]) => readonly string[]): void {
    parts.forEach((part, i) => {
      this.metrics.add(part.metrics, [index, i]);
      if (part.newColumns.length + part.droppedColumns.length + part.missingColumns.length === 0) return;
      this.driftedMembers++;
      for (const c of part.newColumns) this.drift.newColumns.add(c);
      for (const c of part.droppedColumns) this.drift.droppedColumns.add(c);
      for (const c of part.missingColumns) this.drift.missingColumns.add(c);
    });
    this.slots[index] = {
      parts: parts.map((p) => ({ key: p.key, bytes: p.bytes, columns: share(p.columns) })),
      ...(run ? { run: { key: run.key, count: run.count } } : {}),
      ...(source ? { source } : {}),
    };
  }

  /** The table's staged parts, in the deterministic order: archive listing order, then member position. */
  parts(): PartRef[] {
    return this.slots.flatMap((slot) => slot?.parts ?? []);
  }

  /** The table's key runs, in the same order. */
  runs(): KeyRunRef[] {
    return this.slots.flatMap((slot) => (slot?.run ? [slot.run] : []));
  }

  /** Parts staged for the table (its CSV files). */
  get files(): number {
    return this.slots.reduce((n, slot) => n + (slot?.parts.length ?? 0), 0);
  }

  /** What identifies the merge's inputs (see `table-stage.ts`): parts, runs, and the archives' versions. */
  inputs(): { parts: [string, number][]; runs: string[]; sources: [string, string][] } {
    return {
      parts: this.parts().map((p) => [p.key, p.bytes]),
      runs: this.runs().map((r) => r.key),
      sources: this.slots.flatMap((slot) => (slot?.source ? [slot.source] : [])),
    };
  }

  /** Columns the parts added, dropped or missed against the spec, each list sorted. */
  columnDrift(): { newColumns: string[]; droppedColumns: string[]; missingColumns: string[] } {
    return { newColumns: sorted(this.drift.newColumns), droppedColumns: sorted(this.drift.droppedColumns), missingColumns: sorted(this.drift.missingColumns) };
  }
}

/** The finished extract units of a run, folded in as they finish, in any order. */
export class UnitLedger {
  private readonly tables = new Map<string, TableLedger>();
  /** One array per distinct column list: most parts of a table share one. */
  private readonly columnLists = new Map<string, readonly string[]>();
  private readonly notes: (ArchiveNotes | undefined)[] = [];
  /** Units finished (extracted or reused). */
  finished = 0;
  uncompressedBytes = 0;
  quarantinedRows = 0;

  constructor(tables: readonly string[]) {
    for (const table of tables) this.tables.set(table, new TableLedger());
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
      ledger.add(index, parts, run, source, this.share);
    }
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

  private readonly share = (columns: readonly string[]): readonly string[] => {
    const id = columns.join('\u0000');
    let list = this.columnLists.get(id);
    if (!list) this.columnLists.set(id, (list = [...columns]));
    return list;
  };
}
