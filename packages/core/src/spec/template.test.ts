import { describe, expect, it } from 'vitest';
import { dateFormatRegexSource, formatDate, parseDateFormat, parseIsoDate } from './date-format.js';
import { findEnvReferences, interpolateEnv } from './env.js';
import { compileMemberPattern } from './member-pattern.js';
import { closest } from './suggest.js';
import { parseTemplate } from './template.js';

describe('parseTemplate', () => {
  it('splits literals and placeholders, with formats', () => {
    const parsed = parseTemplate('s3://lake/{partner}/{date:yyyy/MM/dd}/');
    expect(parsed).toEqual({
      ok: true,
      parts: [
        { kind: 'literal', text: 's3://lake/', offset: 0 },
        { kind: 'placeholder', name: 'partner', offset: 10 },
        { kind: 'literal', text: '/', offset: 19 },
        { kind: 'placeholder', name: 'date', format: 'yyyy/MM/dd', offset: 20 },
        { kind: 'literal', text: '/', offset: 37 },
      ],
    });
  });
  it('treats ${ENV} references as literal text', () => {
    const parsed = parseTemplate('s3://${BUCKET}/{date}');
    expect(parsed.ok && parsed.parts.map((p) => p.kind)).toEqual(['literal', 'placeholder']);
  });
  it.each([
    ['{table', /not closed/],
    ['table}', /closes no placeholder/],
    ['{}', /empty placeholder/],
    ['{a{b}}', /not closed/],
  ])('rejects %s', (text, message) => {
    const parsed = parseTemplate(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });
});

describe('date formats', () => {
  it('formats and matches the tokens', () => {
    const parsed = parseDateFormat('dd.MM.yyyy HH:mm:ss.SSS');
    if (!parsed.ok) throw new Error(parsed.message);
    const fields = { year: 2026, month: 3, day: 7, hour: 9, minute: 5, second: 1, millisecond: 42 };
    expect(formatDate(fields, parsed.parts)).toBe('07.03.2026 09:05:01.042');
    expect(new RegExp(`^${dateFormatRegexSource(parsed.parts)}$`).test('07.03.2026 09:05:01.042')).toBe(true);
    expect(new RegExp(`^${dateFormatRegexSource(parsed.parts)}$`).test('07-03-2026 09:05:01.042')).toBe(false);
  });
  it('rejects unknown letters with a suggestion', () => {
    expect(parseDateFormat('YYYY-MM-DD')).toEqual({ ok: false, message: expect.stringContaining('did you mean "yyyy"') });
    expect(parseDateFormat('')).toMatchObject({ ok: false });
  });
  it('reads ISO dates and refuses days that do not exist', () => {
    expect(parseIsoDate('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseIsoDate('2026-02-29')).toBeUndefined();
    expect(parseIsoDate('2026-1-01')).toBeUndefined();
    expect(parseIsoDate('0001-01-01')).toEqual({ year: 1, month: 1, day: 1 });
    expect(parseIsoDate('0004-02-29')).toEqual({ year: 4, month: 2, day: 29 });
  });
});

describe('compileMemberPattern', () => {
  const matcher = compileMemberPattern('{table}_{date:yyyyMMdd}_{batch_id}.csv', ['bookings', 'booking_events', 'searches']);
  it('routes names to tables, preferring the longest table name', () => {
    expect(matcher.match('bookings_20261122_0007.csv')).toEqual({
      table: 'bookings',
      date: '20261122',
      batchId: '0007',
      fields: { table: 'bookings', date: '20261122', batch_id: '0007' },
    });
    expect(matcher.match('booking_events_20261122_a-1.csv')?.table).toBe('booking_events');
  });
  it('does not match other names', () => {
    for (const name of ['README.txt', 'bookings_2026112_1.csv', 'hotels_20261122_1.csv', 'bookings_20261122_1.csv.bak', 'bookings_20261122_.csv']) {
      expect(matcher.match(name), name).toBeUndefined();
    }
  });
  it('uses declared placeholders', () => {
    const rail = compileMemberPattern('{date:yyyy-MM-dd}_{region}_{table}_part{batch_id}.csv', ['tickets'], { region: '[A-Z]{2}' });
    expect(rail.match('2026-11-22_NO_tickets_part017.csv')?.fields).toEqual({ date: '2026-11-22', region: 'NO', table: 'tickets', batch_id: '017' });
    expect(rail.match('2026-11-22_nor_tickets_part017.csv')).toBeUndefined();
  });
});

describe('environment references', () => {
  it('finds well-formed and malformed references, and honours $${ escapes', () => {
    expect(findEnvReferences('a ${GOOD_1} b ${bad} c $${LITERAL} ${OPEN')).toEqual([
      { raw: '${GOOD_1}', name: 'GOOD_1' },
      { raw: '${bad}', name: 'bad', problem: expect.any(String) },
      { raw: '${OPEN', name: '', problem: expect.stringContaining('never closed') },
    ]);
  });
  it('interpolates and lists unset variables', () => {
    expect(interpolateEnv('${A}/${B}/$${C}', { A: 'x' })).toEqual({ value: 'x/${B}/${C}', missing: ['B'] });
  });
});

describe('closest', () => {
  it('suggests near misses, case slips and prefixes, and nothing for unrelated words', () => {
    expect(closest('primaryKeys', ['primaryKey', 'columns'])).toBe('primaryKey');
    expect(closest('OnNewColumn', ['onNewColumn'])).toBe('onNewColumn');
    expect(closest('batch', ['batch_id', 'table'])).toBe('batch_id');
    expect(closest('zebra', ['table', 'date'])).toBeUndefined();
  });
});
