import { Client, Connection } from '@temporalio/client';
import { TemporalAppTickets } from '../client/app-tickets';
import { productDataConverter } from '../codec';
import { ConfigError, loadIngestConfig, temporalTls, type IngestConfig } from '../config';
import { buildApp } from './app';
import { consoleLogger } from './logger';
import { stopWhenSupervisorExits } from '../shared/supervision';

/**
 * The ingest entry: config → Temporal client → buildApp → listen. The Temporal connection is lazy, so the ingest
 * comes up (and answers 503 to events, which Feishu redelivers) even while Temporal is still starting.
 */
export async function runIngest(config: IngestConfig): Promise<{ url: string; close(): Promise<void> }> {
  const logger = consoleLogger(config.LOG_LEVEL);
  const tls = temporalTls(config);
  const connection = Connection.lazy({
    address: config.TEMPORAL_ADDRESS,
    // After Temporal restarts, reconnect within ~2 s instead of grpc's default backoff (up to 2 minutes): until then
    // every event would be answered 503.
    channelArgs: { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2000 },
    ...(tls && { tls }),
    ...(config.TEMPORAL_API_KEY && { apiKey: config.TEMPORAL_API_KEY }),
  });
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
    temporalDeadlineMs: config.INGEST_TEMPORAL_DEADLINE_MS,
    logger,
  });
  try {
    await app.listen({ host: config.INGEST_HOST, port: config.INGEST_PORT });
  } catch (err) {
    await connection.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ConfigError([`INGEST_PORT: ${config.INGEST_HOST}:${config.INGEST_PORT} is already in use`]);
    }
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.INGEST_PORT;
  const url = `http://${config.INGEST_HOST.includes(':') ? `[${config.INGEST_HOST}]` : config.INGEST_HOST}:${port}`;
  logger.info('ingest listening', {
    url,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    encrypted: config.FEISHU_ENCRYPT_KEY !== undefined,
  });
  return {
    url,
    async close() {
      await app.close();
      await connection.close();
      logger.info('ingest stopped');
    },
  };
}

async function main(): Promise<void> {
  let config: IngestConfig;
  try {
    config = loadIngestConfig(process.env);
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(2);
  }
  const ingest = await runIngest(config);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await ingest.close();
}

if (require.main === module) {
  stopWhenSupervisorExits();
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(
        err instanceof ConfigError ? err.message : `ingest failed: ${err instanceof Error ? err.message : String(err)}`,
      );
      process.exit(err instanceof ConfigError ? 2 : 1);
    },
  );
}
