// Test helpers for the runtime's tests: specs from small YAML texts, throwaway local storage
// (the real local filesystem connector on temp dirs), and small .tar.gz archives.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSpec } from '@partner-ingest/core';
import type { ByteRange, ObjectInfo, PartnerSpec, StorageConnector } from '@partner-ingest/core';
import { localFsConnector } from '@partner-ingest/connectors';
import { afterAll } from 'vitest';
import { buildTar, gzipped } from '../../archive/__fixtures__/build.js';

/** A valid spec from YAML text; throws with the issues otherwise. */
export function spec(text: string): PartnerSpec {
  const loaded = parseSpec(text);
  if (!loaded.spec) throw new Error(`invalid test spec: ${JSON.stringify(loaded.issues, null, 2)}`);
  return loaded.spec;
}

/**
 * A spec with the usual boilerplate around `body`, the YAML of `tables:` and any other top-level
 * keys, written at column 0.
 */
export function specWith(body: string): PartnerSpec {
  return spec(`apiVersion: partner-ingest/v1
partner: acme
source: { uri: /drop }
staging: /staging
output: { uri: /out }
members: { pattern: "{table}_{batch_id}.csv" }
${body}`);
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh temp dir and the local filesystem connector on it (removed after the test file). */
export async function tempStore(label = 'store'): Promise<{ dir: string; store: StorageConnector }> {
  const dir = await mkdtemp(join(tmpdir(), `pi-${label}-`));
  dirs.push(dir);
  return { dir, store: localFsConnector(dir, { fsync: false }) };
}

/** The object's bytes, or those of `range`. */
export async function readBytes(store: StorageConnector, key: string, range?: ByteRange): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await store.read(key, range)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The bytes of a part (or key run) staged at `offset` in its object, `bytes` long. */
export function readRange(store: StorageConnector, ref: { key: string; offset?: number; bytes: number }): Promise<Buffer> {
  const start = ref.offset ?? 0;
  return readBytes(store, ref.key, { start, end: start + ref.bytes });
}

/** The object's text (UTF-8). */
export async function readText(store: StorageConnector, key: string): Promise<string> {
  return (await readBytes(store, key)).toString('utf8');
}

/** Every key under `prefix`, sorted. */
export async function listKeys(store: StorageConnector, prefix = ''): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of store.list(prefix)) keys.push(info.key);
  return keys.sort();
}

/** A .tar.gz of `members` (name -> content), in the given order. */
export async function tarGz(members: Array<[name: string, data: string | Buffer]>): Promise<Buffer> {
  return gzipped(await buildTar(members.map(([name, data]) => ({ name, data }))));
}

/** Writes `bytes` under `key` and returns its info. */
export async function put(store: StorageConnector, key: string, bytes: string | Buffer): Promise<ObjectInfo> {
  return store.write(key, bytes);
}

/**
 * The real connector, with every written and deleted key recorded: for asserting what a task
 * wrote along the way. It delegates everything; nothing is faked. It has no `readInto` (readers
 * take the stream path) unless `options.readInto` asks for the store's.
 */
export function recording(store: StorageConnector, options: { readInto?: boolean } = {}): StorageConnector & { written: string[]; deleted: string[] } {
  const written: string[] = [];
  const deleted: string[] = [];
  return {
    ...(options.readInto && store.readInto ? { readInto: store.readInto.bind(store) } : {}),
    uri: store.uri,
    written,
    deleted,
    list: (prefix) => store.list(prefix),
    stat: (key) => store.stat(key),
    read: (key, range) => store.read(key, range),
    write: (key, body) => {
      written.push(key);
      return store.write(key, body);
    },
    delete: (key) => {
      deleted.push(key);
      return store.delete(key);
    },
    close: () => store.close(),
  };
}
