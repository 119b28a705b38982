import { Counter, Histogram, type Registry } from 'prom-client';
import { EXAM_STATUSES } from '../common/constants';
import type { ExamMetrics, FeishuMetrics } from '../common/metrics';
import { LATENCY_BUCKETS, METRIC_PREFIX } from './registry';

/** The label value of a custom app's own tenant (its calls carry no tenant_key). */
export const OWN_TENANT = 'self';

/** The worker's product metrics (docs/metrics.md), registered on `registry`. */
export function createWorkerMetrics(registry: Registry): { feishu: FeishuMetrics; exams: ExamMetrics } {
  const registers = [registry];
  const requests = new Counter({
    name: `${METRIC_PREFIX}feishu_requests_total`,
    help: 'HTTP requests to the Feishu Open API, by API, outcome (success or the error kind) and Feishu code.',
    labelNames: ['api', 'outcome', 'code'] as const,
    registers,
  });
  const duration = new Histogram({
    name: `${METRIC_PREFIX}feishu_request_duration_seconds`,
    help: 'Time from sending a request to Feishu to reading its whole answer, by API.',
    labelNames: ['api'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const holds = new Counter({
    name: `${METRIC_PREFIX}feishu_rate_limit_holds_total`,
    help: 'Times a 429 (or 99991400) held an API x tenant back until its reset; tenant "self" is a custom app.',
    labelNames: ['api', 'tenant'] as const,
    registers,
  });
  const refreshes = new Counter({
    name: `${METRIC_PREFIX}feishu_token_refreshes_total`,
    help: 'Token fetches (tenant_access_token, app_access_token) by outcome.',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  const transitions = new Counter({
    name: `${METRIC_PREFIX}exam_status_transitions_total`,
    help: 'Exams entering a status (awaiting_arrangement counts new exams; failed, the ones that gave up).',
    labelNames: ['status'] as const,
    registers,
  });
  // Every status starts at 0, so `rate()` and `increase()` see the first transition to it.
  for (const status of EXAM_STATUSES) transitions.inc({ status }, 0);
  return {
    feishu: {
      request(api, outcome, code, seconds) {
        requests.inc({ api, outcome, code: code === undefined ? 'none' : String(code) });
        duration.observe({ api }, seconds);
      },
      rateLimitHold(api, tenantKey) {
        holds.inc({ api, tenant: tenantKey || OWN_TENANT });
      },
      tokenRefresh(kind, outcome) {
        refreshes.inc({ kind, outcome });
      },
    },
    exams: {
      statusTransition(status) {
        transitions.inc({ status });
      },
    },
  };
}
