import { describe, expect, it } from 'vitest';
import { median } from './stats.js';

describe('median', () => {
  it('takes the middle value of an odd count, whatever the order', () => {
    expect(median([3.2])).toBe(3.2);
    expect(median([9, 1, 5])).toBe(5);
    expect(median([2, 100, 3, 1, 4])).toBe(3);
  });

  it('averages the two middle values of an even count', () => {
    expect(median([4, 1])).toBe(2.5);
    expect(median([10, 1, 3, 7])).toBe(5);
  });

  it('does not reorder its input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('refuses an empty list', () => {
    expect(() => median([])).toThrow('median of an empty list');
  });
});
