import { z } from 'zod';
import { DEFAULT_HTTP_LIMITS } from '../common/http-hardening';
import {
  bearerSecret,
  ConfigError,
  duration,
  logLevel,
  optionalHttpUrl,
  optionalPort,
  optionalPositiveInt,
  optionalString,
  parseConfig,
  payloadKeysSchema,
  port,
} from './common';
import { temporalSchema } from './temporal';

/** The ingest's environment (src/ingest/server.ts). */
export const ingestConfigSchema = temporalSchema.extend({
  INGEST_HOST: z.string().min(1).default('127.0.0.1'),
  INGEST_PORT: port(3000),
  /** Address of the ingest's /metrics; loopback by default. */
  INGEST_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** The ingest's /metrics on a port of its own (never the public webhook port); unset = off, 0 = a free port. */
  INGEST_METRICS_PORT: optionalPort('INGEST_METRICS_PORT'),
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
  EXAM_SYSTEM_TOKEN: bearerSecret('EXAM_SYSTEM_TOKEN'),
  EXAM_SYSTEM_WEBHOOK_URL: optionalHttpUrl('EXAM_SYSTEM_WEBHOOK_URL'),
  /** Only when set here is it written into each started exam's input (and wins); unset, the worker's governs. */
  ARRANGEMENT_TIMEOUT: optionalString.pipe(duration('ARRANGEMENT_TIMEOUT').optional()),
  PAYLOAD_ENCRYPTION_KEYS: payloadKeysSchema,
  LOG_LEVEL: logLevel,
  /** Time a client has to send a whole request (headers and body), in ms; then 408 and the connection is closed. */
  INGEST_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .max(600_000)
    .default(DEFAULT_HTTP_LIMITS.requestTimeoutMs),
  /** How long an idle keep-alive connection stays open, in ms (longer than a proxy's idle timeout). */
  INGEST_KEEPALIVE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .max(600_000)
    .default(DEFAULT_HTTP_LIMITS.keepAliveTimeoutMs),
  /** Open connections per client IP; more are closed at once (0 = no bound; behind a proxy the proxy is the client). */
  INGEST_MAX_CONNECTIONS_PER_CLIENT: z.coerce
    .number()
    .int()
    .min(0)
    .default(DEFAULT_HTTP_LIMITS.maxConnectionsPerClient),
});
export type IngestConfig = z.infer<typeof ingestConfigSchema>;

export function loadIngestConfig(env: NodeJS.ProcessEnv = process.env): IngestConfig {
  const config = parseConfig(ingestConfigSchema, env);
  if (config.INGEST_METRICS_PORT !== undefined && config.INGEST_METRICS_PORT !== 0) {
    if (config.INGEST_METRICS_PORT === config.INGEST_PORT) {
      throw new ConfigError([
        'INGEST_METRICS_PORT: must differ from INGEST_PORT (the public port never serves metrics)',
      ]);
    }
  }
  return config;
}
