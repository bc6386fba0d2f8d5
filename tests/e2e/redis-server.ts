/**
 * A real Redis for the distributed tests: Debian's `redis-server` on a free loopback port, with
 * no persistence (so a restart loses every queue, as an unconfigured Redis would), stopped
 * afterwards. The tests skip when redis-server is not installed; `.ci/run` installs it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freeLoopbackPort, waitForLoopbackPort } from '@partner-ingest/connectors/testing';

/** Whether redis-server can be started here. */
export const REDIS_AVAILABLE = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;

export interface RedisTestServer {
  url: string;
  /** Kills it at once (SIGKILL): every queue is lost. */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<RedisTestServer> {
  const port = await freeLoopbackPort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes'], { stdio: 'ignore' });
    await waitForLoopbackPort(port, 'redis-server', 10_000);
  };
  const halt = async (signal: NodeJS.Signals) => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill(signal);
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    kill: () => halt('SIGKILL'),
    restart: start,
    stop: () => halt('SIGTERM'),
  };
}
