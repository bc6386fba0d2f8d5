import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ArchiveError } from '../archive/archive-error.js';
import { buildTar, END_OF_ARCHIVE, gzipped } from '../archive/__fixtures__/build.js';
import type { StorageConnector } from '../connectors/connector.js';
import { silentLogger } from '../log/logger.js';
import { compileMemberPattern } from '../spec/member-pattern.js';
import type { PartnerSpec } from '../spec/schema.js';
import { listKeys, readBytes, readRange, readText, recording, spec, specWith, tarGz, tempStore } from './__fixtures__/kit.js';
import { runExtractUnit } from './extract-unit.js';
import { decodeKeyRunHeader, KEY_RUN_HEADER_BYTES, keyRunBytes } from './key-run.js';
import type { ExtractUnitRecord } from './extract-unit.js';

const SPEC = specWith(`tables:
  bookings:
    primaryKey: [booking_id]
    columns:
      booking_id: { from: BKG_ID, nullable: false }
      amount: { from: AMT, type: decimal }
  events:
    onNewColumn: fail
    columns:
      id: {}
`);

const ARCHIVE_ID = 'drop1-0001';
const STAGED = `units/${ARCHIVE_ID}.staged`;

/** A part's text, read from its range of the archive's staged object. */
const partText = async (staging: StorageConnector, part: ExtractUnitRecord['parts'][number]) => (await readRange(staging, part)).toString('utf8');

interface Stores {
  source: StorageConnector;
  staging: StorageConnector & { written: string[]; deleted: string[] };
  output: StorageConnector;
}

interface ExtractOptions {
  spec?: PartnerSpec;
  name?: string;
  signal?: AbortSignal;
  onBytes?: (bytes: number) => void;
  /** Receives the output dir before the unit runs. */
  outputDir?: (dir: string) => void;
  /** Wraps the staging store the unit writes to. */
  wrapStaging?: (store: StorageConnector) => StorageConnector;
  /** Wraps the output store the unit writes its quarantine file to. */
  wrapOutput?: (store: StorageConnector) => StorageConnector;
}

async function extract(archive: Buffer, options: ExtractOptions = {}): Promise<{ record: ExtractUnitRecord } & Stores> {
  const spec = options.spec ?? SPEC;
  const name = options.name ?? 'drop1.tar.gz';
  const source = (await tempStore('source')).store;
  const staged = (await tempStore('staging')).store;
  const staging = recording(options.wrapStaging?.(staged) ?? staged);
  const { dir, store: outputStore } = await tempStore('output');
  const output = options.wrapOutput?.(outputStore) ?? outputStore;
  options.outputDir?.(dir);
  const info = await source.write(name, archive);
  const record = await runExtractUnit({
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onBytes ? { onBytes: options.onBytes } : {}),
    spec,
    matcher: compileMemberPattern(spec.members.pattern, Object.keys(spec.tables), spec.members.placeholders ?? {}),
    archive: info,
    archiveId: ARCHIVE_ID,
    source,
    staging,
    output,
    logger: silentLogger,
  });
  return { record, source, staging, output };
}

const jsonl = (text: string) => text.trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('runExtractUnit: a good archive', async () => {
  const archive = await tarGz([
    ['data/bookings_001.csv', 'BKG_ID,AMT\nB1,1.5\nB2,x\nB1,NULL\n'],
    ['README.txt', 'not a member of any table\n'],
    ['data/bookings_002.csv', '\uFEFFbkg_id,amt,Channel\r\nB3,2,"web, mobile"\r\nB4,3\r\nB5,"4"x,app\r\nB6,,\r\n'],
    ['events_1.csv', 'id,surprise\n1,2\n'],
    ['bookings_003.csv', ''],
    ['events_2.csv', 'id\ne1\n'],
  ]);
  const { record, staging, output } = await extract(archive);

  it('is ok, with its sizes', () => {
    expect(record).toMatchObject({ archive: 'drop1.tar.gz', archiveId: ARCHIVE_ID, status: 'ok' });
    expect(record.error).toBeUndefined();
    expect(record.compressedBytes).toBe(archive.length);
    expect(record.uncompressedBytes).toBeGreaterThan(archive.length);
  });

  it('writes one normalised part per member, in archive order', async () => {
    expect(record.parts.map((p) => [p.table, p.member, p.memberIndex, p.columns])).toEqual([
      ['bookings', 'data/bookings_001.csv', 0, ['booking_id', 'amount']],
      ['bookings', 'data/bookings_002.csv', 2, ['booking_id', 'amount', 'channel']],
      ['events', 'events_2.csv', 5, ['id']],
    ]);
    const [first, second, third] = record.parts;
    expect(await partText(staging, first!)).toBe('booking_id,amount\nB1,1.5\nB2,x\nB1,\n');
    expect(await partText(staging, second!)).toBe('booking_id,amount,channel\nB3,2,"web, mobile"\nB6,,\n');
    expect(await partText(staging, third!)).toBe('id\ne1\n');
    expect(second!.newColumns).toEqual(['channel']);
  });

  it('stages the parts, then the key runs, in one object that they tile exactly', async () => {
    // One object for the archive: nothing of the refused members, no gap and nothing after the runs.
    expect(await listKeys(staging)).toEqual([STAGED]);
    const run = record.keyRuns.bookings!;
    const pieces = [...record.parts.map((p) => ({ key: p.key, offset: p.offset ?? 0, bytes: p.bytes })), { key: run.key, offset: run.offset ?? 0, bytes: keyRunBytes(run.count) }];
    let end = 0;
    for (const piece of pieces) {
      expect(piece).toMatchObject({ key: STAGED, offset: end });
      end += piece.bytes;
    }
    expect((await readBytes(staging, STAGED)).length).toBe(end);
    // The first part is at the object's start, and says so by having no offset.
    expect(record.parts[0]!.offset).toBeUndefined();
  });

  it('counts each part\'s metrics, with type-error samples located', () => {
    const [first, second] = record.parts;
    expect(first!.metrics).toMatchObject({
      rows: 3,
      malformedRows: 0,
      nulls: { booking_id: 0, amount: 1 },
      typeErrors: { booking_id: 0, amount: 1 },
      typeErrorSamples: [{ column: 'amount', value: 'x', location: 'drop1.tar.gz:data/bookings_001.csv:3' }],
      nullKeys: 0,
    });
    expect(first!.metrics.bytesIn).toBe(Buffer.byteLength('BKG_ID,AMT\nB1,1.5\nB2,x\nB1,NULL\n'));
    expect(second!.metrics).toMatchObject({ rows: 2, malformedRows: 2, nulls: { booking_id: 0, amount: 1, channel: 1 } });
  });

  it('stages the sorted key digests of the table', async () => {
    const run = record.keyRuns.bookings!;
    expect(run).toEqual({ key: STAGED, count: 5, offset: record.parts.reduce((n, p) => n + p.bytes, 0) });
    const bytes = await readRange(staging, { ...run, bytes: keyRunBytes(run.count) });
    expect(bytes.length).toBe(KEY_RUN_HEADER_BYTES + 5 * 8);
    // The header counts the digests per top byte; the digests follow, ascending.
    const counts = decodeKeyRunHeader(bytes.subarray(0, KEY_RUN_HEADER_BYTES));
    expect(counts.reduce((n, c) => n + c, 0)).toBe(5);
    const digests = Array.from({ length: 5 }, (_, i) => bytes.readBigUInt64LE(KEY_RUN_HEADER_BYTES + i * 8));
    expect([...digests].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(digests);
    for (const d of digests) expect(counts[Number(d >> 56n)]).toBeGreaterThan(0);
    expect(new Set(digests).size).toBe(4); // B1 twice
    expect(record.keyRuns.events).toBeUndefined();
  });

  it('lists unmatched members', () => {
    expect(record.unmatched).toEqual(['README.txt']);
  });

  it('quarantines members it cannot lay out, with the reason, and an empty member', () => {
    expect(record.quarantinedMembers).toEqual([
      { member: 'events_1.csv', table: 'events', code: 'MEMBER_NEW_COLUMN', reason: expect.stringMatching(/surprise.*onNewColumn: fail/) },
      { member: 'bookings_003.csv', table: 'bookings', code: 'MEMBER_NO_HEADER', reason: expect.stringMatching(/empty/) },
    ]);
  });

  it('writes malformed rows to _quarantine/<archiveId>.jsonl with archive, member, line and reason', async () => {
    expect(record.quarantineKey).toBe(`_quarantine/${ARCHIVE_ID}.jsonl`);
    expect(record.quarantinedRows).toBe(2);
    expect(jsonl(await readText(output, `_quarantine/${ARCHIVE_ID}.jsonl`))).toEqual([
      { archive: 'drop1.tar.gz', member: 'data/bookings_002.csv', line: 3, reason: 'expected 3 fields, found 2', raw: 'B4,3' },
      { archive: 'drop1.tar.gz', member: 'data/bookings_002.csv', line: 4, reason: 'unexpected character after closing quote', raw: 'B5,"4"x,app' },
    ]);
    expect(await listKeys(output)).toEqual([`_quarantine/${ARCHIVE_ID}.jsonl`]);
  });
});

/** Rows that do not compress away, so that a cut lands where the sizes say. */
function noisyRows(n: number, seed = 7): string {
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed.toString(36));
  return Array.from({ length: n }, (_, i) => `B${i}_${noise()},${i}.${noise().length}\n`).join('');
}

/** Every file under `dir`, hidden ones (a connector's temp files) included. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

describe('runExtractUnit: a member whose header row is malformed', () => {
  it('is quarantined, never laid out from its first data row', async () => {
    const { record, staging, output } = await extract(await tarGz([['bookings_1.csv', '"BKG_ID"x,AMT\nB1,1\nB2,2\n']]));
    expect(record.parts).toEqual([]);
    expect(record.quarantinedMembers).toEqual([
      { member: 'bookings_1.csv', table: 'bookings', code: 'MEMBER_NO_HEADER', reason: expect.stringMatching(/header.*unexpected character after closing quote/) },
    ]);
    expect(await listKeys(staging)).toEqual([]);
    expect(await listKeys(output)).toEqual([]);
  });
});

describe('runExtractUnit: a truncated archive', () => {
  it('is quarantined as a whole: no parts, no key runs and no quarantine file are left', async () => {
    const rows = noisyRows;
    const archive = await tarGz([
      ['bookings_001.csv', `BKG_ID,AMT\n${rows(200)}B9,1,extra\n`],
      ['bookings_002.csv', `BKG_ID,AMT\n${rows(20_000)}`],
      ['bookings_003.csv', `BKG_ID,AMT\n${rows(10)}`],
    ]);
    const { record, staging, output } = await extract(archive.subarray(0, Math.floor(archive.length / 2)));
    expect(record.status).toBe('quarantined');
    expect(record.error).toEqual({ code: 'ARCHIVE_TRUNCATED', message: expect.stringMatching(/cut short/) });
    expect(record.parts).toEqual([]);
    expect(record.keyRuns).toEqual({});
    expect(record.quarantineKey).toBeUndefined();
    expect(record.quarantinedRows).toBe(0);
    expect(record.compressedBytes).toBeGreaterThan(0);
    // The archive's object was being written (the first member's part was in it): it was never published.
    expect(staging.written).toEqual([STAGED]);
    expect(await listKeys(staging)).toEqual([]);
    expect(await listKeys(output)).toEqual([]);
  });

  it('without its tar end-of-archive marker is truncated, unless the spec says the partner omits it', async () => {
    const tar = await buildTar([{ name: 'bookings_001.csv', data: Buffer.from('BKG_ID,AMT\nB1,1\nB2,2\n') }]);
    const cut = gzipped(tar.subarray(0, tar.length - END_OF_ARCHIVE.length));
    const strict = await extract(cut);
    expect(strict.record.status).toBe('quarantined');
    expect(strict.record.error?.code).toBe('ARCHIVE_TRUNCATED');
    const lenient = spec(`apiVersion: partner-ingest/v1
partner: acme
source: { uri: /drop, requireTarEndMarker: false }
staging: /staging
output: { uri: /out }
members: { pattern: "{table}_{batch_id}.csv" }
tables:
  bookings:
    columns:
      booking_id: { from: BKG_ID }
      amount: { from: AMT, type: decimal }
`);
    const { record } = await extract(cut, { spec: lenient });
    expect(record.status).toBe('ok');
    expect(record.parts.map((p) => p.metrics.rows)).toEqual([2]);
  });

  it('is quarantined when it is not gzip at all', async () => {
    const { record, staging } = await extract(Buffer.from('BKG_ID,AMT\nB1,1\n'));
    expect(record.status).toBe('quarantined');
    expect(record.error?.code).toBe('ARCHIVE_NOT_GZIP');
    expect(await listKeys(staging)).toEqual([]);
  });
});

describe('runExtractUnit: an aborted unit', () => {
  it('rejects with ARCHIVE_ABORTED and leaves no half-written quarantine file behind', async () => {
    const first = `BKG_ID,AMT\n${noisyRows(100)}B9,1,extra\n`;
    const archive = await tarGz([
      ['bookings_001.csv', first],
      ['bookings_002.csv', `BKG_ID,AMT\n${noisyRows(30_000)}`],
    ]);
    const controller = new AbortController();
    let seen = 0;
    let outputDir = '';
    const run = extract(archive, {
      signal: controller.signal,
      outputDir: (dir) => (outputDir = dir),
      onBytes: (bytes) => {
        seen += bytes;
        if (seen > first.length + 1000) controller.abort();
      },
    });
    const error = await run.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ArchiveError);
    expect((error as ArchiveError).code).toBe('ARCHIVE_ABORTED');
    expect(await filesUnder(outputDir)).toEqual([]);
  });
});

describe('runExtractUnit: quarantined rows', () => {
  it.each<[string, string, string, string[]]>([
    ['RFC 4180 quotes', '', 'BKG_ID,AMT\nB4,"a,b",x\nB5,"say ""hi""\nthere",y\n', ['B4,"a,b",x', 'B5,"say ""hi""\nthere",y']],
    ['semicolons and backslash escapes', 'csv: { delimiter: ";", escape: "\\\\" }\n', 'BKG_ID;AMT\nB4;"a;\\"b\\\\";x\n', ['B4;"a;\\"b\\\\";x']],
  ])('keep the row text re-parseable into the same fields: %s', async (_, csv, data, raws) => {
    const spec = specWith(`${csv}tables:
  bookings:
    columns:
      booking_id: { from: BKG_ID }
      amount: { from: AMT }
`);
    const { record, output } = await extract(await tarGz([['bookings_1.csv', data]]), { spec });
    expect(jsonl(await readText(output, record.quarantineKey!)).map((r) => r.raw)).toEqual(raws);
  });
});

describe('runExtractUnit: dialects', () => {
  it('reads files without a header by column index, quarantining rows that are too short', async () => {
    const spec = specWith(`csv: { header: false, delimiter: ";", nullValues: ["-"] }
tables:
  bookings:
    primaryKey: [booking_id]
    columns:
      booking_id: { index: 1, nullable: false }
      amount: { index: 0, type: decimal }
`);
    const { record, staging, output } = await extract(await tarGz([['bookings_1.csv', '1.5;B1;ignored\n-;B2\n7\n;\n']]), { spec });
    expect(record.parts).toHaveLength(1);
    expect(await partText(staging, record.parts[0]!)).toBe('booking_id,amount\nB1,1.5\nB2,\n"",""\n');
    expect(record.parts[0]!.metrics).toMatchObject({ rows: 3, malformedRows: 1, typeErrors: { amount: 1 } });
    expect(jsonl(await readText(output, record.quarantineKey!))).toEqual([
      { archive: 'drop1.tar.gz', member: 'bookings_1.csv', line: 3, reason: 'expected at least 2 fields, found 1', raw: '7' },
    ]);
  });

  it('keeps a header-only member as a part with no rows', async () => {
    const { record, staging } = await extract(await tarGz([['bookings_1.csv', 'BKG_ID,AMT\n']]));
    expect(record.quarantinedMembers).toEqual([]);
    expect(record.parts[0]!.metrics.rows).toBe(0);
    expect(await partText(staging, record.parts[0]!)).toBe('booking_id,amount\n');
    expect(record.keyRuns.bookings).toEqual({ key: STAGED, count: 0, offset: record.parts[0]!.bytes });
  });
});

describe('runExtractUnit: writing the staged object', () => {
  const members: [string, string][] = [
    ['bookings_001.csv', `BKG_ID,AMT\n${noisyRows(50)}`],
    ['bookings_002.csv', `BKG_ID,AMT\n${noisyRows(50, 8)}`],
    ['bookings_003.csv', `BKG_ID,AMT\n${noisyRows(50, 9)}`],
  ];

  it("records every part's size and place, each member's rows in its own range", async () => {
    const { record, staging } = await extract(await tarGz(members));
    expect(record.status).toBe('ok');
    expect(record.parts.map((p) => p.member)).toEqual(members.map(([name]) => name));
    for (const [i, part] of record.parts.entries()) {
      expect(part.bytes).toBeGreaterThan(0);
      expect(await partText(staging, part)).toBe(`booking_id,amount\n${members[i]![1].slice('BKG_ID,AMT\n'.length)}`);
    }
  });

  it('fails the unit when the object cannot be written', async () => {
    const run = extract(await tarGz(members), {
      wrapStaging: (store) => ({
        ...store,
        write: async (_key, body) => {
          for await (const _ of body as AsyncIterable<Buffer>);
          throw new Error('disk full');
        },
      }),
    });
    await expect(run).rejects.toThrow('disk full');
  });

  it('fails the unit when its object cannot be written, once its other writes have settled', async () => {
    let open = 0;
    let started = 0;
    const run = extract(
      await tarGz([
        ['bookings_001.csv', 'BKG_ID,AMT\nB1,1\nB2,2,extra\n'],
        ['bookings_002.csv', 'BKG_ID,AMT\nB3,3\n'],
      ]),
      {
        // The staged object fails at once, the quarantine file (of the malformed row) is written
        // slowly: a unit that gave up at the first failure would leave that write running.
        wrapStaging: (store) => ({
          ...store,
          write: async () => {
            throw new Error('quota exceeded');
          },
        }),
        wrapOutput: (store) => ({
          ...store,
          write: async (key, body) => {
            open++;
            started++;
            try {
              await new Promise((resolve) => setTimeout(resolve, 50));
              return await store.write(key, body);
            } finally {
              open--;
            }
          },
        }),
      },
    );
    await expect(run).rejects.toThrow('quota exceeded');
    expect(started).toBe(1);
    expect(open).toBe(0);
  });
});
