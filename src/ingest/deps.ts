import type { Client } from '@temporalio/client';
import type { Logger } from '../common/log';
import type { IngestMetrics } from '../common/metrics';
import type { FailureDelaySettings } from './webhook/failure-delay';

/**
 * What the ingest's app needs (src/ingest/app.ts builds it from these; routes receive the resolved form). Kept apart
 * from app.ts so routes import types from here, never from the module that imports them.
 */

/** Where store-app tickets are kept, durably, for the workers' token provider. */
export interface AppTicketSink {
  save(appId: string, ticket: string): Promise<void>;
}

/** The webhook's settings (from FEISHU_* variables). */
export interface FeishuWebhookSettings {
  verificationToken: string;
  encryptKey?: string;
  /** Reject events whose X-Lark-Request-Timestamp is further off than this; off when undefined. */
  timestampToleranceSeconds?: number;
  appType?: 'custom' | 'store';
  /** When set, app_ticket events for other apps are refused. */
  appId?: string;
}

import type { IngestHttpLimits } from '../common/http-hardening';
export { DEFAULT_HTTP_LIMITS, type IngestHttpLimits } from '../common/http-hardening';

export interface IngestDeps {
  client: Client;
  taskQueue?: string;
  /** Bearer secret of the exam system's API. */
  examSystemToken: string;
  feishu: FeishuWebhookSettings;
  /** The ingest's ARRANGEMENT_TIMEOUT in ms, when set: written into every started exam's input (it then wins over the worker's). */
  arrangementTimeoutMs?: number;
  /** Start exams with notifyExamSystem (EXAM_SYSTEM_WEBHOOK_URL is set). */
  notifyExamSystem?: boolean;
  /** Store-app tickets go here (durably); required for FEISHU_APP_TYPE=store. */
  appTickets?: AppTicketSink;
  logger?: Logger;
  bodyLimit?: number;
  http?: IngestHttpLimits;
  /** Delay refusals of the webhook to a client that keeps failing (./webhook/failure-delay.ts); off when undefined. */
  webhookFailureDelay?: FailureDelaySettings;
  /** Budget for each Temporal call made while a client waits; Feishu gives the whole webhook 3 s. */
  temporalDeadlineMs?: number;
  now?: () => number;
  /** Requests, events, starts and Temporal failures are counted here (src/metrics); default: nowhere. */
  metrics?: IngestMetrics;
}

export type ResolvedIngestDeps = Required<
  Pick<IngestDeps, 'taskQueue' | 'logger' | 'temporalDeadlineMs' | 'now' | 'metrics'>
> &
  IngestDeps & {
    temporal: { withDeadline<T>(fn: () => Promise<T>): Promise<T> };
  };
