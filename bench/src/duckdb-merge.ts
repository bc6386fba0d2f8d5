#!/usr/bin/env node
// The DuckDB contenders' process: merges each table of an extracted drop with DuckDB, naive or
// tuned (see duckdb-sql.ts), writes <out>/<table>.csv, and prints per table the row count and
// the null count of every column as JSON on stdout. Run by `pnpm bench`; not part of the tests.
//
// usage: node bench/dist/duckdb-merge.js --mode naive|tuned --extracted <dir> --out <dir> --tables a,b,c

import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { open, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { copyStatement, groupByHeader, naiveSource, nullCountQuery, parseHeaderLine, tunedSource, type CsvHeader } from './duckdb-sql.js';

interface TableReport {
  table: string;
  files: number;
  /** Distinct header lines (the tuned mode's read_csv calls); null in naive mode, which never looks. */
  headerGroups: number | null;
  rows: number;
  nulls: Record<string, number>;
  copySeconds: number;
  countSeconds: number;
}

async function readHeader(path: string): Promise<CsvHeader> {
  const file = await open(path);
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    return parseHeaderLine(buffer.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await file.close();
  }
}

/** Members of a table anywhere below the extraction root, as the naive glob finds them. */
async function tableFiles(dir: string, table: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.startsWith(`${table}_`) && e.name.endsWith('.csv'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

async function mergeTable(connection: DuckDBConnection, mode: 'naive' | 'tuned', extracted: string, out: string, table: string): Promise<TableReport> {
  const files = await tableFiles(extracted, table);
  if (files.length === 0) return { table, files: 0, headerGroups: 0, rows: 0, nulls: {}, copySeconds: 0, countSeconds: 0 };
  const mergedFile = join(out, `${table}.csv`);

  const copyStart = performance.now();
  let source = naiveSource(extracted, table);
  let headerGroups: number | null = null;
  if (mode === 'tuned') {
    const groups = groupByHeader(await Promise.all(files.map(async (path) => ({ path, header: await readHeader(path) }))));
    source = tunedSource(groups);
    headerGroups = groups.length;
  }
  await connection.run(copyStatement(source, mergedFile));
  const copySeconds = (performance.now() - copyStart) / 1000;

  const countStart = performance.now();
  const columns = mode === 'naive' ? null : (await readHeader(mergedFile)).names;
  const result = await connection.runAndReadAll(nullCountQuery(mergedFile, columns));
  const names = result.columnNames();
  const values = (result.getRows()[0] ?? []).map((v) => Number(v));
  const nulls: Record<string, number> = {};
  names.slice(1).forEach((name, i) => (nulls[name] = values[i + 1] as number));
  return { table, files: files.length, headerGroups, rows: values[0] as number, nulls, copySeconds, countSeconds: (performance.now() - countStart) / 1000 };
}

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { mode: { type: 'string' }, extracted: { type: 'string' }, out: { type: 'string' }, tables: { type: 'string' } },
    strict: true,
  });
  const mode = values.mode;
  if ((mode !== 'naive' && mode !== 'tuned') || !values.extracted || !values.out || !values.tables) {
    process.stderr.write('usage: duckdb-merge.js --mode naive|tuned --extracted <dir> --out <dir> --tables a,b,c\n');
    return 2;
  }
  await mkdir(values.out, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const tables: TableReport[] = [];
  for (const table of values.tables.split(',')) tables.push(await mergeTable(connection, mode, values.extracted, values.out, table));
  connection.closeSync();
  instance.closeSync();
  process.stdout.write(JSON.stringify({ mode, tables }, null, 2) + '\n');
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`duckdb-merge: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
