// Public surface of the plan compiler: pure functions from a spec and a date to a printable DAG.
export { compilePlan, DEFAULT_STATE_DIR } from './compile.js';
export type { Plan, PlanLocations, PlanOptions, PlanReadiness, PlanTask, PlanTaskKind } from './plan.js';
export { parseDuration, formatDuration } from './duration.js';
export { resolveRunDate, parseRunDate } from './resolve-date.js';
export { expandLocation, joinLocation } from './locations.js';
export type { LocationVars } from './locations.js';
export { formatPlanText, formatPlanMermaid, formatPlanJson, mermaidNodeId } from './format.js';
export { PlanError, PLAN_ERROR_CODES } from './plan-error.js';
export type { PlanErrorCode } from './plan-error.js';
