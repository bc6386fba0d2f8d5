export { runPlan, archiveId } from './run-plan.js';
export type { RunOptions, RunProgress, RunResult } from './run-plan.js';
export { StateStore, fingerprint } from './state-store.js';
export { SourcesNotReadyError, listArchives, waitForSources } from './wait-for-sources.js';
export type { ReadySources } from './wait-for-sources.js';
export { postCheck } from './post-check.js';
export { runTableStage, schemaDocument } from './table-stage.js';
export type { TableStageContext } from './table-stage.js';
export { archiveGlob } from './archive-glob.js';
