// The benchmark's input: a drop made by the repo's generator (examples/dist/generator/cli.js),
// cached under <cacheRoot>/<profile>-<size>/drop/. A marker (complete.json) is written after the
// generator succeeded and records its options; the cache is reused only when the marker matches
// the requested options and every archive of the manifest is on disk with its recorded size, so
// an interrupted or stale generation is redone instead of measured.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

/** The fields of the generator's manifest (examples/generator/drop-manifest.ts) the bench uses. */
export interface DropManifest {
  profile: string;
  date: string;
  csvBytes: number;
  archives: { name: string; bytes: number; members: string[]; corrupt?: true }[];
  tables: Record<string, { files: number; rows: number; bytes: number; columns: string[] }>;
}

export interface DropRequest {
  profile: string;
  /** yyyy-MM-dd */
  date: string;
  /** Generator --size, e.g. "100MB". */
  size: string;
  /** More generator options (e.g. --archive-size for small test drops); part of the cache key. */
  extraArgs?: readonly string[];
}

export interface Drop {
  request: DropRequest;
  /** Directory holding the archives, _DONE and manifest.json. */
  dir: string;
  manifest: DropManifest;
  /** Absolute archive paths, sorted by name. */
  archivePaths: string[];
  /** False when the generator ran for this call. */
  reused: boolean;
}

interface CompletionMarker {
  generator: DropRequest;
  archives: number;
  csvBytes: number;
  completedAt: string;
}

export function cacheDirFor(cacheRoot: string, request: DropRequest): string {
  // Other generator options make another drop: `--archives 4000` is cached as `...-archives-4000`.
  const extra = (request.extraArgs ?? []).map((arg) => arg.replace(/^-+/, '').replace(/[^A-Za-z0-9.]+/g, '_'));
  return join(cacheRoot, [`${request.profile}-${request.size}`, ...extra].join('-'));
}

/** The generator's command line for a request, writing into `outDir`. */
export function generatorArgs(request: DropRequest, outDir: string): string[] {
  return ['--profile', request.profile, '--date', request.date, '--out', outDir, '--size', request.size, ...(request.extraArgs ?? []), '--json'];
}

export async function ensureDrop(cacheRoot: string, request: DropRequest, generatorCli: string): Promise<Drop> {
  const normalized: DropRequest = { ...request, extraArgs: [...(request.extraArgs ?? [])] };
  const cacheDir = cacheDirFor(cacheRoot, normalized);
  const dir = join(cacheDir, 'drop');
  const markerPath = join(cacheDir, 'complete.json');
  const cached = await reusable(markerPath, dir, normalized);
  if (cached) return { request: normalized, dir, manifest: cached, archivePaths: archivePaths(dir, cached), reused: true };

  // The generator refuses a directory with foreign archives; start from nothing.
  await rm(cacheDir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const manifest = JSON.parse(await runGenerator(generatorCli, generatorArgs(normalized, dir))) as DropManifest;
  const marker: CompletionMarker = {
    generator: normalized,
    archives: manifest.archives.length,
    csvBytes: manifest.csvBytes,
    completedAt: new Date().toISOString(),
  };
  await writeFile(markerPath, JSON.stringify(marker, null, 2) + '\n');
  return { request: normalized, dir, manifest, archivePaths: archivePaths(dir, manifest), reused: false };
}

function archivePaths(dir: string, manifest: DropManifest): string[] {
  return manifest.archives.map((a) => join(dir, a.name));
}

async function reusable(markerPath: string, dir: string, request: DropRequest): Promise<DropManifest | null> {
  try {
    const marker = JSON.parse(await readFile(markerPath, 'utf8')) as CompletionMarker;
    if (!isDeepStrictEqual(marker.generator, request)) return null;
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as DropManifest;
    if (manifest.archives.length !== marker.archives || manifest.csvBytes !== marker.csvBytes) return null;
    const sizes = await Promise.all(manifest.archives.map((a) => stat(join(dir, a.name)).then((s) => s.size)));
    return sizes.every((size, i) => size === manifest.archives[i]?.bytes) ? manifest : null;
  } catch {
    // No marker, unreadable manifest or a missing archive: all mean "generate again".
    return null;
  }
}

function runGenerator(cli: string, args: string[]): Promise<string> {
  if (!existsSync(cli)) return Promise.reject(new Error(`${cli} is missing: run pnpm build first`));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`generator failed (exit ${code}): node ${cli} ${args.join(' ')}\n${err.trim()}`));
    });
  });
}
