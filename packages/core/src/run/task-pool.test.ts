import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { specWith, tarGz, tempStore } from '../ingest/__fixtures__/kit.js';
// The compiled pool: its worker threads run the compiled task script (`TaskPool.available()`).
import { TaskPool } from '../../dist/run/task-pool.js';

const SPEC = specWith(`tables:
  bookings:
    primaryKey: [booking_id]
    columns:
      booking_id: { from: BKG_ID }
`);

const tempDir = async (label: string) => (await tempStore(`pool-${label}`)).dir;

describe('TaskPool', () => {
  it("starts a worker's next unit while the last one has only writes left", async () => {
    const [source, staging, output] = await Promise.all([tempDir('source'), tempDir('staging'), tempDir('output')]);
    const archives = ['a.tar.gz', 'b.tar.gz'];
    for (const [i, name] of archives.entries()) await writeFile(join(source, name), await tarGz([[`bookings_${i}.csv`, `BKG_ID\nB${i}\n`]]));
    // One worker; the gated connectors hold the first unit's key-run writes until the second
    // archive is opened, which only a worker that takes the next unit meanwhile ever does.
    const pool = new TaskPool(
      1,
      {
        spec: SPEC,
        tables: ['bookings'],
        locations: { source: pathToFileURL(source).href, staging: pathToFileURL(staging).href, output: pathToFileURL(output).href },
        connectorsModule: new URL('./__fixtures__/gated-connectors.mjs', import.meta.url).href,
        env: {},
      },
      { error() {}, warn() {}, info() {}, debug() {} },
      () => {},
    );
    try {
      const records = await Promise.all(archives.map((name, i) => pool.extract({ key: name, size: 0, version: `v${i}` }, `unit-${i}`)));
      expect(records.map((record) => [record.archive, record.status, record.parts.length, record.keyRuns.bookings?.count])).toEqual([
        ['a.tar.gz', 'ok', 1, 1],
        ['b.tar.gz', 'ok', 1, 1],
      ]);
    } finally {
      await pool.abort(new Error('the test is over'));
    }
  }, 20_000);
});
