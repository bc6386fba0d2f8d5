/**
 * `compilePlan(spec, options)`: a valid spec and a run date become the DAG of the day's work.
 * Pure: no filesystem, no network, no clock. What is only known at run time (which archives
 * arrived) is a fan-out marker on the task, not a task per archive.
 *
 *   resolve-date -> wait-for-sources -> extract (per archive) -> merge:<table> -> dqa:<table>
 *                -> summary -> post-check
 */
import type { PartnerSpec } from '../spec/index.js';
import { parseDuration } from './duration.js';
import { expandLocation, joinLocation } from './locations.js';
import type { Plan, PlanLocations, PlanOptions, PlanReadiness, PlanTask } from './plan.js';
import { parseRunDate } from './resolve-date.js';

/** Where task completion is recorded when the caller does not say: under the output, out of readers' way. */
export const DEFAULT_STATE_DIR = '_state/';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function compileLocations(spec: PartnerSpec, options: PlanOptions): PlanLocations {
  const vars = { date: options.date, partner: spec.partner };
  const expand = (template: string) => expandLocation(template, vars);
  const output = expand(options.output ?? spec.output.uri);
  return {
    source: expand(options.source ?? spec.source.uri),
    staging: expand(options.staging ?? spec.staging),
    output,
    state: options.state === undefined ? joinLocation(output, DEFAULT_STATE_DIR) : expand(options.state),
  };
}

function compileReadiness(spec: PartnerSpec, options: PlanOptions): PlanReadiness {
  const { minArchives, doneMarker, pollEvery } = spec.source.readiness;
  const timeout = options.waitTimeout ?? spec.source.readiness.timeout;
  const readiness: PlanReadiness = { minArchives, timeoutMs: parseDuration(timeout), pollEveryMs: parseDuration(pollEvery) };
  if (doneMarker !== undefined) readiness.doneMarker = doneMarker;
  return readiness;
}

function waitDescription(spec: PartnerSpec, source: string, options: PlanOptions): string {
  const { minArchives, doneMarker, pollEvery } = spec.source.readiness;
  const timeout = options.waitTimeout ?? spec.source.readiness.timeout;
  const ready = `${source} holds at least ${plural(minArchives, 'archive')} matching ${spec.source.archives}` +
    (doneMarker === undefined ? '' : ` and the ${doneMarker} marker`);
  return parseDuration(timeout) === 0
    ? `Check once that ${ready}; fail if not`
    : `Wait until ${ready}, looking every ${pollEvery}; fail after ${timeout}`;
}

/**
 * Compiles a valid spec (as `loadSpecFile`/`parseSpec` return it) and a run date into a plan.
 * Throws `PlanError` for a bad date (`BAD_DATE`) or a bad location override (`BAD_LOCATION`), and
 * `BAD_DURATION` for a hand-built spec the schema never checked; any other throw is a bug.
 */
export function compilePlan(spec: PartnerSpec, options: PlanOptions): Plan {
  parseRunDate(options.date);
  const locations = compileLocations(spec, options);
  const tables = Object.keys(spec.tables);
  const ext = spec.output.format;

  const tasks: PlanTask[] = [
    {
      id: 'resolve-date',
      kind: 'resolve-date',
      needs: [],
      description: `Fix the run date at ${options.date} (the partner's calendar is ${spec.timezone})`,
    },
    {
      id: 'wait-for-sources',
      kind: 'wait-for-sources',
      needs: ['resolve-date'],
      description: waitDescription(spec, locations.source, options),
    },
    {
      id: 'extract',
      kind: 'extract',
      needs: ['wait-for-sources'],
      fanOut: 'archive',
      description:
        `For each archive matching ${spec.source.archives} in ${locations.source}: stream it, route members named ` +
        `${spec.members.pattern} to ${tables.join(', ')}, and stage normalised parts in ${locations.staging}`,
    },
  ];
  for (const table of tables) {
    tasks.push({
      id: `merge:${table}`,
      kind: 'merge',
      needs: ['extract'],
      table,
      description: `Merge the staged parts of ${table} into merged_${table}.${ext} with _schema.json and _SUCCESS in ${locations.output}`,
    });
  }
  for (const table of tables) {
    tasks.push({
      id: `dqa:${table}`,
      kind: 'dqa',
      needs: [`merge:${table}`],
      table,
      description:
        `Judge ${table} against the spec (headers, null ratios, expected files, types, primary key, drift); ` +
        `a failed check ${spec.quality.onFailure === 'fail' ? 'fails the run' : 'only warns'}`,
    });
  }
  tasks.push(
    {
      id: 'summary',
      kind: 'summary',
      needs: tables.map((table) => `dqa:${table}`),
      description: `Write merge_summary_${options.date}.json and summary.txt for ${plural(tables.length, 'table')} (${tables.join(', ')})`,
    },
    {
      id: 'post-check',
      kind: 'post-check',
      needs: ['summary'],
      description: `Check that every merged table and its _SUCCESS marker exist in ${locations.output} and match the summary`,
    },
  );

  return {
    partner: spec.partner,
    date: options.date,
    locations,
    archives: spec.source.archives,
    readiness: compileReadiness(spec, options),
    tables,
    tasks,
  };
}
