import { levelEnabled, writeLogLine, type LogLevelName } from '../shared/redact';

/** The ingest's logger: the same shape as Temporal's `Logger`, so one runtime logger can serve worker and ingest. */
export interface IngestLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export const silentLogger: IngestLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** JSON lines (secrets redacted, src/shared/redact.ts) on stdout, warnings and errors on stderr. */
export function consoleLogger(minLevel: LogLevelName = 'INFO'): IngestLogger {
  const write = (level: LogLevelName) => (message: string, meta?: Record<string, unknown>) => {
    if (levelEnabled(level, minLevel)) writeLogLine(level, message, meta);
  };
  return { debug: write('DEBUG'), info: write('INFO'), warn: write('WARN'), error: write('ERROR') };
}
