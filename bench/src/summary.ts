// From raw run measurements to one line per contender: median wall time, throughput against the
// drop's uncompressed CSV bytes, wall time relative to the floor, and peak RSS. Pure.

import type { ContenderName } from './contender-names.js';
import type { Measurement } from './launcher.js';
import { median } from './stats.js';

/** One measured run, as the launcher (scripts/measure.py) reports it. maxRssKb is the largest
 * peak RSS of any single process in the run's process tree. */
export interface RunMeasurement extends Measurement {
  contender: ContenderName;
  run: number;
}

export interface ContenderSummary {
  name: ContenderName;
  runs: number;
  medianSeconds: number;
  /** csvBytes / 10^6 / medianSeconds. */
  mbPerSecond: number;
  /** medianSeconds / the floor's medianSeconds; null when the floor was not measured. */
  ratioToFloor: number | null;
  /** Max over runs, MiB (ru_maxrss KiB / 1024). */
  peakRssMiB: number;
}

/** Summaries in the order of `names`; a name without measurements is left out. */
export function summarize(names: readonly ContenderName[], runs: readonly RunMeasurement[], csvBytes: number): ContenderSummary[] {
  const medians = new Map<ContenderName, number>();
  for (const name of names) {
    const walls = runs.filter((r) => r.contender === name).map((r) => r.wallSeconds);
    if (walls.length > 0) medians.set(name, median(walls));
  }
  const floor = medians.get('floor');
  return names.flatMap((name): ContenderSummary[] => {
    const medianSeconds = medians.get(name);
    if (medianSeconds === undefined) return [];
    const own = runs.filter((r) => r.contender === name);
    return [
      {
        name,
        runs: own.length,
        medianSeconds,
        mbPerSecond: csvBytes / 1e6 / medianSeconds,
        ratioToFloor: floor === undefined ? null : medianSeconds / floor,
        peakRssMiB: Math.max(...own.map((r) => r.maxRssKb)) / 1024,
      },
    ];
  });
}
