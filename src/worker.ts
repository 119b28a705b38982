import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { TemporalAppTickets } from './client/app-tickets';
import { productDataConverter } from './codec';
import { writeLogLine } from './shared/redact';
import { createActivities, type ActivityDeps } from './activities';
import { ConfigError, loadWorkerConfig, temporalTls, type TemporalConfig, type WorkerConfig } from './config';
import { createFeishuClient } from './feishu';
import { runMain } from './entry';
import { loginInfoTaskQueue, updateResultTaskQueue } from './shared/constants';

/**
 * The worker entry: config → connection → activities(deps) → Worker.run. `createWorkers` is exported for tests and
 * the local stack; only `main` reads the environment, installs signal handling and exits.
 */

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
  /**
   * submitLoginInfo starts per second on its task queue, enforced by the Temporal server for all workers together
   * (the last poller's value wins, so give every worker the same one).
   */
  callsPerSecond?: number;
  /** ms */
  shutdownGraceTime?: number;
  maxCachedWorkflows?: number;
  identity?: string;
  /** The product's data converter (src/codec): payloads encrypted, failures encoded. */
  dataConverter?: DataConverter;
  /** A pre-built workflow bundle (tests, production bundles); default: bundle src/workflows at start. */
  workflowBundle?: { code: string };
}

/**
 * The product's three workers on one connection: the main one (workflows and every other activity) on `taskQueue`,
 * and one per Feishu API with its own quota — submitLoginInfo on `<taskQueue>-login-info`, submitExamResult on
 * `<taskQueue>-update-result` — each under its own server-side rate limit, so nothing else spends that quota.
 */
export async function createWorkers(options: CreateWorkerOptions): Promise<Worker[]> {
  const activities = createActivities(options.activities);
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    shutdownGraceTime: options.shutdownGraceTime ?? 30_000,
    ...(options.dataConverter && { dataConverter: options.dataConverter }),
    // The native layer rejects explicit `undefined`s: pass only what is set.
    ...(options.identity !== undefined && { identity: options.identity }),
  };
  const { submitLoginInfo, submitExamResult, ...otherActivities } = activities;
  const main = await Worker.create({
    ...common,
    taskQueue: options.taskQueue,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('./workflows') }),
    activities: otherActivities,
    ...(options.maxCachedWorkflows !== undefined && { maxCachedWorkflows: options.maxCachedWorkflows }),
  });
  const feishu = await Worker.create({
    ...common,
    taskQueue: loginInfoTaskQueue(options.taskQueue),
    activities: { submitLoginInfo },
    ...(options.callsPerSecond !== undefined && { maxTaskQueueActivitiesPerSecond: options.callsPerSecond }),
  });
  // update_result has its own Feishu quota: its own queue and server-side rate limit.
  const results = await Worker.create({
    ...common,
    taskQueue: updateResultTaskQueue(options.taskQueue),
    activities: { submitExamResult },
    ...(options.callsPerSecond !== undefined && { maxTaskQueueActivitiesPerSecond: options.callsPerSecond }),
  });
  return [main, feishu, results];
}

/** Runs the workers until SIGINT/SIGTERM (the Runtime's shutdown signals) or until one fails; then stops all. */
export async function runWorkers(workers: Worker[]): Promise<void> {
  try {
    await Promise.all(workers.map((worker) => worker.run()));
  } catch (err) {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    throw err;
  }
}

/** The first connect is not retried by the SDK: retry with backoff for about a minute, then give up. */
export async function connectWithRetry(config: TemporalConfig, log: (msg: string) => void): Promise<NativeConnection> {
  const delays = [250, 500, 1000, 2000, 4000, 8000, 15000, 30000];
  for (let attempt = 0; ; attempt++) {
    try {
      const tls = temporalTls(config);
      return await NativeConnection.connect({
        address: config.TEMPORAL_ADDRESS,
        ...(tls && { tls }),
        ...(config.TEMPORAL_API_KEY && { apiKey: config.TEMPORAL_API_KEY }),
      });
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      const delay = delays[attempt];
      if (delay === undefined) throw err;
      log(`Temporal at ${config.TEMPORAL_ADDRESS} not reachable (${(err as Error).message}); retrying in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

export async function runWorker(config: WorkerConfig): Promise<void> {
  // Every SDK, workflow and activity log line goes through the one redaction (src/shared/redact.ts).
  const logger = new DefaultLogger(config.LOG_LEVEL, (entry) =>
    writeLogLine(entry.level, entry.message, entry.meta, new Date(Number(entry.timestampNanos / 1_000_000n))),
  );
  Runtime.install({ logger });
  const connection = await connectWithRetry(config, (msg) => logger.warn(msg));
  const dataConverter = productDataConverter(config.PAYLOAD_ENCRYPTION_KEYS);
  try {
    const feishu = createFeishuClient({
      baseUrl: config.FEISHU_BASE_URL,
      appId: config.FEISHU_APP_ID,
      appSecret: config.FEISHU_APP_SECRET,
      appType: config.FEISHU_APP_TYPE,
      timeoutMs: config.FEISHU_REQUEST_TIMEOUT_MS,
      callsPerSecond: config.FEISHU_CALLS_PER_SECOND,
      // Store apps read the app_ticket the ingest keeps in Temporal.
      appTickets: new TemporalAppTickets(
        new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter }),
        config.TEMPORAL_TASK_QUEUE,
      ),
    });
    const workers = await createWorkers({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      activities: {
        feishu,
        workerSettings: { resultTimeoutMs: config.RESULT_TIMEOUT, resultUpdateWindowMs: config.RESULT_UPDATE_WINDOW },
        examSystem: {
          webhookUrl: config.EXAM_SYSTEM_WEBHOOK_URL,
          secret: config.EXAM_SYSTEM_WEBHOOK_SECRET,
          timeoutMs: config.FEISHU_REQUEST_TIMEOUT_MS,
        },
      },
      callsPerSecond: config.FEISHU_CALLS_PER_SECOND,
      shutdownGraceTime: config.WORKER_SHUTDOWN_GRACE,
      maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
      dataConverter,
    });
    logger.info('worker started', {
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      loginInfoTaskQueue: loginInfoTaskQueue(config.TEMPORAL_TASK_QUEUE),
      updateResultTaskQueue: updateResultTaskQueue(config.TEMPORAL_TASK_QUEUE),
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
  }
}

if (require.main === module) {
  runMain('worker', async () => runWorker(loadWorkerConfig(process.env)));
}
