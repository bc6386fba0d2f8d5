export { formatSummaryText, summaryKeys, bottleneckHints, roundTo } from './summary.js';
export type { Hint, QuarantineEntry, RunSummary, TableSummary } from './summary.js';
