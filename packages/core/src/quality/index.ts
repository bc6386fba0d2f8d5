export { judgeTable, nullRatioLimit } from './dqa.js';
export type { CheckStatus, QualityCheck, TableFigures, TableVerdict } from './dqa.js';
