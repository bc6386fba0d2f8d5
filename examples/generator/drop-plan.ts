// Pure planning of a drop: which archives exist, which entries each holds, every member's rows,
// key range, header layout and injected faults. No I/O and no randomness outside the seed, so
// the plan (and therefore every byte written from it) is a function of the options.

import { encodeField } from './csv-dialect.js';
import { deriveSeed, mulberry32, shuffle, type Rng } from './prng.js';
import type { DropProfile, RowState, TableProfile } from './profiles.js';

export const FAULT_KINDS = [
  'malformed-row',
  'type-error',
  'duplicate-key',
  'unmatched-member',
  'corrupt-archive',
  'traversal-member',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export function isFaultKind(name: string): name is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(name);
}

/** One header position: a canonical column (`column >= 0`) or an extra column (`extra >= 0`). */
export interface SlotPlan {
  header: string;
  column: number;
  extra: number;
}

export interface MemberLayout {
  slots: SlotPlan[];
  /** Canonical column indexes absent from the header (all their values count as null). */
  missing: number[];
  /** Extra column indexes absent from the header. */
  extrasAbsent: number[];
  eol: '\n' | '\r\n';
  bom: boolean;
}

/** A value forced into a well-formed row: a type error or a duplicated key. */
export interface RowOverride {
  row: number;
  slot: number;
  column: number;
  kind: 'type-error' | 'duplicate-key';
  raw: string;
  encoded: string;
}

export interface MemberPlan {
  /** Entry name inside the archive (may include a folder). */
  path: string;
  table: number;
  batch: number;
  region: string;
  /** Well-formed data rows. */
  rows: number;
  keyBase: number;
  keyStride: number;
  seed: number;
  layout: MemberLayout;
  /** Sorted by row. */
  overrides: RowOverride[];
  /** A row with one field too many is written before data row N (-1: none; N may equal rows). */
  tooManyFieldsAt: number;
  /** The member ends with a row whose last field opens a quote that is never closed. */
  unterminatedAtEnd: boolean;
  /** Keys for the malformed rows, outside every other member's range. */
  malformedKeyBase: number;
  /** False for members whose rows must not count: the corrupt archive's and the traversal member. */
  counted: boolean;
}

export type EntryPlan =
  | { kind: 'member'; member: MemberPlan }
  | { kind: 'file'; name: string; content: string }
  | { kind: 'symlink'; name: string; target: string };

export interface ArchivePlan {
  index: number;
  name: string;
  corrupt: boolean;
  entries: EntryPlan[];
}

export interface RejectedMember {
  archive: string;
  member: string;
  reason: 'path-traversal' | 'symlink';
}

export interface DropPlan {
  archives: ArchivePlan[];
  unmatchedMembers: { archive: string; member: string }[];
  rejectedMembers: RejectedMember[];
  corruptArchives: string[];
}

export interface PlanOptions {
  seed: number;
  /** Well-formed archives (the corrupt archive, if any, comes on top). */
  archives: number;
  /** Rows per member of a table with rowScale 1. */
  rowsPerMember: number;
  batchesPerArchive: number;
  faults: ReadonlySet<FaultKind>;
}

/** Rows of the corrupt archive's members: enough for a real gzip stream, cheap to build in memory. */
const CORRUPT_ROWS = 40;
const TRAVERSAL_ROWS = 3;

/** Batches in archive `index`: every fifth archive carries one batch more than the others. */
export function batchesInArchive(index: number, batchesPerArchive: number): number {
  return batchesPerArchive + (index % 5 === 4 ? 1 : 0);
}

export function rowsForTable(table: TableProfile, rowsPerMember: number): number {
  return rowsPerMember === 0 ? 0 : Math.max(1, Math.round(rowsPerMember * table.rowScale));
}

export function planDrop(profile: DropProfile, options: PlanOptions): DropPlan {
  const { seed, faults } = options;
  if (!Number.isInteger(options.archives) || options.archives < 1) throw new Error('archives must be a positive integer');
  if (!Number.isInteger(options.rowsPerMember) || options.rowsPerMember < 0) throw new Error('rowsPerMember must be a non-negative integer');
  if (!Number.isInteger(options.batchesPerArchive) || options.batchesPerArchive < 1) throw new Error('batchesPerArchive must be a positive integer');

  const nextKey = new Map<string, number>(profile.tables.map((t) => [t.name, 1]));
  const allocate = (table: string, count: number): number => {
    const base = nextKey.get(table) as number;
    nextKey.set(table, base + count);
    return base;
  };
  let batch = 0;

  const planMember = (archive: number, table: TableProfile, b: number, rows: number, counted: boolean, sameBatch: MemberPlan[]): MemberPlan | null => {
    if (!table.presentIn(b)) return null;
    let keyBase: number;
    let keyStride = 1;
    if (table.keysFrom !== undefined) {
      const source = sameBatch.find((m) => profile.tables[m.table]?.name === table.keysFrom);
      if (source === undefined) return null;
      rows = Math.min(rows, source.rows);
      keyBase = source.keyBase;
      keyStride = rows === 0 ? 1 : Math.max(1, Math.floor(source.rows / rows));
    } else {
      keyBase = allocate(table.name, rows);
    }
    const region = profile.archiveRegion(archive);
    return {
      path: profile.memberFolder(archive) + profile.memberName(table.name, b, region),
      table: profile.tables.indexOf(table),
      batch: b,
      region,
      rows,
      keyBase,
      keyStride,
      seed: deriveSeed(seed, 'rows', table.name, b),
      layout: buildLayout(table, b, mulberry32(deriveSeed(seed, 'layout', table.name, b))),
      overrides: [],
      tooManyFieldsAt: -1,
      unterminatedAtEnd: false,
      malformedKeyBase: 0,
      counted,
    };
  };

  const planArchive = (index: number, corrupt: boolean): ArchivePlan => {
    const entries: EntryPlan[] = [];
    const batches = corrupt ? 1 : batchesInArchive(index, options.batchesPerArchive);
    for (let i = 0; i < batches; i++) {
      batch++;
      const sameBatch: MemberPlan[] = [];
      for (const table of profile.tables) {
        const rows = rowsForTable(table, corrupt ? Math.min(options.rowsPerMember, CORRUPT_ROWS) : options.rowsPerMember);
        const member = planMember(index, table, batch, rows, !corrupt, sameBatch);
        if (member === null) continue;
        sameBatch.push(member);
        entries.push({ kind: 'member', member });
      }
    }
    return { index, name: profile.archiveName(index), corrupt, entries };
  };

  const archives: ArchivePlan[] = [];
  for (let i = 0; i < options.archives; i++) archives.push(planArchive(i, false));

  const plan: DropPlan = { archives, unmatchedMembers: [], rejectedMembers: [], corruptArchives: [] };
  const faultTable = profile.tables.find((t) => t.name === profile.faults.table);
  if (faultTable === undefined) throw new Error(`profile ${profile.name}: unknown fault table ${profile.faults.table}`);
  const faultTableIndex = profile.tables.indexOf(faultTable);
  const faultMember = (archive: ArchivePlan, which: 'first' | 'last'): MemberPlan | undefined => {
    const members = archive.entries.flatMap((e) => (e.kind === 'member' && e.member.table === faultTableIndex ? [e.member] : []));
    return which === 'first' ? members[0] : members[members.length - 1];
  };
  const first = archives[0] as ArchivePlan;
  const last = archives[archives.length - 1] as ArchivePlan;
  const middle = archives[Math.floor((archives.length - 1) / 2)] as ArchivePlan;
  const second = archives[Math.min(1, archives.length - 1)] as ArchivePlan;

  if (faults.has('malformed-row')) {
    const m = faultMember(middle, 'first');
    if (m !== undefined) {
      m.tooManyFieldsAt = Math.floor(m.rows / 2);
      m.unterminatedAtEnd = true;
      m.malformedKeyBase = allocate(faultTable.name, 2);
    }
  }

  if (faults.has('type-error')) {
    const m = faultMember(second, 'first');
    if (m !== undefined && m.rows > 0) {
      const values = profile.faults.typeErrors.flatMap((t) => t.values.map((raw) => ({ column: t.column, raw })));
      const used = new Set<string>();
      values.forEach((v, j) => {
        const column = faultTable.columns.findIndex((c) => c.name === v.column);
        const slot = m.layout.slots.findIndex((s) => s.column === column);
        const row = Math.floor(((j + 1) * m.rows) / (values.length + 1));
        if (slot < 0 || used.has(`${row}:${slot}`)) return;
        used.add(`${row}:${slot}`);
        m.overrides.push({ row, slot, column, kind: 'type-error', raw: v.raw, encoded: encodeField(v.raw, profile.dialect) });
      });
    }
  }

  if (faults.has('duplicate-key')) {
    // Rows 0.. of the first archive's member are repeated as the last rows of the last archive's.
    const source = faultMember(first, 'first');
    const target = faultMember(last, 'last');
    if (source !== undefined && target !== undefined) {
      const keyColumn = faultTable.columns.findIndex((c) => c.name === faultTable.primaryKey[0]);
      const slot = target.layout.slots.findIndex((s) => s.column === keyColumn);
      const count = source === target ? Math.min(2, Math.floor(target.rows / 2)) : Math.min(2, source.rows, target.rows);
      for (let j = 0; j < count; j++) {
        const state: RowState = { rng: mulberry32(0), key: source.keyBase + j * source.keyStride, region: source.region, a: 0, b: 0 };
        const encoded = (faultTable.columns[keyColumn] as { value: (r: RowState) => string }).value(state);
        target.overrides.push({ row: target.rows - 1 - j, slot, column: keyColumn, kind: 'duplicate-key', raw: encoded, encoded });
      }
    }
  }

  if (faults.has('unmatched-member')) {
    for (const f of profile.faults.unmatchedMembers) {
      first.entries.push({ kind: 'file', name: f.name, content: f.content });
      plan.unmatchedMembers.push({ archive: first.name, member: f.name });
    }
  }

  if (faults.has('traversal-member')) {
    // A well-formed CSV under a path that climbs out of any extraction root, first in the archive,
    // and a symlink named like a real member right after the archive's first member.
    const evil = planMember(last.index, faultTable, 1, TRAVERSAL_ROWS, false, []);
    if (evil !== null) {
      evil.path = profile.faults.traversalMember;
      evil.seed = deriveSeed(seed, 'traversal');
      last.entries.unshift({ kind: 'member', member: evil });
    }
    last.entries.splice(Math.min(2, last.entries.length), 0, {
      kind: 'symlink',
      name: profile.faults.symlinkMember,
      target: profile.faults.symlinkTarget,
    });
    plan.rejectedMembers.push(
      { archive: last.name, member: profile.faults.traversalMember, reason: 'path-traversal' },
      { archive: last.name, member: profile.faults.symlinkMember, reason: 'symlink' },
    );
  }

  for (const archive of archives) {
    for (const e of archive.entries) if (e.kind === 'member') e.member.overrides.sort((x, y) => x.row - y.row || x.slot - y.slot);
  }

  if (faults.has('corrupt-archive')) {
    const corrupt = planArchive(archives.length, true);
    archives.push(corrupt);
    plan.corruptArchives.push(corrupt.name);
  }
  return plan;
}

/** Header layout of a batch's member: alias choice, missing/extra columns, order, header style. */
export function buildLayout(table: TableProfile, batch: number, rng: Rng): MemberLayout {
  const d = table.drift;
  const alias = d.alias(batch);
  const missingNames = d.missing(batch);
  const slots: SlotPlan[] = [];
  const missing: number[] = [];
  table.columns.forEach((c, i) => {
    if (missingNames.includes(c.name)) missing.push(i);
    else slots.push({ header: c.headers[alias % c.headers.length] as string, column: i, extra: -1 });
  });
  const extrasAbsent: number[] = [];
  table.extras.forEach((e, i) => {
    if (e.presentIn(batch)) slots.push({ header: e.header, column: -1, extra: i });
    else extrasAbsent.push(i);
  });
  if (d.shuffle(batch)) shuffle(rng, slots);
  if (d.messyHeaders(batch)) {
    for (const s of slots) if (s.column >= 0) s.header = messyHeader(s.header, s.column);
  }
  return { slots, missing, extrasAbsent, eol: d.crlf(batch) ? '\r\n' : '\n', bom: d.bom(batch) };
}

/** " bkg_id ", "hotel_id", "Chk_In_Dt" (by column index): what hand-edited exports do to headers. */
function messyHeader(header: string, i: number): string {
  const lower = header.toLowerCase();
  if (i % 3 === 0) return ` ${lower} `;
  if (i % 3 === 1) return lower;
  return lower.replace(/(^|_)([a-z])/g, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
}
