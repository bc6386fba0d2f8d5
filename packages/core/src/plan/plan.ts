/**
 * The plan: what a spec and a date compile to. Plain, JSON-serialisable data, so it can be
 * printed, diffed, stored next to a run, and handed to any executor.
 */

/** What `compilePlan` needs besides the spec. Overrides are location templates, like the spec's. */
export interface PlanOptions {
  /** The run date, `YYYY-MM-DD` (see `resolveRunDate`). */
  date: string;
  /** Replaces `source.uri`. */
  source?: string;
  /** Replaces `staging`. */
  staging?: string;
  /** Replaces `output.uri`. */
  output?: string;
  /** Where task completion is recorded; defaults to `<output>/_state/`. */
  state?: string;
  /** Replaces `source.readiness.timeout` (a duration such as `0s` or `10m`). */
  waitTimeout?: string;
}

/** The expanded locations one run reads and writes. */
export interface PlanLocations {
  /** Where the day's drop is read from. */
  source: string;
  /** Where extract writes normalised parts for merge to read. */
  staging: string;
  /** Where merged tables, markers and the summary are published. */
  output: string;
  /** Where every task records its completion (the state store). */
  state: string;
}

/** When a drop counts as complete: the gate `wait-for-sources` applies. */
export interface PlanReadiness {
  /** The drop is ready once at least this many archives are present. */
  minArchives: number;
  /** A file the partner writes last, when the spec names one. */
  doneMarker?: string;
  /** How long to wait before failing; 0 means look once. */
  timeoutMs: number;
  /** How often to look again while waiting. */
  pollEveryMs: number;
}

/** The kinds of task a plan holds, in the order they run. */
export type PlanTaskKind = 'resolve-date' | 'wait-for-sources' | 'extract' | 'merge' | 'dqa' | 'summary' | 'post-check';

/** One node of the plan's DAG. */
export interface PlanTask {
  /** Unique within the plan: the kind, plus `:<table>` for per-table tasks (`merge:bookings`). */
  id: string;
  kind: PlanTaskKind;
  /** Ids of the tasks that must finish first. */
  needs: string[];
  /** The table a per-table task works on. */
  table?: string;
  /** Set when the task runs as many units, one per item discovered at run time. */
  fanOut?: 'archive';
  /** One sentence for people, naming the concrete locations and tables. */
  description: string;
}

/** A compiled plan: one partner, one day, its locations and its tasks in a topological order. */
export interface Plan {
  partner: string;
  /** The run date, `YYYY-MM-DD`. */
  date: string;
  locations: PlanLocations;
  /** The glob archive names in the drop must match. */
  archives: string;
  readiness: PlanReadiness;
  /** The spec's tables, in spec order. */
  tables: string[];
  /** Every task, each listed after all the tasks it needs. */
  tasks: PlanTask[];
}
