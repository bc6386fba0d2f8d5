/** Public API of the CSV tokenizer used on the ingestion hot path. */
export {
  CSV_FIELD_ESCAPED,
  CSV_FIELD_NON_ASCII,
  CSV_MALFORMED_REASONS,
  CSV_RAW_SAMPLE_BYTES,
  CsvTokenizer,
  DEFAULT_CSV_MAX_ROW_BYTES,
  type CsvDialect,
  type CsvRowSink,
  type CsvTokenizerOptions,
} from './tokenizer.js';
