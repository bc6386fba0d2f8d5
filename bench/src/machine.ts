// What the numbers were measured on: CPU model, cores the bench uses, memory, Node.js version.

import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import type { MachineInfo } from './report-format.js';

/** The first "model name" of /proc/cpuinfo; os.cpus() where there is none (not Linux). */
export function cpuModelFrom(cpuinfo: string | null): string {
  const line = cpuinfo?.split('\n').find((l) => l.startsWith('model name'));
  const model = line?.slice(line.indexOf(':') + 1).trim();
  return model || cpus()[0]?.model.trim() || 'unknown CPU';
}

export async function describeMachine(startedAt: Date): Promise<MachineInfo> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => null);
  return {
    cpuModel: cpuModelFrom(cpuinfo),
    cores: availableParallelism(),
    totalMemoryBytes: totalmem(),
    nodeVersion: process.version,
    date: startedAt.toISOString(),
  };
}
