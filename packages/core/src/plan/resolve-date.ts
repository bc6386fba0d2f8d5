/**
 * Which day a run processes: the `--date` the user gave, checked, or "yesterday" on the partner's
 * calendar. `now` is a parameter so the compiler stays pure and the time zone edge cases are
 * testable; only the CLI reads the clock.
 */
import { parseIsoDate } from '../spec/index.js';
import type { DateFields } from '../spec/index.js';
import { PlanError } from './plan-error.js';

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** `YYYY-MM-DD` for calendar fields. */
function isoDate(fields: DateFields): string {
  return `${pad(fields.year, 4)}-${pad(fields.month, 2)}-${pad(fields.day, 2)}`;
}

/** Checks a run date written `YYYY-MM-DD` and returns its fields. Throws `PlanError` `BAD_DATE` otherwise. */
export function parseRunDate(text: string): DateFields {
  const fields = parseIsoDate(text);
  if (fields) return fields;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) throw new PlanError('BAD_DATE', `the run date "${text}" is not written YYYY-MM-DD (e.g. 2026-11-22)`);
  const [year, month] = [Number(m[1]), Number(m[2])];
  if (month < 1 || month > 12) throw new PlanError('BAD_DATE', `the run date "${text}" has no month ${m[2]}; months run from 01 to 12`);
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  throw new PlanError('BAD_DATE', `the run date "${text}" does not exist: ${m[1]}-${m[2]} has ${days} days`);
}

/** Today's calendar date in `timezone` at the instant `now`. */
function localDate(now: Date, timezone: string): DateFields {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      calendar: 'gregory',
      numberingSystem: 'latn',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    });
  } catch {
    throw new PlanError('BAD_TIMEZONE', `"${timezone}" is not an IANA time zone (e.g. UTC, Europe/Amsterdam)`);
  }
  const field = (type: 'year' | 'month' | 'day') => Number(format.formatToParts(now).find((part) => part.type === type)?.value);
  return { year: field('year'), month: field('month'), day: field('day') };
}

/**
 * The run date as `YYYY-MM-DD`: `input` when given (it must be a real calendar day), otherwise the
 * day before `now`'s date in the spec's IANA `timezone`. Throws `PlanError` (`BAD_DATE`,
 * `BAD_TIMEZONE`) for user mistakes.
 */
export function resolveRunDate(input: string | undefined, timezone: string, now: Date): string {
  if (input !== undefined) return isoDate(parseRunDate(input));
  if (Number.isNaN(now.getTime())) throw new RangeError('resolveRunDate was given an invalid Date as now');
  const today = localDate(now, timezone);
  // Subtracting on the calendar (not 24 hours of clock time) is what keeps DST days right.
  const yesterday = new Date(Date.UTC(today.year, today.month - 1, today.day - 1));
  return isoDate({ year: yesterday.getUTCFullYear(), month: yesterday.getUTCMonth() + 1, day: yesterday.getUTCDate() });
}
