import { describe, expect, it } from 'vitest';
import { PlanError } from './plan-error.js';
import { parseRunDate, resolveRunDate } from './resolve-date.js';

const NOW = new Date('2026-11-23T00:30:00Z');

describe('resolveRunDate with an explicit date', () => {
  it.each(['2026-11-22', '2024-02-29', '2026-12-31', '2027-01-01', '1999-12-31'])('accepts %s as it is', (date) => {
    expect(resolveRunDate(date, 'Europe/Amsterdam', NOW)).toBe(date);
  });

  it.each([
    ['2026-02-30', /"2026-02-30" does not exist: 2026-02 has 28 days/],
    ['2026-02-29', /2026-02 has 28 days/],
    ['2026-04-31', /2026-04 has 30 days/],
    ['2026-13-01', /has no month 13/],
    ['2026-00-10', /has no month 00/],
    ['2026-1-1', /is not written YYYY-MM-DD \(e.g. 2026-11-22\)/],
    ['2026-11-22T00:00', /not written YYYY-MM-DD/],
    ['22.11.2026', /not written YYYY-MM-DD/],
    [' 2026-11-22', /not written YYYY-MM-DD/],
    ['', /not written YYYY-MM-DD/],
    ['yesterday', /not written YYYY-MM-DD/],
  ])('rejects %j with BAD_DATE', (date, message) => {
    const attempt = () => resolveRunDate(date, 'UTC', NOW);
    expect(attempt).toThrow(PlanError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'BAD_DATE', message: expect.stringMatching(message) }));
  });
});

describe('resolveRunDate without a date: yesterday on the partner calendar', () => {
  it.each([
    // 00:30 UTC is 01:30 in Amsterdam (same day) but still the evening before in New York.
    ['2026-11-23T00:30:00Z', 'Europe/Amsterdam', '2026-11-22'],
    ['2026-11-23T00:30:00Z', 'America/New_York', '2026-11-21'],
    ['2026-11-23T00:30:00Z', 'UTC', '2026-11-22'],
    ['2026-11-23T00:30:00Z', 'Pacific/Kiritimati', '2026-11-22'],
    // 23:30 UTC is already tomorrow in Amsterdam.
    ['2026-11-22T23:30:00Z', 'Europe/Amsterdam', '2026-11-22'],
    ['2026-11-22T23:30:00Z', 'UTC', '2026-11-21'],
    // Year boundaries.
    ['2027-01-01T00:30:00Z', 'UTC', '2026-12-31'],
    ['2027-01-01T00:30:00Z', 'America/New_York', '2026-12-30'],
    ['2026-12-31T23:30:00Z', 'Europe/Amsterdam', '2026-12-31'],
    // Month boundaries, leap years included.
    ['2026-03-01T12:00:00Z', 'UTC', '2026-02-28'],
    ['2024-03-01T12:00:00Z', 'UTC', '2024-02-29'],
    ['2026-05-01T03:00:00Z', 'America/New_York', '2026-04-29'],
    ['2026-05-01T03:00:00Z', 'Asia/Tokyo', '2026-04-30'],
    // Days after the DST switches (Amsterdam: 29 March and 25 October 2026).
    ['2026-03-30T00:30:00Z', 'Europe/Amsterdam', '2026-03-29'],
    ['2026-10-26T00:30:00Z', 'Europe/Amsterdam', '2026-10-25'],
  ])('at %s in %s it is %s', (now, timezone, expected) => {
    expect(resolveRunDate(undefined, timezone, new Date(now))).toBe(expected);
  });

  it('refuses an unknown time zone with BAD_TIMEZONE', () => {
    expect(() => resolveRunDate(undefined, 'Europe/Amsterdm', NOW)).toThrow(expect.objectContaining({ code: 'BAD_TIMEZONE' }));
  });

  it('treats an invalid now as a bug, not a user mistake', () => {
    const attempt = () => resolveRunDate(undefined, 'UTC', new Date(Number.NaN));
    expect(attempt).toThrow(RangeError);
  });
});

describe('parseRunDate', () => {
  it('returns the calendar fields', () => {
    expect(parseRunDate('2026-11-22')).toEqual({ year: 2026, month: 11, day: 22 });
  });
});
