/**
 * Splits the runtime's own canonical CSV (comma, double quote, LF) into rows of raw field text,
 * quotes and all, so a part can be re-projected onto more columns by moving fields around without
 * decoding and re-encoding them: the bytes of every value stay exactly as extract wrote them.
 * Text is handled as latin1, a lossless byte-to-char mapping, so UTF-8 passes through untouched.
 */

/** Feeds chunks of canonical CSV and receives rows of raw fields. */
export class RawRowSplitter {
  private carry = '';

  constructor(private readonly onRow: (fields: string[]) => void) {}

  write(chunk: Buffer): void {
    const text = this.carry + chunk.toString('latin1');
    let rowStart = 0;
    let fieldStart = 0;
    let fields: string[] = [];
    let i = 0;
    const n = text.length;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22 && i === fieldStart) {
        // Quoted field: find the closing quote ("" is an escaped quote).
        let j = i + 1;
        for (;;) {
          j = text.indexOf('"', j);
          if (j === -1 || j + 1 >= n) {
            j = -1;
            break;
          }
          if (text.charCodeAt(j + 1) === 0x22) j += 2;
          else break;
        }
        if (j === -1) break; // the rest of the row is in the next chunk
        i = j + 1;
        continue;
      }
      if (c === 0x2c) {
        fields.push(text.slice(fieldStart, i));
        fieldStart = i + 1;
      } else if (c === 0x0a) {
        fields.push(text.slice(fieldStart, i));
        this.onRow(fields);
        fields = [];
        rowStart = fieldStart = i + 1;
      }
      i++;
    }
    this.carry = text.slice(rowStart);
  }

  end(): void {
    if (this.carry !== '') throw new Error('bug: a staged part does not end with a line break');
  }
}
