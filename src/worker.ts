import { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { TemporalAppTickets } from './client/app-tickets';
import { productDataConverter } from './codec';
import { runtimeLogSink } from './common/log';
import { loadWorkerConfig, type WorkerConfig } from './config';
import { createFeishuClient, SharedRateHolds } from './feishu';
import { TemporalRateHolds } from './client/rate-holds';
import { runMain } from './entry';
import {
  customFieldsTaskQueue,
  examPapersTaskQueue,
  loginInfoTaskQueue,
  updateResultTaskQueue,
} from './common/constants';
import { connectWithRetry } from './worker/connect';
import { createWorkers, runWorkers } from './worker/compose';
import { workflowBundle } from './worker/bundle';
import { createMetricsRegistry, createWorkerMetrics, serveMetrics, type MetricsServer } from './metrics';
import { httpOrigin } from './common/listen';
import { ConfigError } from './common/config-error';

/**
 * The worker entry: config → connection → activities(deps) → Worker.run. The composition of the workers
 * (src/worker/compose.ts) is shared with the test harness and the bench; only this entry reads the environment,
 * installs the runtime logger and exits.
 */
export { createWorkers, runWorkers, type CreateWorkerOptions } from './worker/compose';
export { connectWithRetry } from './worker/connect';

export async function runWorker(config: WorkerConfig): Promise<void> {
  // Every SDK, workflow and activity log line goes through the one logging (src/common/log.ts), redacted.
  const logger = new DefaultLogger(config.LOG_LEVEL, runtimeLogSink);
  const sdkMetricsPort = config.WORKER_SDK_METRICS_PORT;
  const sdkBind = sdkMetricsPort !== undefined ? hostPort(config.WORKER_METRICS_HOST, sdkMetricsPort) : undefined;
  try {
    Runtime.install({
      logger,
      // The SDK serves its own metrics (slots, pollers, schedule-to-start latency…) on its own port: docs/metrics.md.
      ...(sdkBind !== undefined && { telemetryOptions: { metrics: { prometheus: { bindAddress: sdkBind } } } }),
    });
  } catch (err) {
    // The native exporter binds at once: a taken port or a foreign address fails here, named by its variable.
    const reason = err instanceof Error ? err.message : String(err);
    if (sdkBind === undefined || !/prometheus/i.test(reason)) throw err;
    throw new ConfigError([`WORKER_SDK_METRICS_PORT: cannot serve the SDK's metrics on ${sdkBind} (${reason})`]);
  }
  if (sdkMetricsPort !== undefined) {
    logger.info('SDK metrics listening', { url: `${httpOrigin(config.WORKER_METRICS_HOST, sdkMetricsPort)}/metrics` });
  }
  // The product's metrics: a registry of this process only, served when WORKER_METRICS_PORT is set.
  const registry = config.WORKER_METRICS_PORT !== undefined ? createMetricsRegistry() : undefined;
  const metrics = registry && createWorkerMetrics(registry);
  let metricsServer: MetricsServer | undefined;
  if (registry) {
    metricsServer = await serveMetrics(registry, {
      host: config.WORKER_METRICS_HOST,
      port: config.WORKER_METRICS_PORT ?? 0,
      portVariable: 'WORKER_METRICS_PORT',
    });
    logger.info('metrics listening', { url: metricsServer.url });
  }
  const connection = await connectWithRetry(config, (msg) => logger.warn(msg)).catch(async (err: unknown) => {
    await metricsServer?.close();
    throw err;
  });
  const dataConverter = productDataConverter(config.PAYLOAD_ENCRYPTION_KEYS);
  try {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter });
    const feishu = createFeishuClient({
      baseUrl: config.FEISHU_BASE_URL,
      appId: config.FEISHU_APP_ID,
      appSecret: config.FEISHU_APP_SECRET,
      appType: config.FEISHU_APP_TYPE,
      timeoutMs: config.FEISHU_REQUEST_TIMEOUT_MS,
      callsPerSecond: config.FEISHU_CALLS_PER_SECOND,
      ...(metrics && { metrics: metrics.feishu }),
      // Store apps read the app_ticket the ingest keeps in Temporal.
      appTickets: new TemporalAppTickets(client, config.TEMPORAL_TASK_QUEUE),
      // A 429 holds that API × tenant back in every worker (docs/performance.md#quota-design).
      sharedHolds: new SharedRateHolds(new TemporalRateHolds(client, config.TEMPORAL_TASK_QUEUE), {
        onError: (what, err) =>
          logger.warn(`shared 429 holds: ${what} failed; this worker goes on with what it knows`, {
            reason: err instanceof Error ? err.message : String(err),
          }),
      }),
    });
    const workers = await createWorkers({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      activities: {
        feishu,
        examSystem: {
          webhookUrl: config.EXAM_SYSTEM_WEBHOOK_URL,
          secret: config.EXAM_SYSTEM_WEBHOOK_SECRET,
          timeoutMs: config.FEISHU_REQUEST_TIMEOUT_MS,
        },
        // Governs every exam whose input sets no timeout, however it was started (the workerSettings local activity).
        settings: {
          arrangementTimeoutMs: config.ARRANGEMENT_TIMEOUT,
          resultTimeoutMs: config.RESULT_TIMEOUT,
          resultUpdateWindowMs: config.RESULT_UPDATE_WINDOW,
        },
      },
      callsPerSecond: config.FEISHU_CALLS_PER_SECOND,
      // A custom app is one tenant: its queue-wide limit is the tenant's, exact even without server fairness.
      ...(config.FEISHU_APP_TYPE === 'custom' && { queueCallsPerSecond: config.FEISHU_CALLS_PER_SECOND }),
      shutdownGraceTime: config.WORKER_SHUTDOWN_GRACE,
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      dataConverter,
      workflowBundle: await workflowBundle(logger),
      ...(metrics && { examMetrics: metrics.exams }),
    });
    logger.info('worker started', {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      loginInfoTaskQueue: loginInfoTaskQueue(config.TEMPORAL_TASK_QUEUE),
      updateResultTaskQueue: updateResultTaskQueue(config.TEMPORAL_TASK_QUEUE),
      examPapersTaskQueue: examPapersTaskQueue(config.TEMPORAL_TASK_QUEUE),
      customFieldsTaskQueue: customFieldsTaskQueue(config.TEMPORAL_TASK_QUEUE),
      namespace: config.TEMPORAL_NAMESPACE,
      feishu: config.FEISHU_BASE_URL,
      callsPerSecond: config.FEISHU_CALLS_PER_SECOND,
    });
    // SIGINT/SIGTERM (Runtime's default shutdownSignals) drain the worker; run() resolves after the grace time.
    await runWorkers(workers);
    logger.info('worker stopped');
  } finally {
    // After a fatal worker error the connection may still be held; its close error must not hide the real one.
    await connection
      .close()
      .catch((err: unknown) =>
        logger.warn('could not close the Temporal connection', { reason: (err as Error).message }),
      );
    await metricsServer?.close();
  }
}

/** A Rust socket address: an IPv6 host in brackets. */
function hostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

if (require.main === module) {
  runMain('worker', async () => runWorker(loadWorkerConfig(process.env)));
}
