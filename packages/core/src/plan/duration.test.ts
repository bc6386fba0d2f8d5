import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';
import { PlanError } from './plan-error.js';

describe('parseDuration', () => {
  it.each([
    ['0s', 0],
    ['1ms', 1],
    ['250ms', 250],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['1d2h3m4s5ms', 86_400_000 + 7_200_000 + 180_000 + 4_000 + 5],
    ['90m', 5_400_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '1', 'h', '1.5h', '1H', '-1s', '1h 30m', '1w', ' 1h', 'ms', '1hm', '99999999999999999999d'])('rejects %j with BAD_DURATION', (text) => {
    expect(() => parseDuration(text)).toThrow(PlanError);
    expect(() => parseDuration(text)).toThrow(expect.objectContaining({ code: 'BAD_DURATION' }));
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [1, '1ms'],
    [30_000, '30s'],
    [90_000, '1m30s'],
    [5_400_000, '1h30m'],
    [7_200_000, '2h'],
    [86_400_000 + 1, '1d1ms'],
  ])('%i ms is %s, and reads back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([-1, 1.5, Number.NaN])('refuses %d', (ms) => {
    expect(() => formatDuration(ms)).toThrow(RangeError);
  });
});
