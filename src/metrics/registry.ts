import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The prefix of every product metric (`feishu_exam_bridge_feishu_requests_total`…), so they never collide with the
 * Temporal SDK's (`temporal_…`) or prom-client's default process metrics (`process_…`, `nodejs_…`), kept unprefixed
 * as every Node dashboard expects them.
 */
export const METRIC_PREFIX = 'feishu_exam_bridge_';

/** Seconds; Feishu calls and the ingest's acknowledgements (Feishu gives a webhook 3 s). */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * A new registry for one entry (worker or ingest), with the process's default metrics. Each entry creates its own,
 * only when its metrics port is set; nothing registers on prom-client's global registry.
 */
export function createMetricsRegistry(options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
