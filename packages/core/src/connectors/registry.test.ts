import { describe, expect, it } from 'vitest';
import { assertSafeKey, ConnectorError } from './connector.js';
import type { StorageConnector } from './connector.js';
import { createConnectorRegistry, uriScheme } from './registry.js';

describe('uriScheme', () => {
  it.each([
    ['s3://bucket/prefix/', 's3'],
    ['SFTP://user@host:22/x', 'sftp'],
    ['file:///data/in/', 'file'],
    ['/data/in/', 'file'],
    ['relative/dir', 'file'],
    ['C:\\data', 'file'],
  ])('%s -> %s', (uri, scheme) => expect(uriScheme(uri)).toBe(scheme));
});

describe('createConnectorRegistry', () => {
  const fake = (uri: string): StorageConnector => ({
    uri,
    async *list() {},
    stat: async () => undefined,
    read: async () => {
      throw new ConnectorError('NOT_FOUND', 'none');
    },
    write: async (key) => ({ key, size: 0, version: '0' }),
    delete: async () => {},
    close: async () => {},
  });

  it('opens a registered scheme with the URI, the environment and durability (durable unless asked)', async () => {
    const seen: unknown[] = [];
    const registry = createConnectorRegistry().register('mem', (uri, context) => {
      seen.push(uri, context.env.TOKEN, context.durable);
      return fake(uri);
    });
    const connector = await registry.open('mem://bucket/', { env: { TOKEN: 't' } });
    expect(connector.uri).toBe('mem://bucket/');
    expect(seen).toEqual(['mem://bucket/', 't', true]);
    seen.length = 0;
    await registry.open('mem://staging/', { env: {}, durable: false });
    expect(seen).toEqual(['mem://staging/', undefined, false]);
    expect(registry.schemes()).toEqual(['mem']);
  });

  it('refuses a scheme nobody registered, naming the ones that are', async () => {
    const registry = createConnectorRegistry({ file: fake });
    await expect(registry.open('s3://lake/x/')).rejects.toMatchObject({
      code: 'UNSUPPORTED_SCHEME',
      message: expect.stringContaining('registered schemes: file'),
    });
  });
});

describe('assertSafeKey', () => {
  it.each(['a', 'a/b.csv', 'parts/x-1/t/000001-b.csv'])('accepts %s', (key) => expect(() => assertSafeKey(key)).not.toThrow());
  it.each(['', '/abs', '../x', 'a/../b', 'a//b', 'a/./b', 'a\\b', 'a\u0000b', 'a/'])('refuses %j', (key) => {
    expect(() => assertSafeKey(key)).toThrow(expect.objectContaining({ code: 'INVALID_KEY' }));
  });
});
