// The SFTP connector against a real OpenSSH sshd on a loopback port: the conformance suite, then
// what is particular to SFTP (logging in, pinning the host key, errors that say what to check).
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorError } from '@partner-ingest/core/connectors';
import { defaultConnectorRegistry } from '../registry.js';
import { collect, connectorFailure } from '../testing/results.js';
import { describeStorageConnector } from '../testing/storage-conformance.js';
import { hostKeyFingerprint, parseSftpUri, sftpConnector } from './sftp.js';
import { SSHD, startSshServer, type SshTestServer } from './__fixtures__/sshd.js';

// CI installs openssh-server (see .ci/run); elsewhere these tests say why they do not run.
const withSshd = describe.skipIf(SSHD === undefined);

let server: SshTestServer;
const uri = (path: string) => `sftp://${server.user}@${server.host}:${server.port}${join(server.dataDir, path)}/`;

beforeAll(async () => {
  if (SSHD) server = await startSshServer();
}, 30_000);

afterAll(async () => {
  await server?.stop();
});


withSshd('sftp (OpenSSH sshd)', () => {
  describeStorageConnector({ name: 'sftp', open: () => sftpConnector(uri(randomUUID()), { env: server.env, durable: true }) });

  it('is what the default registry opens for sftp:// URIs, and lists what the partner uploaded', async () => {
    const day = join(server.dataDir, 'drop', '2026-11-22');
    await mkdir(join(day, 'late'), { recursive: true });
    await writeFile(join(day, 'a_0001.tar.gz'), 'one');
    await writeFile(join(day, 'late', 'a_0002.tar.gz'), 'two');
    await writeFile(join(day, '_DONE'), '');
    const store = await defaultConnectorRegistry().open(uri('drop/2026-11-22'), { env: server.env });
    try {
      expect(store.uri).toBe(uri('drop/2026-11-22'));
      expect((await collect(store.list())).map((i) => [i.key, i.size])).toEqual([
        ['_DONE', 0],
        ['a_0001.tar.gz', 3],
        ['late/a_0002.tar.gz', 3],
      ]);
      expect((await collect(store.list('late/'))).map((i) => i.key)).toEqual(['late/a_0002.tar.gz']);
      await store.write('staged/x.csv', 'x\n');
      expect(await readFile(join(day, 'staged', 'x.csv'), 'utf8')).toBe('x\n');
    } finally {
      await store.close();
    }
  });

  it('refuses a server whose host key is not the pinned one, naming the key it showed', async () => {
    const error = await connectorFailure(sftpConnector(uri('x'), { env: { ...server.env, SFTP_HOST_KEY_SHA256: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }, durable: true }));
    expect(error.code).toBe('ACCESS_DENIED');
    expect(error.message).toContain(server.hostKeySha256);
    expect(error.message).toContain('pinned');
  });

  it('says the login was refused when the key is not authorized', async () => {
    const other = join(server.dataDir, '..', 'not-authorized');
    const { execFileSync } = await import('node:child_process');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    const error = await connectorFailure(sftpConnector(uri('x'), { env: { ...server.env, SFTP_PRIVATE_KEY_FILE: other }, durable: true }));
    expect(error.code).toBe('ACCESS_DENIED');
    expect(error.message).toMatch(/refused the login.*SFTP_PRIVATE_KEY_FILE/);
  });

  it('says the server is unreachable when nothing listens on the port', async () => {
    const error = await connectorFailure(sftpConnector(`sftp://${server.user}@127.0.0.1:9/x/`, { env: server.env, durable: true }));
    expect(error.code).toBe('UNREACHABLE');
    expect(error.message).toContain('127.0.0.1:9');
  });

});

describe('sftp URIs and credentials', () => {
  it('parses user, host, port and root; refuses a password in the URI', () => {
    expect(parseSftpUri('sftp://acme@sftp.acme.example:2222/outgoing/2026-11-22/')).toEqual({ host: 'sftp.acme.example', port: 2222, username: 'acme', root: '/outgoing/2026-11-22' });
    expect(parseSftpUri('sftp://acme@10.0.0.5/')).toEqual({ host: '10.0.0.5', port: 22, username: 'acme', root: '' });
    expect(() => parseSftpUri('sftp://acme:secret@host/x')).toThrow(/SFTP_PASSWORD/);
    for (const bad of ['sftp://host/x', 'sftp://', 's3://b/x', 'sftp://u@h:port/x']) expect(() => parseSftpUri(bad), bad).toThrow(ConnectorError);
  });

  it('says which variables to set when there are no credentials', async () => {
    const error = await connectorFailure(sftpConnector('sftp://acme@127.0.0.1:9/x/', { env: {}, durable: true }));
    expect(error.code).toBe('ACCESS_DENIED');
    expect(error.message).toMatch(/SFTP_PRIVATE_KEY_FILE.*SFTP_PASSWORD/);
  });

  it('prints host key fingerprints as ssh-keygen does', () => {
    expect(hostKeyFingerprint(Buffer.from('key'))).toBe('SHA256:LHDhK3oGRvkiefQnx7OOczTY5Tic/xZ6HcMOc/gmtoM');
  });
});
