import { describe, expect, it } from 'vitest';
import { interleave } from './schedule.js';

describe('interleave', () => {
  it('runs every contender once per round, rounds in order', () => {
    const order = interleave(['floor', 'shell', 'partner-ingest'], 3).map((r) => `${r.contender}#${r.run}`);
    expect(order).toEqual([
      'floor#1', 'shell#1', 'partner-ingest#1',
      'floor#2', 'shell#2', 'partner-ingest#2',
      'floor#3', 'shell#3', 'partner-ingest#3',
    ]);
  });

  it('gives a single round for one run and nothing for no contenders', () => {
    expect(interleave(['a', 'b'], 1)).toEqual([{ contender: 'a', run: 1 }, { contender: 'b', run: 1 }]);
    expect(interleave([], 3)).toEqual([]);
  });
});
