import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { msToNumber } from '@temporalio/common/lib/time';
import {
  DEFAULT_ARRANGEMENT_TIMEOUT,
  DEFAULT_RESULT_TIMEOUT,
  DEFAULT_RESULT_UPDATE_WINDOW,
  TASK_QUEUE,
} from './shared/constants';
import { parseEncryptionKeys } from './codec/encryption-codec';

/**
 * The environment, validated once by the entry files (src/worker.ts, src/ingest/server.ts) and passed down.
 * A bad or missing variable stops the process with a message that names it. `.env.example` lists them all.
 */

/** A duration such as "30s" or "7 days" (or a number of ms), parsed to milliseconds. */
const duration = (name: string) =>
  z.string().transform((value, ctx) => {
    const ms = toMs(value);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `${name} must be a duration such as "30s", "15 minutes" or "7 days"` });
      return z.NEVER;
    }
    return ms;
  });

/** As `duration`, where 0 means "off" (RESULT_TIMEOUT=0: no result phase). */
const durationOrZero = (name: string) =>
  z.string().transform((value, ctx) => {
    const ms = toMs(value, true);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${name} must be 0 or a duration such as "30s", "15 minutes" or "30 days"`,
      });
      return z.NEVER;
    }
    return ms;
  });

function toMs(value: string, allowZero = false): number | undefined {
  try {
    const ms = /^\d+$/.test(value.trim()) ? Number(value) : msToNumber(value as Parameters<typeof msToNumber>[0]);
    return Number.isFinite(ms) && (ms > 0 || (allowZero && ms === 0)) ? ms : undefined;
  } catch {
    return undefined;
  }
}

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value));

const httpUrl = (name: string) =>
  z.string().refine((value) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, `${name} must be an absolute http(s) URL`);

const positiveNumber = z.coerce.number().positive();

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
/** An optional whole number where an empty variable means unset. */
const optionalPositiveInt = z.preprocess(
  (value) => (typeof value === 'string' && value.trim() === '' ? undefined : value),
  z.coerce.number().int().positive().optional(),
);

/** Connection to Temporal: shared by every entry. */
const temporalSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(TASK_QUEUE),
  TEMPORAL_API_KEY: optionalString,
  /** PEM text or a path to a PEM file (client certificate for mTLS). */
  TEMPORAL_TLS_CERT: optionalString,
  TEMPORAL_TLS_KEY: optionalString,
});

const feishuSchema = z.object({
  FEISHU_BASE_URL: httpUrl('FEISHU_BASE_URL').default('https://open.feishu.cn'),
  FEISHU_APP_ID: z.string().min(1, 'FEISHU_APP_ID is required (the app id, cli_…)'),
  FEISHU_APP_SECRET: z.string().min(1, 'FEISHU_APP_SECRET is required'),
  FEISHU_APP_TYPE: z.enum(['custom', 'store']).default('custom'),
  /** Per-request timeout towards Feishu, in ms. */
  FEISHU_REQUEST_TIMEOUT_MS: positiveNumber.default(10_000),
  /**
   * submitLoginInfo starts per second across the whole task queue (all workers together). Feishu allows 1000/min and
   * 50/s per API × app × tenant; 16.5/s ≈ 990/min keeps every minute under 1000.
   */
  FEISHU_CALLS_PER_SECOND: positiveNumber.max(50).default(16.5),
});

export const workerConfigSchema = temporalSchema.extend(feishuSchema.shape).extend({
  ARRANGEMENT_TIMEOUT: duration('ARRANGEMENT_TIMEOUT').prefault(DEFAULT_ARRANGEMENT_TIMEOUT),
  /** After login info is accepted, how long exams wait for their first result; 0 = no result phase. */
  RESULT_TIMEOUT: durationOrZero('RESULT_TIMEOUT').prefault(DEFAULT_RESULT_TIMEOUT),
  /** How long after the last accepted result later results are still accepted. */
  RESULT_UPDATE_WINDOW: duration('RESULT_UPDATE_WINDOW').prefault(DEFAULT_RESULT_UPDATE_WINDOW),
  EXAM_SYSTEM_WEBHOOK_URL: optionalString.pipe(httpUrl('EXAM_SYSTEM_WEBHOOK_URL').optional()),
  /** HMAC key of the notification's x-exam-bridge-signature header; required with EXAM_SYSTEM_WEBHOOK_URL. */
  EXAM_SYSTEM_WEBHOOK_SECRET: optionalString.pipe(
    z.string().min(16, 'EXAM_SYSTEM_WEBHOOK_SECRET must be at least 16 characters').optional(),
  ),
  /** How long a stopping worker lets running activities finish. */
  WORKER_SHUTDOWN_GRACE: duration('WORKER_SHUTDOWN_GRACE').prefault('30s'),
  /**
   * Workflows kept in memory between tasks (about 1 MB each). Exams spend days waiting, so caching them buys little:
   * a signal replays the ~10-event history instead. Bounded so a worker stays small however many exams wait.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().positive().default(100),
  PAYLOAD_ENCRYPTION_KEYS: payloadKeysSchema,
  LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});
export type WorkerConfig = z.infer<typeof workerConfigSchema>;

/** Cross-field rules of the worker's environment. */
function checkWorker(config: WorkerConfig): WorkerConfig {
  if (config.EXAM_SYSTEM_WEBHOOK_URL && !config.EXAM_SYSTEM_WEBHOOK_SECRET) {
    throw new ConfigError([
      'EXAM_SYSTEM_WEBHOOK_SECRET: is required when EXAM_SYSTEM_WEBHOOK_URL is set (it signs the notification)',
    ]);
  }
  return config;
}

export const ingestConfigSchema = temporalSchema.extend({
  INGEST_HOST: z.string().min(1).default('127.0.0.1'),
  INGEST_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Largest request body accepted, in bytes (Feishu events are a few KiB). */
  INGEST_BODY_LIMIT: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  FEISHU_APP_ID: optionalString,
  FEISHU_APP_TYPE: z.enum(['custom', 'store']).default('custom'),
  FEISHU_ENCRYPT_KEY: optionalString,
  FEISHU_VERIFICATION_TOKEN: z.string().min(1, 'FEISHU_VERIFICATION_TOKEN is required (event subscription token)'),
  /** Budget of each Temporal call made while a caller waits (Feishu allows the whole webhook 3 s). */
  INGEST_TEMPORAL_DEADLINE_MS: z.coerce.number().int().positive().max(60_000).default(2000),
  /** Optional freshness check of X-Lark-Request-Timestamp, in seconds; off by default (redelivery timing is undocumented). */
  FEISHU_WEBHOOK_TOLERANCE_SECONDS: optionalPositiveInt,
  EXAM_SYSTEM_TOKEN: z.string().min(16, 'EXAM_SYSTEM_TOKEN must be at least 16 characters'),
  EXAM_SYSTEM_WEBHOOK_URL: optionalString.pipe(httpUrl('EXAM_SYSTEM_WEBHOOK_URL').optional()),
  ARRANGEMENT_TIMEOUT: duration('ARRANGEMENT_TIMEOUT').prefault(DEFAULT_ARRANGEMENT_TIMEOUT),
  PAYLOAD_ENCRYPTION_KEYS: payloadKeysSchema,
  LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
});
export type IngestConfig = z.infer<typeof ingestConfigSchema>;

export function loadIngestConfig(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  return parseConfig(ingestConfigSchema, env);
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

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

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return checkWorker(parseConfig(workerConfigSchema, env));
}

export type TemporalConfig = z.infer<typeof temporalSchema>;

/** mTLS client certificate from TEMPORAL_TLS_CERT/TEMPORAL_TLS_KEY (PEM text or a file path); undefined when unset. */
export function temporalTls(config: TemporalConfig): { clientCertPair: { crt: Buffer; key: Buffer } } | undefined {
  if (!config.TEMPORAL_TLS_CERT && !config.TEMPORAL_TLS_KEY) return undefined;
  if (!config.TEMPORAL_TLS_CERT || !config.TEMPORAL_TLS_KEY) {
    throw new ConfigError(['TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together']);
  }
  return {
    clientCertPair: {
      crt: pem('TEMPORAL_TLS_CERT', config.TEMPORAL_TLS_CERT),
      key: pem('TEMPORAL_TLS_KEY', config.TEMPORAL_TLS_KEY),
    },
  };
}

function pem(name: string, value: string): Buffer {
  if (value.includes('-----BEGIN')) return Buffer.from(value);
  try {
    return readFileSync(value);
  } catch (err) {
    throw new ConfigError([
      `${name}: neither PEM text nor a readable file (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
}
