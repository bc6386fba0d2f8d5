/**
 * The WebAssembly build of the fast path's hot loop (`packages/core/wasm/fast-rows.c`, built by
 * `scripts/build-wasm.mjs`): one instance per thread, shared by every member's {@link FastRows}
 * on it, each loading its layout before it runs. Its memory never grows, so the views made here
 * stay valid. See the C source for the contract, and `fast-rows.ts` for how it is driven.
 */
import { FAST_ROWS_WASM } from './fast-rows-kernel.wasm.js';

/** The C source's limits: a layout past them stays on the JavaScript fast path. */
export const KERNEL_LIMITS = { fields: 512, nullTokens: 8, nullTokenBytes: 64, inputBytes: 256 * 1024, digests: 16384 } as const;

/** Why {@link FastRowsKernel.run} stopped (the C source's RUN_*). */
export const KERNEL_STOP = { end: 0, refused: 1, writer: 2, full: 3 } as const;

/** Indexes into {@link FastRowsKernel.header} (the C source's `layout_header`). */
export const KERNEL_HEADER = {
  fields: 0,
  columns: 1,
  delimiter: 2,
  quote: 3,
  escape: 4,
  nullEmpty: 5,
  longestNull: 6,
  maxRowBytes: 7,
  verbatim: 8,
  keyCount: 9,
  hashKeys: 10,
  nullTokenCount: 11,
} as const;

// The little of the WebAssembly API used here (the project's TypeScript libs have no DOM types).
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: object };
};

interface KernelExports {
  memory: { buffer: ArrayBuffer };
  run(length: number, atEnd: number): void;
  [symbol: string]: unknown;
}

/** Typed views of the kernel's layout, input, output and results. */
export class FastRowsKernel {
  readonly header: Int32Array;
  readonly kinds: Int32Array;
  readonly keyField: Int32Array;
  readonly sources: Int32Array;
  readonly keyFields: Int32Array;
  readonly nullFirst: Uint8Array;
  readonly nullLengths: Int32Array;
  readonly nullBytes: Uint8Array;
  readonly input: Uint8Array;
  readonly output: Buffer;
  readonly nullCounts: Int32Array;
  readonly digests: Uint32Array;
  /** After {@link run}: consumed bytes, rows, null keys, digests, output bytes, why it stopped. */
  readonly result: Int32Array;
  /** The layout loaded now: whoever loads one sets it, and loads again when it is not theirs. */
  owner: unknown = undefined;
  private readonly exports: KernelExports;

  constructor(exports: KernelExports) {
    this.exports = exports;
    const { buffer } = exports.memory;
    const at = (symbol: string) => (exports[symbol] as { value: number }).value;
    const ints = (symbol: string, length: number) => new Int32Array(buffer, at(symbol), length);
    const bytes = (symbol: string, length: number) => new Uint8Array(buffer, at(symbol), length);
    const { fields, nullTokens, nullTokenBytes, inputBytes, digests } = KERNEL_LIMITS;
    this.header = ints('layout_header', 12);
    this.kinds = ints('layout_kinds', fields);
    this.keyField = ints('layout_key_field', fields);
    this.sources = ints('layout_sources', fields);
    this.keyFields = ints('layout_key_fields', fields);
    this.nullFirst = bytes('layout_null_first', 256);
    this.nullLengths = ints('layout_null_lengths', nullTokens);
    this.nullBytes = bytes('layout_null_bytes', nullTokens * nullTokenBytes);
    this.input = bytes('input', inputBytes);
    this.output = Buffer.from(buffer, at('output'), 2 * inputBytes + 64 * 1024);
    this.nullCounts = ints('null_counts', fields);
    this.digests = new Uint32Array(buffer, at('digests'), 2 * digests);
    this.result = ints('result', 6);
  }

  /** Consumes whole rows of `input[0, length)`; `atEnd` when that is the end of the chunk. */
  run(length: number, atEnd: boolean): void {
    this.exports.run(length, atEnd ? 1 : 0);
  }
}

/** Which members the kernel runs: `auto` (layouts without a byte writer column), `off`, or `always` (tests). */
export type KernelMode = 'auto' | 'off' | 'always';

let mode: KernelMode = process.env.PARTNER_INGEST_WASM === '0' ? 'off' : 'auto';
let kernel: FastRowsKernel | null | undefined;

/**
 * Sets which members the kernel runs (tests compare the paths; `PARTNER_INGEST_WASM=0` turns it
 * off for a whole process). Internal: not exported from the package.
 */
export function setKernelMode(next: KernelMode): void {
  mode = next;
}

export function kernelMode(): KernelMode {
  return mode;
}

/** This thread's kernel, made on first use; `undefined` when it is off or WebAssembly is missing. */
export function fastRowsKernel(): FastRowsKernel | undefined {
  if (mode === 'off') return undefined;
  if (kernel === undefined) {
    try {
      const module = new WebAssembly.Module(Buffer.from(FAST_ROWS_WASM, 'base64'));
      kernel = new FastRowsKernel(new WebAssembly.Instance(module).exports as unknown as KernelExports);
    } catch {
      // No WebAssembly here (a locked-down runtime): the JavaScript fast path does the same work.
      kernel = null;
    }
  }
  return kernel ?? undefined;
}
