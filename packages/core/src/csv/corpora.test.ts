/**
 * Conformance of the CSV tokenizer against third-party corpora, read in place from the shared
 * corpora folder next to the repository (see its README for sources and licences).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CsvTokenizerOptions } from './row-sink.js';
import { CsvTokenizer, type CsvDialect } from './tokenizer.js';

const CORPORA = new URL('../../../../../shared/corpora/', import.meta.url);
const RFC: CsvDialect = { delimiter: ',', quote: '"', escape: '"', encoding: 'utf-8' };

type Event = { row: string[]; line: number } | { malformed: string; line: number; raw: string };

function tokenize(bytes: Buffer, options?: CsvTokenizerOptions, chunkSize = bytes.length || 1): Event[] {
  const events: Event[] = [];
  const tokenizer = new CsvTokenizer(
    RFC,
    {
      row: (row, line) => events.push({ row, line }),
      malformed: (malformed, line, raw) => events.push({ malformed, line, raw }),
    },
    options,
  );
  for (let i = 0; i < bytes.length; i += chunkSize) tokenizer.write(bytes.subarray(i, i + chunkSize));
  tokenizer.end();
  return events;
}

function rowsOnly(events: Event[]): string[][] {
  const malformed = events.filter((e) => !('row' in e));
  expect(malformed).toEqual([]);
  return events.map((e) => ('row' in e ? e.row : []));
}

describe('csv-spectrum (header row + JSON objects)', () => {
  const dir = new URL('csv-spectrum/', CORPORA);
  const names = readdirSync(new URL('csvs/', dir))
    .filter((file) => file.endsWith('.csv'))
    .map((file) => file.slice(0, -'.csv'.length))
    .sort();

  it('has the 12 documented cases', () => {
    expect(names).toHaveLength(12);
  });

  for (const name of names) {
    it(name, () => {
      const bytes = readFileSync(new URL(`csvs/${name}.csv`, dir));
      let expected: unknown = JSON.parse(readFileSync(new URL(`json/${name}.json`, dir), 'utf8'));
      if (name === 'location_coordinates') {
        // Known defect of the corpus (see its README): the JSON is a single object instead of an
        // array of rows, and its phone number (1234567890) does not match the CSV's 2095257564.
        // Everything else, including the U+FFFD characters and the bare `"` inside the unquoted
        // coordinates field, is compared as published.
        expect(expected).not.toBeInstanceOf(Array);
        expected = [{ ...(expected as Record<string, string>), 'Contact Phone Number': '2095257564' }];
      }

      // The result must not depend on chunking: compare the one-chunk and the 1-byte-chunk runs.
      const events = tokenize(bytes);
      expect(tokenize(bytes, undefined, 1)).toEqual(events);

      const [header = [], ...data] = rowsOnly(events);
      const objects = data.map((row) => Object.fromEntries(header.map((column, i) => [column, row[i]])));
      expect(objects).toEqual(expected);
    });
  }
});

interface PapaCase {
  description: string;
  input: string;
  config: Record<string, unknown>;
  expected: { data: string[][] };
}

/**
 * PapaParse cases where PapaParse is lenient or reports empty lines differently than this
 * tokenizer. For each we assert what OUR tokenizer does; none is skipped.
 */
const PAPA_DIVERGENCES: Record<string, { why: string; options?: CsvTokenizerOptions; events: Event[] }> = {
  'Quoted field has no closing quote': {
    why: 'PapaParse returns the rest of the input as a field (plus an error); we quarantine the row',
    events: [{ malformed: 'unterminated quoted field', line: 1, raw: 'a,"b,c\nd,e,f' }],
  },
  'Quoted field has invalid trailing quote after delimiter with a valid closer': {
    why: 'PapaParse reads `"a,"b,c"` as one field; RFC 4180 closes the field at `"b`, so we report it and resync',
    events: [
      { malformed: 'unexpected character after closing quote', line: 1, raw: '"a,"b,c"' },
      { row: ['d', 'e', 'f'], line: 2 },
    ],
  },
  'Quoted field has invalid trailing quote after delimiter': {
    why: 'PapaParse keeps reading past `"c` to the end of input; we report the row and resync at the next line',
    events: [
      { malformed: 'unexpected character after closing quote', line: 1, raw: 'a,"b,"c' },
      { row: ['d', 'e', 'f'], line: 2 },
    ],
  },
  'Quoted field has invalid trailing quote before delimiter': {
    why: 'PapaParse keeps reading past `"b"c` to the end of input; we report the row and resync at the next line',
    events: [
      { malformed: 'unexpected character after closing quote', line: 1, raw: 'a,"b"c,d' },
      { row: ['e', 'f', 'g'], line: 2 },
    ],
  },
  'Quoted field has invalid trailing quote after new line': {
    why: 'PapaParse returns a field that swallows the rest of the input; the field closes at `d"` and `e` follows',
    events: [{ malformed: 'unexpected character after closing quote', line: 1, raw: 'a,"b,c\nd"e,f,g' }],
  },
  'One column input with empty fields': {
    why:
      'PapaParse emits [""] for empty lines and for the final line end; we skip empty lines by default, ' +
      'and with skipEmptyLines: false still treat the final line end as a terminator (RFC 4180)',
    events: [
      { row: ['a'], line: 1 },
      { row: ['b'], line: 2 },
      { row: ['c'], line: 5 },
      { row: ['d'], line: 6 },
      { row: ['e'], line: 7 },
    ],
  },
};

describe('PapaParse core parser cases with an empty config (data only)', () => {
  const all = JSON.parse(readFileSync(new URL('papaparse/core-parser-tests.json', CORPORA), 'utf8')) as PapaCase[];
  const cases = all.filter((c) => Object.keys(c.config ?? {}).length === 0);

  it('has the 40 documented cases, and every listed divergence names one of them', () => {
    expect(cases).toHaveLength(40);
    const descriptions = new Set(cases.map((c) => c.description));
    for (const description of Object.keys(PAPA_DIVERGENCES)) expect(descriptions).toContain(description);
  });

  for (const { description, input, expected } of cases) {
    const divergence = PAPA_DIVERGENCES[description];
    const bytes = Buffer.from(input, 'utf8');
    if (divergence) {
      it(`${description} (differs from PapaParse: ${divergence.why})`, () => {
        expect(expected.data).not.toEqual(divergence.events.flatMap((e) => ('row' in e ? [e.row] : [])));
        expect(tokenize(bytes, divergence.options)).toEqual(divergence.events);
        expect(tokenize(bytes, divergence.options, 1)).toEqual(divergence.events);
      });
    } else {
      it(description, () => {
        expect(rowsOnly(tokenize(bytes))).toEqual(expected.data);
        expect(rowsOnly(tokenize(bytes, undefined, 1))).toEqual(expected.data);
      });
    }
  }

  it('One column input with empty fields, with skipEmptyLines: false, keeps the inner empty lines', () => {
    const input = cases.find((c) => c.description === 'One column input with empty fields')!.input;
    expect(rowsOnly(tokenize(Buffer.from(input), { skipEmptyLines: false }))).toEqual([['a'], ['b'], [''], [''], ['c'], ['d'], ['e']]);
  });
});
