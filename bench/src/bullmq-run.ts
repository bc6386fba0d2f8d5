// One measured run of partner-ingest on BullMQ workers, as one process tree for the launcher:
// starts a throwaway redis-server on a free loopback port and N `partner-ingest worker`
// processes, runs `partner-ingest run --executor bullmq` with the arguments after `--`, stops
// everything, and exits with the run's exit code (its JSON summary on stdout).
//
// usage: node bench/dist/bullmq-run.js <workers> -- <partner-ingest run arguments...>

import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { PARTNER_INGEST_BIN_JS, REPO_ROOT } from './paths.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

const stopped = (child: ChildProcess) => (child.exitCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve())));

async function main(): Promise<number> {
  const [countText, dashes, ...runArgs] = process.argv.slice(2);
  const workers = Number(countText);
  if (!Number.isInteger(workers) || workers < 1 || dashes !== '--') {
    process.stderr.write('usage: bullmq-run.js <workers> -- <partner-ingest run arguments...>\n');
    return 2;
  }
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const children: ChildProcess[] = [redis];
  try {
    for (let waited = 0; !(await listening(port)); waited += 50) {
      if (waited > 10_000 || redis.exitCode !== null) throw new Error('redis-server did not start (is it installed? Debian: apt-get install redis-server)');
      await new Promise((r) => setTimeout(r, 50));
    }
    const ready: Promise<void>[] = [];
    for (let i = 0; i < workers; i++) {
      const worker = spawn(process.execPath, [PARTNER_INGEST_BIN_JS, 'worker', '--redis', url, '--log-level', 'warn'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(worker);
      ready.push(new Promise((resolve) => setTimeout(resolve, 0)));
    }
    await Promise.all(ready);
    const run = spawn(process.execPath, [PARTNER_INGEST_BIN_JS, 'run', ...runArgs, '--executor', 'bullmq', '--redis', url], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    children.push(run);
    await stopped(run);
    return run.exitCode ?? 1;
  } finally {
    for (const child of children.reverse()) {
      child.kill('SIGTERM');
      await stopped(child);
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bullmq-run: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
