/**
 * `@partner-ingest/cli`: every command of the `partner-ingest` CLI as a typed function, so that
 * scripts and services can call them without spawning a process.
 *
 * @packageDocumentation
 */
export { main } from './main.js';
export { validateCommand } from './commands/validate.js';
export type { ValidateOptions, ValidateReport, ValidatedFile } from './commands/validate.js';
export { planCommand } from './commands/plan.js';
export type { PlanCommandOptions, PlanCommandResult } from './commands/plan.js';
export { EXIT, UsageError, processIo } from './io.js';
export type { CliIo } from './io.js';
export { expandSpecTargets } from './spec-files.js';
export { runCommand, runFromArgs } from './commands/run.js';
export type { RunCommandOptions, RunCommandResult } from './commands/run.js';
