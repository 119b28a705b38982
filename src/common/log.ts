import type { LogEntry } from '@temporalio/worker';
import { redact } from './redact';

/**
 * THE logging of the product: one JSON line per event, metadata redacted (src/common/redact.ts), warnings and errors
 * on stderr, the rest on stdout. The ingest and the codec server log through `consoleLogger`; the worker installs
 * Temporal's DefaultLogger with `runtimeLogSink`, so SDK, workflow and activity lines come out the same way.
 */

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

export function levelEnabled(level: LogLevelName, min: LogLevelName): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(min);
}

/** One JSON log line, metadata redacted. BigInts become strings. */
export function formatLogLine(
  level: LogLevelName,
  message: string,
  meta?: Record<string, unknown>,
  time = new Date(),
): string {
  return JSON.stringify({ time: time.toISOString(), level, message, ...redact(meta ?? {}) }, (_key, item: unknown) =>
    typeof item === 'bigint' ? item.toString() : item,
  );
}

/** Writes one log line (redacted, JSON): warnings and errors to stderr, the rest to stdout. */
export function writeLogLine(level: LogLevelName, message: string, meta?: Record<string, unknown>, time?: Date): void {
  const line = formatLogLine(level, message, meta, time);
  (level === 'WARN' || level === 'ERROR' ? process.stderr : process.stdout).write(`${line}\n`);
}

/** The logger the HTTP services take: the same shape as Temporal's `Logger` methods they use. */
export interface Logger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** JSON lines through `writeLogLine`, from `minLevel` up. */
export function consoleLogger(minLevel: LogLevelName = 'INFO'): Logger {
  const write = (level: LogLevelName) => (message: string, meta?: Record<string, unknown>) => {
    if (levelEnabled(level, minLevel)) writeLogLine(level, message, meta);
  };
  return { debug: write('DEBUG'), info: write('INFO'), warn: write('WARN'), error: write('ERROR') };
}

/** The sink of the worker's `new DefaultLogger(level, runtimeLogSink)`: every runtime line through `writeLogLine`. */
export function runtimeLogSink(entry: LogEntry): void {
  writeLogLine(entry.level, entry.message, entry.meta, new Date(Number(entry.timestampNanos / 1_000_000n)));
}
