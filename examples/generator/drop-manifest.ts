// The manifest of a generated drop: its types, and how it is computed from the plan and the
// per-member counts taken while writing. It states what a correct pipeline run must report.

import type { ArchiveResult } from './archive-writer.js';
import type { DropPlan, FaultKind, RejectedMember } from './drop-plan.js';
import type { DropProfile } from './profiles.js';

/** One archive of the drop; the manifest lists archives sorted by name. */
export interface ArchiveManifest {
  name: string;
  /** Size of the .tar.gz on disk. */
  bytes: number;
  /** Every tar entry name, in archive order (including unmatched, rejected and symlink entries). */
  members: string[];
  corrupt?: true;
}

export interface TableManifest {
  /** Members of the table in archives that are not corrupt. */
  files: number;
  /** Well-formed data rows (rows with type errors or duplicate keys included). */
  rows: number;
  malformedRows: number;
  /** Spec columns in spec order, then kept new columns (lower snake_case) by first appearance. */
  columns: string[];
  /** Per output column: null tokens, and every row of a member lacking the column. */
  nulls: Record<string, number>;
  /** Per output column: non-null values that do not parse as the spec type. */
  typeErrors: Record<string, number>;
  /** Rows whose primary key already occurred (rows minus distinct keys). */
  duplicateKeys: number;
  /** Partner headers dropped by onNewColumn: drop, by first appearance. */
  droppedColumns: string[];
  /** Uncompressed bytes of the counted members. */
  bytes: number;
}

export interface ManifestFault {
  kind: FaultKind;
  archive: string;
  member?: string;
  /** Physical line (1-based, header = 1) where the faulty record starts. */
  line?: number;
  column?: string;
  value?: string;
  detail: string;
}

export interface DropManifest {
  profile: string;
  date: string;
  seed: number;
  rowsPerMember: number;
  faultKinds: FaultKind[];
  archives: ArchiveManifest[];
  /** Uncompressed bytes of every regular file entry in the archives that are not corrupt
   * (table members, unmatched and rejected files alike): what a reader can extract. */
  csvBytes: number;
  tables: Record<string, TableManifest>;
  /** Names of members that match no pattern (as written in their archive). */
  unmatchedMembers: string[];
  rejectedMembers: RejectedMember[];
  corruptArchives: string[];
  /** Every injected fault with its location. */
  faults: ManifestFault[];
}

function snakeCase(header: string): string {
  return header.replace(/^\uFEFF/, '').trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

export function buildManifest(
  profile: DropProfile,
  plan: DropPlan,
  written: { result: ArchiveResult; bytes: number; truncatedAt: number }[],
  meta: { seed: number; rowsPerMember: number; faultKinds: FaultKind[] },
): DropManifest {
  const acc = profile.tables.map((t) => ({
    table: t,
    files: 0,
    rows: 0,
    malformedRows: 0,
    bytes: 0,
    duplicateKeys: 0,
    nulls: t.columns.map(() => 0),
    extraNulls: t.extras.map(() => 0),
    typeErrors: t.columns.map(() => 0),
    keptOrder: [] as number[],
    dropped: [] as string[],
  }));
  // Archive-name order: how a deterministic reader lists a drop, and what "first appearance" means.
  const byName = plan.archives
    .map((archive, i) => ({ archive, ...(written[i] as (typeof written)[number]) }))
    .sort((x, y) => (x.archive.name < y.archive.name ? -1 : x.archive.name > y.archive.name ? 1 : 0));
  const faults: ManifestFault[] = [];
  byName.forEach(({ archive, result }) => {
    if (archive.corrupt) return;
    for (const { plan: m, stats } of result.members) {
      if (!m.counted) continue;
      const a = acc[m.table] as (typeof acc)[number];
      a.files++;
      a.rows += stats.rows;
      a.malformedRows += stats.malformedRows;
      a.bytes += stats.bytes;
      a.duplicateKeys += stats.duplicateKeys;
      stats.nulls.forEach((v, c) => (a.nulls[c] = (a.nulls[c] as number) + v));
      stats.extraNulls.forEach((v, e) => (a.extraNulls[e] = (a.extraNulls[e] as number) + v));
      stats.typeErrors.forEach((v, c) => (a.typeErrors[c] = (a.typeErrors[c] as number) + v));
      for (const slot of m.layout.slots) {
        if (slot.extra < 0) continue;
        const extra = a.table.extras[slot.extra];
        if (extra?.onNewColumn === 'keep' && !a.keptOrder.includes(slot.extra)) a.keptOrder.push(slot.extra);
        if (extra?.onNewColumn === 'drop' && !a.dropped.includes(extra.header)) a.dropped.push(extra.header);
      }
      for (const f of stats.faults) {
        const base = { archive: archive.name, member: m.path, line: f.line };
        if (f.kind === 'too-many-fields') faults.push({ kind: 'malformed-row', ...base, detail: 'row has more fields than the header' });
        else if (f.kind === 'unterminated-quote') faults.push({ kind: 'malformed-row', ...base, detail: 'last row opens a quote that is never closed' });
        else if (f.kind === 'type-error') {
          const type = a.table.columns.find((c) => c.name === f.column)?.type ?? 'value';
          faults.push({ kind: 'type-error', ...base, column: f.column as string, value: f.value as string, detail: `not a valid ${type}` });
        } else {
          faults.push({ kind: 'duplicate-key', ...base, column: f.column as string, value: f.value as string, detail: 'primary key already delivered earlier in the day' });
        }
      }
    }
  });
  for (const u of plan.unmatchedMembers) faults.push({ kind: 'unmatched-member', ...u, detail: 'matches no members.pattern' });
  for (const r of plan.rejectedMembers) {
    faults.push({ kind: 'traversal-member', archive: r.archive, member: r.member, detail: r.reason === 'symlink' ? 'symbolic link entry' : 'path escapes the extraction root' });
  }
  for (const { archive, truncatedAt } of byName) {
    if (archive.corrupt) faults.push({ kind: 'corrupt-archive', archive: archive.name, detail: `gzip stream truncated after ${truncatedAt} bytes` });
  }

  const tables: Record<string, TableManifest> = {};
  for (const a of acc) {
    const columns = a.table.columns.map((c) => c.name);
    const nulls: Record<string, number> = {};
    const typeErrors: Record<string, number> = {};
    a.table.columns.forEach((c, i) => {
      nulls[c.name] = a.nulls[i] as number;
      typeErrors[c.name] = a.typeErrors[i] as number;
    });
    for (const e of a.keptOrder) {
      const name = snakeCase((a.table.extras[e] as { header: string }).header);
      columns.push(name);
      nulls[name] = a.extraNulls[e] as number;
      typeErrors[name] = 0;
    }
    tables[a.table.name] = {
      files: a.files,
      rows: a.rows,
      malformedRows: a.malformedRows,
      columns,
      nulls,
      typeErrors,
      duplicateKeys: a.duplicateKeys,
      droppedColumns: a.dropped,
      bytes: a.bytes,
    };
  }

  return {
    profile: profile.name,
    date: profile.mtime.toISOString().slice(0, 10),
    seed: meta.seed,
    rowsPerMember: meta.rowsPerMember,
    faultKinds: meta.faultKinds,
    archives: byName.map(({ archive, bytes }) => {
      const members = archive.entries.map((e) => (e.kind === 'member' ? e.member.path : e.name));
      return archive.corrupt ? { name: archive.name, bytes, members, corrupt: true as const } : { name: archive.name, bytes, members };
    }),
    csvBytes: byName.reduce((sum, w) => sum + (w.archive.corrupt ? 0 : w.result.contentBytes), 0),
    tables,
    unmatchedMembers: plan.unmatchedMembers.map((u) => u.member),
    rejectedMembers: plan.rejectedMembers,
    corruptArchives: plan.corruptArchives,
    faults,
  };
}
