import { describe, expect, it } from 'vitest';
import type { StorageConnector } from '../connectors/connector.js';
import { listKeys, readBytes, readText, specWith, tempStore } from './__fixtures__/kit.js';
import { csvLine } from './csv-out.js';
import { appendEmptyFields, copyTable, inTurn, mergeTable, tableOutputKeys, unionColumns } from './merge-table.js';
import type { PartRef } from './merge-table.js';
import { RawRowSplitter } from './raw-rows.js';

const SPEC = specWith(`tables:
  t:
    columns:
      id: { type: integer }
      name: {}
`);
const TABLE = SPEC.tables.t!;

let serial = 0;

/** Stages a part (header + body) and describes it the way the run hands it to the merge. */
async function stagePart(staging: StorageConnector, columns: string[], body: string | Buffer): Promise<PartRef> {
  const key = `parts/a/t/${String(serial++).padStart(6, '0')}.csv`;
  const bytes = Buffer.concat([Buffer.from(`${columns.join(',')}\n`), Buffer.isBuffer(body) ? body : Buffer.from(body)]);
  const info = await staging.write(key, bytes);
  return { key, columns, bytes: info.size };
}

/** Stages parts one after another in one object, as an extract unit does, each described by its offset. */
async function stageTogether(staging: StorageConnector, parts: [columns: string[], body: string][]): Promise<PartRef[]> {
  const key = `units/${String(serial++).padStart(6, '0')}.staged`;
  const pieces = parts.map(([columns, body]) => Buffer.from(`${columns.join(',')}\n${body}`));
  // Bytes after the last part (an extract unit's key runs) that no part may take in.
  await staging.write(key, Buffer.concat([...pieces, Buffer.from('\u0000key runs\u0000')]));
  let offset = 0;
  return parts.map(([columns], i) => {
    const ref: PartRef = { key, ...(offset > 0 ? { offset } : {}), bytes: pieces[i]!.length, columns };
    offset += pieces[i]!.length;
    return ref;
  });
}

async function stores() {
  return { staging: (await tempStore('staging')).store, output: (await tempStore('output')).store };
}

describe('unionColumns', () => {
  it.each<[string, string[][], string[]]>([
    ['no parts: the spec columns', [], ['id', 'name']],
    ['parts with the spec columns', [['id', 'name'], ['id', 'name']], ['id', 'name']],
    ['new columns in order of first appearance', [['id', 'name', 'b'], ['id', 'name', 'a', 'b'], ['id', 'name', 'c']], ['id', 'name', 'b', 'a', 'c']],
  ])('%s', (_, partColumns, expected) => {
    const parts = partColumns.map((columns) => ({ columns }));
    expect(unionColumns(TABLE, parts)).toEqual(expected);
  });
});

describe('mergeTable', () => {
  it('copies parts whose columns equal the union byte for byte, after one header', async () => {
    const { staging, output } = await stores();
    const bodies = ['1,"a,b"\n2,\n', '3,"x\ny"\n4,"say ""hi"""\n', '', '5,"ünï €"\n6,""\n'];
    const parts = [];
    for (const body of bodies) parts.push(await stagePart(staging, ['id', 'name'], body));
    const merged = await mergeTable('t', TABLE, parts, staging, output);
    const expected = `id,name\n${bodies.join('')}`;
    expect(await readText(output, 't/merged_t.csv')).toBe(expected);
    expect(merged).toMatchObject({ columns: ['id', 'name'], copiedParts: 4, reprojectedParts: 0, data: { key: 't/merged_t.csv', size: Buffer.byteLength(expected) } });
    expect(await listKeys(output)).toEqual(['t/merged_t.csv']);
  });

  it('copies parts given as a stream, in the columns given, as it copies them given as a list', async () => {
    const { staging, output } = await stores();
    const parts = [await stagePart(staging, ['id', 'name'], '1,a\n'), await stagePart(staging, ['id', 'name', 'channel'], '2,b,web\n')];
    const listed = await mergeTable('t', TABLE, parts, staging, output);
    const expected = await readText(output, 't/merged_t.csv');
    async function* streamed() {
      yield* parts;
    }
    const data = await copyTable('t', listed.columns, streamed(), staging, output);
    expect(await readText(output, 't/merged_t.csv')).toBe(expected);
    expect(data).toMatchObject({ key: 't/merged_t.csv', size: listed.data.size });
  });

  it('re-projects parts that lack columns of the union or have them in another order', async () => {
    const { staging, output } = await stores();
    const parts = [
      await stagePart(staging, ['id', 'name'], '1,a\n'),
      await stagePart(staging, ['id', 'name', 'channel'], '2,b,web\n3,"c,d","""q"""\n'),
      await stagePart(staging, ['id', 'name', 'score', 'channel'], '4,"two\nlines",9,app\n5,,,""\n'),
      await stagePart(staging, ['id', 'name', 'channel', 'score'], '6,f,"x,y",7\n'),
    ];
    const merged = await mergeTable('t', TABLE, parts, staging, output);
    expect(merged.columns).toEqual(['id', 'name', 'channel', 'score']);
    expect(merged.copiedParts).toBe(1);
    expect(merged.reprojectedParts).toBe(3);
    expect(await readText(output, 't/merged_t.csv')).toBe(
      'id,name,channel,score\n' +
        '1,a,,\n' +
        '2,b,web,\n' +
        '3,"c,d","""q""",\n' +
        '4,"two\nlines",app,9\n' +
        '5,,"",\n' +
        '6,f,"x,y",7\n',
    );
  });

  it('reads parts that share an object by their ranges, copied and re-projected alike, chunked or streamed', async () => {
    const { staging, output } = await stores();
    const big = Array.from({ length: 60_000 }, (_, i) => csvLine([String(i), i % 9 === 0 ? `two\nlines, "${i}"` : `name-${i}`])).join('');
    expect(big.length).toBeGreaterThan(1024 * 1024); // more than one read chunk, from an offset
    const parts = await stageTogether(staging, [
      [['id', 'name'], '1,a\n'],
      [['id', 'name', 'channel'], '2,b,web\n'],
      [['id', 'name'], big],
      [['channel', 'id', 'name'], 'app,3,"c,d"\n'],
    ]);
    expect(parts.map((p) => p.key)).toEqual(Array(4).fill(parts[0]!.key));
    const expected = `id,name,channel\n1,a,\n2,b,web\n${big.replace(/\n(?=[0-9])/g, ',\n').replace(/\n$/, ',\n')}3,"c,d",app\n`;
    await mergeTable('t', TABLE, parts, staging, output);
    expect(await readText(output, 't/merged_t.csv')).toBe(expected);
    const streamed = (await tempStore('streamed')).store;
    const { writeChunks: _, ...withoutChunks } = streamed;
    await mergeTable('t', TABLE, parts, staging, withoutChunks);
    expect(await readText(streamed, 't/merged_t.csv')).toBe(expected);
  });

  it('writes just the header when there are no parts', async () => {
    const { staging, output } = await stores();
    const merged = await mergeTable('t', TABLE, [], staging, output);
    expect(await readText(output, tableOutputKeys('t').data)).toBe('id,name\n');
    expect(merged).toMatchObject({ columns: ['id', 'name'], copiedParts: 0, reprojectedParts: 0 });
  });

  it('handles parts larger than a read chunk, copied and re-projected alike', async () => {
    const { staging, output } = await stores();
    const rows = (from: number, n: number, extra: boolean) =>
      Array.from({ length: n }, (_, i) => {
        const id = String(from + i);
        const name = i % 7 === 0 ? `multi\nline "${id}", é` : i % 5 === 0 ? null : `name-${id}-${'x'.repeat(i % 40)}`;
        return extra ? csvLine([id, name, `c${i % 3}`]) : csvLine([id, name]);
      }).join('');
    const big = rows(0, 40_000, false);
    const bigExtra = rows(40_000, 30_000, true);
    expect(Buffer.byteLength(big)).toBeGreaterThan(1024 * 1024); // the local connector reads 1 MiB chunks
    const parts = [await stagePart(staging, ['id', 'name'], big), await stagePart(staging, ['id', 'name', 'channel'], bigExtra)];
    const merged = await mergeTable('t', TABLE, parts, staging, output);
    expect(merged).toMatchObject({ copiedParts: 1, reprojectedParts: 1, columns: ['id', 'name', 'channel'] });
    const reprojected = big.replace(/\n(?=[0-9])/g, ',\n').replace(/\n$/, ',\n');
    // Every row of the first part gains an empty channel field; quoted line breaks are untouched.
    expect((await readBytes(output, 't/merged_t.csv')).equals(Buffer.from(`id,name,channel\n${reprojected}${bigExtra}`))).toBe(true);
  });

  it('writes the same bytes through reused buffers (writeChunks) as through fresh streamed ones', async () => {
    const { staging, output } = await stores();
    expect(output.writeChunks).toBeTypeOf('function'); // the local connector takes chunks
    const rows = (from: number, n: number, fields: (id: string, i: number) => (string | null)[]) =>
      Array.from({ length: n }, (_, i) => csvLine(fields(String(from + i), i))).join('');
    const name = (id: string, i: number) => (i % 7 === 0 ? `multi\nline "${id}", é` : `name-${id}-${'x'.repeat(i % 50)}`);
    // Parts of several 1 MiB reads each, alternating the two buffers in flight: copied, missing a
    // trailing column, and with columns in another order.
    const parts = [
      await stagePart(staging, ['id', 'name', 'channel'], rows(0, 40_000, (id, i) => [id, name(id, i), `c${i % 3}`])),
      await stagePart(staging, ['id', 'name'], rows(40_000, 40_000, (id, i) => [id, name(id, i)])),
      await stagePart(staging, ['id', 'name', 'channel'], rows(80_000, 40_000, (id, i) => [id, name(id, i), null])),
      await stagePart(staging, ['channel', 'id', 'name'], rows(120_000, 40_000, (id, i) => [`d${i % 2}`, id, name(id, i)])),
      await stagePart(staging, ['id', 'name', 'channel'], rows(160_000, 3, (id) => [id, 'short', 'x'])),
    ];
    for (const part of parts.slice(0, 4)) expect(part.bytes).toBeGreaterThan(1024 * 1024);
    const streamed = (await tempStore('streamed')).store;
    const { writeChunks: _, ...withoutChunks } = streamed;
    await mergeTable('t', TABLE, parts, staging, output);
    await mergeTable('t', TABLE, parts, staging, withoutChunks);
    const viaChunks = await readBytes(output, 't/merged_t.csv');
    expect(viaChunks.equals(await readBytes(streamed, 't/merged_t.csv'))).toBe(true);
  });

  it('fails clearly when a staged part is shorter than its unit recorded', async () => {
    const { staging, output } = await stores();
    const part = await stagePart(staging, ['id', 'name'], '1,a\n2,b\n');
    await staging.write(part.key, 'id,name\n1,a\n');
    await expect(mergeTable('t', TABLE, [{ ...part }], staging, output)).rejects.toThrow(`the staged part ${part.key} ends after 12 bytes, but its unit wrote 16`);
    expect(await listKeys(output)).toEqual([]);
  });
});

describe('appendEmptyFields (drift by appended columns)', () => {
  const part = 'a,b\nx,"one\ntwo"\n"say ""hi""",\n,""\n"a,b\n",last\n';
  const rows = (text: string) => {
    const out: string[][] = [];
    const splitter = new RawRowSplitter((fields) => out.push(fields));
    splitter.write(Buffer.from(text));
    splitter.end();
    return out;
  };
  const expected = rows(part).slice(1).map((fields) => `${[...fields, '', ''].join(',')}\n`).join('');

  it('adds the empty fields before every row end, never inside a quoted field, however the part is chunked', async () => {
    const bytes = Buffer.from(part);
    for (let cut = 0; cut <= bytes.length; cut++) {
      for (const second of [cut, Math.min(bytes.length, cut + 3)]) {
        const chunks = [bytes.subarray(0, cut), bytes.subarray(cut, second), bytes.subarray(second)].filter((c) => c.length > 0);
        async function* source() {
          yield* chunks;
        }
        const out: Buffer[] = [];
        for await (const piece of appendEmptyFields(source(), 2)) out.push(piece);
        expect(Buffer.concat(out).toString(), `cut at ${cut}/${second}`).toBe(expected);
      }
    }
  });
});

describe('appendEmptyFields with many appended columns', () => {
  it('grows its buffer as rows need it, keeping what it has written', async () => {
    // 200 short rows in one chunk, each 3000 fields short: the output is ~3000x the chunk.
    const rows = Array.from({ length: 200 }, (_, i) => (i % 7 === 0 ? `"r,${i}"` : `r${i}`));
    const input = Buffer.from(`a\n${rows.join('\n')}\n`);
    async function* source() {
      yield input;
    }
    const out: Buffer[] = [];
    for await (const piece of appendEmptyFields(source(), 3000)) out.push(piece);
    expect(Buffer.concat(out).toString()).toBe(rows.map((row) => `${row}${','.repeat(3000)}\n`).join(''));
  });
});

describe('inTurn (parts read ahead)', () => {
  /** Sources that record when they start and when they are closed. */
  function sources(items: string[][], log: string[], failAt?: number) {
    return items.map((values, i) => async function* () {
      log.push(`start ${i}`);
      try {
        for (const value of values) {
          await new Promise((tick) => setImmediate(tick));
          if (i === failAt) throw new Error(`source ${i} failed`);
          yield value;
        }
      } finally {
        log.push(`close ${i}`);
      }
    });
  }

  it('yields every source in order while starting the next ones ahead', async () => {
    const log: string[] = [];
    const out: string[] = [];
    for await (const item of inTurn(sources([['a', 'b'], [], ['c'], ['d', 'e'], ['f']], log), 2)) {
      out.push(item);
      if (item === 'a') expect(log.filter((l) => l.startsWith('start'))).toEqual(['start 0', 'start 1', 'start 2']);
    }
    expect(out).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(log.filter((l) => l.startsWith('close')).sort()).toEqual(['close 0', 'close 1', 'close 2', 'close 3', 'close 4']);
  });

  it('takes its sources from a stream, pulling only as far as it reads ahead, and closes the stream on an early stop', async () => {
    const log: string[] = [];
    const list = sources([['a', 'b'], ['c'], ['d'], ['e'], ['f']], log);
    async function* streamed() {
      try {
        for (const [i, source] of list.entries()) {
          log.push(`pull ${i}`);
          yield source;
        }
      } finally {
        log.push('stream closed');
      }
    }
    const out: string[] = [];
    for await (const item of inTurn(streamed(), 1)) {
      out.push(item);
      if (item === 'a') expect(log.filter((l) => l.startsWith('pull'))).toEqual(['pull 0', 'pull 1']);
      if (item === 'c') break;
    }
    expect(out).toEqual(['a', 'b', 'c']);
    expect(log).toContain('stream closed');
    expect(log.filter((l) => l.startsWith('close')).sort()).toEqual(['close 0', 'close 1', 'close 2']);
  });

  it('closes the sources it started when the reader stops early', async () => {
    const log: string[] = [];
    for await (const item of inTurn(sources([['a', 'b'], ['c'], ['d'], ['e']], log), 2)) if (item === 'a') break;
    expect(log.filter((l) => l.startsWith('start'))).toEqual(['start 0', 'start 1', 'start 2']);
    expect(log.filter((l) => l.startsWith('close')).sort()).toEqual(['close 0', 'close 1', 'close 2']);
  });

  it('reports a source failing ahead of its turn only in its turn, after the earlier items', async () => {
    const log: string[] = [];
    const out: string[] = [];
    await expect(
      (async () => {
        for await (const item of inTurn(sources([['a', 'b', 'c'], ['d'], ['e']], log, 1), 2)) out.push(item);
      })(),
    ).rejects.toThrow('source 1 failed');
    expect(out).toEqual(['a', 'b', 'c']);
    expect(log.filter((l) => l.startsWith('close')).sort()).toEqual(['close 0', 'close 1', 'close 2']);
  });
});
