// The in-memory connector against the StorageConnector contract the runtime relies on: keys
// under their root, atomic writes, NOT_FOUND on a missing read, unsafe keys refused.

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConnectorError, createConnectorRegistry, type ObjectInfo } from '@partner-ingest/core';
import { codeOf, describeStorageConnector } from '@partner-ingest/connectors/testing';
import { memoryConnector, memoryConnectorFactory, type MemoryObjects } from './memory-connector.js';

// What a connector author does: run the exported conformance suite against the connector.
describeStorageConnector({ name: 'memory (the example service)', open: async () => memoryConnector('mem://conformance/', new Map()) });

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function text(stream: Readable): Promise<string> {
  return Buffer.concat(await all(stream as AsyncIterable<Buffer>)).toString('utf8');
}

describe('memoryConnector', () => {
  it('stores string, byte and stream bodies under its root and lists them by prefix', async () => {
    const objects: MemoryObjects = new Map();
    const mem = memoryConnector('mem://staging/acme', objects);
    expect(mem.uri).toBe('mem://staging/acme/');
    await mem.write('parts/a/bookings.csv', 'id\n1\n');
    await mem.write('parts/b/bookings.csv', new Uint8Array([0x69, 0x64, 0x0a]));
    const info = await mem.write('keys/a.bin', Readable.from([Buffer.from('ab'), Buffer.from('cd')]));
    expect(info).toMatchObject({ key: 'keys/a.bin', size: 4 });

    expect([...objects.keys()].sort()).toEqual(['staging/acme/keys/a.bin', 'staging/acme/parts/a/bookings.csv', 'staging/acme/parts/b/bookings.csv']);
    expect((await all(mem.list('parts/'))).map((o: ObjectInfo) => o.key).sort()).toEqual(['parts/a/bookings.csv', 'parts/b/bookings.csv']);
    expect(await all(memoryConnector('mem://staging/other/', objects).list())).toEqual([]);
    expect(await text(await mem.read('parts/a/bookings.csv'))).toBe('id\n1\n');
    expect(await text(await mem.read('keys/a.bin', { start: 1, end: 3 }))).toBe('bc');
    expect(await text(await mem.read('keys/a.bin', { start: 3, end: 9 }))).toBe('d');
    expect(await text(await mem.read('keys/a.bin', { start: 2, end: 2 }))).toBe('');
    expect(await mem.stat('keys/a.bin')).toEqual(info);

    const rewritten = await mem.write('keys/a.bin', 'abcd');
    expect(rewritten.version).not.toBe(info.version);
    await mem.delete('keys/a.bin');
    await mem.delete('keys/a.bin');
    expect(await mem.stat('keys/a.bin')).toBeUndefined();
    expect(await codeOf(mem.read('keys/a.bin'))).toBe('NOT_FOUND');
  });

  it('writes atomically: a body that fails leaves the old object, not a part of the new one', async () => {
    const mem = memoryConnector('mem://staging', new Map());
    await mem.write('part.csv', 'old\n');
    const failing = new Readable({ read() {} });
    const write = mem.write('part.csv', failing);
    failing.push('new, half');
    // Mid-write, readers still see the old object.
    await new Promise((resolve) => setImmediate(resolve));
    expect(await text(await mem.read('part.csv'))).toBe('old\n');
    failing.destroy(new Error('archive broke'));
    expect(await codeOf(write)).toBe('IO_ERROR');
    expect(await text(await mem.read('part.csv'))).toBe('old\n');

    const closedEarly = Readable.from(['never', 'finished']);
    closedEarly.destroy();
    expect(await codeOf(mem.write('other.csv', closedEarly))).toBe('IO_ERROR');
    expect(await mem.stat('other.csv')).toBeUndefined();
  });

  it('refuses unsafe keys and roots, and use after close', async () => {
    const mem = memoryConnector('mem://staging', new Map());
    for (const key of ['../x', '/abs', 'a//b', 'a/./b', '']) expect(await codeOf(mem.write(key, 'x')), key).toBe('INVALID_KEY');
    expect(() => memoryConnector('mem://', new Map())).toThrow(ConnectorError);
    expect(() => memoryConnector('mem://../up', new Map())).toThrow(ConnectorError);
    await mem.close();
    expect(await codeOf(mem.stat('a'))).toBe('IO_ERROR');
  });

  it('plugs into a registry under its scheme, every root sharing the factory store', async () => {
    const objects: MemoryObjects = new Map();
    const registry = createConnectorRegistry().register('mem', memoryConnectorFactory(objects));
    const a = await registry.open('mem://lake/staging/');
    await a.write('x.csv', 'x');
    const b = await registry.open('mem://lake/');
    expect(await text(await b.read('staging/x.csv'))).toBe('x');
    expect(registry.schemes()).toEqual(['mem']);
  });
});
