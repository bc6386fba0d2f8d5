/**
 * `partner-ingest plan <spec>`: compiles a spec and a date into the day's plan and prints it as
 * text, JSON or a mermaid flowchart. Nothing is read but the spec, and nothing is written.
 *
 * The spec is loaded without the environment: a plan is only printed, so an unset `${NAME}` must
 * not stop it, and leaving references as written never prints a secret. Like `run`, `plan` exits
 * 2 for a usage mistake or a spec that does not validate.
 */
import { isAbsolute, join } from 'node:path';
import { PlanError, compilePlan, formatIssue, formatPlanJson, formatPlanMermaid, formatPlanText, loadSpecFile, resolveRunDate } from '@partner-ingest/core';
import type { Plan } from '@partner-ingest/core';
import { EXIT } from '../io.js';
import type { CliIo } from '../io.js';

/** Options of `plan`. The location overrides are templates, like the spec's own. */
export interface PlanCommandOptions {
  /** The spec file, relative to `io.cwd` or absolute. */
  spec: string;
  /** The run date, `YYYY-MM-DD`; defaults to yesterday in the spec's time zone. */
  date?: string;
  format: 'text' | 'json' | 'mermaid';
  /** Replaces the spec's `source.uri`. */
  source?: string;
  /** Replaces the spec's `staging`. */
  staging?: string;
  /** Replaces the spec's `output.uri`. */
  output?: string;
  /** Where task state is recorded; defaults to `<output>/_state/`. */
  state?: string;
}

/** What `plan` did: the exit code, and the plan when one was compiled. */
export interface PlanCommandResult {
  exitCode: number;
  plan?: Plan;
}

const FORMATTERS = { text: formatPlanText, json: formatPlanJson, mermaid: formatPlanMermaid } as const;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Compiles the spec's plan for one day and prints it through `io`. */
export async function planCommand(options: PlanCommandOptions, io: CliIo): Promise<PlanCommandResult> {
  const loaded = await loadSpecFile(isAbsolute(options.spec) ? options.spec : join(io.cwd, options.spec));
  if (!loaded.spec) {
    const errors = loaded.issues.filter((issue) => issue.severity === 'error');
    for (const issue of errors) io.stderr(`${formatIssue(options.spec, issue)}\n`);
    io.stderr(`${options.spec}: invalid (${plural(errors.length, 'error')}); fix it before planning (partner-ingest validate ${options.spec})\n`);
    return { exitCode: EXIT.USAGE };
  }
  let plan: Plan;
  try {
    const date = resolveRunDate(options.date, loaded.spec.timezone, new Date());
    plan = compilePlan(loaded.spec, {
      date,
      source: options.source,
      staging: options.staging,
      output: options.output,
      state: options.state,
    });
  } catch (error) {
    if (!(error instanceof PlanError)) throw error;
    io.stderr(`partner-ingest: error ${error.code} ${error.message}\n`);
    return { exitCode: EXIT.USAGE };
  }
  io.stdout(FORMATTERS[options.format](plan));
  return { exitCode: EXIT.OK, plan };
}
