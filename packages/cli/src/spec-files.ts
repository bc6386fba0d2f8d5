/**
 * Turns command-line targets (files, directories, globs) into the list of spec files to read.
 * Directories are searched recursively for *.yaml and *.yml; globs are expanded here so that a
 * quoted glob works the same as one the shell expanded.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, join, relative } from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';
import { UsageError } from './io.js';

const SPEC_GLOB = '**/*.{yaml,yml}';

/** Expands targets into spec file paths, in a stable order, each as the user would write it. */
export async function expandSpecTargets(targets: readonly string[], cwd: string): Promise<string[]> {
  const files: string[] = [];
  const display = (path: string) => (isAbsolute(path) ? path : relative(cwd, join(cwd, path)) || path);
  for (const target of targets) {
    if (isDynamicPattern(target)) {
      const matches = await glob(target, { cwd, onlyFiles: true, expandDirectories: false });
      if (matches.length === 0) throw new UsageError(`no file matches ${target}`);
      files.push(...matches.sort().map(display));
      continue;
    }
    const info = await stat(join(cwd, target)).catch(() => undefined) ?? (isAbsolute(target) ? await stat(target).catch(() => undefined) : undefined);
    if (!info) throw new UsageError(`no such file or directory: ${target}`);
    if (info.isDirectory()) {
      const base = isAbsolute(target) ? target : join(cwd, target);
      const matches = await glob(SPEC_GLOB, { cwd: base, onlyFiles: true, ignore: ['**/node_modules/**'] });
      if (matches.length === 0) throw new UsageError(`no .yaml or .yml file in ${target}`);
      files.push(...matches.sort().map((m) => display(join(target, m))));
    } else {
      files.push(display(target));
    }
  }
  return [...new Set(files)];
}
