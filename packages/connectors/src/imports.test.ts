// Extract worker threads load this package: it must pull in only the core's connector contract,
// not the core's root (zod, yaml, winston), or every worker carries them in its heap and pays for
// them at every garbage collection (see `registry.ts`). Cloud SDKs load when their scheme is opened.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const srcDir = fileURLToPath(new URL('.', import.meta.url));
const distEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === '__fixtures__' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('what the connectors package loads', () => {
  it('imports the core only through @partner-ingest/core/connectors', () => {
    const offenders = sources(srcDir).filter((path) => /from '@partner-ingest\/core'/.test(readFileSync(path, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('loads no spec, logging, schema or cloud SDK library when imported (built package)', () => {
    // Records every module the ESM loader resolves while importing the built package.
    const hook = `
      import { register } from 'node:module';
      register('data:text/javascript,' + encodeURIComponent(\`
        export async function resolve(specifier, context, next) {
          const result = await next(specifier, context);
          console.log('resolved ' + result.url);
          return result;
        }\`));`;
    const run = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(hook)}`, '-e', `await import(${JSON.stringify(distEntry)})`], {
      encoding: 'utf8',
      input: '',
    });
    expect(run.status, run.stderr).toBe(0);
    const resolved = run.stdout.split('\n').filter((line) => line.startsWith('resolved '));
    expect(resolved.some((line) => line.includes('/core/dist/connectors/index.js'))).toBe(true);
    expect(resolved.filter((line) => /\/(zod|yaml|winston|ajv|ssh2|ssh2-sftp-client)\/|@aws-sdk|\/core\/dist\/index\.js/.test(line))).toEqual([]);
  });
});
