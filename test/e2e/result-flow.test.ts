/**
 * Issue 12 end to end: the exam system's result over real HTTP (the ingest's POST /exams/:examId/result) → the
 * `reportExamResult` update → the real worker composition → the real Feishu client → the sandbox's update_result.
 * One harness: RESULT_TIMEOUT 8 s and RESULT_UPDATE_WINDOW 4 s, as a worker's environment would set them.
 */
import { startExam } from '../../src/client';
import { ExamResultStatusKey } from '../../src/common/search-attributes';
import type { EcoExamResult } from '../../src/common/types';
import type { ecoExamWorkflow } from '../../src/workflows/eco-exam-workflow';
import { startExamHarness, startTestIngest, uniqueId, type ExamHarness } from '../support/exam-harness';
import { RESULT_BEARER, examSystem, resultBody, scoresAtFeishu, waitUntil, workflowIdOf } from './result-flow-support';

const RESULT_TIMEOUT_MS = 8_000;
const RESULT_UPDATE_WINDOW_MS = 4_000;

let h: ExamHarness;
let ingest: { url: string; close(): Promise<void> };
let api: ReturnType<typeof examSystem>;

beforeAll(async () => {
  h = await startExamHarness({
    feishuTimeoutMs: 5_000,
    settings: { resultTimeoutMs: RESULT_TIMEOUT_MS, resultUpdateWindowMs: RESULT_UPDATE_WINDOW_MS },
  });
  ingest = await startTestIngest(h, { FEISHU_VERIFICATION_TOKEN: 'v-token-result', EXAM_SYSTEM_TOKEN: RESULT_BEARER });
  api = examSystem(ingest.url);
}, 120_000);
afterAll(async () => {
  await ingest?.close();
  await h?.stop();
});

const handleOf = (examId: string) => h.env.client.workflow.getHandle<typeof ecoExamWorkflow>(workflowIdOf(examId));

/** A started exam (as the 创建笔试 event starts it), not yet arranged. */
async function newExam(): Promise<string> {
  const examId = uniqueId('res').replace('res-', '7');
  await startExam(h.env.client, { examId, tenantKey: 'tenant-res' }, { taskQueue: h.taskQueue });
  return examId;
}

/** A started exam whose login info Feishu has accepted: its result phase is `awaiting`. */
async function awaitingExam(): Promise<string> {
  const examId = await newExam();
  expect((await api.arrange(examId)).status).toBe(202);
  await waitUntil(
    () => api.status(examId),
    (view) => view.result?.status === 'awaiting',
  );
  return examId;
}

/** Waits until Feishu has accepted `count` results and none is pending. */
function settled(examId: string, count: number) {
  return waitUntil(
    () => api.status(examId),
    (view) => view.result?.updates === count && !view.result.pending && view.result.status === 'submitted',
  );
}

describe('POST /exams/:examId/result end to end', () => {
  it('sends the exact update_result request; GET shows the result status, never the score or details', async () => {
    const examId = await awaitingExam();
    const body = resultBody('87.5');
    const taken = await api.result(examId, body);
    expect(taken.status).toBe(202);
    expect(taken.json).toEqual({
      accepted: true,
      examId,
      workflowId: workflowIdOf(examId),
      runId: expect.any(String),
      resultStatus: 'awaiting',
    });
    const view = await settled(examId, 1);
    expect(view.result).toMatchObject({ status: 'submitted', attempts: 1, updates: 1, invalidResults: 0 });

    const [request, ...more] = h.sandbox.updateResultRequests(examId);
    expect(more).toEqual([]);
    expect(request).toMatchObject({
      method: 'POST',
      path: `/open-apis/hire/v1/eco_exams/${examId}/update_result`,
      response: { status: 200, code: 0 },
    });
    expect(request?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(request?.headers.authorization).toMatch(/^Bearer t-/);
    expect(JSON.parse(request!.rawBody)).toEqual(body);

    const text = await api.statusText(examId);
    for (const secret of ['87.5', 'detail-87.5', 'Report 87.5', 'exam.example/report'])
      expect(text).not.toContain(secret);
    const description = await handleOf(examId).describe();
    expect(description.typedSearchAttributes.get(ExamResultStatusKey)).toBe('submitted');
  });

  it('two results: Feishu keeps the second', async () => {
    const examId = await awaitingExam();
    expect((await api.result(examId, resultBody('10'))).status).toBe(202);
    await settled(examId, 1);
    expect((await api.result(examId, resultBody('20'))).status).toBe(202);
    await settled(examId, 2);
    expect(scoresAtFeishu(h.sandbox, examId)).toEqual(['10', '20']);
  });

  it('three results while Feishu is slow: the newest is sent last, never an older after a newer', async () => {
    const examId = await awaitingExam();
    // The first send hangs 3 s at Feishu; the two newer results arrive meanwhile.
    h.sandbox.injectFault({ kind: 'hang', ms: 3_000 }, { examId });
    expect((await api.result(examId, resultBody('1'))).status).toBe(202);
    await waitUntil(
      () => h.sandbox.updateResultRequests(examId).length,
      (n) => n === 1,
    );
    expect((await api.result(examId, resultBody('2'))).status).toBe(202);
    expect((await api.result(examId, resultBody('3'))).status).toBe(202);
    await waitUntil(
      () => scoresAtFeishu(h.sandbox, examId, true).at(-1),
      (last) => last === '3',
    );
    const sent = scoresAtFeishu(h.sandbox, examId).map(Number);
    expect(sent[0]).toBe(1);
    expect(sent.at(-1)).toBe(3);
    // Results go out in the order they were taken: never an older one after a newer one.
    expect([...sent].sort((a, b) => a - b)).toEqual(sent);
    expect(sent).not.toContain(2);
  });

  it('1002855: one call, `locked`, the workflow ends, a later result is refused 409 saying why', async () => {
    const examId = await awaitingExam();
    h.sandbox.setExamMarking(examId, 'finished');
    expect((await api.result(examId, resultBody('55'))).status).toBe(202);
    const outcome: EcoExamResult = await handleOf(examId).result();
    expect(outcome).toMatchObject({ status: 'submitted', result: { status: 'locked', updates: 0 } });
    expect(outcome.result?.lastError).toMatchObject({ code: 1002855 });
    expect(h.sandbox.updateResultRequests(examId)).toHaveLength(1);
    const late = await api.result(examId, resultBody('56'));
    expect(late.status).toBe(409);
    expect(late.json).toMatchObject({ error: 'conflict', status: 'locked' });
    expect(String(late.json.reason)).toContain('1002855');
    expect(h.sandbox.updateResultRequests(examId)).toHaveLength(1);
  });

  it('a result before the arrangement waits: login_info first, then update_result', async () => {
    const examId = await newExam();
    const early = await api.result(examId, resultBody('70'));
    expect(early.status).toBe(202);
    expect(early.json.resultStatus).toBeUndefined();
    expect((await api.arrange(examId)).status).toBe(202);
    await settled(examId, 1);
    const order = h.sandbox.requests.filter((r) => r.examId === examId).map((r) => r.endpoint);
    expect(order).toEqual(['login_info', 'update_result']);
  });

  it('RESULT_TIMEOUT: no result in time → `expired`; a later result is refused 409', async () => {
    const examId = await awaitingExam();
    const outcome = await handleOf(examId).result();
    expect(outcome).toMatchObject({ status: 'submitted', result: { status: 'expired', updates: 0 } });
    const late = await api.result(examId, resultBody('1'));
    expect([late.status, late.json.status]).toEqual([409, 'expired']);
    expect(String(late.json.reason)).toContain('RESULT_TIMEOUT');
    expect(h.sandbox.updateResultRequests(examId)).toHaveLength(0);
  }, 60_000);

  it('RESULT_UPDATE_WINDOW: the workflow ends `submitted` once it passes; a later result is refused 409', async () => {
    const examId = await awaitingExam();
    expect((await api.result(examId, resultBody('90'))).status).toBe(202);
    const outcome = await handleOf(examId).result();
    expect(outcome).toMatchObject({ status: 'submitted', result: { status: 'submitted', updates: 1 } });
    const late = await api.result(examId, resultBody('91'));
    expect([late.status, late.json.status]).toEqual([409, 'submitted']);
    expect(String(late.json.reason)).toContain('RESULT_UPDATE_WINDOW');
    expect(scoresAtFeishu(h.sandbox, examId)).toEqual(['90']);
    // GET still answers for the ended exam, with the result's outcome.
    expect((await api.status(examId)).result).toMatchObject({ status: 'submitted', updates: 1 });
  }, 60_000);

  it('1002001 twice: retried, submitted after 3 calls', async () => {
    const examId = await awaitingExam();
    h.sandbox.injectFault({ kind: 'error', httpStatus: 500, code: 1002001 }, { examId, times: 2 });
    expect((await api.result(examId, resultBody('33'))).status).toBe(202);
    const view = await settled(examId, 1);
    expect(view.result?.attempts).toBe(3);
    expect(h.sandbox.updateResultRequests(examId).map((r) => r.response.code)).toEqual([1002001, 1002001, 0]);
  });

  it('an exam rejected at login info takes no result: 409 saying why', async () => {
    const examId = await newExam();
    h.sandbox.setExamState(examId, 'closed');
    expect((await api.arrange(examId)).status).toBe(202);
    expect(await handleOf(examId).result()).toMatchObject({ status: 'rejected' });
    const refused = await api.result(examId, resultBody('40'));
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ error: 'conflict', status: 'rejected' });
    expect(String(refused.json.reason)).toContain('without accepted login info');
    expect(h.sandbox.updateResultRequests(examId)).toHaveLength(0);
  });

  it('answers 503 temporal_unavailable when no worker takes the result within the deadline, and takes nothing', async () => {
    const examId = uniqueId('idle').replace('idle-', '7');
    // Started on a task queue no worker polls: nothing can take the update.
    await startExam(h.env.client, { examId }, { taskQueue: uniqueId('tq-idle') });
    const shortIngest = await startTestIngest(h, {
      FEISHU_VERIFICATION_TOKEN: 'v-token-result',
      EXAM_SYSTEM_TOKEN: RESULT_BEARER,
      INGEST_TEMPORAL_DEADLINE_MS: '1500',
    });
    try {
      const res = await examSystem(shortIngest.url).result(examId, resultBody('5'));
      expect(res.status).toBe(503);
      expect(res.json).toMatchObject({ error: 'temporal_unavailable' });
      expect(String(res.json.message)).toContain('no worker accepted the result in time');
    } finally {
      await shortIngest.close();
    }
    const history = await handleOf(examId).fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
    await handleOf(examId).terminate('test done');
  });

  it('answers 404 for an unknown exam', async () => {
    const res = await api.result('no-such-exam-404', resultBody('1'));
    expect([res.status, res.json.error]).toEqual([404, 'not_found']);
  });

  it('answers 400 naming the field for bad bodies, and nothing reaches the workflow', async () => {
    const examId = await awaitingExam();
    const corpus: Array<[unknown, RegExp]> = [
      [{}, /result/],
      [{ result: 87 }, /result/],
      [{ result: '   ' }, /result must not be empty/],
      [{ result: '1', result_time: '2026-12-01' }, /result_time must be a time in milliseconds/],
      [{ result: '1', report_list: [{ name: 'R', url: 'javascript:alert(1)' }] }, /url must be an absolute http/],
      [{ result: '1', detail_list: [{ result: '1' }] }, /detail_list\.0\.name/],
      [{ result: '1', secret_field_name: 'x' }, /unknown field/],
      [[], /expected object|object/],
      ['{"result":', /JSON/],
    ];
    for (const [body, reason] of corpus) {
      const res = await api.result(examId, body);
      expect([JSON.stringify(body), res.status]).toEqual([JSON.stringify(body), 400]);
      expect(String(res.json.message)).toMatch(reason);
      expect(res.text).not.toContain('secret_field_name');
    }
    const history = await handleOf(examId).fetchHistory();
    const reached = history.events?.filter(
      (e) =>
        e.workflowExecutionSignaledEventAttributes ||
        e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'reportExamResult',
    );
    expect(reached).toEqual([]);
    expect((await api.status(examId)).result).toMatchObject({ status: 'awaiting', invalidResults: 0 });
    expect(h.sandbox.updateResultRequests(examId)).toHaveLength(0);
  });
});
