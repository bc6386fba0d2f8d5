import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../connectors/connector.js';
import { listKeys, readText, tempStore } from '../ingest/__fixtures__/kit.js';
import { fingerprint, StateStore } from './state-store.js';

describe('fingerprint', () => {
  it.each<[unknown, unknown]>([
    [{ a: 1 }, { a: 2 }],
    [['x', 'y'], ['y', 'x']],
    ['1', 1],
    [null, {}],
  ])('is stable, 32 hex digits, and tells %j from %j', (a, b) => {
    expect(fingerprint(a)).toMatch(/^[0-9a-f]{32}$/);
    expect(fingerprint(a)).toBe(fingerprint(structuredClone(a)));
    expect(fingerprint(a)).not.toBe(fingerprint(b));
  });
});

describe('StateStore', () => {
  it('has no record for a key never written', async () => {
    const state = new StateStore((await tempStore('state')).store);
    expect(await state.get('extract/a.json')).toBeUndefined();
  });

  it('reads back what it wrote, as one JSON line', async () => {
    const { store } = await tempStore('state');
    const state = new StateStore(store);
    const record = { inputsHash: 'abc', parts: [{ key: 'parts/a/t/1.csv', bytes: 12 }], note: 'é "quoted"\n' };
    await state.put('extract/a.json', record);
    expect(await state.get('extract/a.json')).toEqual(record);
    expect(await readText(store, 'extract/a.json')).toBe(`${JSON.stringify(record)}\n`);
    await state.put('extract/a.json', { replaced: true });
    expect(await state.get('extract/a.json')).toEqual({ replaced: true });
  });

  it('treats a record that is not JSON as absent', async () => {
    const { store } = await tempStore('state');
    await store.write('merge/t.json', '{"inputsHash": "abc", ');
    expect(await new StateStore(store).get('merge/t.json')).toBeUndefined();
  });

  it('deletes records, and deleting a missing one is fine', async () => {
    const { store } = await tempStore('state');
    const state = new StateStore(store);
    await state.put('merge/t.json', { a: 1 });
    await state.delete('merge/t.json');
    await state.delete('merge/never.json');
    expect(await state.get('merge/t.json')).toBeUndefined();
    expect(await listKeys(store)).toEqual([]);
  });

  it('passes on storage errors other than a missing record', async () => {
    const state = new StateStore((await tempStore('state')).store);
    await expect(state.get('../outside.json')).rejects.toSatisfy((e) => e instanceof ConnectorError && e.code === 'INVALID_KEY');
  });
});
