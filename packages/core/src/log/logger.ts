/**
 * The logger the runtime writes through. Library code never prints: it logs here, and the
 * caller decides where lines go. A winston logger satisfies this interface, and so does a
 * three-line adapter over any other logger.
 */
import winston from 'winston';

/** Structured logging: a message plus fields. */
export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything: the default for SDK callers who pass none. */
export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };

/** Log levels, most severe first. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** Options for the runtime's standard winston logger. */
export interface RunLoggerOptions {
  level: LogLevel;
  /** A local file that receives every line as JSON (JSON Lines), at debug level. */
  jsonFile?: string;
  /** A human-readable console view on stderr. */
  console?: boolean;
}

/** The standard logger: JSON lines to a file for machines, a short human view on stderr. */
export function createRunLogger(options: RunLoggerOptions): Logger & { close(): Promise<void> } {
  const transports: winston.transport[] = [];
  if (options.jsonFile) {
    transports.push(
      new winston.transports.File({
        filename: options.jsonFile,
        level: 'debug',
        format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      }),
    );
  }
  if (options.console) {
    transports.push(
      new winston.transports.Console({
        level: options.level,
        stderrLevels: ['error', 'warn', 'info', 'debug'],
        format: winston.format.printf(({ level, message, ...fields }) => {
          const extra = Object.entries(fields)
            .filter(([key]) => key !== 'timestamp')
            .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
            .join(' ');
          return `${level}: ${String(message)}${extra ? ` ${extra}` : ''}`;
        }),
      }),
    );
  }
  const logger = winston.createLogger({ level: 'debug', transports, silent: transports.length === 0 });
  return {
    error: (message, fields) => logger.error(message, fields),
    warn: (message, fields) => logger.warn(message, fields),
    info: (message, fields) => logger.info(message, fields),
    debug: (message, fields) => logger.debug(message, fields),
    close: () =>
      new Promise<void>((resolve) => {
        logger.on('finish', () => resolve());
        logger.end();
      }),
  };
}
