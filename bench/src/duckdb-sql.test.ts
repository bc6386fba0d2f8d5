// The DuckDB statements as text; DuckDB itself only runs in `pnpm bench`.
import { describe, expect, it } from 'vitest';
import { copyStatement, groupByHeader, naiveSource, nullCountQuery, parseHeaderLine, sqlString, tunedSource } from './duckdb-sql.js';

describe('duckdb-sql', () => {
  it('reads a header line without BOM, CR or padding, splitting on commas outside quotes', () => {
    expect(parseHeaderLine('\uFEFFBKG_ID, guests ,"A,B",AMT\r\n1,2,3,4\r\n')).toEqual({ names: ['BKG_ID', 'guests', 'A,B', 'AMT'], line: 'BKG_ID, guests ,"A,B",AMT' });
    expect(parseHeaderLine('X,"say ""hi"""')).toEqual({ names: ['X', 'say "hi"'], line: 'X,"say ""hi"""' });
  });

  it('groups files by header line in first-appearance order; CRLF and BOM do not split a group', () => {
    const h = (text: string) => parseHeaderLine(text);
    const groups = groupByHeader([
      { path: 'a.csv', header: h('A,B\n') },
      { path: 'b.csv', header: h('B,A\n') },
      { path: 'c.csv', header: h('\uFEFFA,B\r\n') },
    ]);
    expect(groups.map((g) => [g.header.line, g.paths])).toEqual([['A,B', ['a.csv', 'c.csv']], ['B,A', ['b.csv']]]);
  });

  it('builds the naive and tuned statements', () => {
    expect(sqlString("it's")).toBe("'it''s'");
    expect(copyStatement(naiveSource('/x', 'bookings'), '/o/bookings.csv')).toBe(
      "COPY (SELECT * FROM read_csv('/x/**/bookings_*.csv', union_by_name=true)) TO '/o/bookings.csv'",
    );
    const tuned = tunedSource([
      { header: parseHeaderLine('A,B'), paths: ['/x/1.csv', '/x/3.csv'] },
      { header: parseHeaderLine('B,C'), paths: ['/x/2.csv'] },
    ]);
    expect(tuned).toBe(
      "SELECT * FROM read_csv(['/x/1.csv', '/x/3.csv'], header=true, auto_detect=false, delim=',', quote='\"', escape='\"', columns={'A': 'VARCHAR', 'B': 'VARCHAR'})\n" +
        'UNION ALL BY NAME\n' +
        "SELECT * FROM read_csv(['/x/2.csv'], header=true, auto_detect=false, delim=',', quote='\"', escape='\"', columns={'B': 'VARCHAR', 'C': 'VARCHAR'})",
    );
    expect(() => tunedSource([])).toThrow('at least one group');
    expect(nullCountQuery('/o/t.csv', null)).toBe(`SELECT count(*) AS "__rows", count(*) - count(COLUMNS(*)) FROM read_csv('/o/t.csv')`);
    expect(nullCountQuery('/o/t.csv', ['A'])).toContain("auto_detect=false, delim=',', quote='\"', escape='\"', columns={'A': 'VARCHAR'})");
  });
});
