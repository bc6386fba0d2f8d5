// How a partner writes CSV: delimiter, quoting/escaping, text encoding and null tokens.
// Values are encoded to field text once (pools are pre-encoded), so the row loop only concatenates.

export interface CsvDialect {
  delimiter: string;
  quote: string;
  /** Escapes a quote inside a quoted field; equal to `quote` means quotes are doubled (RFC 4180). */
  escape: string;
  encoding: 'utf-8' | 'latin1';
  /** Tokens the spec reads as null; the generator writes all of them, never quoted. */
  nullTokens: readonly string[];
}

/**
 * Encodes one value as CSV field text. Quotes only when the value needs it (delimiter, quote,
 * escape char, CR/LF), which is what partner exporters do. Callers never pass a value equal to a
 * null token: that would be ambiguous, and the manifest counts would not match a reader.
 */
export function encodeField(raw: string, d: CsvDialect): string {
  const needsQuotes =
    raw.includes(d.delimiter) ||
    raw.includes(d.quote) ||
    raw.includes('\n') ||
    raw.includes('\r') ||
    (d.escape !== d.quote && raw.includes(d.escape));
  if (!needsQuotes) return raw;
  let body = raw;
  if (d.escape !== d.quote) body = body.split(d.escape).join(d.escape + d.escape);
  body = body.split(d.quote).join(d.escape + d.quote);
  return d.quote + body + d.quote;
}

/** Encodes a pool of raw values once. */
export function encodePool(raw: readonly string[], d: CsvDialect): string[] {
  return raw.map((v) => {
    if (d.nullTokens.includes(v)) throw new Error(`pool value ${JSON.stringify(v)} is a null token`);
    if (d.encoding === 'latin1' && /[^\u0000-\u00ff]/.test(v)) {
      throw new Error(`pool value ${JSON.stringify(v)} is not representable in latin1`);
    }
    return encodeField(v, d);
  });
}

/** Text to bytes in the dialect's encoding (a leading U+FEFF becomes the UTF-8 BOM). */
export function toBytes(text: string, d: CsvDialect): Buffer {
  return Buffer.from(text, d.encoding === 'latin1' ? 'latin1' : 'utf8');
}
