/**
 * One Temporal worker per test file on the shared dev server, wired exactly like production (real activities, real
 * Feishu client over HTTP) but pointed at the Feishu sandbox, with every runtime log line captured.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, Runtime, type LogEntry } from '@temporalio/worker';
import { createWorkers, runWorkers } from '../../src/worker/compose';
import { workflowBundle } from '../../src/worker/bundle';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { NotifyExamSystemDeps } from '../../src/activities/notify-exam-system';
import type { WorkerSettingsDeps } from '../../src/activities/worker-settings';
import { createFeishuClient } from '../../src/feishu';
import { TemporalAppTickets } from '../../src/client/app-tickets';
import { FeishuSandbox } from '../../sandbox/feishu-sandbox';
import { ecoExamWorkflowId } from '../../src/common/constants';
import { testEnv, testPayloadKeys, uniqueId } from './temporal';
import { productDataConverter } from '../../src/codec';
import { loadIngestConfig } from '../../src/config';
import { runIngest } from '../../src/ingest/server';

/** Every runtime log line (worker, workflow, activity) of this test file. */
export const capturedLogs: LogEntry[] = [];

/**
 * Installs the SDK runtime with a capturing logger. Jest loads each test file with its own module registry, so each
 * file gets its own Runtime singleton: this runs once per file, before any connection exists.
 */
export function installCapturingRuntime(): void {
  Runtime.install({ logger: new DefaultLogger('DEBUG', (entry) => capturedLogs.push(entry)) });
}

export interface ExamHarness {
  env: TestWorkflowEnvironment;
  sandbox: FeishuSandbox;
  taskQueue: string;
  /**
   * The harness's Feishu app. A store app gets an id of its own: its app_ticket lives in the Temporal workflow
   * `feishu-app-ticket-<app_id>`, shared by every test file on the one dev server, and another file's sandbox issues
   * other tickets.
   */
  app: { appId: string; appSecret: string };
  stop(): Promise<void>;
}

export const APP = { appId: 'cli_sandbox', appSecret: 'sandbox-secret' };

export async function startExamHarness(
  options: {
    feishuTimeoutMs?: number;
    appType?: 'custom' | 'store';
    examSystem?: NotifyExamSystemDeps;
    /**
     * The worker's settings (ARRANGEMENT_TIMEOUT, RESULT_TIMEOUT, RESULT_UPDATE_WINDOW), as src/worker.ts passes them
     * from its config; default: no result phase (exams end at `submitted`, as in the first release).
     */
    settings?: WorkerSettingsDeps;
  } = {},
): Promise<ExamHarness> {
  installCapturingRuntime();
  const env = await testEnv();
  const appType = options.appType ?? 'custom';
  const app = appType === 'store' ? { ...APP, appId: uniqueId('cli_store') } : APP;
  const sandbox = await FeishuSandbox.start({ apps: [{ ...app, type: appType }] });
  const taskQueue = uniqueId('tq');
  const feishu = createFeishuClient({
    baseUrl: sandbox.url,
    ...app,
    appType,
    timeoutMs: options.feishuTimeoutMs ?? 1000,
    appTickets: new TemporalAppTickets(env.client, taskQueue),
  });
  const workers = await createWorkers({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(new DefaultLogger('WARN')),
    activities: {
      feishu,
      examSystem: options.examSystem,
      settings: { resultTimeoutMs: 0, ...options.settings },
    },
    dataConverter: productDataConverter(testPayloadKeys()),
    shutdownGraceTime: 1000,
  });
  const running = runWorkers(workers);
  return {
    env,
    sandbox,
    taskQueue,
    app,
    async stop() {
      for (const worker of workers) worker.shutdown();
      await running;
      await sandbox.close();
      await env.teardown();
    },
  };
}

/** With RECORD_HISTORIES=1, saves the exam's history as a replay fixture (test/fixtures/histories/<name>.json). */
export async function maybeRecordHistory(env: TestWorkflowEnvironment, examId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await env.client.workflow.getHandle(ecoExamWorkflowId(examId)).fetchHistory();
  const dir = join(__dirname, '..', 'fixtures', 'histories');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), historyToJSON(history));
}

/**
 * The real ingest (src/ingest/server.ts's runIngest) on a free port, wired to the harness's Temporal and task queue.
 * `env` adds or overrides variables (the Feishu event secrets, the app type…).
 */
export async function startTestIngest(
  h: ExamHarness,
  env: Record<string, string>,
): Promise<{ url: string; close(): Promise<void> }> {
  return runIngest(
    loadIngestConfig({
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
      TEMPORAL_NAMESPACE: h.env.namespace ?? 'default',
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      INGEST_PORT: '0',
      // Generous on a loaded 2-core CI machine; ack latency itself is measured by the benchmark.
      INGEST_TEMPORAL_DEADLINE_MS: '10000',
      LOG_LEVEL: 'ERROR',
      PAYLOAD_ENCRYPTION_KEYS: testPayloadKeys(),
      ...env,
    }),
  );
}

export { uniqueId };
