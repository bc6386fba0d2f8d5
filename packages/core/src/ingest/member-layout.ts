/**
 * How one member's columns map onto its table's canonical columns: the spec's columns in spec
 * order, then (with `onNewColumn: keep`) the member's unclaimed columns under their lower
 * snake_case names. Decided once per member from its header, then applied to every row.
 */
import { normaliseHeaderName } from '../spec/rules.js';
import type { CsvDialectSpec, TableSpec } from '../spec/schema.js';
import { valueNormaliser } from './values.js';
import type { ValueNormaliser } from './values.js';
import { FIELD_KIND, fieldKind } from './field-kind.js';
import { byteValueWriter, textByteWriter } from './value-bytes.js';
import type { ByteValueWriter } from './value-bytes.js';

/** Why a member cannot be laid out; the member is quarantined with this. */
export type LayoutProblemCode = 'MEMBER_NEW_COLUMN' | 'MEMBER_MISSING_COLUMN' | 'MEMBER_AMBIGUOUS_COLUMN' | 'MEMBER_NO_HEADER';

/** A member's mapping from its fields to canonical columns. */
export interface MemberLayout {
  /** Output columns, in order. */
  columns: string[];
  /** For each output column, the index of its field in the member's rows, or -1 when absent (null). */
  sources: number[];
  /** For each output column, its value normaliser. */
  normalisers: ValueNormaliser[];
  /** For each output column, the byte-level twin of its normaliser (see `value-bytes.ts`). */
  writers: ByteValueWriter[];
  /** For each output column, how the extract fast path checks its values (a `FIELD_KIND`, see `fast-rows.ts`). */
  kinds: number[];
  /** Output positions of the primary-key columns. */
  keyColumns: number[];
  /** How many fields every row must have (-1: at least `minFields`, for files without a header). */
  expectedFields: number;
  minFields: number;
  /** Canonical columns of the spec absent from this member (filled with nulls). */
  missingColumns: string[];
  /** Partner columns no canonical column claims, kept as new columns. */
  newColumns: string[];
  /** Partner columns no canonical column claims, dropped (`onNewColumn: drop`). */
  droppedColumns: string[];
}

/** The layout, or why there is none. */
export type LayoutResult = { ok: true; layout: MemberLayout } | { ok: false; code: LayoutProblemCode; reason: string };

/** The name a kept new column gets: lower snake_case of the partner's header. */
export function newColumnName(header: string, index: number): string {
  // camelCase and PascalCase split at their humps (BookingChannel -> booking_channel, CCYCode ->
  // ccy_code); accents are dropped (Café -> cafe); other non-ASCII letters become separators.
  const split = header
    .replace(/^\uFEFF/, '')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2');
  const name = normaliseHeaderName(split).replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (name === '') return `column_${index + 1}`;
  return /^[0-9]/.test(name) ? `c_${name}` : name;
}

function aliasesOf(canonical: string, from: string | string[] | undefined): string[] {
  return from === undefined ? [canonical] : typeof from === 'string' ? [from] : from;
}

/** Decides a member's layout from its header (or, without a header, from the columns' indexes). */
export function planMemberLayout(table: TableSpec, csv: CsvDialectSpec, header: readonly string[] | null): LayoutResult {
  const specColumns = Object.entries(table.columns);
  const normalisers = specColumns.map(([, column]) => valueNormaliser(column, csv));
  const writers = specColumns.map(([, column]) => byteValueWriter(column, csv));
  const kinds = specColumns.map(([, column]) => fieldKind(column, csv));
  const keyColumns = (table.primaryKey ?? []).map((name) => specColumns.findIndex(([canonical]) => canonical === name));

  if (header === null) {
    const sources = specColumns.map(([, column]) => column.index ?? -1);
    return {
      ok: true,
      layout: {
        columns: specColumns.map(([name]) => name),
        sources,
        normalisers,
        writers,
        kinds,
        keyColumns,
        expectedFields: -1,
        minFields: Math.max(0, ...sources) + 1,
        missingColumns: [],
        newColumns: [],
        droppedColumns: [],
      },
    };
  }

  const position = new Map<string, number>();
  header.forEach((name, index) => {
    const key = normaliseHeaderName(name);
    if (!position.has(key)) position.set(key, index);
  });

  const claimed = new Set<number>();
  const sources: number[] = [];
  const missingColumns: string[] = [];
  for (const [canonical, column] of specColumns) {
    const found = aliasesOf(canonical, column.from)
      .map((alias) => position.get(normaliseHeaderName(alias)))
      .filter((index): index is number => index !== undefined);
    const distinct = [...new Set(found)];
    if (distinct.length > 1) {
      const names = distinct.map((i) => `"${header[i]}"`).join(' and ');
      return { ok: false, code: 'MEMBER_AMBIGUOUS_COLUMN', reason: `columns ${names} both map to "${canonical}"; keep one of them in the file or in the spec's from list` };
    }
    if (distinct.length === 0) {
      missingColumns.push(canonical);
      sources.push(-1);
    } else {
      claimed.add(distinct[0]!);
      sources.push(distinct[0]!);
    }
  }
  if (missingColumns.length > 0 && table.onMissingColumn === 'fail') {
    return { ok: false, code: 'MEMBER_MISSING_COLUMN', reason: `missing column(s) ${missingColumns.join(', ')} (onMissingColumn: fail)` };
  }

  const unclaimed = header.map((name, index) => ({ name, index })).filter(({ index }) => !claimed.has(index));
  // A header repeated verbatim is a broken file, not drift.
  const seen = new Set<string>();
  for (const { name, index } of unclaimed) {
    const key = normaliseHeaderName(name);
    if (seen.has(key) || position.get(key) !== index) {
      return { ok: false, code: 'MEMBER_AMBIGUOUS_COLUMN', reason: `column "${name.trim()}" appears more than once in the header` };
    }
    seen.add(key);
  }
  const columns = specColumns.map(([name]) => name);
  const newColumns: string[] = [];
  const droppedColumns: string[] = [];
  if (unclaimed.length > 0 && table.onNewColumn === 'fail') {
    return { ok: false, code: 'MEMBER_NEW_COLUMN', reason: `unexpected column(s) ${unclaimed.map((c) => c.name.trim()).join(', ')} (onNewColumn: fail)` };
  }
  for (const { name, index } of unclaimed) {
    if (table.onNewColumn === 'drop') {
      droppedColumns.push(name.trim());
      continue;
    }
    let canonical = newColumnName(name, index);
    while (columns.includes(canonical)) canonical = `${canonical}_extra`;
    columns.push(canonical);
    sources.push(index);
    normalisers.push((text) => text);
    writers.push(textByteWriter);
    kinds.push(FIELD_KIND.text);
    newColumns.push(canonical);
  }
  return {
    ok: true,
    layout: { columns, sources, normalisers, writers, kinds, keyColumns, expectedFields: header.length, minFields: header.length, missingColumns, newColumns, droppedColumns },
  };
}
