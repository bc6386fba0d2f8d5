/**
 * Date formats as the spec writes them (yyyy-MM-dd, dd.MM.yyyy HH:mm, yyyy/MM/dd): a small,
 * explicit token set instead of a full formatting library, so that a typo such as YYYY is an
 * error at validation time rather than a silent wrong date at run time.
 */
import { closest } from './suggest.js';

/** The tokens a date format may use. */
export const DATE_TOKENS = ['yyyy', 'MM', 'dd', 'HH', 'mm', 'ss', 'SSS'] as const;
/** One of the tokens a date format may use. */
export type DateToken = (typeof DATE_TOKENS)[number];

/** A date format split into tokens and literal text. */
export type DateFormatPart = { token: DateToken } | { literal: string };

/** The result of reading a date format: its parts, or why it cannot be read. */
export type ParsedDateFormat = { ok: true; parts: DateFormatPart[] } | { ok: false; message: string };

const TOKEN_SET = new Set<string>(DATE_TOKENS);

/** Splits a format such as `dd.MM.yyyy HH:mm` into tokens and literals. */
export function parseDateFormat(format: string): ParsedDateFormat {
  const parts: DateFormatPart[] = [];
  let i = 0;
  while (i < format.length) {
    const ch = format[i]!;
    if (/[A-Za-z]/.test(ch)) {
      let j = i;
      while (j < format.length && format[j] === ch) j++;
      const run = format.slice(i, j);
      if (!TOKEN_SET.has(run)) {
        const suggestion = closest(run, DATE_TOKENS);
        const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
        return {
          ok: false,
          message: `unknown date token "${run}" in "${format}"${hint}; use ${DATE_TOKENS.join(', ')}`,
        };
      }
      parts.push({ token: run as DateToken });
      i = j;
    } else {
      let j = i;
      while (j < format.length && !/[A-Za-z]/.test(format[j]!)) j++;
      parts.push({ literal: format.slice(i, j) });
      i = j;
    }
  }
  if (parts.length === 0) return { ok: false, message: 'the date format is empty' };
  return { ok: true, parts };
}

/** The fields of a calendar date and time (month 1-12), in no time zone. */
export interface DateFields {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  millisecond?: number;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** Formats date fields with a format already checked by `parseDateFormat`. */
export function formatDate(fields: DateFields, parts: readonly DateFormatPart[]): string {
  let out = '';
  for (const part of parts) {
    if ('literal' in part) {
      out += part.literal;
      continue;
    }
    switch (part.token) {
      case 'yyyy': out += pad(fields.year, 4); break;
      case 'MM': out += pad(fields.month, 2); break;
      case 'dd': out += pad(fields.day, 2); break;
      case 'HH': out += pad(fields.hour ?? 0, 2); break;
      case 'mm': out += pad(fields.minute ?? 0, 2); break;
      case 'ss': out += pad(fields.second ?? 0, 2); break;
      case 'SSS': out += pad(fields.millisecond ?? 0, 3); break;
    }
  }
  return out;
}

const TOKEN_REGEX: Record<DateToken, string> = {
  yyyy: '\\d{4}',
  MM: '\\d{2}',
  dd: '\\d{2}',
  HH: '\\d{2}',
  mm: '\\d{2}',
  ss: '\\d{2}',
  SSS: '\\d{3}',
};

/** A regular-expression source matching text written in the format (no anchors, no groups). */
export function dateFormatRegexSource(parts: readonly DateFormatPart[]): string {
  return parts
    .map((part) => ('literal' in part ? part.literal.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&') : TOKEN_REGEX[part.token]))
    .join('');
}

/** Reads `YYYY-MM-DD` into date fields, checking that the day exists. */
export function parseIsoDate(text: string): DateFields | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const fields = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  // setUTCFullYear, unlike Date.UTC, does not read years 0-99 as 1900-1999.
  const probe = new Date(0);
  probe.setUTCFullYear(fields.year, fields.month - 1, fields.day);
  const exists =
    probe.getUTCFullYear() === fields.year && probe.getUTCMonth() === fields.month - 1 && probe.getUTCDate() === fields.day;
  return exists ? fields : undefined;
}
