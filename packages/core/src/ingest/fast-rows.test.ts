// The fast path (fast-rows.ts) must be invisible in results: on random members mixing every shape
// it takes and every shape it must leave to the tokenizer, in random column orders and random
// chunks, the part bytes, figures and key digests equal the string path's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../csv/bench-data.js';
import { fastRowsKernel, KERNEL_LIMITS, setKernelMode } from './fast-rows-kernel.js';
import type { KernelMode } from './fast-rows-kernel.js';
import { specWith } from './__fixtures__/kit.js';
import { normalise } from './__fixtures__/normalise.js';

const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

// Values per column: mostly what partners send, plus nulls, quoting, and values the fast path
// must refuse (type errors, non-canonical forms, escapes, line breaks, bad UTF-8).
const NULLS = ['', 'NULL', '\\N', '"NULL"', '""'];
const VALUES: Record<string, string[]> = {
  ID: ['B1', 'B2', 'B3', 'B1', 'SRCH-0000000001', '"B,4"', '"B""5"', 'Bé', '"B6"', 'B 7', '', 'NULL'],
  N: ['0', '7', '-3', '+12', '0042', '1e5', 'x', '12345678901234567890', '"5"', ' 5'],
  AMT: ['10.50', '-0.5', '+1.', '.5', '1,5', '"1,5"', '1.2.3', '100', 'abc'],
  DAY: ['2026-11-22', '2024-02-29', '2026-02-29', '2026-13-01', '2026-11-22T00:00:00Z', '"2026-11-22"', '22.11.2026', '0999-01-01'],
  TS: ['2026-11-22T03:04:14Z', '2026-11-22T23:59:60Z', '2026-11-22T24:00:00Z', '2026-11-22 03:04:14', '2026-11-22T03:04:14+01:00', '"2026-11-22T03:04:14Z"'],
  FLAG: ['true', 'false', 'TRUE', 't', 'no', '1', 'maybe', '"true"'],
  LOCAL: ['22.11.2026', '1.1.2026', '31.02.2026', '"22.11.2026"', '2026-11-22'],
  NOTE: ['hi', 'Köln', '"a, b"', '"x ""q"" y"', '"multi\nline"', 'a"b', 'São Paulo', '😀', 'bad \u0001 utf-8', '"tab\tx"', 'plain text', '"Paris"', '"quoted, with ""q"""'],
  EXTRA: ['x', 'y', '"z, w"', 'ü', ''],
};
const HEADERS = Object.keys(VALUES);
const BAD_UTF8 = '\u0001';

const spec = specWith(`csv: { delimiter: ",", quote: '"', encoding: utf-8, header: true, nullValues: ["", "NULL", "\\\\N"] }
tables:
  t:
    primaryKey: [id, n]
    onNewColumn: keep
    columns:
      id: { from: ID, type: string }
      n: { from: N, type: integer }
      amount: { from: AMT, type: decimal }
      day: { from: DAY, type: date }
      at: { from: TS, type: timestamp }
      flag: { from: FLAG, type: boolean }
      local: { from: LOCAL, type: date, format: dd.MM.yyyy }
      note: { from: NOTE, type: string }
      absent: { from: NOT_SENT, type: string }
`);

/** A random member: a random column order (sometimes dropping one), mostly good rows, some bad ones. */
function member(rng: () => number, rows: number, fastShare: number): Buffer {
  const headers = [...HEADERS].sort(() => rng() - 0.5).filter((h) => h === 'ID' || h === 'N' || rng() > 0.1);
  const lines = [headers.join(',')];
  for (let r = 0; r < rows; r++) {
    const plain = rng() < fastShare;
    const fields = headers.map((h) => {
      if (rng() < 0.1) return pick(rng, NULLS);
      // Plain rows take the first (canonical) values only.
      const values = VALUES[h]!;
      return plain ? pick(rng, values.slice(0, 2)) : pick(rng, values);
    });
    if (!plain && rng() < 0.05) fields.pop(); // a row with a field missing
    lines.push(fields.join(','));
  }
  // Mixed line ends, now and then an empty line, and sometimes none after the last row.
  let text = '';
  for (const line of lines) text += line + pick(rng, ['\n', '\n', '\n', '\r\n', '\r\n', '\n\n']);
  if (rng() < 0.3) text = text.replace(/\r?\n+$/, '');
  // UTF-8, but for the stand-in of two bytes that are not.
  const pieces = text.split(BAD_UTF8).map((piece) => Buffer.from(piece, 'utf8'));
  return Buffer.concat(pieces.flatMap((piece, i) => (i === 0 ? [piece] : [Buffer.from([0xff, 0xfe]), piece])));
}

// Each mode of the WebAssembly kernel: off (the JavaScript fast path alone), auto (what runs:
// layouts without a byte-writer column), always (every layout, so rows for a writer go back and forth).
describe.each<KernelMode>(['off', 'auto', 'always'])('FastRows, WebAssembly kernel %s', (mode) => {
  beforeAll(() => setKernelMode(mode));
  afterAll(() => setKernelMode('auto'));

  it('gives the string path results on random members, in random chunks', () => {
    let fastRows = 0;
    let rows = 0;
    for (let seed = 1; seed <= 120; seed++) {
      const rng = prng(seed);
      const input = member(rng, 40, seed % 3 === 0 ? 0.95 : 0.6);
      const splits = [...new Set(Array.from({ length: Math.floor(rng() * 6) }, () => 1 + Math.floor(rng() * (input.length - 1))))].sort((a, b) => a - b);
      const reference = normalise(spec, 't', input, [], 'strings');
      const fast = normalise(spec, 't', input, splits, 'fast');
      expect({ seed, splits, ...fast }).toEqual({ seed, splits, ...reference });
      fastRows += fast.fastRows;
      rows += reference.metrics.rows;
    }
    // The fast path took a real share of the rows, and the general path the rest.
    expect(fastRows).toBeGreaterThan(rows / 4);
    expect(fastRows).toBeLessThan(rows);
  });

  it('copies canonical booleans, rewrites other spellings, and digests a boolean key part as the string path does', () => {
    const flagged = specWith(`csv: { delimiter: ",", quote: '"', header: true, nullValues: [""] }
tables:
  t:
    primaryKey: [flag, id]
    columns:
      id: { from: ID, type: string }
      flag: { from: FLAG, type: boolean }
`);
    const input = Buffer.from('ID,FLAG\na,true\nb,false\nc,t\nd,NO\ne,\nf,maybe\na,yes\n');
    const reference = normalise(flagged, 't', input, [], 'strings');
    const fast = normalise(flagged, 't', input, [], 'fast');
    expect(fast).toEqual(reference);
    expect(fast.part).toBe('id,flag\na,true\nb,false\nc,true\nd,false\ne,\nf,maybe\na,true\n');
    // `a,yes` is `a,true` again: the same key.
    expect(fast.metrics.rows).toBe(7);
    // Every row but the type error (`maybe`, kept as sent and counted) is taken by the fast path.
    expect(fast.fastRows).toBe(6);
  });

  it('leaves rows over maxRowBytes to the tokenizer, which reports them', () => {
    const input = Buffer.from(['ID,N,NOTE', 'B1,1,short', `B2,2,${'x'.repeat(40)}`, 'B3,3,short again', ''].join('\n'));
    const reference = normalise(spec, 't', input, [], 'strings', { maxRowBytes: 30 });
    const fast = normalise(spec, 't', input, [], 'fast', { maxRowBytes: 30 });
    expect(fast).toEqual(reference);
    expect(fast.fastRows).toBe(2);
    expect(reference.reports).toEqual([expect.objectContaining({ line: 3, reason: 'row exceeds 30 bytes' })]);
  });

  it('stays out of a dialect whose delimiter can occur inside a date, and changes nothing there', () => {
    const dashed = specWith(`csv: { delimiter: "-", quote: '"', header: true, nullValues: [""] }
tables:
  t:
    columns:
      id: { from: ID, type: string }
      day: { from: DAY, type: date }
`);
    const input = Buffer.from('ID-DAY\na-"2026-11-22"\nb-2026\n');
    const reference = normalise(dashed, 't', input, [], 'strings');
    const fast = normalise(dashed, 't', input, [], 'fast');
    expect(fast).toEqual(reference);
    expect(fast.fastRows).toBe(0);
  });
});

describe('FastRows, the WebAssembly kernel', () => {
  beforeAll(() => setKernelMode('always'));
  afterAll(() => setKernelMode('auto'));
  const keyed = specWith(`csv: { delimiter: ",", quote: '"', header: true, nullValues: ["", "NULL"] }
tables:
  t:
    primaryKey: [id]
    columns:
      id: { from: ID, type: string }
      n: { from: N, type: integer }
      flag: { from: FLAG, type: boolean }
      note: { from: NOTE, type: string }
`);

  /** Runs the member by the fast path and by the string path, asserts the same results, and returns the fast run's. */
  function same(input: Buffer, splits: number[] = [], spec = keyed) {
    const kernel = fastRowsKernel()!;
    kernel.owner = undefined;
    const fast = normalise(spec, 't', input, splits, 'fast');
    expect(kernel.owner).toBeDefined(); // the kernel took this member's layout
    expect(fast).toEqual(normalise(spec, 't', input, splits, 'strings'));
    return fast;
  }

  it('is available on this runtime', () => {
    expect(fastRowsKernel()).toBeDefined();
  });

  it('takes a chunk larger than its window in several calls, and more rows than it holds digests for', () => {
    // ~0.9 MB in one chunk, 58,000 rows of ~16 bytes: several windows, and more rows in one than it holds digests for.
    const rows = Array.from({ length: 58_000 }, (_, i) => `k${String(i % 50_000).padStart(6, '0')},${i % 97},${i % 3 ? 'true' : 'false'},${i % 7 ? 'n' : '"n,x"'}`);
    const input = Buffer.from(['ID,N,FLAG,NOTE', ...rows, ''].join('\n'));
    expect(input.length).toBeGreaterThan(3 * KERNEL_LIMITS.inputBytes);
    const fast = same(input);
    expect(fast.fastRows).toBe(58_000);
    expect(fast.metrics.rows).toBe(58_000);
  });

  it('hands a row longer than its window to the JavaScript fast path, and goes on after it', () => {
    const long = 'x'.repeat(KERNEL_LIMITS.inputBytes + 1000);
    const input = Buffer.from(['ID,N,FLAG,NOTE', 'a,1,true,short', `b,2,false,${long}`, 'c,3,,NULL', 'd,4,true,"quoted, with a comma"', ''].join('\r\n'));
    const fast = same(input, [7]);
    expect(fast.fastRows).toBe(4);
  });

  it('hands rows for a byte writer to the JavaScript fast path one at a time, in order', () => {
    const spellings = ['true', 'yes', 'false', 'N', 'T', 'false', '0', 'true'];
    const rows = Array.from({ length: 20_000 }, (_, i) => `id${i},${i},${spellings[i % spellings.length]},${i % 5 ? 'note' : 'NULL'}`);
    const input = Buffer.from(['ID,N,FLAG,NOTE', ...rows, ''].join('\n'));
    const fast = same(input, [70_000]);
    // All but the row that spans the two chunks, which the tokenizer takes.
    expect(fast.fastRows).toBe(19_999);
  });

  it('leaves a row it refuses to the tokenizer in the middle of a window, and takes the rows after it', () => {
    const input = Buffer.from(['ID,N,FLAG,NOTE', 'a,1,true,x', 'b,2,true,"two\nlines"', 'c,x3,true,x', 'd,4,true,"say ""hi"""', 'e,5,true,x', ''].join('\n'));
    const fast = same(input);
    expect(fast.fastRows).toBe(2);
  });

  it('writes empty text quoted where the empty field is not a null token, and counts only the token as null', () => {
    const spec = specWith(`csv: { delimiter: ",", quote: '"', header: true, nullValues: ["-"] }
tables:
  t:
    primaryKey: [id]
    columns:
      id: { from: ID, type: string }
      note: { from: NOTE, type: string }
      n: { from: N, type: integer }
`);
    const input = Buffer.from('ID,NOTE,N\na,,1\nb,"",2\n,x,3\nc,-,-\n"",y,4\n');
    const fast = same(input, [], spec);
    expect(fast.part).toBe('id,note,n\na,"",1\nb,"",2\n"",x,3\nc,,\n"",y,4\n');
    expect(fast.fastRows).toBe(5);
  });
});

describe('FastRows, the WebAssembly kernel, on byte soup', () => {
  beforeAll(() => setKernelMode('always'));
  afterAll(() => setKernelMode('auto'));

  // Good rows with random pieces put in: delimiters, quotes, line ends, digits and date parts, null
  // tokens, bytes of UTF-8 and not. About half the rows are broken somewhere, so the kernel's
  // refusals and its hand-overs at chunk edges are compared with the string path, row by row.
  const PIECES = [',', ',', ',', '"', '""', '\n', '\r\n', '\r', 'a', 'xyz', '7', '-3', '12.5', '2026-11-22', 'T03:04:14Z', '2026-02-30', 'true', 'yes', 'NULL', '\\N', 'é', ' ', BAD_UTF8];

  it('gives the string path results', () => {
    let fastRows = 0;
    let allRows = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const rng = prng(1000 + seed);
      // Without LOCAL, a column for a byte writer, so that good rows stay in the kernel.
      const header = HEADERS.filter((h) => h !== 'LOCAL').sort(() => rng() - 0.5);
      let text = `${header.join(',')}\n`;
      const rows = 5 + Math.floor(rng() * 60);
      for (let r = 0; r < rows; r++) {
        // A good row, then in half the rows one to three random pieces put in at random places.
        let row = header.map((h) => (rng() < 0.15 ? pick(rng, NULLS) : pick(rng, VALUES[h]!.slice(0, 2)))).join(',');
        if (rng() < 0.5) {
          for (let m = 1 + Math.floor(rng() * 3); m > 0; m--) {
            const at = Math.floor(rng() * (row.length + 1));
            row = row.slice(0, at) + pick(rng, PIECES) + row.slice(at);
          }
        }
        text += row + pick(rng, ['\n', '\n', '\r\n']);
      }
      const pieces = text.split(BAD_UTF8).map((piece) => Buffer.from(piece, 'utf8'));
      const input = Buffer.concat(pieces.flatMap((piece, i) => (i === 0 ? [piece] : [Buffer.from([0xc3]), piece])));
      const splits = [...new Set(Array.from({ length: Math.floor(rng() * 4) }, () => 1 + Math.floor(rng() * (input.length - 1))))].sort((a, b) => a - b);
      const reference = normalise(spec, 't', input, splits, 'strings');
      const fast = normalise(spec, 't', input, splits, 'fast');
      expect({ seed, ...fast }).toEqual({ seed, ...reference });
      fastRows += fast.fastRows;
      allRows += rows;
    }
    // The kernel took a real share of the rows (the good ones), and refused the rest.
    expect(fastRows).toBeGreaterThan(allRows / 3);
    expect(fastRows).toBeLessThan(allRows);
  });
});
