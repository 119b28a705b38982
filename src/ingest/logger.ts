/** The ingest's logger: the same shape as Temporal's `Logger`, so one runtime logger can serve worker and ingest. */
export interface IngestLogger {
  debug(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export const silentLogger: IngestLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** JSON lines on stdout/stderr. */
export function consoleLogger(minLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' = 'INFO'): IngestLogger {
  const order = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
  const min = order.indexOf(minLevel);
  const write = (level: string) => (message: string, meta?: Record<string, unknown>) => {
    if (order.indexOf(level) < min) return;
    const line = JSON.stringify({ time: new Date().toISOString(), level, message, ...meta });
    (level === 'WARN' || level === 'ERROR' ? process.stderr : process.stdout).write(`${line}\n`);
  };
  return { debug: write('DEBUG'), info: write('INFO'), warn: write('WARN'), error: write('ERROR') };
}
