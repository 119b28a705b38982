import { Client, Connection } from '@temporalio/client';
import { TemporalAppTickets } from '../client/app-tickets';
import { productDataConverter } from '../codec';
import { clientConnectionOptions, loadIngestConfig, type IngestConfig } from '../config';
import { consoleLogger } from '../common/log';
import { listen } from '../common/listen';
import { buildApp } from './app';
import { DEFAULT_FAILURE_DELAY } from './webhook/failure-delay';
import { runMain, untilStopSignal } from '../entry';
import { createIngestMetrics, createMetricsRegistry, serveMetrics, type MetricsServer } from '../metrics';

/**
 * The ingest entry: config → Temporal client → buildApp → listen. The Temporal connection is lazy, so the ingest
 * comes up (and answers 503 to events, which Feishu redelivers) even while Temporal is still starting.
 */
export async function runIngest(
  config: IngestConfig,
): Promise<{ url: string; metricsUrl?: string; close(): Promise<void> }> {
  const logger = consoleLogger(config.LOG_LEVEL);
  // The product's metrics: a registry of this process only, served on INGEST_METRICS_PORT when it is set.
  const registry = config.INGEST_METRICS_PORT !== undefined ? createMetricsRegistry() : undefined;
  // Fast reconnect: after Temporal restarts, events are answered 503 only until it is back, not for minutes.
  const connection = Connection.lazy(clientConnectionOptions(config, { fastReconnect: true }));
  const client = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: productDataConverter(config.PAYLOAD_ENCRYPTION_KEYS),
  });
  const app = buildApp({
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    examSystemToken: config.EXAM_SYSTEM_TOKEN,
    feishu: {
      verificationToken: config.FEISHU_VERIFICATION_TOKEN,
      encryptKey: config.FEISHU_ENCRYPT_KEY,
      timestampToleranceSeconds: config.FEISHU_WEBHOOK_TOLERANCE_SECONDS,
      appType: config.FEISHU_APP_TYPE,
      appId: config.FEISHU_APP_ID,
    },
    arrangementTimeoutMs: config.ARRANGEMENT_TIMEOUT,
    notifyExamSystem: config.EXAM_SYSTEM_WEBHOOK_URL !== undefined,
    appTickets: new TemporalAppTickets(client, config.TEMPORAL_TASK_QUEUE),
    bodyLimit: config.INGEST_BODY_LIMIT,
    http: {
      requestTimeoutMs: config.INGEST_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: config.INGEST_KEEPALIVE_TIMEOUT_MS,
      maxConnectionsPerClient: config.INGEST_MAX_CONNECTIONS_PER_CLIENT,
    },
    temporalDeadlineMs: config.INGEST_TEMPORAL_DEADLINE_MS,
    webhookFailureDelay: DEFAULT_FAILURE_DELAY,
    logger,
    ...(registry && { metrics: createIngestMetrics(registry) }),
  });
  let url: string;
  let metricsServer: MetricsServer | undefined;
  try {
    ({ url } = await listen(app, { host: config.INGEST_HOST, port: config.INGEST_PORT, portVariable: 'INGEST_PORT' }));
    if (registry) {
      metricsServer = await serveMetrics(registry, {
        host: config.INGEST_METRICS_HOST,
        port: config.INGEST_METRICS_PORT ?? 0,
        portVariable: 'INGEST_METRICS_PORT',
      });
      logger.info('metrics listening', { url: metricsServer.url });
    }
  } catch (err) {
    await app.close();
    await connection.close();
    throw err;
  }
  logger.info('ingest listening', {
    url,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    encrypted: config.FEISHU_ENCRYPT_KEY !== undefined,
  });
  return {
    url,
    ...(metricsServer && { metricsUrl: metricsServer.url }),
    async close() {
      await app.close();
      await metricsServer?.close();
      await connection.close();
      logger.info('ingest stopped');
    },
  };
}

if (require.main === module) {
  runMain('ingest', async () => {
    const ingest = await runIngest(loadIngestConfig(process.env));
    await untilStopSignal();
    await ingest.close();
  });
}
