#!/usr/bin/env node
import { processIo } from './io.js';
import { main } from './main.js';

main(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Reaching here is a bug in partner-ingest, not a user mistake: say so, with the stack.
    process.stderr.write(`partner-ingest: internal error (please report it): ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 70;
  },
);
