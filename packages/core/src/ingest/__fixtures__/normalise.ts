// Runs one member through the tokenizer and a row normaliser, as the extract unit does, by one of
// the normaliser's paths, so tests can hold the paths to each other.
import { compileDialect } from '../../csv/dialect.js';
import { CsvTokenizer } from '../../csv/tokenizer.js';
import type { CsvRowSink, CsvTokenizerOptions } from '../../csv/row-sink.js';
import type { PartnerSpec } from '../../spec/schema.js';
import { ByteBuilder } from '../byte-builder.js';
import { KeyDigests } from '../key-hash.js';
import { planMemberLayout } from '../member-layout.js';
import { RowNormaliser } from '../row-normaliser.js';

/** Which of the normaliser's paths a run may use: strings only, also bytes, also the fast path. */
export type NormalisePath = 'strings' | 'bytes' | 'fast';

/** Runs one member through the tokenizer and a normaliser the way the extract unit does. */
export function normalise(spec: PartnerSpec, table: string, input: Buffer, splits: number[], path: NormalisePath, options: CsvTokenizerOptions = {}) {
  const csv = spec.csv;
  const dialect = { delimiter: csv.delimiter, quote: csv.quote, escape: csv.escape ?? csv.quote, encoding: csv.encoding };
  const keys = new KeyDigests();
  const out = new ByteBuilder(8);
  const reports: unknown[] = [];
  let normaliser: RowNormaliser | undefined;
  const sink: CsvRowSink = {
    row(fields, line) {
      if (!normaliser) {
        const planned = planMemberLayout(spec.tables[table]!, csv, fields);
        if (!planned.ok) throw new Error(planned.reason);
        normaliser = new RowNormaliser(planned.layout, new Set(csv.nullValues), keys, 'a.tar.gz:m.csv', {
          encoding: csv.encoding,
          unescape: compileDialect(dialect).unescape,
          ...(path === 'fast' ? { delimiter: dialect.delimiter, quote: dialect.quote, escape: dialect.escape } : {}),
        });
        out.text(normaliser.headerLine());
        return;
      }
      const text = normaliser.row(fields, line);
      if (text.startsWith('!')) reports.push({ line, reason: text.slice(1), fields });
      else out.text(text);
    },
    malformed(reason, line, raw) {
      normaliser!.metrics.malformedRows++;
      reports.push({ line, reason, raw });
    },
  };
  if (path !== 'strings') sink.rowBytes = (buf, starts, ends, flags, count, line) => normaliser !== undefined && normaliser.rowBytes(buf, starts, ends, flags, count, line, out);
  let fastRows = 0;
  if (path === 'fast') {
    sink.fastRows = (buf, end, cursor) => {
      if (normaliser === undefined) return;
      normaliser.fastRows(buf, end, cursor, out);
      fastRows += cursor.rows;
    };
  }
  const tokenizer = new CsvTokenizer(dialect, sink, options);
  let from = 0;
  for (const at of [...splits, input.length]) {
    tokenizer.write(input.subarray(from, at));
    from = at;
  }
  tokenizer.end();
  const result = { part: out.take().toString('latin1'), metrics: normaliser!.finish(input.length), keys: [...keys.sorted()].join(','), reports };
  // Not part of the result compared between paths: how many rows the fast path took.
  Object.defineProperty(result, 'fastRows', { value: fastRows, enumerable: false });
  return result as typeof result & { readonly fastRows: number };
}
