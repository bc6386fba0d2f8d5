/** Public API of the CSV tokenizer used on the ingestion hot path. */
export {
  CSV_FIELD_ESCAPED,
  CSV_FIELD_NON_ASCII,
  CSV_MALFORMED_REASONS,
  CSV_RAW_SAMPLE_BYTES,
  DEFAULT_CSV_MAX_ROW_BYTES,
  type CsvFastCursor,
  type CsvRowSink,
  type CsvTokenizerOptions,
} from './row-sink.js';
export { CsvTokenizer, type CsvDialect } from './tokenizer.js';
