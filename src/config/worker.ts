import { z } from 'zod';
import { DEFAULT_ARRANGEMENT_TIMEOUT, DEFAULT_RESULT_TIMEOUT, DEFAULT_RESULT_UPDATE_WINDOW } from '../common/constants';
import {
  ConfigError,
  duration,
  durationOrZero,
  httpUrl,
  logLevel,
  optionalHttpUrl,
  optionalPort,
  optionalString,
  parseConfig,
  payloadKeysSchema,
  positiveNumber,
} from './common';
import { temporalSchema } from './temporal';

/** The worker's environment (src/worker.ts). */

const feishuSchema = z.object({
  FEISHU_BASE_URL: httpUrl('FEISHU_BASE_URL').default('https://open.feishu.cn'),
  FEISHU_APP_ID: z.string().min(1, 'FEISHU_APP_ID is required (the app id, cli_…)'),
  FEISHU_APP_SECRET: z.string().min(1, 'FEISHU_APP_SECRET is required'),
  FEISHU_APP_TYPE: z.enum(['custom', 'store']).default('custom'),
  /** Per-request timeout towards Feishu, in ms. */
  FEISHU_REQUEST_TIMEOUT_MS: positiveNumber.default(10_000),
  /**
   * Calls per second of each Feishu API for each tenant, all workers together: the Temporal server's per-fairness-key
   * rate on each API's task queue (needs `matching.enableFairness=true`; docs/performance.md#quota-design), and the
   * in-process pacer. Feishu allows 1000/min and 50/s per API × app × tenant; 16.5/s ≈ 990/min keeps every minute
   * under 1000.
   */
  FEISHU_CALLS_PER_SECOND: positiveNumber.max(50).default(16.5),
});

export const workerConfigSchema = temporalSchema.extend(feishuSchema.shape).extend({
  ARRANGEMENT_TIMEOUT: duration('ARRANGEMENT_TIMEOUT').prefault(DEFAULT_ARRANGEMENT_TIMEOUT),
  /** After login info is accepted, how long exams wait for their first result; 0 = no result phase. */
  RESULT_TIMEOUT: durationOrZero('RESULT_TIMEOUT').prefault(DEFAULT_RESULT_TIMEOUT),
  /** How long after the last accepted result later results are still accepted. */
  RESULT_UPDATE_WINDOW: duration('RESULT_UPDATE_WINDOW').prefault(DEFAULT_RESULT_UPDATE_WINDOW),
  EXAM_SYSTEM_WEBHOOK_URL: optionalHttpUrl('EXAM_SYSTEM_WEBHOOK_URL'),
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
  LOG_LEVEL: logLevel,
  /** Address of both metrics endpoints; loopback by default (a scraper elsewhere: set it, behind a firewall). */
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  /** The product's /metrics (src/metrics); unset = off, 0 = a free port. */
  WORKER_METRICS_PORT: optionalPort('WORKER_METRICS_PORT'),
  /** The Temporal SDK's own /metrics (its Runtime's Prometheus exporter: slots, pollers, latencies); unset = off. */
  WORKER_SDK_METRICS_PORT: optionalPort('WORKER_SDK_METRICS_PORT', 1),
});
export type WorkerConfig = z.infer<typeof workerConfigSchema>;

/** Cross-field rules of the worker's environment. */
function checkWorker(config: WorkerConfig): WorkerConfig {
  if (config.EXAM_SYSTEM_WEBHOOK_URL && !config.EXAM_SYSTEM_WEBHOOK_SECRET) {
    throw new ConfigError([
      'EXAM_SYSTEM_WEBHOOK_SECRET: is required when EXAM_SYSTEM_WEBHOOK_URL is set (it signs the notification)',
    ]);
  }
  if (config.WORKER_METRICS_PORT !== undefined && config.WORKER_METRICS_PORT === config.WORKER_SDK_METRICS_PORT) {
    throw new ConfigError([
      'WORKER_SDK_METRICS_PORT: must differ from WORKER_METRICS_PORT (the SDK serves its own endpoint)',
    ]);
  }
  return config;
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  return checkWorker(parseConfig(workerConfigSchema, env));
}
