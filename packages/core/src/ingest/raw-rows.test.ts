import { describe, expect, it } from 'vitest';
import { csvLine } from './csv-out.js';
import { RawRowSplitter } from './raw-rows.js';

/** Splits `bytes` fed as `chunks`, returning rows of raw fields decoded back to UTF-8. */
function split(chunks: Buffer[]): string[][] {
  const rows: string[][] = [];
  const splitter = new RawRowSplitter((fields) => rows.push(fields.map((f) => Buffer.from(f, 'latin1').toString('utf8'))));
  for (const chunk of chunks) splitter.write(chunk);
  splitter.end();
  return rows;
}

const SAMPLE = Buffer.from(
  [
    'id,name,note\n',
    '1,"a,b","he said ""hi"""\n',
    ',"",plain\n',
    '"multi\nline\r\nfield","""",z\n',
    '"ü€,😀",é,"a""\n""b"\n',
    '"""",",",""""""\n',
    '4,,\n',
  ].join(''),
);

const EXPECTED = [
  ['id', 'name', 'note'],
  ['1', '"a,b"', '"he said ""hi"""'],
  ['', '""', 'plain'],
  ['"multi\nline\r\nfield"', '""""', 'z'],
  ['"ü€,😀"', 'é', '"a""\n""b"'],
  ['""""', '","', '""""""'],
  ['4', '', ''],
];

describe('RawRowSplitter', () => {
  it('splits canonical CSV into raw fields, quotes and all', () => {
    expect(split([SAMPLE])).toEqual(EXPECTED);
  });

  it('gives the same rows for every split of the input into two chunks', () => {
    for (let at = 0; at <= SAMPLE.length; at++) {
      expect(split([SAMPLE.subarray(0, at), SAMPLE.subarray(at)]), `split at ${at}`).toEqual(EXPECTED);
    }
  });

  it('gives the same rows for every split into three chunks', () => {
    for (let a = 0; a <= SAMPLE.length; a++) {
      for (let b = a; b <= SAMPLE.length; b++) {
        const rows = split([SAMPLE.subarray(0, a), SAMPLE.subarray(a, b), SAMPLE.subarray(b)]);
        if (JSON.stringify(rows) !== JSON.stringify(EXPECTED)) expect(rows, `split at ${a} and ${b}`).toEqual(EXPECTED);
      }
    }
  });

  it('gives the same rows fed one byte at a time', () => {
    const bytes = [...SAMPLE].map((b) => Buffer.from([b]));
    expect(split(bytes)).toEqual(EXPECTED);
  });

  it('keeps every field of csvLine output intact, byte for byte', () => {
    const values = ['x', 'a,b', 'q"q', 'n\nn', 'r\rr', '', 'é'];
    const line = csvLine([...values, null]);
    const [fields] = (() => {
      const rows: string[][] = [];
      const splitter = new RawRowSplitter((f) => rows.push(f));
      splitter.write(Buffer.from(line));
      splitter.end();
      return rows;
    })();
    expect(Buffer.from(`${fields!.join(',')}\n`, 'latin1')).toEqual(Buffer.from(line));
  });

  it('refuses input that does not end with a line break', () => {
    const splitter = new RawRowSplitter(() => {});
    splitter.write(Buffer.from('a,b\nc,"d'));
    expect(() => splitter.end()).toThrow(/does not end with a line break/);
  });
});
