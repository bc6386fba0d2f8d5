import { describe, expect, it } from 'vitest';
import type { RunProgress } from '@partner-ingest/core';
import { createProgressLine } from './progress.js';

const progress = (over: Partial<RunProgress>): RunProgress => ({
  stage: 'extract',
  archivesTotal: 84,
  archivesDone: 0,
  bytesDone: 0,
  rowsDone: 0,
  tablesTotal: 3,
  tablesDone: 0,
  ...over,
});

function terminal(isTTY: boolean) {
  const written: string[] = [];
  return { stream: { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream, written };
}

describe('the progress line', () => {
  it('draws archives, MB, MB/s and rows/s in place on a terminal, at most every 200 ms', () => {
    let now = 0;
    const tty = terminal(true);
    const line = createProgressLine(tty.stream, () => now);
    now = 1000;
    line.update(progress({ archivesDone: 10, bytesDone: 50e6, rowsDone: 250_000 }));
    now = 1100;
    line.update(progress({ archivesDone: 11 }));
    now = 2000;
    line.update(progress({ stage: 'merge', tablesDone: 1 }));
    line.done();
    expect(tty.written).toEqual([
      '\r\u001b[2Kextract: 10/84 archives, 50.0 MB, 50.0 MB/s, 250,000 rows/s',
      '\r\u001b[2Kmerge: 1/3 tables',
      '\r\u001b[2K',
    ]);
  });

  it('writes nothing when the stream is not a terminal', () => {
    const pipe = terminal(false);
    const line = createProgressLine(pipe.stream, () => 5000);
    line.update(progress({ archivesDone: 3 }));
    line.done();
    expect(pipe.written).toEqual([]);
  });
});
