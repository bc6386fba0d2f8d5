/**
 * A service's own logger behind core's `Logger` interface: it keeps every entry as data (for a
 * job record, a test, or shipping to a log pipeline) and can also echo lines to stderr. Any
 * logger you already have fits the same four methods.
 */
import type { LogLevel, Logger } from '@partner-ingest/core';

/** One structured log entry. */
export interface LogEntry {
  level: LogLevel;
  message: string;
  fields: Record<string, unknown>;
  /** ISO timestamp. */
  time: string;
}

/** Options of {@link createCollectingLogger}. */
export interface CollectingLoggerOptions {
  /** Also print each entry at or above this level to stderr (`console.error`); off by default. */
  console?: LogLevel;
}

/** A `Logger` that also exposes what it was told. */
export interface CollectingLogger extends Logger {
  readonly entries: LogEntry[];
}

const SEVERITY: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

export function createCollectingLogger(options: CollectingLoggerOptions = {}): CollectingLogger {
  const entries: LogEntry[] = [];
  const log = (level: LogLevel) => (message: string, fields: Record<string, unknown> = {}) => {
    const entry: LogEntry = { level, message, fields, time: new Date().toISOString() };
    entries.push(entry);
    if (options.console !== undefined && SEVERITY[level] <= SEVERITY[options.console]) {
      // stderr, so a caller's stdout stays machine-readable.
      console.error(`${level}: ${message}${Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : ''}`);
    }
  };
  return { entries, error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') };
}
