// The byte path (CsvRowSink.rowBytes -> RowNormaliser.rowBytes) and the fast path in front of it
// (CsvRowSink.fastRows -> RowNormaliser.fastRows, see fast-rows.ts) must give the same part bytes,
// metrics and key digests as the string path (row -> RowNormaliser.row), however the input is
// split into chunks.
import { describe, expect, it } from 'vitest';
import type { PartnerSpec } from '../spec/schema.js';
import { specWith } from './__fixtures__/kit.js';
import { normalise } from './__fixtures__/normalise.js';

/** Both byte paths give the string path's result, unsplit, split at every byte, and byte by byte; returns it and how many rows the fast path took unsplit. */
function expectSamePaths(spec: PartnerSpec, table: string, input: Buffer) {
  const reference = normalise(spec, table, input, [], 'strings');
  expect(normalise(spec, table, input, [], 'bytes')).toEqual(reference);
  const fast = normalise(spec, table, input, [], 'fast');
  expect(fast).toEqual(reference);
  for (const path of ['bytes', 'fast'] as const) {
    for (let at = 1; at < input.length; at++) expect({ at, path, ...normalise(spec, table, input, [at], path) }).toEqual({ at, path, ...reference });
    expect(normalise(spec, table, input, Array.from({ length: input.length - 1 }, (_, i) => i + 1), path)).toEqual(reference);
  }
  return { ...reference, fastRows: fast.fastRows };
}

const acme = specWith(`csv: { delimiter: ",", quote: '"', encoding: utf-8, header: true, nullValues: ["", "NULL", "\\\\N"] }
tables:
  bookings:
    primaryKey: [booking_id, hotel_id]
    columns:
      booking_id: { from: BKG_ID, type: string }
      hotel_id: { from: HOTEL_ID, type: integer }
      checkin: { from: CHK_IN_DT, type: date }
      amount: { from: AMT, type: decimal }
      refundable: { from: REFUNDABLE, type: boolean }
      note: { from: NOTE, type: string }
      booked_at: { from: BOOKED_TS, type: timestamp }
      absent: { from: NOT_THERE, type: string }
`);

const fjord = specWith(`csv: { delimiter: ";", quote: '"', escape: "\\\\", encoding: latin1, header: true, nullValues: ["N/A", "-", ""], decimalSeparator: "," }
tables:
  tickets:
    primaryKey: [ticket_id]
    columns:
      ticket_id: { from: BILLETT_NR, type: string }
      sold_on: { from: SALGSDATO, type: date, format: dd.MM.yyyy }
      fare: { from: PRIS_NOK, type: decimal }
      is_return: { from: TUR_RETUR, type: boolean }
      departed_at: { from: AVGANG, type: timestamp, format: "dd.MM.yyyy HH:mm" }
      origin: { from: FRA_STASJON, type: string }
`);

describe('RowNormaliser.rowBytes', () => {
  it('matches the string path on tricky UTF-8 input (quotes, line breaks, CRLF, BOM, nulls, type errors, keys)', () => {
    const input = Buffer.concat([
      Buffer.from('\ufeffBKG_ID,HOTEL_ID,CHK_IN_DT,AMT,REFUNDABLE,NOTE,BOOKED_TS,EXTRA col\r\n', 'utf8'),
      Buffer.from(
        [
          'B1,1,2026-11-22,10.50,Yes,hi,2026-11-22T03:04:14Z,x',
          '"B,2",0002,"2026-11-22","1e5",NO,"multi\nline ""q""",2026-11-22 03:04:14,"NULL"',
          'B3,x,22/11/2026,"1,5",maybe,Köln,bad,\\N',
          'B3b,1,2,3',
          'B3c,Ⅻ,2026-11-22,١,Ja,ok,2026-11-22T03:04:14Z,',
          '"B4","","",,,"",\\N,""',
          'Bé,7,,,,ok,,',
          'B5,8,2026-02-30,-.5,t,"Ünïcödé, x",2026-11-22T03:04:14+01:00,plain',
          '"B6"x,1,2026-11-22,1,1,a,b,c',
          'B7,9,2026-11-22,1,1,a"b,2026-11-22T03:04:14Z,"😀"',
          ',10,2026-11-22,1,1,null key,,',
          '"B""8",11,2026-11-22,+1.,f,"x\r\ny",2026-11-22T03:04:14Z,NULL',
          'B9,12,2026-11-22,1,1,"",\\N,"a,b"\r',
        ].join('\n'),
        'utf8',
      ),
      Buffer.from('\nB11,13,2026-11-22,1,y,bad \xff\xfe utf-8,,\xc3\n', 'latin1'),
      Buffer.from('B12,14,0999-01-01,1,1,"tab\tx",,"end"\nB10,-,2026-11-22,1,1,ok,,"q""', 'utf8'),
    ]);
    const result = expectSamePaths(acme, 'bookings', input);
    // The reference really covers what it should, and the fast path took part.
    expect(result.fastRows).toBeGreaterThan(0);
    expect(result.metrics.rows).toBeGreaterThan(8);
    expect(result.metrics.malformedRows).toBeGreaterThanOrEqual(2);
    expect(result.metrics.typeErrorSamples.length).toBeGreaterThan(3);
    expect(result.metrics.nullKeys).toBeGreaterThan(0);
    expect(result.part).toContain('"multi\nline ""q"""');
  });

  it('matches the string path on latin1, semicolons, backslash escapes and formatted dates', () => {
    const input = Buffer.from(
      [
        'SALGSDATO;PRIS_NOK;TUR_RETUR;BILLETT_NR;FRA_STASJON;AVGANG',
        'N/A;2099,44;false;DK-1;Åndalsnes;22.11.2026 08:59',
        '24.10.2026;N/A;true;DK-2;"Gardermoen \\"OSL\\"";22.11.2026 24:00',
        '31.02.2026;1,2,3;ja;"DK-\\\\3";a,b;-',
        '01.01.0999;-0,5;Y;DKø4;"";2.11.2026 08:59',
        '29.02.2024;12;N;DK-5;ørsta;29.02.2024 23:59',
        '-;,5;1;;x;N/A',
        'too;few',
      ].join('\r\n'),
      'latin1',
    );
    const result = expectSamePaths(fjord, 'tickets', input);
    expect(result.fastRows).toBeGreaterThan(0);
    expect(result.part).toContain('"Gardermoen ""OSL"""');
    expect(result.part).toContain(Buffer.from('Åndalsnes', 'utf8').toString('latin1'));
  });

  it('keeps the first type-error samples per column in row order', () => {
    const rows = Array.from({ length: 12 }, (_, i) => `B${i},${i % 3 ? 'x' : i},2026-11-22,${i % 2 ? 'y' : 1},1,n,,`);
    const input = Buffer.from(['BKG_ID,HOTEL_ID,CHK_IN_DT,AMT,REFUNDABLE,NOTE,BOOKED_TS,EXTRA', ...rows].join('\n'));
    const result = normalise(acme, 'bookings', input, [], 'strings');
    expect(normalise(acme, 'bookings', input, [], 'bytes')).toEqual(result);
    expect(normalise(acme, 'bookings', input, [], 'fast')).toEqual(result);
    expect(result.metrics.typeErrorSamples).toHaveLength(10);
  });

  // Members whose fields are already in canonical order, as most are: mixed line ends, nulls,
  // quoting and values to rewrite between plain rows.
  const inOrder = specWith(`csv: { delimiter: ",", quote: '"', encoding: utf-8, header: true, nullValues: ["", "NULL", "\\\\N"] }
tables:
  bookings:
    primaryKey: [booking_id, note]
    onNewColumn: keep
    columns:
      booking_id: { from: BKG_ID, type: string }
      hotel_id: { from: HOTEL_ID, type: integer }
      checkin: { from: CHK_IN_DT, type: date }
      amount: { from: AMT, type: decimal }
      refundable: { from: REFUNDABLE, type: boolean }
      note: { from: NOTE, type: string }
      booked_at: { from: BOOKED_TS, type: timestamp }
      local: { from: LOCAL, type: date, format: dd.MM.yyyy }
`);

  it('matches the string path on a member in canonical column order (CR, CRLF and missing line ends, formatted dates)', () => {
    const input = Buffer.concat([
      Buffer.from('\ufeffBKG_ID,HOTEL_ID,CHK_IN_DT,AMT,REFUNDABLE,NOTE,BOOKED_TS,LOCAL,Extra Col\n', 'utf8'),
      Buffer.from(
        [
          'B1,1,2026-11-22,10.50,true,hi,2026-11-22T03:04:14Z,22.11.2026,x',
          'B2,2,2026-11-23,1,false,ho,2026-11-22T03:04:15Z,,y',
          'B3,NULL,\\N,,Yes,"quoted, needs it",2026-11-22T03:04:14Z,01.02.2026,"plain"',
          '"B4",0004,"2026-11-22",+1.,1,Köln,2026-11-22 03:04:14,1.1.2026,',
          'B5,x,2026-02-30,1e5,maybe,a"b,bad,32.01.2026,😀',
          '',
          'B6,6,2026-11-22,6,true,ok,2026-11-22T03:04:14Z,22.11.2026,z\r',
          'B7,7,2026-11-22,7,true,crlf,2026-11-22T03:04:14Z,22.11.2026,z\r',
          'B8,8,2026-11-22,8,true,"mid\nline",2026-11-22T03:04:14Z,22.11.2026,"last"',
          '"B9"x,9,2026-11-22,9,true,malformed,2026-11-22T03:04:14Z,22.11.2026,z',
          'B10,10,2026-11-22,10,true,too,few',
          'B11,11,2026-11-22,11,true,,2026-11-22T03:04:14Z,22.11.2026,',
          ',12,2026-11-22,12,true,null key,2026-11-22T03:04:14Z,22.11.2026,w',
          'B1,13,2026-11-22,13,true,hi,2026-11-22T03:04:14Z,22.11.2026,dup key',
          'Bé,14,2026-11-22,14,true,Ünïcödé,2026-11-22T03:04:14Z,22.11.2026,ü',
          'B15,15,2026-11-22,15,TRUE,""x"",2026-11-22T03:04:14Z,22.11.2026,a',
        ].join('\n'),
        'utf8',
      ),
      Buffer.from('\nB16,16,2026-11-22,16,true,bad \xff utf-8,2026-11-22T03:04:14Z,22.11.2026,\xc3\r\n', 'latin1'),
      Buffer.from('B17,17,2026-11-22,17,true,no line end,2026-11-22T03:04:14Z,22.11.2026,end', 'utf8'),
    ]);
    const result = expectSamePaths(inOrder, 'bookings', input);
    expect(result.fastRows).toBeGreaterThan(3);
    expect(result.metrics.rows).toBe(14);
    expect(result.metrics.malformedRows).toBe(3); // "B9"x, B10 (too few fields), B15's ""x
    expect(result.metrics.typeErrorSamples.length).toBeGreaterThan(4);
    expect(result.metrics.nullKeys).toBe(2); // B11 (no note) and the row without a booking id
    expect(result.keys.split(',')).toHaveLength(result.metrics.rows - 2);
    expect(result.part).toContain('\nB1,1,2026-11-22,10.50,true,hi,2026-11-22T03:04:14Z,2026-11-22,x\nB2,2,');
    expect(result.part).not.toContain('\r');
  });

  it('writes a member that is already canonical back unchanged', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `B${i},${i},2026-11-${String((i % 28) + 1).padStart(2, '0')},${i}.5,${i % 2 ? 'true' : 'false'},n ${i},2026-11-22T03:04:14Z,,c${i}`);
    const body = `${rows.join('\n')}\n`;
    const input = Buffer.from(`BKG_ID,HOTEL_ID,CHK_IN_DT,AMT,REFUNDABLE,NOTE,BOOKED_TS,LOCAL,EXTRA\n${body}`);
    const result = expectSamePaths(inOrder, 'bookings', input);
    expect(result.fastRows).toBe(50);
    expect(result.part).toBe(`booking_id,hotel_id,checkin,amount,refundable,note,booked_at,local,extra\n${body}`);
    expect(result.metrics.nulls).toMatchObject({ local: 50, booking_id: 0 });
  });

  it.each(['utf-8', 'latin1'] as const)('matches the string path with non-ASCII null tokens (%s)', (encoding) => {
    const spec = specWith(`csv: { delimiter: ";", quote: '"', encoding: ${encoding}, header: true, nullValues: ["N/A", "ø", "—", "Ü", ""] }
tables:
  t:
    primaryKey: [id]
    columns:
      id: { type: string }
      name: { type: string }
      n: { type: integer }
`);
    const lines = ['id;name;n;extra', 'ø;ø;ø;ø', 'a;Ü;—;"ø"', 'b;"Üx";1;ü', '—;—;2;"—"', 'c;Tromsø, N;3;N/A'];
    const input = Buffer.from(lines.join('\n'), encoding === 'latin1' ? 'latin1' : 'utf8');
    const result = expectSamePaths(spec, 't', input);
    expect(result.metrics.rows).toBe(5);
    expect(result.metrics.nullKeys).toBe(encoding === 'utf-8' ? 2 : 1); // latin1 cannot hold the dash: its bytes are data
  });
});
