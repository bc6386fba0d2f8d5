/**
 * How the extract fast path (`fast-rows.ts`) checks each column: a kind per column type and
 * format, decided once per member layout. The cases mirror `byteValueWriter` in `value-bytes.ts`.
 */
import type { ColumnSpec, CsvDialectSpec } from '../spec/schema.js';

/** How the extract fast path (`fast-rows.ts`) checks a column's values. */
export const FIELD_KIND = {
  /** Text: any bytes; quoted on output when it holds a comma or is empty. */
  text: 0,
  /** `[+-]digits`, copied. */
  integer: 1,
  /** `[+-]digits[.digits]` with `.` as the separator, copied. */
  decimal: 2,
  /** `yyyy-MM-dd`, copied. */
  isoDate: 3,
  /** `yyyy-MM-ddTHH:mm:ssZ`, copied. */
  isoTimestamp: 4,
  /** Anything else: written by the column's byte writer, and a row it declines goes to the general path. */
  writer: 5,
  /** A boolean: `true` and `false` are copied; any other spelling goes to the column's byte writer. */
  boolean: 6,
} as const;

/** The {@link FIELD_KIND} of a column under a dialect (kept new columns are `text`); the same cases as {@link byteValueWriter}. */
export function fieldKind(column: Pick<ColumnSpec, 'type' | 'format'>, csv: Pick<CsvDialectSpec, 'decimalSeparator'>): number {
  switch (column.type) {
    case 'string':
      return FIELD_KIND.text;
    case 'integer':
      return FIELD_KIND.integer;
    case 'decimal':
      return csv.decimalSeparator === ',' ? FIELD_KIND.writer : FIELD_KIND.decimal;
    case 'boolean':
      return FIELD_KIND.boolean;
    case 'date':
      return column.format === undefined || column.format === 'yyyy-MM-dd' ? FIELD_KIND.isoDate : FIELD_KIND.writer;
    case 'timestamp':
      return column.format === undefined ? FIELD_KIND.isoTimestamp : FIELD_KIND.writer;
  }
}
