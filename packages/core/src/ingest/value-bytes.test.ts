import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../spec/schema.js';
import { ByteBuilder } from './byte-builder.js';
import { csvField } from './csv-out.js';
import { byteValueWriter, latin1TextByteWriter, textByteWriter, utf8TextByteWriter } from './value-bytes.js';
import { valueNormaliser } from './values.js';

type Column = Pick<ColumnSpec, 'type' | 'format'>;

const COLUMNS: [string, Column, ',' | '.'][] = [
  ['string', { type: 'string' }, '.'],
  ['integer', { type: 'integer' }, '.'],
  ['decimal', { type: 'decimal' }, '.'],
  ['decimal, comma', { type: 'decimal' }, ','],
  ['boolean', { type: 'boolean' }, '.'],
  ['date', { type: 'date' }, '.'],
  ['date yyyy-MM-dd', { type: 'date', format: 'yyyy-MM-dd' }, '.'],
  ['date dd.MM.yyyy', { type: 'date', format: 'dd.MM.yyyy' }, '.'],
  ['date yyyyMMdd', { type: 'date', format: 'yyyyMMdd' }, '.'],
  ['timestamp', { type: 'timestamp' }, '.'],
  ['timestamp dd.MM.yyyy HH:mm', { type: 'timestamp', format: 'dd.MM.yyyy HH:mm' }, '.'],
  ['timestamp yyyy-MM-dd HH:mm:ss.SSS', { type: 'timestamp', format: 'yyyy-MM-dd HH:mm:ss.SSS' }, '.'],
  ['timestamp yyyy/MM/dd', { type: 'timestamp', format: 'yyyy/MM/dd' }, '.'],
  ['timestamp dd.MM.yyyy dd', { type: 'timestamp', format: 'dd.MM.yyyy dd' }, '.'],
];

const EDGES = [
  '', ' ', '"', 'a"b', 'a,b', 'a\nb', 'a\rb', 'plain', 'x;y',
  '0', '1', '-1', '+1', '+', '-', '007', '1 ', ' 1', '12345678901234567890',
  '1.5', '1,5', '-1,5', '1.', '.5', ',5', '1,', '1.2.3', '1,2,3', '1e5', '1E-5', '.', ',', '1,5e3',
  'true', 'TRUE', 'True', 't', 'T', 'yes', 'YES', 'y', 'false', 'FALSE', 'f', 'no', 'No', 'n', 'N', 'maybe', 'truee', 'yess', '00',
  '2026-11-22', '2024-02-29', '2023-02-29', '1900-02-29', '2000-02-29', '2026-13-01', '2026-00-10', '2026-11-31', '2026-11-00',
  '0999-01-01', '0001-01-01', '2026-1-22', '2026/11/22', '20261122', '20240229', '20230229', '09991231',
  '22.11.2026', '29.02.2024', '29.02.2023', '31.04.2026', '22.11.0999', '22-11-2026', '2.11.2026',
  '2026-11-22T03:04:14Z', '2026-11-22T23:59:60Z', '2026-11-22T24:00:00Z', '2026-11-22T23:60:00Z', '2026-11-22 03:04:14Z',
  '2026-11-22T03:04:14', '2026-11-22T03:04', '2026-11-22T03:04:14.123Z', '2026-11-22T03:04:14+01:00', '2026-02-30T03:04:14Z',
  '22.11.2026 08:59', '22.11.2026 24:00', '22.11.2026 23:60', '22.11.2026 8:59', '22.11.2026  08:59', '29.02.2023 08:59',
  '2026-11-22 03:04:14.007', '2026-11-22 03:04:14.7', '2026/11/22', '22.11.2026 22', '22.11.2026 23',
];

// Random strings over the characters these types care about, to reach shapes the table misses.
function fuzz(count: number, seed: number): string[] {
  const alphabet = '0123456789-:.,T Z+eE/"yYnNtTfF';
  let state = seed;
  const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 8);
  const out: string[] = [];
  const templates = ['2026-11-22', '2026-11-22T03:04:14Z', '22.11.2026 08:59', '22.11.2026', '-12,50', '1.25', '20261122', '2026/11/22', '2026-11-22 03:04:14.007'];
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) {
      // Mutate a realistic value in one or two places.
      const chars = [...templates[next() % templates.length]!];
      for (let k = 0; k < 1 + (next() % 2); k++) chars[next() % chars.length] = alphabet[next() % alphabet.length]!;
      out.push(chars.join(''));
    } else {
      let text = '';
      for (let k = next() % 22; k > 0; k--) text += alphabet[next() % alphabet.length];
      out.push(text);
    }
  }
  return out;
}

/** What the string path writes for one non-null ASCII value, or undefined for a type error. */
function stringPath(column: Column, separator: ',' | '.', text: string): string | undefined {
  const value = valueNormaliser(column, { decimalSeparator: separator })(text);
  if (value === undefined) return undefined;
  return value === '' || /[",\r\n]/.test(value) ? csvField(value) : value;
}

describe('byte value writers', () => {
  const inputs = [...EDGES, ...fuzz(20000, 7)];

  it.each(COLUMNS)('%s: agree with the string normaliser, or decline', (_, column, separator) => {
    const write = byteValueWriter(column, { decimalSeparator: separator });
    let accepted = 0;
    for (const text of inputs) {
      // The field sits inside a bigger buffer, as in a chunk.
      const buf = Buffer.from(`;${text};`, 'latin1');
      const out = new ByteBuilder(4);
      out.text('>');
      const ok = write(buf, 1, buf.length - 1, out);
      const expected = stringPath(column, separator, text);
      if (ok) {
        accepted++;
        expect({ text, out: out.buf.toString('latin1', 1, out.length) }).toEqual({ text, out: expected });
      } else {
        expect({ text, length: out.length }).toEqual({ text, length: 1 });
      }
    }
    expect(accepted).toBeGreaterThan(0); // the fast path is exercised, not just declined
  });

  it.each<[string, Column, ',' | '.', string, string]>([
    ['integer', { type: 'integer' }, '.', '-42', '-42'],
    ['decimal', { type: 'decimal' }, '.', '10.50', '10.50'],
    ['decimal comma', { type: 'decimal' }, ',', '-1742,17', '-1742.17'],
    ['boolean', { type: 'boolean' }, '.', 'Yes', 'true'],
    ['boolean', { type: 'boolean' }, '.', 'N', 'false'],
    ['date', { type: 'date' }, '.', '2024-02-29', '2024-02-29'],
    ['date format', { type: 'date', format: 'dd.MM.yyyy' }, '.', '24.10.2026', '2026-10-24'],
    ['timestamp', { type: 'timestamp' }, '.', '2026-11-22T03:04:14Z', '2026-11-22T03:04:14Z'],
    ['timestamp format', { type: 'timestamp', format: 'dd.MM.yyyy HH:mm' }, '.', '22.11.2026 08:59', '2026-11-22T08:59:00'],
    ['timestamp millis', { type: 'timestamp', format: 'yyyy-MM-dd HH:mm:ss.SSS' }, '.', '2026-11-22 03:04:14.007', '2026-11-22T03:04:14.007'],
    ['text', { type: 'string' }, '.', 'New York, NY', '"New York, NY"'],
    ['text', { type: 'string' }, '.', 'say "hi"', '"say ""hi"""'],
    ['text', { type: 'string' }, '.', '', '""'],
  ])('%s: takes the common shape %#', (_, column, separator, text, expected) => {
    const out = new ByteBuilder(1);
    expect(byteValueWriter(column, { decimalSeparator: separator })(Buffer.from(text), 0, text.length, out)).toBe(true);
    expect(out.buf.toString('latin1', 0, out.length)).toBe(expected);
  });

  it('copies valid UTF-8 text as the string path would re-encode it', () => {
    for (const text of ['Köln Hbf', 'Åndalsnes, "Nord"', '😀\nx', 'ø']) {
      const buf = Buffer.from(text, 'utf8');
      const out = new ByteBuilder(2);
      expect(textByteWriter(buf, 0, buf.length, out)).toBe(true);
      expect(out.buf.subarray(0, out.length)).toEqual(Buffer.from(csvField(text), 'utf8'));
    }
  });

  it('transcodes latin1 text to UTF-8 as decoding and re-encoding would', () => {
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    for (const text of [every, Buffer.from('Tromsø', 'latin1'), Buffer.from('"Åre", x', 'latin1'), Buffer.alloc(0), Buffer.from('plain')]) {
      const out = new ByteBuilder(1);
      expect(latin1TextByteWriter(text, 0, text.length, out)).toBe(true);
      expect(out.buf.subarray(0, out.length)).toEqual(Buffer.from(csvField(text.toString('latin1')), 'utf8'));
    }
  });
  it('copies exactly the well-formed UTF-8 that Node decodes without replacement, and declines the rest', () => {
    const samples: Buffer[] = [];
    // Every lead byte with every second byte, then a third and fourth from the edges of the ranges.
    for (let a = 0x80; a < 0x100; a++) {
      for (let b = 0; b < 0x100; b++) {
        for (const tail of [[], [0x80], [0xbf, 0x80], [0x7f], [0x80, 0xc0], [0x41]]) samples.push(Buffer.from([0x61, a, b, ...tail]));
      }
    }
    let state = 3;
    const next = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) >>> 16) & 0xff;
    for (let k = 0; k < 20000; k++) samples.push(Buffer.from(Array.from({ length: 1 + (next() % 9) }, () => (next() < 40 ? 0x22 : next() | 0x80))));
    samples.push(Buffer.from('Köln, "Hbf" 😀 \u{10ffff} \ud7ff \ue000', 'utf8'));
    let copied = 0;
    for (const bytes of samples) {
      const out = new ByteBuilder(1);
      const ok = utf8TextByteWriter(bytes, 0, bytes.length, out);
      if (ok !== isUtf8(bytes)) expect({ bytes: bytes.toString('hex'), ok }).toEqual({ bytes: bytes.toString('hex'), ok: isUtf8(bytes) });
      if (ok) {
        copied++;
        expect(out.buf.subarray(0, out.length)).toEqual(Buffer.from(csvField(bytes.toString('utf8')), 'utf8'));
      } else {
        expect(out.length).toBe(0);
      }
    }
    expect(copied).toBeGreaterThan(1000);
  });
});
