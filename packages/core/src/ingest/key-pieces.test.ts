// Hashing a key in pieces (as RowNormaliser.rowBytes does) must give the digest of the joined key.
import { describe, expect, it } from 'vitest';
import { hashBytes, hashText, hashUnit, KEY_SEED_HIGH, KEY_SEED_LOW, KEY_SEPARATOR, KeyDigests } from './key-hash.js';

describe('KeyDigests in pieces', () => {
  it('digests ASCII bytes and text pieces like the joined string', () => {
    const keys: (string | Buffer)[][] = [[''], ['B1'], [Buffer.from('B1')], [Buffer.from('B1'), '7'], ['Bé', Buffer.from('2026-11-22T03:04:14Z')], [Buffer.from(''), Buffer.from('')], ['😀', 'x', Buffer.from('y')]];
    for (const parts of keys) {
      const joined = new KeyDigests();
      joined.add(parts.map((p) => (typeof p === 'string' ? p : p.toString('latin1'))).join('\u001f'));
      const pieces = new KeyDigests();
      let high = KEY_SEED_HIGH;
      let low = KEY_SEED_LOW;
      parts.forEach((part, k) => {
        if (k > 0) [high, low] = [hashUnit(high, KEY_SEPARATOR), hashUnit(low, KEY_SEPARATOR)];
        [high, low] = typeof part === 'string' ? [hashText(high, part), hashText(low, part)] : [hashBytes(high, part, 0, part.length), hashBytes(low, part, 0, part.length)];
      });
      pieces.addHashed(high, low);
      expect(pieces.sorted()).toEqual(joined.sorted());
    }
  });

  it('sorts like a BigInt sort of the 64-bit digests', () => {
    const d = new KeyDigests();
    for (let i = 0; i < 3000; i++) d.add(`k${i % 2500}`);
    const values = [...d.sorted()];
    const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(values).toEqual(sorted);
    // The same multiset as hashing each key alone.
    const one = (key: string) => {
      const k = new KeyDigests();
      k.add(key);
      return k.sorted()[0];
    };
    expect(values.filter((v) => v === one('k7'))).toHaveLength(2);
    expect(values.filter((v) => v === one('k2600'))).toHaveLength(0);
  });
});
