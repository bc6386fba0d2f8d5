// Runs one contender command under scripts/measure.py, which times it and reads the peak RSS of
// its process tree (through GNU time's wait4 where it exists, else getrusage(RUSAGE_CHILDREN)).
// A fresh python3 per run keeps the rusage of earlier runs out of the figure.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { SCRIPTS_DIR } from './paths.js';

export interface CommandSpec {
  argv: string[];
  cwd: string;
  /** Files receiving the command's output; '/dev/null' to discard. */
  stdout: string;
  stderr: string;
}

export interface Measurement {
  wallSeconds: number;
  maxRssKb: number;
  /** gnu-time: /usr/bin/time between launcher and command (~1 MiB floor); rusage-children: the
   * launcher's own getrusage, whose floor is Python's RSS (~10 MiB). */
  rssMethod: 'gnu-time' | 'rusage-children';
  userSeconds: number;
  systemSeconds: number;
  exitCode: number;
}

export async function measure(spec: CommandSpec): Promise<Measurement> {
  const child = spawn('python3', [join(SCRIPTS_DIR, 'measure.py'), JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (e) => reject(new Error(`cannot start python3 for scripts/measure.py: ${e.message}`)));
    child.on('close', resolve);
  });
  if (code !== 0) throw new Error(`scripts/measure.py exited with ${code}: ${err.trim() || out.trim()}`);
  return JSON.parse(out) as Measurement;
}
