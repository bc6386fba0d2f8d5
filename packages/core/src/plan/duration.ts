/**
 * The spec's durations (`30s`, `5m`, `1h30m`): digits followed by a unit, concatenated. The schema
 * checks the form; this turns a checked duration into milliseconds and back.
 */
import { PlanError } from './plan-error.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

// `ms` comes before `m` in the alternation so that `1ms` is a millisecond, not a minute and an `s`.
const WHOLE = /^(?:\d+(?:ms|s|m|h|d))+$/;
const PIECE = /(\d+)(ms|s|m|h|d)/g;

/** Milliseconds in a duration such as `30s`, `2h` or `1h30m`. Throws `PlanError` `BAD_DURATION` otherwise. */
export function parseDuration(text: string): number {
  if (!WHOLE.test(text)) {
    throw new PlanError('BAD_DURATION', `"${text}" is not a duration; write digits followed by ms, s, m, h or d (e.g. 30s, 5m, 1h30m)`);
  }
  let total = 0;
  for (const [, digits, unit] of text.matchAll(PIECE)) total += Number(digits) * UNIT_MS[unit as Unit];
  if (!Number.isSafeInteger(total)) throw new PlanError('BAD_DURATION', `the duration "${text}" is too long`);
  return total;
}

/** Writes milliseconds the way a spec would (`5400000` -> `1h30m`, `0` -> `0s`). */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`cannot format ${ms} as a duration`);
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of ['d', 'h', 'm', 's', 'ms'] as const) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) out += `${count}${unit}`;
    rest -= count * UNIT_MS[unit];
  }
  return out;
}
