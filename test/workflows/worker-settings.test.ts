import { msToNumber } from '@temporalio/common/lib/time';
import { arrangeExam, getExamStatus, startExam } from '../../src/client';
import { WORKFLOW_TYPE, ecoExamWorkflowId } from '../../src/common/constants';
import { examStatus } from '../../src/workflows/definitions';
import type { ecoExamWorkflow } from '../../src/workflows/eco-exam-workflow';
import { ecoExamCreatedEvent, signedRequest } from '../support/feishu-events';
import {
  maybeRecordHistory,
  startExamHarness,
  startTestIngest,
  uniqueId,
  type ExamHarness,
} from '../support/exam-harness';

/**
 * Issue 10.3: the worker's ARRANGEMENT_TIMEOUT governs every exam whose input sets none, however it was started
 * (client helper without the option, a bare `client.workflow.start` as the Temporal CLI does); an explicit input
 * value wins. Real dev server, real worker configured with a short timeout.
 */
const WORKER_TIMEOUT_MS = 2000;
let h: ExamHarness;

beforeAll(async () => {
  h = await startExamHarness({ settings: { arrangementTimeoutMs: WORKER_TIMEOUT_MS } });
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

const newExamId = () => uniqueId('ws').replace('ws-', '5');

describe("the worker's ARRANGEMENT_TIMEOUT", () => {
  it("expires an exam started by the client helper without a timeout after the worker's timeout", async () => {
    const examId = newExamId();
    const started = Date.now();
    await startExam(h.env.client, { examId }, { taskQueue: h.taskQueue });
    const handle = h.env.client.workflow.getHandle<typeof ecoExamWorkflow>(ecoExamWorkflowId(examId));
    const status = await handle.query(examStatus);
    const deadline = Date.parse(status.arrangementDeadline ?? '');
    expect(deadline - started).toBeGreaterThanOrEqual(WORKER_TIMEOUT_MS - 500);
    expect(deadline - started).toBeLessThan(WORKER_TIMEOUT_MS + 5000);

    const result = await handle.result();
    expect(result).toMatchObject({ examId, status: 'expired', attempts: 0 });
    expect(Date.now() - started).toBeLessThan(30_000);
    const history = await handle.fetchHistory();
    const markers = history.events?.filter((e) => e.markerRecordedEventAttributes) ?? [];
    // The worker-settings patch marker and the local activity's recorded answer.
    expect(markers.length).toBeGreaterThanOrEqual(2);
    await maybeRecordHistory(h.env, examId, 'worker-settings-expired');
  }, 60_000);

  it('governs an exam started as the Temporal CLI does (bare workflow start, no timeout in the input)', async () => {
    const examId = newExamId();
    const handle = await h.env.client.workflow.start<typeof ecoExamWorkflow>(WORKFLOW_TYPE, {
      workflowId: ecoExamWorkflowId(examId),
      taskQueue: h.taskQueue,
      args: [{ examId }],
    });
    const result = await handle.result();
    expect(result.status).toBe('expired');
  }, 60_000);

  it("lets an explicit arrangementTimeout in the input win over the worker's", async () => {
    const examId = newExamId();
    const started = Date.now();
    await startExam(h.env.client, { examId, arrangementTimeout: '1 minute' }, { taskQueue: h.taskQueue });
    const status = await getExamStatus(h.env.client, examId);
    expect(Date.parse(status.arrangementDeadline ?? '') - started).toBeGreaterThan(msToNumber('50s'));
    // Still waiting well after the worker's timeout.
    await new Promise((resolve) => setTimeout(resolve, WORKER_TIMEOUT_MS + 1500));
    expect((await getExamStatus(h.env.client, examId)).status).toBe('awaiting_arrangement');
    await arrangeExam(h.env.client, examId, { exam_login_info: { exam_url: 'https://exam.example/ws' } });
    const result = await h.env.client.workflow.getHandle<typeof ecoExamWorkflow>(ecoExamWorkflowId(examId)).result();
    expect(result.status).toBe('submitted');
  }, 60_000);

  it("lets the client helper's explicit option win as well (written into the input)", async () => {
    const examId = newExamId();
    const started = Date.now();
    await startExam(h.env.client, { examId }, { taskQueue: h.taskQueue, arrangementTimeout: '1 minute' });
    const status = await getExamStatus(h.env.client, examId);
    expect(Date.parse(status.arrangementDeadline ?? '') - started).toBeGreaterThan(msToNumber('50s'));
    await h.env.client.workflow.getHandle(ecoExamWorkflowId(examId)).terminate('test done');
  }, 30_000);
});

describe("the ingest and the worker's ARRANGEMENT_TIMEOUT", () => {
  const TOKEN = 'v-token-worker-settings';
  const KEY = 'encrypt-key-worker-settings';

  async function pushExam(ingestEnv: Record<string, string>): Promise<string> {
    const ingest = await startTestIngest(h, {
      FEISHU_VERIFICATION_TOKEN: TOKEN,
      FEISHU_ENCRYPT_KEY: KEY,
      EXAM_SYSTEM_TOKEN: 'exam-system-token-worker-settings',
      ...ingestEnv,
    });
    try {
      const examId = newExamId();
      const { rawBody, headers } = signedRequest(ecoExamCreatedEvent({ examId, token: TOKEN }), { encryptKey: KEY });
      const res = await fetch(`${ingest.url}/webhook/feishu`, { method: 'POST', body: rawBody, headers });
      expect(res.status).toBe(200);
      return examId;
    } finally {
      await ingest.close();
    }
  }

  it("an ingest without ARRANGEMENT_TIMEOUT leaves the exam to the worker's", async () => {
    const examId = await pushExam({});
    const handle = h.env.client.workflow.getHandle<typeof ecoExamWorkflow>(ecoExamWorkflowId(examId));
    expect((await handle.result()).status).toBe('expired');
  }, 60_000);

  it('an ingest with ARRANGEMENT_TIMEOUT writes it into the input, where it wins', async () => {
    const started = Date.now();
    const examId = await pushExam({ ARRANGEMENT_TIMEOUT: '1 minute' });
    const status = await getExamStatus(h.env.client, examId);
    expect(Date.parse(status.arrangementDeadline ?? '') - started).toBeGreaterThan(msToNumber('50s'));
    await h.env.client.workflow.getHandle(ecoExamWorkflowId(examId)).terminate('test done');
  }, 60_000);
});
