import { describe, expect, it } from 'vitest';
import { KeyDigests } from './key-hash.js';

function digests(keys: string[]): bigint[] {
  const d = new KeyDigests();
  for (const key of keys) d.add(key);
  const sorted = d.sorted();
  expect(sorted.length).toBe(keys.length);
  return [...sorted];
}

describe('KeyDigests', () => {
  it('is empty at first', () => {
    const d = new KeyDigests();
    expect(d.size).toBe(0);
    expect(d.sorted()).toHaveLength(0);
  });

  it('gives equal keys equal digests and different keys different ones', () => {
    const [a1, a2] = digests(['a', 'a']);
    expect(a1).toBe(a2);
    const keys = ['a', 'b', 'ab', 'ba', 'a\u001fb', 'ab\u001f', '', 'é', 'e\u0301', '😀', 'B1\u001f1', 'B1\u001f2'];
    expect(new Set(digests(keys)).size).toBe(keys.length);
  });

  it('is the same digest whatever else was added', () => {
    const alone = digests(['key-42'])[0]!;
    const many = digests(Array.from({ length: 100 }, (_, i) => `key-${i}`));
    expect(many).toContain(alone);
  });

  it('grows past its initial capacity and sorts numerically', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    const d = new KeyDigests();
    for (const key of keys) d.add(key);
    expect(d.size).toBe(5000);
    const values = [...d.sorted()];
    for (let i = 1; i < values.length; i++) expect(values[i - 1]! <= values[i]!).toBe(true);
    expect(new Set(values).size).toBe(5000);
  });

  it('groups digests by top byte in ascending order of it, holding exactly the digests sorted() holds', () => {
    const d = new KeyDigests();
    for (let i = 0; i < 3000; i++) d.add(`g${i % 2500}`); // some twice
    const grouped = [...d.bucketed()];
    const top = grouped.map((v) => Number(v >> 56n));
    for (let i = 1; i < top.length; i++) expect(top[i - 1]! <= top[i]!).toBe(true);
    expect([...grouped].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual([...d.sorted()]);
    // Grouped, not sorted: the order within a group is the order of adding.
    expect(grouped).not.toEqual([...d.sorted()]);
  });
});
