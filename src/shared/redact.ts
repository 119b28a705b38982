/**
 * THE one place that knows which fields are secret. Every log line of the worker and the ingest passes through
 * `redact`, so a password, token, app secret, encrypt key, ticket or bearer secret that slips into log metadata is
 * replaced before it is written.
 */
const SECRET_KEY = /pass(word)?|secret|token|authorization|encrypt_?key|app_?ticket|api_?key|cookie|credential/i;
/** Keys that match the pattern above but hold no secret. */
const NOT_SECRET = new Set(['refreshedToken', 'hasCredentials', 'tenantKey', 'tenant_key']);
export const REDACTED = '[redacted]';

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_SECRET.has(key);
}

export function redact<T>(value: T, depth = 0): T {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    return { name: value.name, message: value.message } as T;
  }
  if (Array.isArray(value)) return value.map((item: unknown) => redact(item, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    out[key] = isSecretKey(key) ? REDACTED : redact(item, depth + 1);
  }
  return out as T;
}

export type LogLevelName = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
const LEVELS: LogLevelName[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export function levelEnabled(level: LogLevelName, min: LogLevelName): boolean {
  return LEVELS.indexOf(level) >= LEVELS.indexOf(min);
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
