import { Counter, Histogram, type Registry } from 'prom-client';
import type { IngestMetrics } from '../common/metrics';
import { LATENCY_BUCKETS, METRIC_PREFIX } from './registry';

/** The ingest's product metrics (docs/metrics.md), registered on `registry`. */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  const requests = new Counter({
    name: `${METRIC_PREFIX}ingest_requests_total`,
    help: 'Answered HTTP requests by route pattern ("unmatched" for no route), method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  });
  const duration = new Histogram({
    name: `${METRIC_PREFIX}ingest_request_duration_seconds`,
    help: 'Time to answer a request (for the webhook: the acknowledgement Feishu waits 3 s for), by route.',
    labelNames: ['route'] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const events = new Counter({
    name: `${METRIC_PREFIX}ingest_webhook_events_total`,
    help: 'Verified Feishu webhook events by kind.',
    labelNames: ['kind'] as const,
    registers,
  });
  const starts = new Counter({
    name: `${METRIC_PREFIX}ingest_workflow_starts_total`,
    help: 'Exam workflow starts from 创建笔试 events: started (or already running), duplicate (the exam had ended), failed.',
    labelNames: ['outcome'] as const,
    registers,
  });
  for (const outcome of ['started', 'duplicate', 'failed'] as const) starts.inc({ outcome }, 0);
  const temporalFailures = new Counter({
    name: `${METRIC_PREFIX}ingest_temporal_failures_total`,
    help: 'Temporal calls made while a client waited that failed because Temporal was unreachable or too slow.',
    registers,
  });
  return {
    request(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      duration.observe({ route }, seconds);
    },
    webhookEvent(kind) {
      events.inc({ kind });
    },
    workflowStart(outcome) {
      starts.inc({ outcome });
    },
    temporalFailure() {
      temporalFailures.inc();
    },
  };
}
