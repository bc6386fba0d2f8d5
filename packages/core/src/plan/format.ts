/**
 * Printing a plan: a text page for people, a mermaid flowchart for docs and reviews, and JSON for
 * machines. All pure; the CLI decides where the text goes.
 */
import { formatDuration } from './duration.js';
import type { Plan, PlanTask } from './plan.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function readinessText(plan: Plan): string {
  const { minArchives, doneMarker, timeoutMs, pollEveryMs } = plan.readiness;
  const what = `at least ${plural(minArchives, 'archive')}${doneMarker === undefined ? '' : ` and ${doneMarker}`}`;
  return timeoutMs === 0 ? `${what}; checked once` : `${what}; wait up to ${formatDuration(timeoutMs)}, polling every ${formatDuration(pollEveryMs)}`;
}

function taskHeading(task: PlanTask): string {
  const fanOut = task.fanOut ? `  [one unit per ${task.fanOut}]` : '';
  const needs = task.needs.length > 0 ? `  <- ${task.needs.join(', ')}` : '';
  return `${task.id}${fanOut}${needs}`;
}

/** The plan as a page of text: locations, readiness, tables, then each task with what it needs. */
export function formatPlanText(plan: Plan): string {
  const { source, staging, output, state } = plan.locations;
  const width = String(plan.tasks.length).length;
  const lines = [
    `Plan for ${plan.partner} on ${plan.date}`,
    '',
    `  source   ${source}  (archives: ${plan.archives})`,
    `  staging  ${staging}`,
    `  output   ${output}`,
    `  state    ${state}`,
    `  ready    ${readinessText(plan)}`,
    `  tables   ${plan.tables.join(', ')}`,
    '',
    `Tasks (${plan.tasks.length}, in a valid order):`,
  ];
  plan.tasks.forEach((task, index) => {
    const number = `  ${String(index + 1).padStart(width)}.`;
    lines.push(`${number} ${taskHeading(task)}`, `${' '.repeat(number.length)} ${task.description}`);
  });
  return `${lines.join('\n')}\n`;
}

/** A mermaid node id for a task id: mermaid ids take letters, digits and `_` only (`merge:a` -> `merge__a`). */
export function mermaidNodeId(taskId: string): string {
  return taskId.replace(/:/g, '__').replace(/[^A-Za-z0-9_]/g, '_');
}

const mermaidLabel = (text: string) => `"${text.replace(/"/g, '#quot;')}"`;

/** The plan's DAG as a mermaid `flowchart TD`; fan-out tasks are drawn as subroutines. */
export function formatPlanMermaid(plan: Plan): string {
  const lines = ['flowchart TD', `  %% partner-ingest plan: ${plan.partner} on ${plan.date}`];
  for (const task of plan.tasks) {
    const id = mermaidNodeId(task.id);
    lines.push(task.fanOut ? `  ${id}[[${mermaidLabel(`${task.id} (one per ${task.fanOut})`)}]]` : `  ${id}[${mermaidLabel(task.id)}]`);
  }
  for (const task of plan.tasks) {
    for (const need of task.needs) lines.push(`  ${mermaidNodeId(need)} --> ${mermaidNodeId(task.id)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The plan as indented JSON (the plan is plain data, so this is all it takes). */
export function formatPlanJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}
