import { describe, expect, it } from 'vitest';
import { specWith } from './__fixtures__/kit.js';
import { KeyDigests } from './key-hash.js';
import { planMemberLayout } from './member-layout.js';
import { TYPE_ERROR_SAMPLES } from './part-metrics.js';
import { RowNormaliser } from './row-normaliser.js';

const WHERE = 'drop/a.tar.gz:in/bookings_1.csv';

function normaliser(options: { nullValues?: string[]; header?: string[] } = {}) {
  const s = specWith(`tables:
  bookings:
    primaryKey: [booking_id, leg]
    columns:
      booking_id: { from: BKG_ID, nullable: false }
      leg: { type: integer, nullable: false }
      checkin: { type: date }
      amount: { type: decimal }
      paid: { type: boolean }
      note: {}
`);
  const planned = planMemberLayout(s.tables.bookings!, s.csv, options.header ?? ['BKG_ID', 'leg', 'checkin', 'amount', 'paid', 'note']);
  if (!planned.ok) throw new Error(planned.reason);
  const keys = new KeyDigests();
  const rows = new RowNormaliser(planned.layout, new Set(options.nullValues ?? s.csv.nullValues), keys, WHERE);
  return { rows, keys };
}

describe('RowNormaliser', () => {
  it('writes the header of the canonical columns', () => {
    expect(normaliser().rows.headerLine()).toBe('booking_id,leg,checkin,amount,paid,note\n');
    expect(normaliser({ header: ['BKG_ID', 'leg', 'x y'] }).rows.headerLine()).toBe('booking_id,leg,checkin,amount,paid,note,x_y\n');
  });

  it.each<[string, string[], string]>([
    ['valid values, canonicalised', ['B1', '1', '2026-11-22', '10.50', 'Yes', 'hi'], 'B1,1,2026-11-22,10.50,true,hi\n'],
    ['every null token becomes an empty field', ['B1', '1', 'NULL', '\\N', '', 'NULL'], 'B1,1,,,,\n'],
    ['null tokens are exact: other spellings are values', ['B1', '1', '2026-11-22', '1', 'n', 'null'], 'B1,1,2026-11-22,1,false,null\n'],
    ['type errors keep the original text', ['B1', 'one', '22/11/2026', '1,5', 'maybe', 'ok'], 'B1,one,22/11/2026,"1,5",maybe,ok\n'],
    ['a comma is quoted', ['B1', '1', '', '', '', 'a,b'], 'B1,1,,,,"a,b"\n'],
    ['a quote is doubled inside quotes', ['B1', '1', '', '', '', 'say "hi"'], 'B1,1,,,,"say ""hi"""\n'],
    ['a LF is quoted', ['B1', '1', '', '', '', 'line 1\nline 2'], 'B1,1,,,,"line 1\nline 2"\n'],
    ['a CR is quoted', ['B1', '1', '', '', '', 'a\rb'], 'B1,1,,,,"a\rb"\n'],
    ['a quote inside a key is quoted too', ['B"1', '1', '', '', '', ''], '"B""1",1,,,,\n'],
    ['non-ASCII text passes through', ['Bé€', '1', '', '', '', 'naïve 😀'], 'Bé€,1,,,,naïve 😀\n'],
  ])('%s', (_, fields, line) => {
    const { rows } = normaliser();
    expect(rows.row(fields, 2)).toBe(line);
    expect(rows.finish(0).rows).toBe(1);
  });

  it('writes an empty non-null string as "" and a null as nothing', () => {
    const { rows } = normaliser({ nullValues: ['NULL'] });
    expect(rows.row(['B1', '1', 'NULL', '', 'NULL', ''], 2)).toBe('B1,1,,"",,""\n');
    const metrics = rows.finish(0);
    expect(metrics.nulls).toEqual({ booking_id: 0, leg: 0, checkin: 1, amount: 0, paid: 1, note: 0 });
    // An empty string is not a valid decimal: it is a type error, kept as "".
    expect(metrics.typeErrors.amount).toBe(1);
  });

  it('fills absent columns with nulls and counts them', () => {
    const { rows } = normaliser({ header: ['note', 'BKG_ID', 'leg'] });
    expect(rows.row(['x', 'B1', '1'], 2)).toBe('B1,1,,,,x\n');
    expect(rows.finish(0).nulls).toEqual({ booking_id: 0, leg: 0, checkin: 1, amount: 1, paid: 1, note: 0 });
  });

  it.each([
    ['too few fields', ['B1', '1', '2026-11-22'], '!expected 6 fields, found 3'],
    ['too many fields', ['B1', '1', '2026-11-22', '1', 'y', 'a', 'b'], '!expected 6 fields, found 7'],
    ['a single empty field', [''], '!expected 6 fields, found 1'],
  ])('reports a row with %s as malformed, never shifting fields', (_, fields, reason) => {
    const { rows, keys } = normaliser();
    expect(rows.row(fields, 9)).toBe(reason);
    const metrics = rows.finish(0);
    expect(metrics).toMatchObject({ rows: 0, malformedRows: 1, nullKeys: 0 });
    expect(Object.values(metrics.nulls).every((n) => n === 0)).toBe(true);
    expect(keys.size).toBe(0);
  });

  it('counts nulls and type errors per column and samples errors with archive:member:line', () => {
    const { rows } = normaliser();
    rows.row(['B1', '1', 'bad-date', 'NULL', 'y', ''], 2);
    rows.row(['B2', '2', '2026-02-30', 'x', '', 'n'], 3);
    rows.row(['B3', '3', '2026-02-28', '', 'true', 'n'], 4);
    const metrics = rows.finish(1234);
    expect(metrics).toMatchObject({
      rows: 3,
      malformedRows: 0,
      bytesIn: 1234,
      nulls: { booking_id: 0, leg: 0, checkin: 0, amount: 2, paid: 1, note: 1 },
      typeErrors: { booking_id: 0, leg: 0, checkin: 2, amount: 1, paid: 0, note: 0 },
    });
    expect(metrics.typeErrorSamples).toEqual([
      { column: 'checkin', value: 'bad-date', location: `${WHERE}:2` },
      { column: 'checkin', value: '2026-02-30', location: `${WHERE}:3` },
      { column: 'amount', value: 'x', location: `${WHERE}:3` },
    ]);
  });

  it(`keeps at most ${TYPE_ERROR_SAMPLES} samples per column, each at most 200 characters`, () => {
    const { rows } = normaliser();
    for (let line = 2; line < 12; line++) rows.row(['B', String(line), 'x'.repeat(300), 'y', '', ''], line);
    const metrics = rows.finish(0);
    expect(metrics.typeErrors).toMatchObject({ checkin: 10, amount: 10 });
    const checkin = metrics.typeErrorSamples.filter((s) => s.column === 'checkin');
    expect(checkin.map((s) => s.location)).toEqual([2, 3, 4, 5, 6].map((line) => `${WHERE}:${line}`));
    expect(checkin[0]!.value).toBe('x'.repeat(200));
    expect(metrics.typeErrorSamples.filter((s) => s.column === 'amount')).toHaveLength(TYPE_ERROR_SAMPLES);
  });

  it('digests complete primary keys only, counting keys with a null part', () => {
    const { rows, keys } = normaliser();
    rows.row(['B1', '1', '', '', '', ''], 2);
    rows.row(['B1', '2', '', '', '', ''], 3);
    rows.row(['NULL', '1', '', '', '', ''], 4);
    rows.row(['B2', '', '', '', '', ''], 5);
    rows.row(['B1', '1', '', '', '', ''], 6);
    expect(keys.size).toBe(3);
    expect(rows.finish(0)).toMatchObject({ rows: 5, nullKeys: 2 });
    // B1/1 twice: equal digests; B1/2 differs.
    expect(new Set(keys.sorted()).size).toBe(2);
  });

  it('keeps key parts apart: ("a", "11") and ("a1", "1") are different keys', () => {
    const { rows, keys } = normaliser();
    rows.row(['a', '11', '', '', '', ''], 2);
    rows.row(['a1', '1', '', '', '', ''], 3);
    const [first, second] = keys.sorted();
    expect(first).not.toBe(second);
  });
});
