import { describe, expect, it } from 'vitest';
import { ByteBuilder } from './byte-builder.js';

describe('ByteBuilder', () => {
  it('grows as bytes and UTF-8 text are appended, and hands them over with take()', () => {
    const out = new ByteBuilder(2);
    out.byte(0x61);
    out.text('bç😀');
    for (let i = 0; i < 1000; i++) out.byte(0x2c);
    const first = out.take();
    expect(first.toString('utf8')).toBe(`abç😀${','.repeat(1000)}`);
    expect(out.length).toBe(0);
    out.text('next');
    // What was taken is not overwritten by later writes.
    expect(first.subarray(0, 4).toString('utf8')).toBe('abç');
    expect(out.take().toString()).toBe('next');
  });
});
