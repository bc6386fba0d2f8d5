import { describe, expect, it } from 'vitest';
import { DigestSet } from './digest-set.js';

/** Digests as the little-endian u32 words a key run holds: [low, high] each. */
const words = (pairs: [number, number][]) => Uint32Array.from(pairs.flat());

describe('DigestSet', () => {
  it('counts digests already in the set, comparing both halves', () => {
    const set = new DigestSet();
    set.reset(8);
    expect(set.addAll(words([[1, 7], [2, 7], [1, 8], [1, 7]]), 0, 8)).toBe(1);
    // Halves equal crosswise are different digests.
    expect(set.addAll(words([[7, 1], [2, 7], [0, 0], [0, 0]]), 0, 8)).toBe(2);
  });

  it('adds only the given stretch of words', () => {
    const set = new DigestSet();
    set.reset(4);
    const w = words([[5, 5], [6, 6], [5, 5], [6, 6]]);
    expect(set.addAll(w, 2, 6)).toBe(0);
    expect(set.addAll(w, 0, 2)).toBe(1);
  });

  it('is empty again after a reset, whatever size it is reset to', () => {
    const set = new DigestSet();
    const w = words(Array.from({ length: 1000 }, (_, i): [number, number] => [i, 0xab000000]));
    set.reset(1000);
    expect(set.addAll(w, 0, w.length)).toBe(0);
    expect(set.addAll(w, 0, w.length)).toBe(1000);
    for (const size of [1000, 5000, 1000]) {
      set.reset(size);
      expect(set.addAll(w, 0, w.length)).toBe(0);
    }
  });

  it('keeps probing past taken slots, around the end of the table, until it is full', () => {
    // reset(8) gives 16 slots: 16 distinct digests fill every one, so most must probe, and some
    // wrap around the end.
    const set = new DigestSet();
    set.reset(8);
    const full = words(Array.from({ length: 16 }, (_, i): [number, number] => [i * 0x10000, 3]));
    expect(set.addAll(full, 0, full.length)).toBe(0);
    expect(set.addAll(full, 0, full.length)).toBe(16);
  });
});
