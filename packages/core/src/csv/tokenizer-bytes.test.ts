// CsvRowSink.rowBytes: the byte ranges and flags describe exactly the fields row() would get.
import { describe, expect, it } from 'vitest';
import { compileDialect } from './dialect.js';
import type { CsvDialect } from './dialect.js';
import { CSV_FIELD_ESCAPED, CSV_FIELD_NON_ASCII } from './row-sink.js';
import type { CsvRowSink } from './row-sink.js';
import { CsvTokenizer } from './tokenizer.js';

function tokenise(dialect: CsvDialect, input: Buffer, splits: number[], bytes: boolean) {
  const unescape = compileDialect(dialect).unescape;
  const events: unknown[] = [];
  const sink: CsvRowSink = {
    row: (fields, line) => events.push({ line, fields, via: 'row' }),
    malformed: (reason, line, raw) => events.push({ line, reason, raw }),
  };
  if (bytes) {
    sink.rowBytes = (buf, starts, ends, flags, count, line) => {
      if (line % 3 === 0) return false; // declined rows come back through row()
      const fields: string[] = [];
      for (let i = 0; i < count; i++) {
        const f = flags[i]!;
        const text = buf.toString(f & CSV_FIELD_NON_ASCII && dialect.encoding === 'utf-8' ? 'utf8' : 'latin1', starts[i], ends[i]);
        fields.push(f & CSV_FIELD_ESCAPED ? unescape(text) : text);
      }
      events.push({ line, fields, via: 'row' });
      return true;
    };
  }
  const tokenizer = new CsvTokenizer(dialect, sink);
  let from = 0;
  for (const at of [...splits, input.length]) {
    tokenizer.write(input.subarray(from, at));
    from = at;
  }
  tokenizer.end();
  return events;
}

describe('CsvTokenizer rowBytes', () => {
  it.each<[string, CsvDialect, Buffer]>([
    ['rfc 4180, utf-8', { delimiter: ',', quote: '"', escape: '"', encoding: 'utf-8' }, Buffer.from('\ufeffa,"b,1","c""d"\r\n"x\ny",é,\n"bad"x,1\n,,\n"ü ""q""",z,"', 'utf8')],
    ['backslash, latin1', { delimiter: ';', quote: '"', escape: '\\', encoding: 'latin1' }, Buffer.from('a;"b\\"c";ø\r"d\\\\";e;\n;;x\n"open', 'latin1')],
  ])('gives the same fields as row() (%s), however the input is split', (_, dialect, input) => {
    const reference = tokenise(dialect, input, [], false);
    expect(reference.length).toBeGreaterThanOrEqual(4);
    for (let at = 0; at <= input.length; at++) expect(tokenise(dialect, input, [at], true)).toEqual(reference);
  });
});
