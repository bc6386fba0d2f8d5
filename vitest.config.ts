import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Tests import the packages' sources directly, so a test run never depends on a stale build;
// end-to-end tests drive the built CLI (`pnpm test` builds first).
const src = (path: string) => fileURLToPath(new URL(`./packages/${path}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Exact matches: `@partner-ingest/core/connectors` is a subpath export of its own.
    alias: [
      { find: /^@partner-ingest\/core$/, replacement: src('core/src/index.ts') },
      { find: /^@partner-ingest\/core\/connectors$/, replacement: src('core/src/connectors/index.ts') },
      { find: /^@partner-ingest\/connectors$/, replacement: src('connectors/src/index.ts') },
      { find: /^@partner-ingest\/connectors\/testing$/, replacement: src('connectors/src/testing/index.ts') },
      { find: /^@partner-ingest\/cli$/, replacement: src('cli/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/**/*.test.ts', 'tests/**/*.test.ts', 'bench/**/*.test.ts'],
    reporters: ['default', './tests/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
