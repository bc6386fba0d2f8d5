import { describe, expect, it } from 'vitest';
import { specWith } from './__fixtures__/kit.js';
import { newColumnName, planMemberLayout } from './member-layout.js';
import type { LayoutResult } from './member-layout.js';

type Policy = { onNewColumn?: 'keep' | 'drop' | 'fail'; onMissingColumn?: 'null' | 'fail' };

function bookings(policy: Policy = {}) {
  return specWith(`tables:
  bookings:
    primaryKey: [booking_id]
    onNewColumn: ${policy.onNewColumn ?? 'keep'}
    onMissingColumn: ${policy.onMissingColumn ?? 'null'}
    columns:
      booking_id: { from: BKG_ID, nullable: false }
      checkin: { from: [CHK_IN_DT, CHECKIN_DATE], type: date }
      amount: { from: AMT, type: decimal }
      note: {}
`);
}

function layout(header: string[] | null, policy: Policy = {}): LayoutResult {
  const s = bookings(policy);
  return planMemberLayout(s.tables.bookings!, s.csv, header);
}

const SPEC_COLUMNS = ['booking_id', 'checkin', 'amount', 'note'];

describe('newColumnName', () => {
  it.each([
    ['Sales Channel', 0, 'sales_channel'],
    ['  Sales   Channel ', 0, 'sales_channel'],
    ['\uFEFFTotal', 0, 'total'],
    ['Amount (EUR)', 0, 'amount_eur'],
    ['__weird__name__', 0, 'weird_name'],
    ['BKG-REF.2', 0, 'bkg_ref_2'],
    ['2nd Phone #', 0, 'c_2nd_phone'],
    ['', 2, 'column_3'],
    ['***', 0, 'column_1'],
    ['BookingChannel', 0, 'booking_channel'],
    ['loyaltyTier', 0, 'loyalty_tier'],
    ['CCYCode', 0, 'ccy_code'],
    ['LOYALTY_TIER', 0, 'loyalty_tier'],
    ['Café Name', 0, 'cafe_name'],
  ])('%j (position %i) -> %s', (header, index, expected) => {
    const name = newColumnName(header, index);
    expect(name).toBe(expected);
    expect(name).toMatch(/^[a-z_][a-z0-9_]*$/);
  });
});

describe('planMemberLayout: headers', () => {
  it.each<[string, string[], Policy, { sources: number[]; columns?: string[]; missing?: string[]; newColumns?: string[]; dropped?: string[] }]>([
    ['exact spec names', ['BKG_ID', 'CHK_IN_DT', 'AMT', 'note'], {}, { sources: [0, 1, 2, 3] }],
    ['the second alias, in another order', ['CHECKIN_DATE', 'note', 'AMT', 'BKG_ID'], {}, { sources: [3, 0, 2, 1] }],
    ['case, surrounding whitespace and a BOM', ['\uFEFF bkg_id ', '  Chk_In_Dt', 'amt\t', 'NOTE'], {}, { sources: [0, 1, 2, 3] }],
    ['missing columns filled with nulls', ['BKG_ID', 'AMT'], {}, { sources: [0, -1, 1, -1], missing: ['checkin', 'note'] }],
    [
      'new columns kept under lower snake_case names',
      ['BKG_ID', 'CHK_IN_DT', 'AMT', 'note', 'Sales Channel', '2nd Phone #', ''],
      {},
      { sources: [0, 1, 2, 3, 4, 5, 6], columns: [...SPEC_COLUMNS, 'sales_channel', 'c_2nd_phone', 'column_7'], newColumns: ['sales_channel', 'c_2nd_phone', 'column_7'] },
    ],
    [
      'new column names that collide get _extra',
      ['BKG_ID', 'Foo Bar', 'foo-bar', 'Amount', 'FOO.BAR'],
      {},
      {
        sources: [0, -1, -1, -1, 1, 2, 3, 4],
        columns: [...SPEC_COLUMNS, 'foo_bar', 'foo_bar_extra', 'amount_extra', 'foo_bar_extra_extra'],
        missing: ['checkin', 'amount', 'note'],
        newColumns: ['foo_bar', 'foo_bar_extra', 'amount_extra', 'foo_bar_extra_extra'],
      },
    ],
    ['new columns dropped', ['BKG_ID', ' Sales Channel ', 'CHK_IN_DT', 'AMT', 'note'], { onNewColumn: 'drop' }, { sources: [0, 2, 3, 4], dropped: ['Sales Channel'] }],
  ])('%s', (_, header, policy, expected) => {
    const result = layout(header, policy);
    if (!result.ok) throw new Error(result.reason);
    const { layout: l } = result;
    expect(l.columns).toEqual(expected.columns ?? SPEC_COLUMNS);
    expect(l.sources).toEqual(expected.sources);
    expect(l.missingColumns).toEqual(expected.missing ?? []);
    expect(l.newColumns).toEqual(expected.newColumns ?? []);
    expect(l.droppedColumns).toEqual(expected.dropped ?? []);
    expect(l.keyColumns).toEqual([0]);
    expect(l.expectedFields).toBe(header.length);
    expect(l.minFields).toBe(header.length);
    expect(l.normalisers).toHaveLength(l.columns.length);
  });

  it.each<[string, string[], Policy, string, RegExp[]]>([
    ['a missing column under onMissingColumn: fail', ['BKG_ID', 'AMT'], { onMissingColumn: 'fail' }, 'MEMBER_MISSING_COLUMN', [/checkin, note/, /onMissingColumn: fail/]],
    ['a new column under onNewColumn: fail', ['BKG_ID', 'CHK_IN_DT', 'AMT', 'note', ' Sales Channel'], { onNewColumn: 'fail' }, 'MEMBER_NEW_COLUMN', [/Sales Channel/, /onNewColumn: fail/]],
    ['a claimed header repeated', ['BKG_ID', 'AMT', 'bkg_id '], {}, 'MEMBER_AMBIGUOUS_COLUMN', [/"bkg_id" appears more than once/]],
    ['an unclaimed header repeated', ['BKG_ID', 'channel', 'CHANNEL'], {}, 'MEMBER_AMBIGUOUS_COLUMN', [/"CHANNEL" appears more than once/]],
    ['an unclaimed header repeated, even when dropping', ['BKG_ID', 'channel', 'channel'], { onNewColumn: 'drop' }, 'MEMBER_AMBIGUOUS_COLUMN', [/appears more than once/]],
    ['two aliases of one column', ['BKG_ID', 'CHK_IN_DT', 'AMT', 'CHECKIN_DATE'], {}, 'MEMBER_AMBIGUOUS_COLUMN', [/"CHK_IN_DT" and "CHECKIN_DATE"/, /"checkin"/]],
  ])('refuses %s', (_, header, policy, code, reasons) => {
    const result = layout(header, policy);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe(code);
    for (const reason of reasons) expect(result.reason).toMatch(reason);
  });

  it('gives each column its type normaliser and new columns the identity', () => {
    const result = layout(['BKG_ID', 'CHK_IN_DT', 'AMT', 'note', 'extra']);
    if (!result.ok) throw new Error(result.reason);
    const [id, checkin, amount, note, extra] = result.layout.normalisers;
    expect(id!('B 1')).toBe('B 1');
    expect(checkin!('2026-11-22')).toBe('2026-11-22');
    expect(checkin!('22.11.2026')).toBeUndefined();
    expect(amount!('1.5')).toBe('1.5');
    expect(amount!('1,5')).toBeUndefined();
    expect(note!('anything')).toBe('anything');
    expect(extra!('12,x')).toBe('12,x');
  });
});

describe('planMemberLayout: files without a header', () => {
  const s = specWith(`csv: { header: false }
tables:
  events:
    primaryKey: [id, kind]
    columns:
      kind: { index: 2 }
      id: { index: 0, nullable: false }
      at: { index: 4, type: timestamp }
`);

  it('takes each column from its index, in spec order, and needs at least the highest index', () => {
    const result = planMemberLayout(s.tables.events!, s.csv, null);
    if (!result.ok) throw new Error(result.reason);
    expect(result.layout).toMatchObject({
      columns: ['kind', 'id', 'at'],
      sources: [2, 0, 4],
      keyColumns: [1, 0],
      expectedFields: -1,
      minFields: 5,
      missingColumns: [],
      newColumns: [],
      droppedColumns: [],
    });
  });
});
