// A real OpenSSH server for the tests: `sshd` from the distribution (Debian: openssh-server),
// started in the foreground on a free loopback port with a throwaway host key, a throwaway user
// key and its own config in a temp dir, serving SFTP as the user running the tests. `stop()`
// kills it and removes the dir. Tests that need it skip with a reason when sshd is not installed.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, waitForLoopbackPort } from '../../testing/ports.js';

/** Where Debian puts sshd (it must be started by absolute path). */
export const SSHD = ['/usr/sbin/sshd', '/usr/bin/sshd'].find((path) => existsSync(path));

export interface SshTestServer {
  host: string;
  port: number;
  user: string;
  /** A directory on the server (and on this machine) the tests may use. */
  dataDir: string;
  /** The user's private key file, and the server's host key fingerprint (`SHA256:...`). */
  keyFile: string;
  hostKeySha256: string;
  /** The environment a connector needs to log in with the key and pin the host key. */
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function startSshServer(): Promise<SshTestServer> {
  if (!SSHD) throw new Error('sshd is not installed (Debian: apt-get install openssh-server)');
  const dir = await mkdtemp(join(tmpdir(), 'pi-sshd-'));
  const dataDir = join(dir, 'data');
  await mkdir(dataDir);
  const hostKey = join(dir, 'host_ed25519');
  const keyFile = join(dir, 'user_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyFile]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(`${keyFile}.pub`), { mode: 0o600 });
  const hostKeySha256 = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`], { encoding: 'utf8' }).split(' ')[1]!;
  const port = await freeLoopbackPort();
  const user = userInfo().username;
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    'PermitRootLogin prohibit-password',
    `AllowUsers ${user}`,
    'Subsystem sftp internal-sftp',
    'LogLevel ERROR',
  ].join('\n');
  await writeFile(join(dir, 'sshd_config'), `${config}\n`);
  // sshd wants its privilege separation directory; as root it may create it.
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true });
  const child = spawn(SSHD, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([waitForLoopbackPort(port, 'sshd'), exited.then(() => Promise.reject(new Error(`sshd exited: ${stderr}`)))]);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    host: '127.0.0.1',
    port,
    user,
    dataDir,
    keyFile,
    hostKeySha256,
    env: { SFTP_PRIVATE_KEY_FILE: keyFile, SFTP_HOST_KEY_SHA256: hostKeySha256 },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
