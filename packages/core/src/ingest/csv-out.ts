/**
 * Writing RFC 4180 CSV: the output dialect is fixed (comma, double quote, LF), so downstream
 * readers never need the partner's dialect. A null is an empty field; an empty non-null string is
 * `""`, so the two stay distinguishable.
 */

const NEEDS_QUOTES = /[",\r\n]/;

/** One field as CSV text. `null` is a null. */
export function csvField(value: string | null): string {
  if (value === null) return '';
  if (value === '') return '""';
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One row as CSV text, with its LF. */
export function csvLine(values: readonly (string | null)[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ',';
    line += csvField(values[i]!);
  }
  return `${line}\n`;
}
