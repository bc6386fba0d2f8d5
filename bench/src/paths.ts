// Where things are, resolved from this module so it holds for dist/ (the CLI) and src/ (tests).

import { fileURLToPath } from 'node:url';

const at = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

export const REPO_ROOT = at('../../');
export const BENCH_ROOT = at('../');
export const CACHE_ROOT = at('../.cache/');
export const RESULTS_DIR = at('../results/');
export const SCRIPTS_DIR = at('../scripts/');
/** Compiled only: DuckDB runs in `pnpm bench`, never in the tests. */
export const DUCKDB_MERGE_JS = at('../dist/duckdb-merge.js');
/** Compiled only: starts Redis and BullMQ workers around one distributed run. */
export const BULLMQ_RUN_JS = at('../dist/bullmq-run.js');
export const GENERATOR_CLI_JS = at('../../examples/dist/generator/cli.js');
export const PARTNER_INGEST_BIN_JS = at('../../packages/cli/dist/bin.js');
