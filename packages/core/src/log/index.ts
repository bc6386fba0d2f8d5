export { createRunLogger, silentLogger } from './logger.js';
export type { LogLevel, Logger, RunLoggerOptions } from './logger.js';
