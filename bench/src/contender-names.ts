// The contenders' names in report order: the one list that argument parsing, scheduling and the
// report agree on. Definitions (commands, checks) live in contenders.ts.

export const CONTENDER_NAMES = ['floor', 'floor-1', 'shell', 'duckdb-naive', 'duckdb-tuned', 'partner-ingest', 'partner-ingest-c1', 'bullmq-1-worker', 'bullmq-2-workers'] as const;

/** Measured unless --only says otherwise; the BullMQ runs need redis-server, so they are opt-in. */
export const DEFAULT_CONTENDERS = ['floor', 'floor-1', 'shell', 'duckdb-naive', 'duckdb-tuned', 'partner-ingest', 'partner-ingest-c1'] as const;

export type ContenderName = (typeof CONTENDER_NAMES)[number];

export function isContenderName(name: string): name is ContenderName {
  return (CONTENDER_NAMES as readonly string[]).includes(name);
}
