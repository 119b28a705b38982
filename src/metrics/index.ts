/**
 * Prometheus metrics of the product (prom-client): a registry per entry, the worker's and the ingest's metrics on
 * it, and the endpoint that serves them. The code that observes sees only the interfaces of src/common/metrics.ts.
 */
export { createMetricsRegistry, LATENCY_BUCKETS, METRIC_PREFIX } from './registry';
export { createWorkerMetrics, OWN_TENANT } from './worker-metrics';
export { createIngestMetrics } from './ingest-metrics';
export { serveMetrics, type MetricsServer } from './server';
