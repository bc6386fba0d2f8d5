/**
 * The CSV dialect the tokenizer understands, and its validation into the byte values and the
 * unescape function the lexer works with.
 */

/** The CSV dialect: single ASCII characters plus the text encoding of the file. */
export interface CsvDialect {
  /** Field separator, e.g. `,`, `;`, `\t`, `|`. */
  delimiter: string;
  /** Quote character that may enclose a field. */
  quote: string;
  /**
   * Escape for the quote inside a quoted field. Equal to `quote` means RFC 4180 doubled quotes
   * (`""`). Anything else (typically `\`) escapes only the quote and itself, inside quoted fields
   * only: `"a\"b"` is `a"b`, `"a\\b"` is `a\b`, but `"a\nb"` stays `a\nb` and an unquoted `\N`
   * stays `\N`.
   */
  escape: string;
  /**
   * `utf-8` (invalid sequences decode to U+FFFD, they are not an error) or `latin1`
   * (ISO-8859-1: every byte is the code point of the same value; this is not windows-1252).
   */
  encoding: 'utf-8' | 'latin1';
}

/** Line feed and carriage return bytes. */
export const LF = 0x0a;
export const CR = 0x0d;

/** A validated dialect: byte values for the lexer and the function that undoes escapes. */
export interface CompiledDialect {
  delimiter: number;
  quote: number;
  escape: number;
  utf8: boolean;
  /** Undoes `""` (escape === quote) or escape+quote / escape+escape in a quoted field's text. */
  unescape: (field: string) => string;
}

/**
 * Validates a dialect for the byte-level tokenizer.
 *
 * @throws TypeError unless delimiter, quote and escape are single ASCII characters other than CR
 *   and LF, the delimiter differs from the quote and the escape, and the encoding is supported.
 */
export function compileDialect(dialect: CsvDialect): CompiledDialect {
  const delimiter = asciiByte('delimiter', dialect.delimiter);
  const quote = asciiByte('quote', dialect.quote);
  const escape = asciiByte('escape', dialect.escape);
  if (delimiter === quote || delimiter === escape) {
    throw new TypeError('CSV dialect: the delimiter must differ from the quote and the escape');
  }
  if (dialect.encoding !== 'utf-8' && dialect.encoding !== 'latin1') {
    throw new TypeError(`CSV dialect: unsupported encoding ${JSON.stringify(dialect.encoding)}`);
  }
  return { delimiter, quote, escape, utf8: dialect.encoding === 'utf-8', unescape: makeUnescape(dialect.quote, dialect.escape) };
}

function asciiByte(name: string, value: string): number {
  const code = typeof value === 'string' && value.length === 1 ? value.charCodeAt(0) : -1;
  if (code < 0 || code > 0x7f || code === LF || code === CR) {
    throw new TypeError(`CSV dialect: ${name} must be one ASCII character other than CR or LF, got ${JSON.stringify(value)}`);
  }
  return code;
}

// One unescape function per (quote, escape), not one per compiled dialect: the tokenizer and the
// normaliser are made per member and call it from their hot paths, and code compiled around a
// closure that dies with its member is thrown away with it ("weak objects").
const unescapes = new Map<string, (field: string) => string>();

/** Undoes `""` (quote === escape) or `\"` and `\\` (escape `\`) inside a quoted field's text. */
function makeUnescape(quote: string, escape: string): (field: string) => string {
  const key = quote + escape;
  let unescape = unescapes.get(key);
  if (unescape === undefined) {
    unescape = newUnescape(quote, escape);
    unescapes.set(key, unescape);
  }
  return unescape;
}

function newUnescape(quote: string, escape: string): (field: string) => string {
  if (quote === escape) {
    const doubled = quote + quote;
    return (field) => field.replaceAll(doubled, quote);
  }
  const special = (ch: string) => ch.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');
  const pattern = new RegExp(`${special(escape)}([${special(quote)}${special(escape)}])`, 'g');
  return (field) => field.replace(pattern, '$1');
}
