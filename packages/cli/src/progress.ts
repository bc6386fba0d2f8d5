/**
 * The live progress line on a terminal: archives done/total, MB read, MB/s. Redrawn in place at
 * most a few times a second, and only when stderr is a TTY; pipes and CI logs get none of it.
 */
import type { RunProgress } from '@partner-ingest/core';

/** Draws progress on a TTY stream. */
export function createProgressLine(stream: NodeJS.WriteStream, now: () => number = Date.now): { update(p: RunProgress): void; done(): void } {
  if (!stream.isTTY) return { update() {}, done() {} };
  const started = now();
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      const t = now();
      if (t - last < 200 && p.stage !== 'done') return;
      last = t;
      const mb = p.bytesDone / 1e6;
      const elapsed = Math.max(0.001, (t - started) / 1000);
      const detail =
        p.stage === 'extract'
          ? `${p.archivesDone}/${p.archivesTotal} archives, ${mb.toFixed(1)} MB, ${(mb / elapsed).toFixed(1)} MB/s, ${Math.round(p.rowsDone / elapsed).toLocaleString('en-US')} rows/s`
          : p.stage === 'merge'
            ? `${p.tablesDone}/${p.tablesTotal} tables`
            : '';
      stream.write(`\r\u001b[2K${p.stage}${detail ? `: ${detail}` : ''}`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\u001b[2K');
    },
  };
}
