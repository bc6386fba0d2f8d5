/**
 * Warms a worker thread's hot paths before its first real unit: extracts a few small built-in
 * archives, in memory, whose members go through every branch of the tokenizer, the fast path and
 * the value writers (quoted fields, doubled quotes, line breaks in quotes, CRLF, a BOM, null
 * tokens, every column type in canonical and partner formats, type errors, malformed rows,
 * drifted headers, UTF-8 and latin1 text, rows cut by chunk boundaries).
 *
 * Why: V8 optimises a hot function with the type feedback it has seen so far. Each branch first
 * taken after that (the first quoted field, the first type error, ...) throws the optimised code
 * away, and it is compiled again on a background thread (~40 ms for the tokenizer or the fast
 * path's check). On the 1 GB bench drop that was ~3.7 CPU-s of compiling per run, on a 2-core
 * machine where extract is CPU-bound. With every branch seen while the code is still
 * interpreted, those functions are compiled a few times instead of a dozen or more (2.3 CPU-s of
 * compiling in all; see `docs/architecture.md`).
 *
 * The archives are built here (tar-stream's packer, gzip) so that a worker needs nothing from the
 * main thread, and their spec is a literal: the worker does not load the spec schema (zod), see
 * `task-worker.ts`.
 */
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import type { ObjectInfo, StorageConnector } from '../connectors/connector.js';
import { runExtractUnit } from '../ingest/extract-unit.js';
import type { ExtractUnitRecord } from '../ingest/extract-unit.js';
import type { Logger } from '../log/logger.js';
import { compileMemberPattern } from '../spec/member-pattern.js';
import type { ColumnSpec, PartnerSpec, TableSpec } from '../spec/schema.js';

const column = (type: ColumnSpec['type'], from: string, format?: string): ColumnSpec => ({
  from,
  type,
  nullable: true,
  ...(format ? { format } : {}),
});

const table = (columns: Record<string, ColumnSpec>, onNewColumn: TableSpec['onNewColumn']): TableSpec => ({
  primaryKey: ['id'],
  expectedFiles: { min: 0 },
  onNewColumn,
  onMissingColumn: 'null',
  columns,
});

/** Two dialects: the common one (UTF-8, `,`, `.`) and a European one (latin1, `;`, `,`, partner formats). */
export function warmUpSpec(european: boolean): PartnerSpec {
  return {
    apiVersion: 'partner-ingest/v1',
    partner: 'warm-up',
    timezone: 'UTC',
    source: { uri: 'memory://warm-up/', archives: '*.tar.gz', readiness: { minArchives: 1, timeout: '1m', pollEvery: '1s' }, requireTarEndMarker: true },
    staging: 'memory://warm-up/staging/',
    output: { uri: 'memory://warm-up/output/', format: 'csv' },
    members: { pattern: '{table}_{batch_id}.csv', onUnmatched: 'warn' },
    csv: european
      ? { delimiter: ';', quote: '"', encoding: 'latin1', header: true, nullValues: ['', 'NULL', '\\N'], decimalSeparator: ',' }
      : { delimiter: ',', quote: '"', encoding: 'utf-8', header: true, nullValues: ['', 'NULL', '\\N'], decimalSeparator: '.' },
    defaults: { maxNullRatio: 0.5 },
    tables: {
      events: table(
        {
          id: column('string', 'ID'),
          n: column('integer', 'N'),
          amount: column('decimal', 'AMT'),
          day: european ? column('date', 'DAY', 'dd.MM.yyyy') : column('date', 'DAY'),
          at: european ? column('timestamp', 'AT', 'dd.MM.yyyy HH:mm:ss') : column('timestamp', 'AT'),
          flag: column('boolean', 'FLAG'),
          note: column('string', 'NOTE'),
        },
        'keep',
      ),
      other: table({ id: column('string', 'ID'), n: column('integer', 'N'), day: column('date', 'DAY'), at: column('timestamp', 'AT') }, 'drop'),
    },
    quality: { onFailure: 'warn' },
    alerts: [],
    report: { hints: { maxFiles: 1000, maxInputMB: 1024, maxNullRatio: 0.5, maxColumns: 200, maxMergeMinutes: 5 } },
  };
}

// Values by column, cycled at different rates so that rows combine them differently. Each list
// holds canonical values, partner forms, null tokens and values that are type errors.
const VALUES = {
  n: ['42', '-7', '+3', '', 'NULL', '12x', '\\N', '"5"', '0'],
  amount: ['19.90', '-0.5', '3', '', 'abc', '"7.25"', '1e3'],
  day: ['2026-11-22', '', '2026-13-01', '22/11/2026', 'NULL', '2024-02-29'],
  at: ['2026-11-22T10:00:00Z', '', '2026-11-22 10:00:00', '2026-11-22T10:00:00.123Z', 'nope'],
  flag: ['true', 'false', 't', '0', '', 'yes', 'maybe', 'N'],
  note: ['plain', '"with, comma"', '"say ""hi"""', '"two\nlines"', 'Köln Hbf', '', 'emoji \u{1F600}', '\\N', '"quoted"'],
};
const EUROPEAN_VALUES = {
  ...VALUES,
  amount: ['19,90', '-0,5', '3', '', 'abc', '"7,25"'],
  day: ['22.11.2026', '', '31.02.2026', '2026-11-22', 'NULL'],
  at: ['22.11.2026 10:00:00', '', '2026-11-22T10:00:00Z', 'nope'],
  note: ['plain', '"with; semicolon"', '"say ""hi"""', '"two\r\nlines"', 'Köln Hbf', '', 'Ærø'],
};

/** One member's text: a header, then `rows` rows (with a few malformed ones) ending in `eol`. */
function member(header: readonly string[], rows: number, values: Record<string, readonly string[]>, delimiter: string, eol: string): string {
  const lines = [header.join(delimiter)];
  for (let i = 0; i < rows; i++) {
    const fields = header.map((name, c) => {
      if (name === 'ID') return i % 13 === 5 ? '' : `K${i % 97}`; // null and repeated keys
      const list = values[name === 'AMT' ? 'amount' : name.toLowerCase()] ?? VALUES.note;
      return list[(i * (c + 1) + (i >> 3)) % list.length]!;
    });
    if (i % 29 === 17) fields.pop(); // too few fields
    if (i % 31 === 19) fields.push('extra'); // too many
    lines.push(fields.join(delimiter));
    if (i % 37 === 23) lines.push(''); // an empty line
  }
  return `${lines.join(eol)}${eol}`;
}

/** The warm-up archives: canonical, drifted and other-table members, in two dialects. */
async function warmUpArchives(): Promise<{ spec: PartnerSpec; key: string; bytes: Buffer }[]> {
  const archives = [];
  for (const european of [false, true]) {
    const spec = warmUpSpec(european);
    const d = spec.csv.delimiter;
    const values = european ? EUROPEAN_VALUES : VALUES;
    const members: [string, string][] = [
      // The columns in canonical order (copied as they stand), in LF, with a BOM in UTF-8.
      [`events_1.csv`, `${european ? '' : '\uFEFF'}${member(['ID', 'N', 'AMT', 'DAY', 'AT', 'FLAG', 'NOTE'], 240, values, d, '\n')}`],
      // Partner names, another order, a new column and a missing one, in CRLF (the field-by-field copy).
      [`events_2.csv`, member(['NOTE', 'AT', 'ID', 'N', 'AMT', 'DAY', 'LOYALTY'], 240, values, d, '\r\n')],
      // Rows ending in an integer, a date or a timestamp (checked where they stand), and a dropped column.
      [`other_1.csv`, member(['ID', 'DROPPED', 'AT', 'DAY', 'N'], 120, values, d, '\n')],
      [`other_2.csv`, member(['ID', 'N', 'AT', 'DAY'], 120, values, d, '\r\n')],
      [`other_3.csv`, member(['ID', 'N', 'DAY', 'AT'], 120, values, d, '\n')],
      [`unmatched.txt`, 'not a member\n'],
    ];
    const packer = pack();
    const chunks: Buffer[] = [];
    packer.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
    const ended = new Promise<void>((resolve, reject) => {
      packer.on('end', resolve);
      packer.on('error', reject);
    });
    for (const [name, text] of members) packer.entry({ name, mtime: new Date(0) }, Buffer.from(text, european ? 'latin1' : 'utf8'));
    packer.finalize();
    await ended;
    archives.push({ spec, key: `warm-up-${european ? 'latin1' : 'utf8'}.tar.gz`, bytes: gzipSync(Buffer.concat(chunks)) });
  }
  return archives;
}

/**
 * A connector over one archive's bytes that hands them out in small reads (so that rows are cut by
 * chunk boundaries, as in real inputs) and takes every write without keeping it.
 */
function memoryConnector(archive: { key: string; bytes: Buffer }): StorageConnector {
  const info = (key: string, size: number): ObjectInfo => ({ key, size, version: String(size) });
  return {
    uri: 'memory://warm-up/',
    async *list() {
      yield info(archive.key, archive.bytes.length);
    },
    stat: async (key) => (key === archive.key ? info(key, archive.bytes.length) : undefined),
    read: async () => {
      const pieces: Buffer[] = [];
      for (let at = 0; at < archive.bytes.length; at += 1000) pieces.push(archive.bytes.subarray(at, at + 1000));
      return Readable.from(pieces, { objectMode: false });
    },
    write: async (key, body) => {
      let size = 0;
      if (typeof body === 'string') size = Buffer.byteLength(body);
      else if (body instanceof Uint8Array) size = body.length;
      else for await (const chunk of body) size += (chunk as Buffer).length;
      return info(key, size);
    },
    delete: async () => {},
    close: async () => {},
  };
}

const silent: Logger = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };

/**
 * Runs the warm-up extract units (see the module comment) and returns their records. Nothing is
 * written anywhere; a failure here is a bug, but costs only speed, so callers may ignore it.
 */
export async function warmUp(): Promise<ExtractUnitRecord[]> {
  const records: ExtractUnitRecord[] = [];
  for (const archive of await warmUpArchives()) {
    const connector = memoryConnector(archive);
    records.push(
      await runExtractUnit({
        spec: archive.spec,
        matcher: compileMemberPattern(archive.spec.members.pattern, Object.keys(archive.spec.tables), {}),
        archive: archiveInfo(archive),
        archiveId: archive.key,
        source: connector,
        staging: connector,
        output: connector,
        logger: silent,
      }),
    );
  }
  return records;
}

const archiveInfo = (archive: { key: string; bytes: Buffer }): ObjectInfo => ({ key: archive.key, size: archive.bytes.length, version: String(archive.bytes.length) });
