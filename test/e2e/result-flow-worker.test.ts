/**
 * Issue 12: a worker dies while a result is in flight. The real worker entry (src/worker.ts) runs as a child process
 * against the sandbox; it is SIGKILLed while the sandbox hangs its update_result; a new worker takes over, a newer
 * result arrives over the ingest, and Feishu's last accepted update_result is the newest.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startExam } from '../../src/client';
import { FeishuSandbox } from '../../sandbox/feishu-sandbox';
import { APP, startTestIngest, type ExamHarness } from '../support/exam-harness';
import { runEntry, type RunningProcess } from '../support/processes';
import { testEnv, testPayloadKeys, uniqueId } from '../support/temporal';
import { RESULT_BEARER, examSystem, resultBody, scoresAtFeishu, waitUntil } from './result-flow-support';

let env: TestWorkflowEnvironment;
let sandbox: FeishuSandbox;
let ingest: { url: string; close(): Promise<void> };
const taskQueue = uniqueId('tq-result-kill');

beforeAll(async () => {
  env = await testEnv();
  sandbox = await FeishuSandbox.start();
  const target: ExamHarness = { env, sandbox, taskQueue, app: APP, stop: () => Promise.resolve() };
  ingest = await startTestIngest(target, {
    FEISHU_VERIFICATION_TOKEN: 'v-token-kill',
    EXAM_SYSTEM_TOKEN: RESULT_BEARER,
  });
}, 120_000);
afterAll(async () => {
  await ingest?.close();
  await sandbox?.close();
  await env?.teardown();
});

function startWorker(): RunningProcess {
  return runEntry('src/worker.ts', {
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS ?? '',
    TEMPORAL_NAMESPACE: env.namespace ?? 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    FEISHU_BASE_URL: sandbox.url,
    FEISHU_APP_ID: 'cli_sandbox',
    FEISHU_APP_SECRET: 'sandbox-secret',
    FEISHU_REQUEST_TIMEOUT_MS: '60000',
    WORKER_SHUTDOWN_GRACE: '2s',
    PAYLOAD_ENCRYPTION_KEYS: testPayloadKeys(),
    RESULT_TIMEOUT: '10m',
    RESULT_UPDATE_WINDOW: '10m',
  });
}

describe('a worker killed while a result is in flight', () => {
  it('sends the newest result once a worker is back; Feishu keeps the newest', async () => {
    const api = examSystem(ingest.url);
    const examId = uniqueId('kill').replace('kill-', '6');
    let first: RunningProcess | undefined = startWorker();
    let second: RunningProcess | undefined;
    try {
      await first.waitFor(/worker started/);
      await startExam(env.client, { examId }, { taskQueue });
      expect((await api.arrange(examId)).status).toBe(202);
      await waitUntil(
        () => api.status(examId),
        (view) => view.result?.status === 'awaiting',
      );

      // Feishu never answers the first update_result; the worker dies while it waits.
      sandbox.injectFault({ kind: 'hang' }, { examId });
      expect((await api.result(examId, resultBody('1'))).status).toBe(202);
      await waitUntil(
        () => sandbox.updateResultRequests(examId).length,
        (n) => n === 1,
      );
      expect((await first.stop('SIGKILL')).signal).toBe('SIGKILL');
      first = undefined;

      second = startWorker();
      await second.waitFor(/worker started/);
      // The exam's workflow task may still be bound to the dead worker (its sticky queue): until Temporal moves it,
      // the ingest answers 503 (nothing taken) and the exam system retries, as documented.
      const answers = await waitUntil(
        async () => (await api.result(examId, resultBody('2'))).status,
        (status) => status !== 503,
        60_000,
      );
      expect(answers).toBe(202);
      await waitUntil(
        () => scoresAtFeishu(sandbox, examId, true).at(-1),
        (last) => last === '2',
        75_000,
      );
      const accepted = scoresAtFeishu(sandbox, examId, true);
      // The newest is Feishu's last write, and no older result was accepted after it.
      expect(accepted.at(-1)).toBe('2');
      expect(accepted.slice(accepted.indexOf('2'))).not.toContain('1');
      const view = await api.status(examId);
      expect(view.result?.status).toBe('submitted');
      expect(view.result?.updates).toBe(accepted.length);
      console.log(`accepted at Feishu, in order: ${accepted.join(', ')}`);
    } finally {
      await first?.stop('SIGKILL');
      await second?.stop('SIGTERM');
    }
  }, 150_000);
});
