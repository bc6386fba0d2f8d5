import { describe, expect, it } from 'vitest';
import { KeyDigests } from './key-hash.js';

function digests(keys: string[]): bigint[] {
  const d = new KeyDigests();
  for (const key of keys) d.add(key);
  const bytes = d.sortedBytes();
  expect(bytes.length).toBe(keys.length * 8);
  return Array.from({ length: keys.length }, (_, i) => bytes.readBigUInt64BE(i * 8));
}

describe('KeyDigests', () => {
  it('is empty at first', () => {
    const d = new KeyDigests();
    expect(d.size).toBe(0);
    expect(d.sortedBytes()).toEqual(Buffer.alloc(0));
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

  it('grows past its initial capacity and sorts numerically, big-endian', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    const d = new KeyDigests();
    for (const key of keys) d.add(key);
    expect(d.size).toBe(5000);
    const bytes = d.sortedBytes();
    const values = Array.from({ length: 5000 }, (_, i) => bytes.readBigUInt64BE(i * 8));
    for (let i = 1; i < values.length; i++) expect(values[i - 1]! <= values[i]!).toBe(true);
    // Byte order is numeric order, so runs can be merged by comparing bytes.
    for (let i = 1; i < values.length; i++) expect(Buffer.compare(bytes.subarray((i - 1) * 8, i * 8), bytes.subarray(i * 8, i * 8 + 8))).toBeLessThanOrEqual(0);
    expect(new Set(values).size).toBe(5000);
  });
});
