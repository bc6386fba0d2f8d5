/**
 * A growable byte buffer that a part's output is written into, field by field, instead of
 * concatenating strings and re-encoding them with `Buffer.from` at every flush: copying a field's
 * bytes from the input chunk is cheaper than building and UTF-8-encoding a string of it (see
 * `value-bytes.ts` for the numbers).
 */

const MIN_CAPACITY = 64 * 1024;

/** Bytes appended at the end; `take()` hands them over and starts afresh. */
export class ByteBuilder {
  /** The bytes so far are `buf[0, length)`; `buf` may be replaced when it grows. */
  buf: Buffer;
  length = 0;

  constructor(capacity = MIN_CAPACITY) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    const needed = this.length + n;
    if (needed <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }

  /** Appends one byte. */
  byte(c: number): void {
    if (this.length === this.buf.length) this.ensure(1);
    this.buf[this.length++] = c;
  }

  /** Appends `text` as UTF-8. */
  text(text: string): void {
    // A UTF-16 code unit never takes more than 3 bytes in UTF-8.
    this.ensure(text.length * 3);
    this.length += this.buf.write(text, this.length, 'utf8');
  }

  /** The bytes written since the last call, as a buffer of their own; the builder is emptied. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.length);
    // The taken bytes now belong to the caller (they may sit in a stream's queue): start a new buffer.
    this.buf = Buffer.allocUnsafe(Math.max(MIN_CAPACITY, Math.min(this.buf.length, this.length * 2)));
    this.length = 0;
    return out;
  }
}
