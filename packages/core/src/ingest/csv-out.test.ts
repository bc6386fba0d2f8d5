import { describe, expect, it } from 'vitest';
import { CsvTokenizer } from '../csv/tokenizer.js';
import { csvField, csvLine } from './csv-out.js';

/** Reads canonical CSV back with the runtime's own tokenizer. */
function parse(text: string): string[][] {
  const rows: string[][] = [];
  const tokenizer = new CsvTokenizer(
    { delimiter: ',', quote: '"', escape: '"', encoding: 'utf-8' },
    { row: (fields) => rows.push(fields), malformed: (reason) => rows.push([`!${reason}`]) },
  );
  tokenizer.write(Buffer.from(text));
  tokenizer.end();
  return rows;
}

describe('csvField', () => {
  it.each<[string | null, string]>([
    [null, ''],
    ['', '""'],
    ['plain', 'plain'],
    [' padded ', ' padded '],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['"', '""""'],
    ['l1\nl2', '"l1\nl2"'],
    ['l1\r\nl2', '"l1\r\nl2"'],
    ['cr\r', '"cr\r"'],
    ['semi;colon\ttab', 'semi;colon\ttab'],
    ["it's", "it's"],
    ['naïve €', 'naïve €'],
  ])('%j -> %j', (value, text) => {
    expect(csvField(value)).toBe(text);
  });
});

describe('csvLine', () => {
  it.each<[(string | null)[], string]>([
    [[], '\n'],
    [['a'], 'a\n'],
    [[null, null], ',\n'],
    [['', null, 'x'], '"",,x\n'],
    [['a,b', 'c"d', 'e\nf'], '"a,b","c""d","e\nf"\n'],
  ])('%j -> %j', (values, text) => {
    expect(csvLine(values)).toBe(text);
  });

  it('reads back to the same values (a null reads as an empty field)', () => {
    const rows = [
      ['1', 'a,b', 'say "hi"', 'two\nlines', 'cr\rhere', '', 'ünï'],
      ['2', '"', '""', ',', '\r\n', 'x', 'end'],
    ];
    expect(parse(rows.map((r) => csvLine(r)).join(''))).toEqual(rows);
    expect(parse(csvLine(['3', null, '']))).toEqual([['3', '', '']]);
  });
});
