// `pnpm demo`: the main job on the embedded default (the local filesystem). Generates a
// deterministic sample drop for acme-travel (drifting headers, nulls, quoted newlines, CRLF, BOM,
// plus a corrupt archive, a hostile member, malformed rows and stray files to quarantine), then
// runs the real CLI on it. Everything lands under .demo/ in the repository.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateDrop } from '../examples/dist/generator/generate-drop.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const date = '2026-11-22';
const drop = `${root}.demo/drop/${date}`;
const options = {
  profile: 'acme-travel',
  date,
  outDir: drop,
  size: '50MB',
  seed: 7,
  faults: ['malformed-row', 'unmatched-member', 'corrupt-archive', 'traversal-member'],
};

const manifestFile = `${drop}/manifest.json`;
const cached = existsSync(manifestFile) && JSON.parse(readFileSync(manifestFile, 'utf8')).seed === options.seed;
if (cached) {
  console.log(`demo: reusing the sample drop in .demo/drop/${date}/`);
} else {
  console.log(`demo: generating a ~50 MB sample drop in .demo/drop/${date}/ ...`);
  const manifest = await generateDrop({ ...options, size: 50e6 });
  console.log(`demo: ${manifest.archives.length} archives, ${(manifest.csvBytes / 1e6).toFixed(1)} MB of CSV`);
}

const args = [
  'packages/cli/dist/bin.js', 'run', 'partners/acme-travel.yaml',
  '--date', date,
  '--source', '.demo/drop/{date}/',
  '--staging', '.demo/staging/{date}/',
  '--output', '.demo/output/{date}/',
  ...process.argv.slice(2),
];
console.log(`demo: partner-ingest ${args.slice(1).join(' ')}\n`);
const run = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
console.log(`\ndemo: merged tables, markers and the summary are in .demo/output/${date}/ (exit ${run.status})`);
process.exit(run.status ?? 1);
