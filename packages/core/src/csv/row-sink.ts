/**
 * What the CSV tokenizer hands out and how it can be tuned: the sink a caller implements (rows as
 * strings, and the optional byte-level fast paths), the field flags of the byte path, the limits
 * and the stable reasons of malformed rows. `tokenizer.ts` holds the tokenizer itself.
 */

/** Receives the tokenizer's output. Calls happen synchronously inside `write()` and `end()`. */
export interface CsvRowSink {
  /**
   * One row. `fields` is a fresh array the sink may keep. `line` is the 1-based physical line on
   * which the row starts (quoted line breaks and skipped empty lines are counted).
   */
  row(fields: string[], line: number): void;
  /**
   * A row that could not be tokenised; it is not passed to `row()`. `reason` is a short stable
   * phrase (see `CsvTokenizer`), `line` is where the row starts and `raw` is the row's text
   * as found in the file, without its line terminator, truncated to {@link CSV_RAW_SAMPLE_BYTES} bytes.
   */
  malformed(reason: string, line: number, raw: string): void;
  /**
   * Optional fast path, tried before `row()` for every well-formed row: the row's fields as byte
   * ranges, so a sink that can work on bytes skips making a string per field. Field `i` is
   * `buf[starts[i], ends[i])`, without its quotes and with escapes not undone; `flags[i]` has
   * {@link CSV_FIELD_ESCAPED} and/or {@link CSV_FIELD_NON_ASCII} set when the bytes are not the
   * text as is. Return `true` when the row was consumed, `false` to get it through `row()`.
   * Everything passed is only valid during the call.
   */
  rowBytes?(buf: Buffer, starts: readonly number[], ends: readonly number[], flags: readonly number[], count: number, line: number): boolean;
  /**
   * Optional fastest path, offered at the start of a row (not after a lone CR): the sink may
   * consume whole rows of `buf[cursor.pos, end)` itself, each exactly one physical line ending in
   * LF or CRLF, none longer than `cursor.maxRowBytes` without its line end, every one a row the
   * tokenizer would have emitted well formed. It moves `cursor.pos` past them and sets
   * `cursor.rows`; the tokenizer goes on from there (and offers again after the next row it
   * tokenises itself). `buf` is only valid during the call.
   */
  fastRows?(buf: Buffer, end: number, cursor: CsvFastCursor): void;
}

/** What {@link CsvRowSink.fastRows} is handed and reports back. */
export interface CsvFastCursor {
  /** Where the next row starts; the sink moves it past the rows it consumed. */
  pos: number;
  /** Set by the sink: how many rows (= physical lines) it consumed. */
  rows: number;
  /** The tokenizer's `maxRowBytes`: a longer row must be left to the tokenizer. */
  readonly maxRowBytes: number;
}

/** Tuning knobs; every field is optional. */
export interface CsvTokenizerOptions {
  /** A row longer than this many bytes is reported as malformed. Default {@link DEFAULT_CSV_MAX_ROW_BYTES}. */
  maxRowBytes?: number;
  /** Drop lines with no bytes at all before their line terminator. Default `true`; if `false`, each is a row `['']`. */
  skipEmptyLines?: boolean;
}

/** Default for {@link CsvTokenizerOptions.maxRowBytes}: 8 MiB. */
export const DEFAULT_CSV_MAX_ROW_BYTES = 8 * 1024 * 1024;

/** At most this many bytes of a malformed row are decoded into the `raw` sample. */
export const CSV_RAW_SAMPLE_BYTES = 4096;

/** The reasons passed to {@link CsvRowSink.malformed}; the size one names the configured limit. */
export const CSV_MALFORMED_REASONS = {
  unterminatedQuote: 'unterminated quoted field',
  afterClosingQuote: 'unexpected character after closing quote',
  rowTooLong: (maxRowBytes: number) => `row exceeds ${maxRowBytes} bytes`,
} as const;

/** {@link CsvRowSink.rowBytes} flag: a quoted field with doubled quotes or escapes still to undo. */
export const CSV_FIELD_ESCAPED = 1;
/** {@link CsvRowSink.rowBytes} flag: the field has bytes >= 0x80 (decode them by the dialect's encoding). */
export const CSV_FIELD_NON_ASCII = 0x80;
