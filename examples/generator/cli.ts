#!/usr/bin/env node
// Command line for the sample-drop generator. The only module here that writes to the terminal:
// one summary line on stdout (or the manifest with --json), usage errors on stderr with exit 2.

import { formatBytes, parseCli, USAGE } from './cli-args.js';
import { generateDrop } from './generate-drop.js';

async function main(argv: readonly string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (parsed === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const { json, ...options } = parsed;
  const started = process.hrtime.bigint();
  const manifest = await generateDrop(options);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (json) {
    process.stdout.write(JSON.stringify(manifest, null, 2) + '\n');
    return 0;
  }
  const gz = manifest.archives.reduce((sum, a) => sum + a.bytes, 0);
  const tables = Object.entries(manifest.tables).map(([name, t]) => `${name} ${t.rows}`).join(', ');
  const faults = manifest.faultKinds.length === 0 ? 'no faults' : `faults: ${manifest.faultKinds.join(',')}`;
  process.stdout.write(
    `${manifest.profile} ${manifest.date} seed ${manifest.seed}: ${manifest.archives.length} archives, ` +
      `${formatBytes(manifest.csvBytes)} CSV -> ${formatBytes(gz)} gz, rows: ${tables}; ${faults}; ` +
      `${seconds.toFixed(2)} s (${(manifest.csvBytes / 1e6 / seconds).toFixed(1)} MB/s) -> ${options.outDir}\n`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`generate-drop: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
