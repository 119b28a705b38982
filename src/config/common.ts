import { z } from 'zod';
import { msToNumber } from '@temporalio/common/lib/time';
import { parseEncryptionKeys } from '../codec/encryption-codec';
import { ConfigError } from '../common/config-error';
import { LOG_LEVELS } from '../common/log';
import { TOKEN68 } from '../common/bearer';

/**
 * The building blocks every entry's schema is made of (src/config/*.ts), each defined once, and `parseConfig`, which
 * turns zod's issues into a ConfigError naming each variable.
 */

export { ConfigError };

/** A duration such as "30s" or "7 days" (or a number of ms), parsed to milliseconds. */
export const duration = (name: string) => durationSchema(name, false);

/** As `duration`, where 0 means "off" (RESULT_TIMEOUT=0: no result phase). */
export const durationOrZero = (name: string) => durationSchema(name, true);

function durationSchema(name: string, allowZero: boolean) {
  return z.string().transform((value, ctx) => {
    const ms = toMs(value, allowZero);
    if (ms === undefined) {
      const zero = allowZero ? '0 or ' : '';
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be ${zero}a duration such as "30s", "15 minutes" or "7 days"`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

function toMs(value: string, allowZero: boolean): number | undefined {
  try {
    const ms = /^\d+$/.test(value.trim()) ? Number(value) : msToNumber(value as Parameters<typeof msToNumber>[0]);
    return Number.isFinite(ms) && (ms > 0 || (allowZero && ms === 0)) ? ms : undefined;
  } catch {
    return undefined;
  }
}

/** An optional string where an empty variable means unset. */
export const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export const httpUrl = (name: string) => z.string().refine(isHttpUrl, `${name} must be an absolute http(s) URL`);

/** An optional absolute http(s) URL where an empty variable means unset. */
export const optionalHttpUrl = (name: string) => optionalString.pipe(httpUrl(name).optional());

export const positiveNumber = z.coerce.number().positive();

/** An optional whole number where an empty variable means unset. */
export const optionalPositiveInt = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
  z.coerce.number().int().positive().optional(),
);

/** A TCP port to listen on; 0 picks a free one. */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** An optional TCP port where unset (or empty) means off; `min` 0 lets 0 pick a free one. */
export const optionalPort = (name: string, min: 0 | 1 = 0) =>
  z.preprocess(
    (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
    z.coerce
      .number()
      .int()
      .min(min, `${name} must be a port from ${min} to 65535`)
      .max(65535, `${name} must be a port from ${min} to 65535`)
      .optional(),
  );

/** LOG_LEVEL of every entry. */
export const logLevel = z.enum(LOG_LEVELS).default('INFO');

/** PAYLOAD_ENCRYPTION_KEYS: `keyId:base64` entries of 32-byte AES keys, the first encrypts (src/codec). */
export const payloadKeysSchema = z.string().superRefine((value, ctx) => {
  try {
    parseEncryptionKeys(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^PAYLOAD_ENCRYPTION_KEYS: /, '') });
  }
});

/** What to do about a required variable that is missing. */
const REQUIRED_HINTS: Record<string, string> = {
  PAYLOAD_ENCRYPTION_KEYS:
    'payloads (exam passwords) are encrypted with it; generate a key with ' +
    `\`node -e "console.log('k1:'+require('crypto').randomBytes(32).toString('base64'))"\` ` +
    '(the local stack, npm start, generates its own)',
};

/** Parses `env` with `schema`; every problem names its variable. Values are never echoed (some are secrets). */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.') || '(environment)';
      const missing = issue.code === 'invalid_type' && issue.input === undefined;
      const hint = REQUIRED_HINTS[name];
      const message = missing ? `is required but not set${hint ? `: ${hint}` : ''}` : issue.message;
      return `${name}: ${message}`;
    }),
  );
}

/** A bearer secret: ≥ 16 characters of RFC 6750's token68 set, or no client could send it (src/common/bearer.ts). */
export const bearerSecret = (name: string) =>
  z
    .string()
    .min(16, `${name} must be at least 16 characters`)
    .regex(TOKEN68, `${name} may contain only A-Z a-z 0-9 - . _ ~ + / (then = padding), as a bearer token must`);
