import { describe, expect, it } from 'vitest';
import { emptyMetrics, MetricsTally, TYPE_ERROR_SAMPLES } from './part-metrics.js';
import type { PartMetrics } from './part-metrics.js';

function part(overrides: Partial<PartMetrics>): PartMetrics {
  return { ...emptyMetrics([]), ...overrides };
}

const sample = (column: string, n: number) => ({ column, value: `v${n}`, location: `a.tar.gz:m.csv:${n}` });

describe('emptyMetrics', () => {
  it('has a zero for every column', () => {
    expect(emptyMetrics(['a', 'b'])).toEqual({ rows: 0, malformedRows: 0, bytesIn: 0, nulls: { a: 0, b: 0 }, typeErrors: { a: 0, b: 0 }, typeErrorSamples: [], nullKeys: 0 });
  });
});

describe('MetricsTally', () => {
  it('sums counts per column, counting a column a part lacks as null in each of its rows', () => {
    const tally = new MetricsTally();
    tally.add(part({ rows: 4, malformedRows: 1, bytesIn: 100, nullKeys: 1, nulls: { id: 0, name: 1 }, typeErrors: { id: 2, name: 0 } }), [0]);
    tally.add(part({ rows: 3, bytesIn: 50, nulls: { id: 1, name: 0, extra: 2 }, typeErrors: { id: 0, name: 0, extra: 0 } }), [1]);
    tally.add(part({ rows: 0, bytesIn: 10, nulls: { id: 0 }, typeErrors: { id: 0 } }), [2]);
    expect(tally.total(['id', 'name', 'extra'])).toEqual({
      rows: 7,
      malformedRows: 1,
      bytesIn: 160,
      nullKeys: 1,
      nulls: { id: 1, name: 1, extra: 4 + 2 },
      typeErrors: { id: 2, name: 0, extra: 0 },
      typeErrorSamples: [],
    });
  });

  it('gives counts of the union it is asked for only, every count zero when nothing was added', () => {
    const tally = new MetricsTally();
    expect(tally.total(['a'])).toEqual(emptyMetrics(['a']));
    tally.add(part({ rows: 2, nulls: { a: 1, b: 2 }, typeErrors: { a: 0, b: 1 } }), [0]);
    expect(tally.total(['a']).nulls).toEqual({ a: 1 });
    expect(tally.total(['a']).typeErrors).toEqual({ a: 0 });
  });

  it(`keeps at most ${TYPE_ERROR_SAMPLES} samples per column, the first ones in the table's order`, () => {
    const tally = new MetricsTally();
    tally.add(part({ typeErrorSamples: [1, 2, 3].map((n) => sample('x', n)) }), [0, 0]);
    tally.add(part({ typeErrorSamples: [...[4, 5, 6, 7].map((n) => sample('x', n)), sample('y', 1)] }), [0, 1]);
    expect(tally.total(['x', 'y']).typeErrorSamples).toEqual([...[1, 2, 3, 4, 5].map((n) => sample('x', n)), sample('y', 1)]);
  });

  it('gives the same figures whatever order the parts come in', () => {
    const parts: [PartMetrics, number[]][] = [
      [part({ rows: 2, nulls: { x: 1 }, typeErrors: { x: 2 }, typeErrorSamples: [sample('x', 1), sample('x', 2)] }), [0, 0]],
      [part({ rows: 5, nulls: { x: 0, y: 3 }, typeErrors: { x: 4 }, typeErrorSamples: [3, 4, 5, 6].map((n) => sample('x', n)) }), [0, 1]],
      [part({ rows: 1, nulls: { y: 1 }, typeErrorSamples: [sample('y', 7)] }), [1, 0]],
      [part({ rows: 3, nulls: { x: 3 }, typeErrors: { x: 1 }, typeErrorSamples: [sample('x', 8), sample('y', 9)] }), [10, 0]],
    ];
    const inOrder = new MetricsTally();
    for (const [metrics, at] of parts) inOrder.add(metrics, at);
    const shuffled = new MetricsTally();
    for (const i of [3, 1, 2, 0]) shuffled.add(...parts[i]!);
    const expected = inOrder.total(['x', 'y']);
    expect(shuffled.total(['x', 'y'])).toEqual(expected);
    expect(expected.nulls).toEqual({ x: 1 + 0 + 1 + 3, y: 2 + 3 + 1 + 3 });
    expect(expected.typeErrorSamples).toEqual([...[1, 2, 3, 4, 5].map((n) => sample('x', n)), sample('y', 7), sample('y', 9)]);
  });
});
