import { describe, expect, it } from 'vitest';
import { CSV_RAW_SAMPLE_BYTES, DEFAULT_CSV_MAX_ROW_BYTES, type CsvTokenizerOptions } from './row-sink.js';
import { CsvTokenizer, type CsvDialect } from './tokenizer.js';

const RFC: CsvDialect = { delimiter: ',', quote: '"', escape: '"', encoding: 'utf-8' };
const BACKSLASH: CsvDialect = { ...RFC, escape: '\\' };
const LATIN1: CsvDialect = { ...RFC, encoding: 'latin1' };

type Event = { row: string[]; line: number } | { malformed: string; line: number; raw: string };

/** Tokenises `input` delivered as the given chunks (cut at the given offsets) and records every event. */
function tokenize(
  input: Buffer | string,
  { dialect = RFC, options, cuts = [] }: { dialect?: CsvDialect; options?: CsvTokenizerOptions; cuts?: number[] } = {},
): Event[] {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const events: Event[] = [];
  const tokenizer = new CsvTokenizer(
    dialect,
    {
      row: (row, line) => events.push({ row, line }),
      malformed: (malformed, line, raw) => events.push({ malformed, line, raw }),
    },
    options,
  );
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    // Copy each chunk so a tokenizer that kept a reference to a previous chunk would be caught.
    tokenizer.write(Buffer.from(bytes.subarray(from, cut)));
    from = cut;
  }
  tokenizer.end();
  return events;
}

const rows = (input: Buffer | string, dialect: CsvDialect = RFC) =>
  tokenize(input, { dialect }).map((e) => ('row' in e ? e.row : e));

/** Seeded PRNG so failures are reproducible. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('CsvTokenizer: rows and fields', () => {
  it('splits rows and fields and numbers lines from 1', () => {
    expect(tokenize('a,b,c\n1,2,3\n')).toEqual([
      { row: ['a', 'b', 'c'], line: 1 },
      { row: ['1', '2', '3'], line: 2 },
    ]);
  });

  it('treats the final line end as optional and emits no row after it', () => {
    expect(rows('a,b\nc,d')).toEqual([['a', 'b'], ['c', 'd']]);
    expect(rows('a,b\nc,d\n')).toEqual([['a', 'b'], ['c', 'd']]);
  });

  it('keeps empty fields, including leading and trailing ones', () => {
    expect(rows(',')).toEqual([['', '']]);
    expect(rows('a,\n,b\n,,\n')).toEqual([['a', ''], ['', 'b'], ['', '', '']]);
    expect(rows('"",""\n""')).toEqual([['', ''], ['']]);
  });

  it('accepts LF, CRLF and a lone CR as line ends', () => {
    expect(tokenize('a\r\nb\rc\nd\r\n')).toEqual([
      { row: ['a'], line: 1 },
      { row: ['b'], line: 2 },
      { row: ['c'], line: 3 },
      { row: ['d'], line: 4 },
    ]);
  });

  it('skips empty lines by default but still counts them', () => {
    expect(tokenize('\na\n\r\n\rb\n\n')).toEqual([
      { row: ['a'], line: 2 },
      { row: ['b'], line: 5 },
    ]);
  });

  it('emits empty lines as [""] with skipEmptyLines: false', () => {
    expect(tokenize('a\n\r\nb\n\n', { options: { skipEmptyLines: false } })).toEqual([
      { row: ['a'], line: 1 },
      { row: [''], line: 2 },
      { row: ['b'], line: 3 },
      { row: [''], line: 4 },
    ]);
  });

  it('produces nothing for empty input', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize('\n\n')).toEqual([]);
  });

  it('never trims whitespace', () => {
    expect(rows(' a , b\t,\t')).toEqual([[' a ', ' b\t', '\t']]);
  });

  it('supports other delimiters and quote characters', () => {
    expect(rows('a;"b;c";d', { ...RFC, delimiter: ';' })).toEqual([['a', 'b;c', 'd']]);
    expect(rows('a\t"b\tc"\td', { ...RFC, delimiter: '\t' })).toEqual([['a', 'b\tc', 'd']]);
    expect(rows("a|'b|''c'''|d", { delimiter: '|', quote: "'", escape: "'", encoding: 'utf-8' })).toEqual([
      ['a', "b|'c'", 'd'],
    ]);
  });

  it('hands every row a fresh array', () => {
    const events = tokenize('a,b\nc,d\n');
    const [first, second] = events as unknown as [{ row: string[] }, { row: string[] }];
    expect(first.row).not.toBe(second.row);
  });
});

describe('CsvTokenizer: quoted fields', () => {
  it('keeps delimiters, doubled quotes and line breaks inside quotes', () => {
    expect(rows('"a,b","say ""hi""","x\ny"')).toEqual([['a,b', 'say "hi"', 'x\ny']]);
    expect(rows('""""')).toEqual([['"']]);
  });

  it('counts physical lines inside quoted fields (LF, CRLF and CR)', () => {
    expect(tokenize('h\n"a\nb\r\nc\rd",e\nnext\n')).toEqual([
      { row: ['h'], line: 1 },
      { row: ['a\nb\r\nc\rd', 'e'], line: 2 },
      { row: ['next'], line: 6 },
    ]);
  });

  it('treats a quote that does not open a field as an ordinary character', () => {
    expect(rows('a,b "c" d,e"\n x ,"y"')).toEqual([
      ['a', 'b "c" d', 'e"'],
      [' x ', 'y'],
    ]);
    expect(rows('a, "b" ,c')).toEqual([['a', ' "b" ', 'c']]);
  });

  it('with escape "\\", unescapes \\" and \\\\ inside quoted fields only', () => {
    expect(rows('"a\\"b","c\\\\d","e\\nf",\\N,x\\"y', BACKSLASH)).toEqual([['a"b', 'c\\d', 'e\\nf', '\\N', 'x\\"y']]);
    expect(rows('"\\"\\\\\\""', BACKSLASH)).toEqual([['"\\"']]);
  });

  it('with escape "\\", a doubled quote ends the field and is malformed', () => {
    expect(tokenize('"a""b"\nok', { dialect: BACKSLASH })).toEqual([
      { malformed: 'unexpected character after closing quote', line: 1, raw: '"a""b"' },
      { row: ['ok'], line: 2 },
    ]);
  });

  it('unescapes quoted fields that also contain non-ASCII text', () => {
    expect(rows('"Zoë said ""hé""",€')).toEqual([['Zoë said "hé"', '€']]);
    expect(rows('"Zoë \\"hé\\""', BACKSLASH)).toEqual([['Zoë "hé"']]);
  });
});

describe('CsvTokenizer: encodings and BOM', () => {
  it('decodes UTF-8, including characters of every length', () => {
    expect(rows('é,€,😀,李娜\nascii')).toEqual([['é', '€', '😀', '李娜'], ['ascii']]);
  });

  it('replaces invalid UTF-8 with U+FFFD instead of failing', () => {
    expect(rows(Buffer.from([0x61, 0xff, 0x2c, 0x62]))).toEqual([['a\uFFFD', 'b']]);
  });

  it('decodes latin1 byte by byte', () => {
    const bytes = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x2c, 0x22, 0xfc, 0x22, 0x22, 0x22, 0x0a, 0x80]);
    expect(rows(bytes, LATIN1)).toEqual([['café', 'ü"'], ['\u0080']]);
  });

  it('strips a UTF-8 BOM at the start only', () => {
    expect(tokenize('\uFEFFa,b\n\uFEFFc')).toEqual([
      { row: ['a', 'b'], line: 1 },
      { row: ['\uFEFFc'], line: 2 },
    ]);
    expect(rows('\uFEFF')).toEqual([]);
  });

  it('strips a BOM that arrives split over chunks', () => {
    const input = Buffer.from('\uFEFFid\n1');
    for (const cuts of [[1], [2], [1, 2], [3], [1, 4]]) {
      expect(tokenize(input, { cuts })).toEqual([
        { row: ['id'], line: 1 },
        { row: ['1'], line: 2 },
      ]);
    }
  });

  it('keeps a truncated BOM prefix as data', () => {
    expect(rows(Buffer.from([0xef, 0xbb]), LATIN1)).toEqual([['ï»']]);
    expect(rows(Buffer.from([0xef, 0xbb, 0x61]))).toEqual([['\uFFFDa']]);
  });

  it('keeps the BOM bytes as data in latin1 mode', () => {
    expect(rows(Buffer.from('\uFEFFa'), LATIN1)).toEqual([['ï»¿a']]);
  });
});

describe('CsvTokenizer: malformed rows', () => {
  it('reports text after a closing quote and resyncs at the next line end', () => {
    expect(tokenize('h\n"ab"c,d\n1,2\n')).toEqual([
      { row: ['h'], line: 1 },
      { malformed: 'unexpected character after closing quote', line: 2, raw: '"ab"c,d' },
      { row: ['1', '2'], line: 3 },
    ]);
  });

  it('reports a multi-line row at its first line and keeps counting lines', () => {
    expect(tokenize('"a\nb"x,"c\nd"\r\nok\n')).toEqual([
      { malformed: 'unexpected character after closing quote', line: 1, raw: '"a\nb"x,"c' },
      { row: ['d"'], line: 3 },
      { row: ['ok'], line: 4 },
    ]);
  });

  it('reports an unterminated quoted field at the end of input', () => {
    expect(tokenize('a,b\nc,"d\ne,f')).toEqual([
      { row: ['a', 'b'], line: 1 },
      { malformed: 'unterminated quoted field', line: 2, raw: 'c,"d\ne,f' },
    ]);
    expect(tokenize('"')).toEqual([{ malformed: 'unterminated quoted field', line: 1, raw: '"' }]);
    expect(tokenize('"a\\', { dialect: BACKSLASH })).toEqual([
      { malformed: 'unterminated quoted field', line: 1, raw: '"a\\' },
    ]);
  });

  it('reports a row longer than maxRowBytes and continues with the next one', () => {
    expect(tokenize('abcdefghijk,l\nshort\n', { options: { maxRowBytes: 10 } })).toEqual([
      { malformed: 'row exceeds 10 bytes', line: 1, raw: 'abcdefghijk,l' },
      { row: ['short'], line: 2 },
    ]);
    expect(tokenize('0123456789\n', { options: { maxRowBytes: 10 } })).toEqual([{ row: ['0123456789'], line: 1 }]);
  });

  it('resyncs a stray quote at the first line end past maxRowBytes', () => {
    // Byte 12 of the row is the line end after "1,a": the first one at or beyond the limit.
    const input = 'id,"oops\n1,a\n2,b\n3,c\n';
    expect(tokenize(input, { options: { maxRowBytes: 12 } })).toEqual([
      { malformed: 'row exceeds 12 bytes', line: 1, raw: 'id,"oops\n1,a' },
      { row: ['2', 'b'], line: 3 },
      { row: ['3', 'c'], line: 4 },
    ]);
    expect(tokenize(input, { options: { maxRowBytes: 13 } })[0]).toEqual({
      malformed: 'row exceeds 13 bytes',
      line: 1,
      raw: 'id,"oops\n1,a\n2,b',
    });
  });

  it('prefers the size reason over the quote reason once a row is over the limit', () => {
    expect(tokenize('"abcdefghijklmnop"x\nok', { options: { maxRowBytes: 10 } })).toEqual([
      { malformed: 'row exceeds 10 bytes', line: 1, raw: '"abcdefghijklmnop"x' },
      { row: ['ok'], line: 2 },
    ]);
    expect(tokenize('"abcdefghijklmnop', { options: { maxRowBytes: 10 } })).toEqual([
      { malformed: 'row exceeds 10 bytes', line: 1, raw: '"abcdefghijklmnop' },
    ]);
  });

  it('truncates the raw sample and keeps memory bounded on a huge row', () => {
    const limit = 100_000;
    const events: Event[] = [];
    const tokenizer = new CsvTokenizer(
      RFC,
      {
        row: (row, line) => events.push({ row, line }),
        malformed: (malformed, line, raw) => events.push({ malformed, line, raw }),
      },
      { maxRowBytes: limit },
    );
    const chunk = Buffer.alloc(16 * 1024, 'x');
    tokenizer.write(Buffer.from('"'));
    let largestCarry = 0;
    for (let i = 0; i < 200; i++) {
      tokenizer.write(chunk); // 3.2 MB of one unterminated field
      largestCarry = Math.max(largestCarry, (tokenizer as unknown as { carry: Buffer }).carry.length);
    }
    tokenizer.write(Buffer.from('\nafter,row\n'));
    tokenizer.end();
    expect(largestCarry).toBeLessThanOrEqual(2 * (limit + chunk.length));
    expect(events).toEqual([
      { malformed: 'row exceeds 100000 bytes', line: 1, raw: `"${'x'.repeat(CSV_RAW_SAMPLE_BYTES - 1)}` },
      { row: ['after', 'row'], line: 2 },
    ]);
  });

  it('defaults maxRowBytes to 8 MiB', () => {
    expect(DEFAULT_CSV_MAX_ROW_BYTES).toBe(8 * 1024 * 1024);
    const big = Buffer.alloc(DEFAULT_CSV_MAX_ROW_BYTES + 1, 'y');
    expect(tokenize(Buffer.concat([big, Buffer.from('\nok')])).map((e) => ('row' in e ? e.row : e.malformed))).toEqual([
      'row exceeds 8388608 bytes',
      ['ok'],
    ]);
  });
});

describe('CsvTokenizer: API misuse', () => {
  const sink = { row() {}, malformed() {} };

  it('rejects dialects it cannot tokenise', () => {
    expect(() => new CsvTokenizer({ ...RFC, delimiter: ';;' }, sink)).toThrow(/delimiter must be one ASCII character/);
    expect(() => new CsvTokenizer({ ...RFC, delimiter: '\n' }, sink)).toThrow(/delimiter/);
    expect(() => new CsvTokenizer({ ...RFC, quote: '«' }, sink)).toThrow(/quote/);
    expect(() => new CsvTokenizer({ ...RFC, delimiter: '"' }, sink)).toThrow(/must differ/);
    expect(() => new CsvTokenizer({ ...RFC, encoding: 'utf-16' as 'utf-8' }, sink)).toThrow(/encoding/);
    expect(() => new CsvTokenizer(RFC, sink, { maxRowBytes: 0 })).toThrow(/maxRowBytes/);
  });

  it('refuses writes after end()', () => {
    const tokenizer = new CsvTokenizer(RFC, sink);
    tokenizer.end();
    expect(() => tokenizer.write(Buffer.from('a'))).toThrow(/after end/);
  });
});

/** Inputs whose tokenisation must not depend on where the chunks are cut. */
const TRICKY: Array<{ name: string; input: string | Buffer; dialect?: CsvDialect; options?: CsvTokenizerOptions }> = [
  { name: 'quoted fields, doubled quotes, CRLF', input: 'a,"b,""c""",d\r\n"e\r\nf",g\r\n,,\r\n' },
  { name: 'lone CRs and empty lines', input: 'a\r\rb\r\n\r\n"c\r"\rd' },
  { name: 'BOM and multi-byte UTF-8', input: '\uFEFFnaïve,"€uro",😀\n李,"娜\n",é' },
  { name: 'malformed rows in the middle', input: 'x\n"ab"c,d\n"e\nf"g\r\nh,"i"\n"unterminated' },
  { name: 'backslash escapes', input: '"a\\"b\\\\",c\n"d\\\ne"\n\\N', dialect: BACKSLASH },
  { name: 'latin1', input: Buffer.from([0xe9, 0x2c, 0x22, 0xe8, 0x0a, 0x22, 0x0d, 0x0a, 0xff]), dialect: LATIN1 },
  { name: 'empty lines kept', input: '\na\n\r\n\rb', options: { skipEmptyLines: false } },
  { name: 'rows over a small maxRowBytes', input: 'ok\n"abcdefgh\nij"k\nlong,unquoted,row\n"x\ny"\nend', options: { maxRowBytes: 6 } },
  { name: 'stray quote over a small maxRowBytes', input: 'a,"b\nc,d\ne,"f"g\nh\n"i', options: { maxRowBytes: 4 } },
];

describe('CsvTokenizer: chunk boundaries', () => {
  for (const { name, input, dialect, options } of TRICKY) {
    const bytes = typeof input === 'string' ? Buffer.from(input) : input;
    const whole = tokenize(bytes, { dialect, options });

    it(`${name}: every split into two and three chunks gives the one-chunk result`, () => {
      expect(whole.length).toBeGreaterThan(0);
      for (let i = 0; i <= bytes.length; i++) {
        expect(tokenize(bytes, { dialect, options, cuts: [i] }), `cut at ${i}`).toEqual(whole);
        for (let j = i; j <= bytes.length; j++) {
          expect(tokenize(bytes, { dialect, options, cuts: [i, j] }), `cuts at ${i},${j}`).toEqual(whole);
        }
      }
    });

    it(`${name}: byte-by-byte gives the one-chunk result`, () => {
      const cuts = Array.from({ length: bytes.length }, (_, i) => i);
      expect(tokenize(bytes, { dialect, options, cuts })).toEqual(whole);
    });
  }

  it('multi-byte UTF-8 characters split at every byte decode intact', () => {
    const input = Buffer.from('€,"😀€",ü\n"é\n"');
    const expected = [
      { row: ['€', '😀€', 'ü'], line: 1 },
      { row: ['é\n'], line: 2 },
    ];
    for (let i = 0; i <= input.length; i++) expect(tokenize(input, { cuts: [i] })).toEqual(expected);
  });

  it('random CSV-like inputs cut at random positions match the one-chunk result', () => {
    const random = prng(7);
    const alphabet = ['a', 'b', ',', ',', '"', '"', '\n', '\r', '\\', 'é', '€', ' '];
    for (let n = 0; n < 1500; n++) {
      const input = Buffer.from(
        Array.from({ length: Math.floor(random() * 40) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''),
      );
      const dialect = random() < 0.5 ? RFC : BACKSLASH;
      const options = { maxRowBytes: random() < 0.3 ? 1 + Math.floor(random() * 12) : DEFAULT_CSV_MAX_ROW_BYTES };
      const cuts = Array.from({ length: Math.floor(random() * 5) }, () => Math.floor(random() * (input.length + 1))).sort(
        (x, y) => x - y,
      );
      expect(tokenize(input, { dialect, options, cuts }), JSON.stringify({ input: input.toString(), cuts, options })).toEqual(
        tokenize(input, { dialect, options }),
      );
    }
  });
});

/**
 * A deliberately naive, whole-string reference with the documented semantics (no size limit),
 * used as an oracle for random inputs.
 */
function reference(text: string, dialect: CsvDialect, skipEmptyLines = true): Event[] {
  const { delimiter: d, quote: q, escape: e } = dialect;
  const events: Event[] = [];
  const isEol = (ch: string | undefined) => ch === '\n' || ch === '\r';
  let i = text.startsWith('\uFEFF') ? 1 : 0;
  let line = 1;
  const n = text.length;
  const endLine = () => {
    // at a line end character: consume it (CRLF as one) and count the line
    i += text[i] === '\r' && text[i + 1] === '\n' ? 2 : 1;
    line++;
  };
  rows: while (i < n) {
    const rowLine = line;
    const rowStart = i;
    if (isEol(text[i])) {
      endLine();
      if (!skipEmptyLines) events.push({ row: [''], line: rowLine });
      continue;
    }
    const fields: string[] = [];
    for (;;) {
      if (text[i] === q) {
        i++;
        let value = '';
        for (;;) {
          if (i >= n) {
            events.push({ malformed: 'unterminated quoted field', line: rowLine, raw: text.slice(rowStart) });
            return events;
          }
          const ch = text[i]!;
          if (ch === q) {
            if (e === q && text[i + 1] === q) {
              value += q;
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === e && (text[i + 1] === q || text[i + 1] === e)) {
            value += text[i + 1];
            i += 2;
            continue;
          }
          if (ch === '\r' || (ch === '\n' && text[i - 1] !== '\r')) line++;
          value += ch;
          i++;
        }
        fields.push(value);
        if (i >= n) break;
        if (text[i] === d) {
          i++;
          continue;
        }
        if (isEol(text[i])) {
          endLine();
          break;
        }
        let j = i;
        while (j < n && !isEol(text[j])) j++;
        events.push({ malformed: 'unexpected character after closing quote', line: rowLine, raw: text.slice(rowStart, j) });
        i = j;
        if (i < n) endLine();
        continue rows;
      }
      let j = i;
      while (j < n && text[j] !== d && !isEol(text[j])) j++;
      fields.push(text.slice(i, j));
      i = j;
      if (i >= n) break;
      if (text[i] === d) {
        i++;
        continue;
      }
      endLine();
      break;
    }
    events.push({ row: fields, line: rowLine });
  }
  return events;
}

describe('CsvTokenizer: against a reference implementation', () => {
  const dialects: CsvDialect[] = [
    RFC,
    BACKSLASH,
    { delimiter: ';', quote: "'", escape: "'", encoding: 'utf-8' },
    { delimiter: '\t', quote: '"', escape: '\\', encoding: 'utf-8' },
  ];
  const randomText = (random: () => number, alphabet: string[], maxLength: number) =>
    Array.from({ length: Math.floor(random() * maxLength) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  const randomCuts = (random: () => number, length: number) =>
    Array.from({ length: Math.floor(random() * 3) }, () => Math.floor(random() * (length + 1))).sort((x, y) => x - y);

  it('agrees with the naive reference on random UTF-8 inputs', () => {
    const random = prng(11);
    for (let n = 0; n < 4000; n++) {
      const dialect = dialects[n % dialects.length]!;
      const { delimiter: d, quote: q, escape: e } = dialect;
      const alphabet = ['a', 'b', d, d, q, q, q, e, '\n', '\r', ',', 'é', '€', '😀', '\uFEFF'];
      const text = randomText(random, alphabet, 30);
      const skipEmptyLines = random() < 0.5;
      const cuts = randomCuts(random, Buffer.byteLength(text));
      expect(tokenize(text, { dialect, options: { skipEmptyLines }, cuts }), JSON.stringify({ text, dialect })).toEqual(
        reference(text, dialect, skipEmptyLines),
      );
    }
  });

  it('agrees with the naive reference on random latin1 bytes', () => {
    const random = prng(13);
    for (let n = 0; n < 2000; n++) {
      const dialect = { ...dialects[n % dialects.length]!, encoding: 'latin1' as const };
      const { delimiter: d, quote: q, escape: e } = dialect;
      const alphabet = ['a', d, d, q, q, e, '\n', '\r', '\u00e9', '\u00ff', '\u0080', '\u00ef', '\u00bb', '\u00bf'];
      const bytes = Buffer.from(randomText(random, alphabet, 30), 'latin1');
      const cuts = randomCuts(random, bytes.length);
      expect(tokenize(bytes, { dialect, cuts }), JSON.stringify({ text: bytes.toString('latin1'), dialect })).toEqual(
        reference(bytes.toString('latin1'), dialect),
      );
    }
  });
});
