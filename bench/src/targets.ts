// The targets for partner-ingest, checked against the summaries. Pure; a check whose
// contenders were not measured (see --only) says so instead of passing or failing.

import type { ContenderName } from './contender-names.js';
import type { ContenderSummary } from './summary.js';

export const MAX_RATIO_TO_FLOOR = 1.6;
export const MIN_SPEEDUP_OVER_DUCKDB_TUNED = 2;
export const MAX_PEAK_RSS_MIB = 256;

export interface TargetCheck {
  label: string;
  /** true/false for a target, null when it could not be checked or is a figure, not a target. */
  pass: boolean | null;
  /** The measured value, e.g. "1.42x", or why it is missing. */
  value: string;
}

/** "1.75x (5.60 s -> 3.20 s)": how much faster `fast` ran than `slow`, with both medians. */
function speedupFigure(slow: ContenderSummary, fast: ContenderSummary): string {
  return `${(slow.medianSeconds / fast.medianSeconds).toFixed(2)}x (${slow.medianSeconds.toFixed(2)} s -> ${fast.medianSeconds.toFixed(2)} s)`;
}

export function checkTargets(summaries: readonly ContenderSummary[]): TargetCheck[] {
  const get = (name: ContenderName) => summaries.find((s) => s.name === name);
  const missing = (...names: ContenderName[]) => `n/a (needs ${names.filter((n) => get(n) === undefined).join(' and ')})`;
  const pi = get('partner-ingest');
  const floor = get('floor');
  const tuned = get('duckdb-tuned');
  const c1 = get('partner-ingest-c1');
  const checks: TargetCheck[] = [];

  const floorLabel = `partner-ingest wall <= ${MAX_RATIO_TO_FLOOR}x floor`;
  if (pi && floor) {
    const ratio = pi.medianSeconds / floor.medianSeconds;
    checks.push({ label: floorLabel, pass: ratio <= MAX_RATIO_TO_FLOOR, value: `${ratio.toFixed(2)}x` });
  } else checks.push({ label: floorLabel, pass: null, value: missing('floor', 'partner-ingest') });

  const duckLabel = `partner-ingest >= ${MIN_SPEEDUP_OVER_DUCKDB_TUNED}x faster than duckdb-tuned`;
  if (pi && tuned) {
    const speedup = tuned.medianSeconds / pi.medianSeconds;
    checks.push({ label: duckLabel, pass: speedup >= MIN_SPEEDUP_OVER_DUCKDB_TUNED, value: `${speedup.toFixed(2)}x` });
  } else checks.push({ label: duckLabel, pass: null, value: missing('duckdb-tuned', 'partner-ingest') });

  const rssLabel = `partner-ingest peak RSS <= ${MAX_PEAK_RSS_MIB} MiB`;
  if (pi) checks.push({ label: rssLabel, pass: pi.peakRssMiB <= MAX_PEAK_RSS_MIB, value: `${Math.round(pi.peakRssMiB)} MiB` });
  else checks.push({ label: rssLabel, pass: null, value: missing('partner-ingest') });

  // Not a target: how much the second core buys.
  const scaleLabel = 'partner-ingest speedup over --concurrency 1';
  if (pi && c1) checks.push({ label: scaleLabel, pass: null, value: speedupFigure(c1, pi) });
  else checks.push({ label: scaleLabel, pass: null, value: missing('partner-ingest', 'partner-ingest-c1') });

  // Nor this, and only when both were measured: what the second core buys the floor itself.
  const floor1 = get('floor-1');
  if (floor && floor1) checks.push({ label: 'floor speedup over one gzip process', pass: null, value: speedupFigure(floor1, floor) });

  // Not a target either, and only when asked for: what a second BullMQ worker buys.
  const one = get('bullmq-1-worker');
  const two = get('bullmq-2-workers');
  if (one && two) checks.push({ label: 'partner-ingest on 2 BullMQ workers vs 1', pass: null, value: speedupFigure(one, two) });
  return checks;
}

/** "label: yes (1.42x)", "label: no (1.80x)", or "label: value" for figures and n/a. */
export function formatTargetCheck(check: TargetCheck): string {
  if (check.pass === null) return `${check.label}: ${check.value}`;
  return `${check.label}: ${check.pass ? 'yes' : 'no'} (${check.value})`;
}
