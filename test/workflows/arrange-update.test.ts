import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  ExamAlreadyArrangedError,
  ExamClosedError,
  ExamNotFoundError,
  arrangeExam,
  getExamStatus,
  startExam,
} from '../../src/client';
import { ecoExamWorkflowId } from '../../src/common/constants';
import type { LoginInfoBody } from '../../src/common/schemas';
import { arrangeExamUpdate, examArranged } from '../../src/workflows/definitions';
import type { ecoExamWorkflow } from '../../src/workflows/eco-exam-workflow';
import {
  maybeRecordHistory,
  startExamHarness,
  startTestIngest,
  uniqueId,
  type ExamHarness,
} from '../support/exam-harness';

/**
 * Issue 11.3: the arrangement is answered by the workflow (the `arrangeExam` update with a validator). The first valid
 * arrangement wins; every later one is refused — 409 through the ingest — and nothing of it is recorded. Real dev
 * server, real worker, real HTTP.
 */
const BEARER = 'exam-system-token-update-0123456789';
let h: ExamHarness;
let ingest: { url: string; close(): Promise<void> };

beforeAll(async () => {
  h = await startExamHarness();
  ingest = await startTestIngest(h, { FEISHU_VERIFICATION_TOKEN: 'v-token-update', EXAM_SYSTEM_TOKEN: BEARER });
}, 120_000);
afterAll(async () => {
  await ingest?.close();
  await h?.stop();
});

const newExamId = () => uniqueId('upd').replace('upd-', '6');
const body = (n: number): LoginInfoBody => ({
  result: 0,
  exam_login_info: { exam_url: `https://exam.example/t/${n}`, username: `cand-${n}`, password: `pw-${n}` },
});
const handleOf = (examId: string) => h.env.client.workflow.getHandle<typeof ecoExamWorkflow>(ecoExamWorkflowId(examId));

async function startWaiting(examId: string, taskQueue = h.taskQueue): Promise<void> {
  await startExam(h.env.client, { examId }, { taskQueue, arrangementTimeout: '10 minutes' });
}

describe('the arrangeExam update', () => {
  it('accepts exactly one of 20 concurrent arrangements through the ingest: one 202, 19 × 409', async () => {
    const examId = newExamId();
    await startWaiting(examId);
    const answers = await Promise.all(
      Array.from({ length: 20 }, async (_, n) => {
        const res = await fetch(`${ingest.url}/exams/${examId}/arrangement`, {
          method: 'POST',
          headers: { authorization: `Bearer ${BEARER}`, 'content-type': 'application/json' },
          body: JSON.stringify(body(n)),
        });
        return { n, status: res.status, json: (await res.json()) as Record<string, unknown> };
      }),
    );
    const accepted = answers.filter((a) => a.status === 202);
    const refused = answers.filter((a) => a.status === 409);
    expect(accepted).toHaveLength(1);
    expect(refused).toHaveLength(19);
    expect(accepted[0]!.json).toMatchObject({ accepted: true, examId, workflowId: ecoExamWorkflowId(examId) });
    for (const { json } of refused) {
      expect(json).toMatchObject({ error: 'conflict' });
      // While the exam runs: already arranged; once it has ended (the sandbox answers fast): how it ended.
      expect(json.message).toMatch(
        new RegExp(`^exam ${examId} (is already arranged \\(status \\w+\\)|has already ended \\(submitted\\))$`),
      );
    }
    expect(refused.some(({ json }) => String(json.message).includes('is already arranged'))).toBe(true);
    const result = await handleOf(examId).result();
    expect(result.status).toBe('submitted');
    // Feishu got the winner's arrangement, once.
    const sent = h.sandbox.loginInfoRequests(examId);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toMatchObject({ exam_login_info: { password: `pw-${accepted[0]!.n}` } });
    // Refused updates leave no trace in the history: one accepted, one completed.
    const history = await handleOf(examId).fetchHistory();
    const updateEvents = history.events?.filter(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionUpdateCompletedEventAttributes,
    );
    expect(updateEvents).toHaveLength(2);
    await maybeRecordHistory(h.env, examId, 'arranged-by-update');
  }, 60_000);

  it('refuses 20 concurrent client-helper arrangements but one with ExamAlreadyArrangedError', async () => {
    const examId = newExamId();
    await startWaiting(examId);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, n) => arrangeExam(h.env.client, examId, body(n))),
    );
    const fulfilled = outcomes.filter((o) => o.status === 'fulfilled');
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(19);
    for (const { reason } of rejected) {
      if (reason instanceof ExamClosedError) expect(reason.endedAs).toBe('submitted');
      else expect(reason).toBeInstanceOf(ExamAlreadyArrangedError);
      expect((reason as ExamAlreadyArrangedError).examId).toBe(examId);
    }
    expect(rejected.some(({ reason }) => reason instanceof ExamAlreadyArrangedError)).toBe(true);
    expect((await handleOf(examId).result()).status).toBe('submitted');
    // Once the exam has ended, the refusal says how.
    await expect(arrangeExam(h.env.client, examId, body(99))).rejects.toMatchObject({
      name: 'ExamClosedError',
      endedAs: 'submitted',
    });
  }, 60_000);

  it('refuses a corrected arrangement sent after the first one (the first valid one wins)', async () => {
    const examId = newExamId();
    await startWaiting(examId);
    await arrangeExam(h.env.client, examId, body(1));
    const err = await arrangeExam(h.env.client, examId, body(2)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExamAlreadyArrangedError);
    expect((err as Error).message).toMatch(/^exam \S+ is already arranged \(status (arranged|submitting|submitted)\)$/);
    await handleOf(examId).result();
    expect(h.sandbox.loginInfoRequests(examId)[0]!.body).toMatchObject({ exam_login_info: { password: 'pw-1' } });
  }, 60_000);

  it('refuses an arrangement after an examArranged signal (the signal keeps working for its callers)', async () => {
    const examId = newExamId();
    await startWaiting(examId);
    await handleOf(examId).signal(examArranged, body(1));
    const err = await arrangeExam(h.env.client, examId, body(2)).catch((e: unknown) => e);
    // Refused while submitting, or once ended as submitted.
    expect(err instanceof ExamAlreadyArrangedError || err instanceof ExamClosedError).toBe(true);
    expect((await handleOf(examId).result()).status).toBe('submitted');
  }, 60_000);

  it('the validator refuses an invalid body (naming the field) without a history event, and the exam still waits', async () => {
    const examId = newExamId();
    await startWaiting(examId);
    // A query is answered once the first workflow task has completed: the history is then at rest.
    expect((await getExamStatus(h.env.client, examId)).status).toBe('awaiting_arrangement');
    const before = (await handleOf(examId).fetchHistory()).events?.length ?? 0;
    // Past the client helper's own check, straight to the workflow.
    const invalid = { exam_login_info: { exam_url: 'https://user:pw@exam.example/t' } } as LoginInfoBody;
    const err = await handleOf(examId)
      .executeUpdate(arrangeExamUpdate, { args: [invalid] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe('InvalidArrangement');
    expect(cause.message).toContain('exam_login_info.exam_url: exam_url must not contain credentials');
    expect(cause.message).not.toContain('user:pw');
    expect((await handleOf(examId).fetchHistory()).events?.length ?? 0).toBe(before);
    expect((await getExamStatus(h.env.client, examId)).status).toBe('awaiting_arrangement');
    await arrangeExam(h.env.client, examId, body(3));
    expect((await handleOf(examId).result()).status).toBe('submitted');
  }, 60_000);

  it('refuses an expired exam with ExamClosedError and an unknown one with ExamNotFoundError', async () => {
    const examId = newExamId();
    await startExam(h.env.client, { examId, arrangementTimeout: '1s' }, { taskQueue: h.taskQueue });
    expect((await handleOf(examId).result()).status).toBe('expired');
    await expect(arrangeExam(h.env.client, examId, body(1))).rejects.toMatchObject({
      name: 'ExamClosedError',
      endedAs: 'expired',
    });
    await expect(arrangeExam(h.env.client, newExamId(), body(1))).rejects.toBeInstanceOf(ExamNotFoundError);
  }, 60_000);

  it('answers 503 temporal_unavailable when no worker accepts the arrangement within the deadline, and accepts nothing', async () => {
    const examId = newExamId();
    const idle = uniqueId('tq-idle');
    // Started on a task queue no worker polls: nothing can accept the update.
    await startWaiting(examId, idle);
    const shortIngest = await startTestIngest(h, {
      FEISHU_VERIFICATION_TOKEN: 'v-token-update',
      EXAM_SYSTEM_TOKEN: BEARER,
      INGEST_TEMPORAL_DEADLINE_MS: '1500',
    });
    try {
      const started = Date.now();
      const res = await fetch(`${shortIngest.url}/exams/${examId}/arrangement`, {
        method: 'POST',
        headers: { authorization: `Bearer ${BEARER}`, 'content-type': 'application/json' },
        body: JSON.stringify(body(1)),
      });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: 'temporal_unavailable' });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await shortIngest.close();
    }
    // Nothing was accepted: the exam still waits.
    const history = await handleOf(examId).fetchHistory();
    expect(history.events?.some((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toBe(false);
    await handleOf(examId).terminate('test done');
  }, 60_000);
});
