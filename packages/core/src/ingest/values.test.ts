import { describe, expect, it } from 'vitest';
import { valueNormaliser } from './values.js';

const dot = { decimalSeparator: '.' as const };
const comma = { decimalSeparator: ',' as const };

describe('valueNormaliser', () => {
  it.each([
    ['integer', undefined, dot, ['42', '-7', '+3', '007'], ['4.2', '1e3', 'x', '', ' 1']],
    ['decimal', undefined, dot, ['1.50', '-0.5', '.5', '10', '1e-3'], ['1,50', '1.2.3', 'abc', '12,3x']],
    ['date', undefined, dot, ['2026-11-22', '2024-02-29'], ['2026-02-29', '2026-13-01', '2026-11-22T00:00', '22.11.2026']],
    ['timestamp', undefined, dot, ['2026-11-22T13:45:10Z', '2026-11-22T13:45', '2026-11-22T13:45:10.123+01:00'], ['2026-11-22', '2026-11-22T25:00:00Z', 'yesterday']],
  ] as const)('%s accepts and rejects', (type, format, csv, good, bad) => {
    const normalise = valueNormaliser({ type, format }, csv);
    for (const text of good) expect(normalise(text), text).toBeDefined();
    for (const text of bad) expect(normalise(text), text).toBeUndefined();
  });

  it('rewrites decimal commas, formatted dates and timestamps to canonical text', () => {
    expect(valueNormaliser({ type: 'decimal' }, comma)('1234,50')).toBe('1234.50');
    expect(valueNormaliser({ type: 'decimal' }, comma)('1234.50')).toBeUndefined();
    expect(valueNormaliser({ type: 'date', format: 'dd.MM.yyyy' }, dot)('07.03.2026')).toBe('2026-03-07');
    expect(valueNormaliser({ type: 'date', format: 'dd.MM.yyyy' }, dot)('31.04.2026')).toBeUndefined();
    expect(valueNormaliser({ type: 'timestamp', format: 'dd.MM.yyyy HH:mm' }, dot)('07.03.2026 09:05')).toBe('2026-03-07T09:05:00');
    expect(valueNormaliser({ type: 'timestamp' }, dot)('2026-03-07 09:05:00')).toBe('2026-03-07T09:05:00');
  });

  it('reads the usual spellings of booleans', () => {
    const normalise = valueNormaliser({ type: 'boolean' }, dot);
    expect(['TRUE', 'y', '1', 'Yes'].map(normalise)).toEqual(['true', 'true', 'true', 'true']);
    expect(['false', 'N', '0', 'no'].map(normalise)).toEqual(['false', 'false', 'false', 'false']);
    expect(normalise('maybe')).toBeUndefined();
  });
});
