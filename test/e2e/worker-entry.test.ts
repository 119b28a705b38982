import { arrangeExam, startExam } from '../../src/client';
import { ecoExamWorkflowId } from '../../src/common/constants';
import { FeishuSandbox } from '../../sandbox/feishu-sandbox';
import type { ecoExamWorkflow } from '../../src/workflows/eco-exam-workflow';
import { runEntry } from '../support/processes';
import { testEnv, testPayloadKeys, uniqueId } from '../support/temporal';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

/** `npm run worker` as an operator runs it: environment in, exams processed, SIGTERM drains and exits 0. */
let env: TestWorkflowEnvironment;
let sandbox: FeishuSandbox;

beforeAll(async () => {
  env = await testEnv();
  sandbox = await FeishuSandbox.start();
});
afterAll(async () => {
  await sandbox?.close();
  await env?.teardown();
});

describe('worker entry (src/worker.ts)', () => {
  it('refuses to start with a bad environment and names each variable', async () => {
    const proc = runEntry('src/worker.ts', { FEISHU_APP_SECRET: 'x', FEISHU_CALLS_PER_SECOND: 'fast' });
    const { code } = await proc.exited;
    expect(code).toBe(2);
    expect(proc.output()).toContain('FEISHU_APP_ID: is required but not set');
    expect(proc.output()).toContain('FEISHU_CALLS_PER_SECOND');
    expect(proc.output()).toContain('PAYLOAD_ENCRYPTION_KEYS: is required but not set');
  });

  it('processes an exam and shuts down gracefully on SIGTERM', async () => {
    const taskQueue = uniqueId('tq-entry');
    const worker = runEntry('src/worker.ts', {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS ?? '',
      TEMPORAL_NAMESPACE: env.namespace ?? 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      FEISHU_BASE_URL: sandbox.url,
      FEISHU_APP_ID: 'cli_sandbox',
      FEISHU_APP_SECRET: 'sandbox-secret',
      WORKER_SHUTDOWN_GRACE: '2s',
      PAYLOAD_ENCRYPTION_KEYS: testPayloadKeys(),
      // No result phase: the exam's workflow ends at `submitted` (and the variable reaches the workflow).
      RESULT_TIMEOUT: '0',
    });
    try {
      await worker.waitFor(/worker started/);
      const examId = uniqueId('entry');
      await startExam(env.client, { examId }, { taskQueue });
      await arrangeExam(env.client, examId, { exam_login_info: { exam_url: 'https://exam.example/e' } });
      const result = await env.client.workflow.getHandle<typeof ecoExamWorkflow>(ecoExamWorkflowId(examId)).result();
      expect(result.status).toBe('submitted');
      expect(sandbox.acceptedLoginInfo(examId)).toHaveLength(1);
    } finally {
      const { code } = await worker.stop('SIGTERM');
      expect(code).toBe(0);
      expect(worker.output()).toContain('worker stopped');
    }
  }, 90_000);
});
