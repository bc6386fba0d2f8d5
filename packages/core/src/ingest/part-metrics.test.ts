import { describe, expect, it } from 'vitest';
import { addMetrics, emptyMetrics, TYPE_ERROR_SAMPLES } from './part-metrics.js';
import type { PartMetrics } from './part-metrics.js';

function part(overrides: Partial<PartMetrics>): PartMetrics {
  return { ...emptyMetrics([]), ...overrides };
}

describe('emptyMetrics', () => {
  it('has a zero for every column', () => {
    expect(emptyMetrics(['a', 'b'])).toEqual({ rows: 0, malformedRows: 0, bytesIn: 0, nulls: { a: 0, b: 0 }, typeErrors: { a: 0, b: 0 }, typeErrorSamples: [], nullKeys: 0 });
  });
});

describe('addMetrics', () => {
  it('sums counts per column, counting a column a part lacks as null in each of its rows', () => {
    const columns = ['id', 'name', 'extra'];
    const total = emptyMetrics(columns);
    addMetrics(total, part({ rows: 4, malformedRows: 1, bytesIn: 100, nullKeys: 1, nulls: { id: 0, name: 1 }, typeErrors: { id: 2, name: 0 } }), columns);
    addMetrics(total, part({ rows: 3, bytesIn: 50, nulls: { id: 1, name: 0, extra: 2 }, typeErrors: { id: 0, name: 0, extra: 0 } }), columns);
    addMetrics(total, part({ rows: 0, bytesIn: 10, nulls: { id: 0 }, typeErrors: { id: 0 } }), columns);
    expect(total).toEqual({
      rows: 7,
      malformedRows: 1,
      bytesIn: 160,
      nullKeys: 1,
      nulls: { id: 1, name: 1, extra: 4 + 2 },
      typeErrors: { id: 2, name: 0, extra: 0 },
      typeErrorSamples: [],
    });
  });

  it('ignores counts of columns outside the union it is given', () => {
    const total = emptyMetrics(['a']);
    addMetrics(total, part({ rows: 2, nulls: { a: 1, b: 2 }, typeErrors: { a: 0, b: 1 } }), ['a']);
    expect(total.nulls).toEqual({ a: 1 });
    expect(total.typeErrors).toEqual({ a: 0 });
  });

  it(`keeps at most ${TYPE_ERROR_SAMPLES} samples per column over all parts, first come first kept`, () => {
    const sample = (column: string, n: number) => ({ column, value: `v${n}`, location: `a.tar.gz:m.csv:${n}` });
    const total = emptyMetrics(['x', 'y']);
    addMetrics(total, part({ typeErrorSamples: [1, 2, 3].map((n) => sample('x', n)) }), ['x', 'y']);
    addMetrics(total, part({ typeErrorSamples: [...[4, 5, 6, 7].map((n) => sample('x', n)), sample('y', 1)] }), ['x', 'y']);
    expect(total.typeErrorSamples).toEqual([...[1, 2, 3, 4, 5].map((n) => sample('x', n)), sample('y', 1)]);
  });
});
