/**
 * THE one place that knows which fields are secret. Every log line (src/common/log.ts) passes through
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
