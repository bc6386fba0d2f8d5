/**
 * Throughput of the CSV tokenizer against fast-csv on the same ~80 MB of partner-like CSV
 * (see bench-data.ts), delivered in 64 KiB chunks like a file stream, rows out as string arrays.
 *
 *   pnpm vitest bench --run packages/core/src/csv/
 *
 * Each task also prints its median and best MB/s (wall clock per full pass over the data).
 */
import { parse } from 'fast-csv';
import { bench, describe } from 'vitest';
import { chunksOf, generateBenchCsv } from './bench-data.js';
import { CsvTokenizer, type CsvDialect } from './tokenizer.js';

const BYTES = 80_000_000;
const UTF8: CsvDialect = { delimiter: ',', quote: '"', escape: '"', encoding: 'utf-8' };
const LATIN1: CsvDialect = { ...UTF8, encoding: 'latin1' };

const mixed = chunksOf(generateBenchCsv({ bytes: BYTES }));
const quoteAll = chunksOf(generateBenchCsv({ bytes: BYTES, quoteAll: true }));
const sizeOf = (chunks: Buffer[]) => chunks.reduce((sum, chunk) => sum + chunk.length, 0);

/**
 * A bench task over `chunks` whose function also times itself, so the teardown can print MB/s
 * (tinybench reports operations per second; one operation is one pass over all the data).
 */
function throughputTask(chunks: Buffer[], pass: (chunks: Buffer[]) => number | Promise<number>, iterations: number) {
  const seconds: number[] = [];
  const megabytes = sizeOf(chunks) / 1e6;
  return {
    run: async () => {
      const start = performance.now();
      const fields = await pass(chunks);
      seconds.push((performance.now() - start) / 1000);
      if (fields === 0) throw new Error('no fields tokenised');
    },
    options: {
      iterations,
      time: 0,
      warmupIterations: 1,
      warmupTime: 0,
      teardown: (task: { name: string }, mode: 'run' | 'warmup') => {
        if (mode === 'warmup') {
          seconds.length = 0;
          return;
        }
        const sorted = [...seconds].sort((a, b) => a - b);
        const median = sorted[Math.floor(sorted.length / 2)]!;
        console.log(
          `${task.name}: ${megabytes.toFixed(1)} MB, median ${(megabytes / median).toFixed(1)} MB/s, ` +
            `best ${(megabytes / sorted[0]!).toFixed(1)} MB/s over ${sorted.length} passes`,
        );
      },
    },
  };
}

function tokenizerPass(dialect: CsvDialect) {
  return (chunks: Buffer[]): number => {
    let fields = 0;
    const tokenizer = new CsvTokenizer(dialect, {
      row: (row) => {
        fields += row.length;
      },
      malformed: (reason, line) => {
        throw new Error(`benchmark data must be well-formed: ${reason} on line ${line}`);
      },
    });
    for (const chunk of chunks) tokenizer.write(chunk);
    tokenizer.end();
    return fields;
  };
}

function fastCsvPass(chunks: Buffer[]): Promise<number> {
  return new Promise((resolve, reject) => {
    let fields = 0;
    const parser = parse({ headers: false });
    parser.on('data', (row: string[]) => {
      fields += row.length;
    });
    parser.on('error', reject);
    parser.on('end', () => resolve(fields));
    for (const chunk of chunks) parser.write(chunk);
    parser.end();
  });
}

describe('tokenise ~80 MB of partner-like CSV (13 columns) into string[] rows', () => {
  const tasks = {
    'CsvTokenizer utf-8 (3% rows non-ASCII)': throughputTask(mixed, tokenizerPass(UTF8), 10),
    'CsvTokenizer utf-8, every field quoted': throughputTask(quoteAll, tokenizerPass(UTF8), 10),
    'CsvTokenizer latin1': throughputTask(mixed, tokenizerPass(LATIN1), 10),
    // Several seconds per pass: keep the pass count low.
    'fast-csv 5 parse() utf-8': throughputTask(mixed, fastCsvPass, 3),
  };
  for (const [name, task] of Object.entries(tasks)) bench(name, task.run, task.options);
});
