import type { ExamStatus } from './constants';

/**
 * What the product's code records for Prometheus, as plain observation methods. The code that observes depends on
 * these interfaces only; src/metrics implements them with prom-client on a registry that an entry creates (when its
 * metrics port is set), and everyone else gets the no-op ones below. Label values are names the product chooses (API,
 * outcome, status, route) and tenant keys — never a secret, token, password or custom-field value (docs/metrics.md).
 */

/** Feishu calls of one process (src/feishu). */
export interface FeishuMetrics {
  /** One HTTP request to Feishu: its API (`login_info`, `tenant_access_token`…), outcome, Feishu code, duration. */
  request(api: string, outcome: string, code: number | undefined, seconds: number): void;
  /** A 429 (or 99991400) held this API × tenant back until its reset. `tenantKey` undefined: a custom app. */
  rateLimitHold(api: string, tenantKey: string | undefined): void;
  /** A token was fetched (cache empty, expiring, or refused by Feishu): `kind` is the token's name. */
  tokenRefresh(kind: string, outcome: 'success' | 'failure'): void;
}

/** Exams' status changes, reported by the workflow through the sink below (outside the sandbox). */
export interface ExamMetrics {
  statusTransition(status: ExamStatus): void;
}

/** The ingest's HTTP traffic and hand-offs (src/ingest). */
export interface IngestMetrics {
  /** One answered request: the route pattern (never the raw path), method, status and time to answer. */
  request(route: string, method: string, status: number, seconds: number): void;
  /** A verified webhook event, by kind (`eco_exam_created`, `app_ticket`…). */
  webhookEvent(kind: string): void;
  /** An exam event's workflow start: started (or already running), duplicate (the exam had ended), failed. */
  workflowStart(outcome: 'started' | 'duplicate' | 'failed'): void;
  /** A Temporal call made while a client waited failed because Temporal was unreachable or too slow. */
  temporalFailure(): void;
}

export const noopFeishuMetrics: FeishuMetrics = { request() {}, rateLimitHold() {}, tokenRefresh() {} };
export const noopExamMetrics: ExamMetrics = { statusTransition() {} };
export const noopIngestMetrics: IngestMetrics = {
  request() {},
  webhookEvent() {},
  workflowStart() {},
  temporalFailure() {},
};

/**
 * The workflow sink (proxySinks) through which ecoExamWorkflow reports status changes to its worker process; the
 * worker (src/worker/compose.ts) registers it with `callDuringReplay: false`, so a replay never counts twice.
 */
export const EXAM_METRICS_SINK = 'examMetrics';
// A type, not an interface: the SDK's `Sinks` constraint needs an index signature, which only type aliases infer.
export type ExamMetricsSinks = {
  [EXAM_METRICS_SINK]: { statusTransition(status: ExamStatus): void };
};
