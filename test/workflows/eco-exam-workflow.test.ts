import { ExamStatusKey } from '../../src/common/search-attributes';
import { ecoExamWorkflowId } from '../../src/common/constants';
import { arrangeExam, getExamStatus, startExam } from '../../src/client';
import { examArranged, examStatus } from '../../src/workflows/definitions';
import type { ecoExamWorkflow } from '../../src/workflows/eco-exam-workflow';
import type { LoginInfoBody } from '../../src/common/schemas';
import type { EcoExamResult } from '../../src/common/types';
import {
  capturedLogs,
  maybeRecordHistory,
  startExamHarness,
  uniqueId,
  type ExamHarness,
} from '../support/exam-harness';

/**
 * The exam workflow end to end on the real dev server: real worker, real activity, real Feishu client over HTTP
 * against the Feishu sandbox. Each test uses its own exam id.
 */
let h: ExamHarness;
const passwords: string[] = [];

beforeAll(async () => {
  h = await startExamHarness({ feishuTimeoutMs: 500 });
}, 120_000);
afterAll(async () => {
  await h?.stop();
});

function newExam(overrides: { arrangementTimeout?: string; submissionTimeout?: string } = {}) {
  const examId = uniqueId('exam').replace('exam-', '7');
  return { examId, accountId: 'acc-1', paperId: 'paper-001', tenantKey: 'tenant-1', ...overrides };
}

function arrangement(): LoginInfoBody {
  const password = `pw-${uniqueId('secret')}`;
  passwords.push(password);
  return {
    result: 0,
    msg: 'success',
    exam_login_info: { exam_url: 'https://exam.example/t/abc', username: 'cand-1', password },
  };
}

async function start(exam: ReturnType<typeof newExam>) {
  await startExam(h.env.client, exam, { taskQueue: h.taskQueue });
  return h.env.client.workflow.getHandle<typeof ecoExamWorkflow>(ecoExamWorkflowId(exam.examId));
}

async function searchStatus(examId: string): Promise<string | undefined> {
  const description = await h.env.client.workflow.getHandle(ecoExamWorkflowId(examId)).describe();
  return description.typedSearchAttributes.get(ExamStatusKey);
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('ecoExamWorkflow', () => {
  it('submits the arrangement to Feishu with the exact documented request', async () => {
    const exam = newExam();
    const handle = await start(exam);
    expect(await searchStatus(exam.examId)).toBe('awaiting_arrangement');
    const status = await handle.query(examStatus);
    expect(status).toMatchObject({ examId: exam.examId, status: 'awaiting_arrangement', attempts: 0 });

    const body = arrangement();
    await arrangeExam(h.env.client, exam.examId, body);
    const result = await handle.result();

    expect(result).toMatchObject({ examId: exam.examId, status: 'submitted', attempts: 1 });
    const [request, ...more] = h.sandbox.loginInfoRequests(exam.examId);
    expect(more).toHaveLength(0);
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/open-apis/hire/v1/eco_exams/${exam.examId}/login_info`);
    expect(request?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(request?.headers.authorization).toMatch(/^Bearer t-\S+$/);
    expect(JSON.parse(request!.rawBody)).toEqual(body);
    expect(request?.response).toMatchObject({ status: 200, code: 0 });
    expect(result.logId).toBe(request?.response.logId);
    expect(await searchStatus(exam.examId)).toBe('submitted');
    const description = await handle.describe();
    expect(await description.staticSummary()).toBe(`Exam ${exam.examId} · paper paper-001 · tenant tenant-1`);
    await maybeRecordHistory(h.env, exam.examId, 'submitted');
  });

  it('retries 1002001 with backoff and shows the attempts while it does: submitted after 3 attempts', async () => {
    const exam = newExam();
    const handle = await start(exam);
    h.sandbox.injectFault({ kind: 'error', httpStatus: 500, code: 1002001 }, { examId: exam.examId, times: 2 });
    await arrangeExam(h.env.client, exam.examId, arrangement());

    const retrying = await eventually(
      () => handle.query(examStatus),
      (s) => s.attempts >= 1 && s.lastError?.code === 1002001,
    );
    expect(retrying.status).toBe('submitting');
    expect(retrying.lastError).toMatchObject({ type: 'FeishuServerError', code: 1002001 });
    expect(retrying.lastError?.logId).toBeTruthy();

    const result = await handle.result();
    expect(result).toMatchObject({ status: 'submitted', attempts: 3 });
    const requests = h.sandbox.loginInfoRequests(exam.examId);
    expect(requests.map((r) => r.response.code)).toEqual([1002001, 1002001, 0]);
    // Backoff: ~1 s then ~2 s between attempts.
    expect(requests[1]!.at - requests[0]!.at).toBeGreaterThanOrEqual(900);
    expect(requests[2]!.at - requests[1]!.at).toBeGreaterThanOrEqual(1800);
    await maybeRecordHistory(h.env, exam.examId, 'retried');
  });

  it('stops at once on 1002851: one request, status rejected with Feishu code and log id, not a failed workflow', async () => {
    const exam = newExam();
    const handle = await start(exam);
    h.sandbox.setExamState(exam.examId, 'closed');
    await arrangeExam(h.env.client, exam.examId, arrangement());
    const result = await handle.result();

    const requests = h.sandbox.loginInfoRequests(exam.examId);
    expect(requests).toHaveLength(1);
    expect(result).toMatchObject({
      status: 'rejected',
      attempts: 1,
      error: { type: 'FeishuExamStateError', code: 1002851, logId: requests[0]!.response.logId },
    });
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect(await searchStatus(exam.examId)).toBe('rejected');
    await maybeRecordHistory(h.env, exam.examId, 'rejected');
  });

  it('waits out a 429 for x-ogw-ratelimit-reset seconds, within the attempt, before sending again', async () => {
    const exam = newExam();
    const handle = await start(exam);
    h.sandbox.injectFault({ kind: 'rate_limit', resetSeconds: 2 }, { examId: exam.examId });
    await arrangeExam(h.env.client, exam.examId, arrangement());
    const result = await handle.result();

    expect(result).toMatchObject({ status: 'submitted', attempts: 1 }); // a 429 does not spend an attempt
    const [throttled, accepted] = h.sandbox.loginInfoRequests(exam.examId);
    expect(throttled?.response.status).toBe(429);
    expect(accepted!.at - throttled!.at).toBeGreaterThanOrEqual(2000);
  });

  it('gets a new token when Feishu revokes the cached one (99991663) and succeeds in the same attempt', async () => {
    const warm = newExam();
    await start(warm);
    await arrangeExam(h.env.client, warm.examId, arrangement());
    await h.env.client.workflow.getHandle(ecoExamWorkflowId(warm.examId)).result();

    const exam = newExam();
    const handle = await start(exam);
    const tokenCalls = h.sandbox.tokenRequests().length;
    h.sandbox.revokeAllTokens();
    await arrangeExam(h.env.client, exam.examId, arrangement());
    const result = await handle.result();

    expect(result).toMatchObject({ status: 'submitted', attempts: 1 });
    expect(h.sandbox.loginInfoRequests(exam.examId).map((r) => r.response.code)).toEqual([99991663, 0]);
    expect(h.sandbox.tokenRequests().length).toBe(tokenCalls + 1);
  });

  it('times out a hung Feishu and retries', async () => {
    const exam = newExam();
    const handle = await start(exam);
    h.sandbox.injectFault({ kind: 'hang', ms: 5000 }, { examId: exam.examId });
    await arrangeExam(h.env.client, exam.examId, arrangement());
    const result = await handle.result();

    expect(result).toMatchObject({ status: 'submitted', attempts: 2 });
    const requests = h.sandbox.loginInfoRequests(exam.examId);
    expect(requests).toHaveLength(2);
    expect(requests[0]!.response.fault).toBe('hang');
  });

  it('ends expired, without calling Feishu, when no arrangement arrives before the deadline', async () => {
    const exam = newExam({ arrangementTimeout: '2s' });
    const handle = await start(exam);
    const result = await handle.result();
    expect(result).toEqual<EcoExamResult>({ examId: exam.examId, status: 'expired', attempts: 0 });
    expect(h.sandbox.loginInfoRequests(exam.examId)).toHaveLength(0);
    expect(await searchStatus(exam.examId)).toBe('expired');
    await maybeRecordHistory(h.env, exam.examId, 'expired');
  });

  it('ends failed when Feishu keeps failing past the submission window', async () => {
    const exam = newExam({ submissionTimeout: '4s' });
    const handle = await start(exam);
    h.sandbox.injectFault({ kind: 'error', httpStatus: 500, code: 1002001 }, { examId: exam.examId, times: Infinity });
    await arrangeExam(h.env.client, exam.examId, arrangement());
    const result = await handle.result();
    h.sandbox.clearFaults();

    expect(result.status).toBe('failed');
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(result.error).toMatchObject({ type: 'FeishuServerError', code: 1002001 });
    expect(await searchStatus(exam.examId)).toBe('failed');
  });

  it('starts one workflow however often and however concurrently the exam is started', async () => {
    const exam = newExam({ arrangementTimeout: '30s' });
    const starts = await Promise.all([1, 2, 3].map(() => startExam(h.env.client, exam, { taskQueue: h.taskQueue })));
    const again = await startExam(h.env.client, exam, { taskQueue: h.taskQueue });
    expect(new Set([...starts, again].map((s) => s.runId)).size).toBe(1);
    expect(starts.every((s) => !s.alreadyEnded)).toBe(true);

    await arrangeExam(h.env.client, exam.examId, arrangement());
    await h.env.client.workflow.getHandle(ecoExamWorkflowId(exam.examId)).result();
    const late = await startExam(h.env.client, exam, { taskQueue: h.taskQueue });
    expect(late).toMatchObject({ alreadyEnded: true, runId: again.runId });

    const runs = await h.env.client.workflow.count(`WorkflowId = "${ecoExamWorkflowId(exam.examId)}"`);
    expect(runs.count).toBe(1);
    expect(h.sandbox.acceptedLoginInfo(exam.examId)).toHaveLength(1);
  });

  it('rejects an invalid arrangement with a reason, keeps waiting, and accepts a later valid one', async () => {
    const exam = newExam();
    const handle = await start(exam);
    // Sent around the client helper's validation, as a raw signal could be.
    await handle.signal(examArranged, { exam_login_info: { exam_url: 'not-a-url' } });
    const waiting = await eventually(
      () => handle.query(examStatus),
      (s) => s.invalidArrangements === 1,
    );
    expect(waiting.status).toBe('awaiting_arrangement');
    expect(waiting.lastError).toEqual({
      type: 'InvalidArrangement',
      message: 'invalid arrangement: exam_login_info.exam_url: exam_url must be an absolute http(s) URL',
    });

    await handle.signal(examArranged, arrangement());
    const result = await handle.result();
    expect(result).toMatchObject({ status: 'submitted', attempts: 1 });
    const view = await getExamStatus(h.env.client, exam.examId);
    expect(view).toMatchObject({ status: 'submitted', invalidArrangements: 1, hasCredentials: true });
    await maybeRecordHistory(h.env, exam.examId, 'invalid-then-valid');
  });

  it('never shows the password: not in the status query, not in any captured log line', async () => {
    expect(passwords.length).toBeGreaterThan(5);
    const logs = JSON.stringify(capturedLogs, (_key, value: unknown) =>
      typeof value === 'bigint' ? String(value) : value,
    );
    expect(capturedLogs.length).toBeGreaterThan(0);
    for (const password of passwords) expect(logs).not.toContain(password);
    const exam = newExam();
    const handle = await start(exam);
    const body = arrangement();
    await arrangeExam(h.env.client, exam.examId, body);
    await handle.result();
    const view = JSON.stringify(await handle.query(examStatus));
    expect(view).not.toContain(body.exam_login_info.password!);
    expect(view).not.toContain('cand-1');
  });
});
