import { DefaultLogger, bundleWorkflowCode, type Worker } from '@temporalio/worker';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createWorkers, runWorkers } from '../../src/worker';
import { productDataConverter } from '../../src/codec';
import { arrangeExam, startExam } from '../../src/client';
import {
  FeishuExamStateError,
  FeishuResultLockedError,
  FeishuServerError,
  FeishuTimeoutError,
  type FeishuClient,
} from '../../src/feishu';
import { ecoExamWorkflowId, updateResultTaskQueue } from '../../src/common/constants';
import { ExamIdKey, ExamResultStatusKey, ExamStatusKey, FeishuTenantKeyKey } from '../../src/common/search-attributes';
import type { ExamResultBody } from '../../src/common/result-schemas';
import { resultRefusal } from '../../src/common/result-refusal';
import type { EcoExamInput } from '../../src/common/schemas';
import type { WorkerSettingsDeps } from '../../src/activities';
import { createWorkerSettings } from '../../src/activities/worker-settings';
import { ConfigError, loadWorkerConfig } from '../../src/config';
import { examResultReported, examStatus, reportExamResult } from '../../src/workflows/definitions';
import type { ecoExamWorkflow } from '../../src/workflows/eco-exam-workflow';
import { installCapturingRuntime, maybeRecordHistory } from '../support/exam-harness';
import { testEnv, testPayloadKeys, uniqueId } from '../support/temporal';

/**
 * The result phase on the real dev server: the production worker composition (createWorkers: main, login-info and
 * update-result workers) with a fake Feishu client behind the real activities, so each exam can script Feishu's
 * answers to update_result and every call is recorded in order.
 */
type Step = 'ok' | Error | { delayMs: number; then?: Error };
interface Call {
  api: 'login_info' | 'update_result';
  examId: string;
  body: unknown;
  tenantKey?: string;
}

const calls: Call[] = [];
const updateScripts = new Map<string, Step[]>();
const loginScripts = new Map<string, Step[]>();

async function play(script: Step[] | undefined): Promise<{ logId: string; refreshedToken: boolean }> {
  const step = script?.shift() ?? 'ok';
  if (step instanceof Error) throw step;
  if (step !== 'ok') {
    await new Promise((resolve) => setTimeout(resolve, step.delayMs));
    if (step.then) throw step.then;
  }
  return { logId: 'LOG-FAKE', refreshedToken: false };
}

const feishu: Pick<FeishuClient, 'submitLoginInfo' | 'updateResult'> = {
  submitLoginInfo: jest.fn(async (examId, body, options) => {
    calls.push({ api: 'login_info', examId, body, tenantKey: options?.tenantKey });
    return play(loginScripts.get(examId));
  }),
  updateResult: jest.fn(async (examId, body, options) => {
    calls.push({ api: 'update_result', examId, body, tenantKey: options?.tenantKey });
    return play(updateScripts.get(examId));
  }),
};

let env: TestWorkflowEnvironment;
let workers: Worker[] = [];
let running: Promise<void>[] = [];
/** Worker settings: short RESULT_TIMEOUT / RESULT_UPDATE_WINDOW, as a worker's environment would set them. */
const SHORT: WorkerSettingsDeps = { resultTimeoutMs: 60_000, resultUpdateWindowMs: 3_000 };
let taskQueue: string;
/** A second worker set whose RESULT_TIMEOUT is 0 (no result phase). */
let offTaskQueue: string;

beforeAll(async () => {
  installCapturingRuntime();
  env = await testEnv();
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    failureConverterPath: require.resolve('../../src/codec/failure-converter'),
    logger: new DefaultLogger('WARN'),
  });
  taskQueue = uniqueId('tq-results');
  offTaskQueue = uniqueId('tq-results-off');
  for (const [queue, settings] of [
    [taskQueue, SHORT],
    [offTaskQueue, { resultTimeoutMs: 0 }],
  ] as const) {
    const set = await createWorkers({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: queue,
      workflowBundle,
      activities: { feishu, settings },
      dataConverter: productDataConverter(testPayloadKeys()),
      shutdownGraceTime: 1000,
    });
    workers.push(...set);
    running.push(runWorkers(set));
  }
}, 120_000);
afterAll(async () => {
  for (const worker of workers) worker.shutdown();
  await Promise.all(running);
  workers = [];
  running = [];
  await env?.teardown();
});

type Handle = WorkflowHandle<typeof ecoExamWorkflow>;

async function startArranged(
  overrides: Partial<EcoExamInput> = {},
  options: { queue?: string; arrange?: boolean } = {},
): Promise<{ examId: string; handle: Handle }> {
  const examId = uniqueId('r').replace('r-', '8');
  await startExam(
    env.client,
    { examId, tenantKey: 'tenant-r', ...overrides },
    { taskQueue: options.queue ?? taskQueue },
  );
  if (options.arrange !== false) {
    await arrangeExam(env.client, examId, { exam_login_info: { exam_url: 'https://exam.example/r' } });
  }
  return { examId, handle: env.client.workflow.getHandle<typeof ecoExamWorkflow>(ecoExamWorkflowId(examId)) };
}

function result(score: string, extra: Partial<ExamResultBody> = {}): ExamResultBody {
  return { result: score, ...extra };
}

function updatesOf(examId: string): unknown[] {
  return calls.filter((c) => c.api === 'update_result' && c.examId === examId).map((c) => c.body);
}

async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`not met within ${timeoutMs} ms; last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const view = (handle: Handle) => handle.query(examStatus);

async function searchAttribute(handle: Handle, key: typeof ExamResultStatusKey) {
  return (await handle.describe()).typedSearchAttributes.get(key);
}

/** The update's refusal: its ApplicationFailure type and message. */
async function refusalOf(promise: Promise<unknown>): Promise<{ type?: string; message: string }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return { type: (cause as ApplicationFailure).type ?? undefined, message: (cause as ApplicationFailure).message };
}

/**
 * An ended exam refuses a result at the server (the update's RPC fails: the workflow has completed); the caller says
 * why from the ended exam's status (queries still work), with the workflow's own wording (resultRefusal).
 */
async function expectClosedRefusal(handle: Handle, reason: string): Promise<void> {
  const late = await handle.executeUpdate(reportExamResult, { args: [result('60')] }).catch((e: unknown) => e);
  expect(late).toBeInstanceOf(WorkflowNotFoundError);
  expect((late as Error).message).toMatch(/completed/i);
  expect(resultRefusal(await view(handle))).toBe(reason);
}

describe('result phase', () => {
  it('waits for the result after login info, sends the exact update_result body, ends after the update window', async () => {
    const { examId, handle } = await startArranged();
    const awaiting = await until(
      () => view(handle),
      (v) => v.result?.status === 'awaiting',
    );
    expect(awaiting).toMatchObject({ status: 'submitted', result: { attempts: 0, updates: 0, pending: false } });
    expect(await searchAttribute(handle, ExamResultStatusKey)).toBe('awaiting');

    const body = result('87.5', {
      result_time: '1718000000000',
      report_list: [{ name: '报告', url: 'https://exam.example/report/1', answer_time: '1717990000000' }],
      detail_list: [{ id: 'q1', name: '编程题', result: '40' }],
    });
    await handle.signal(examResultReported, body);
    const done = await handle.result();

    expect(done).toMatchObject({
      status: 'submitted',
      result: { status: 'submitted', attempts: 1, updates: 1, invalidResults: 0 },
    });
    expect(calls.filter((c) => c.examId === examId)).toEqual([
      { api: 'login_info', examId, body: expect.anything() as unknown, tenantKey: 'tenant-r' },
      { api: 'update_result', examId, body, tenantKey: 'tenant-r' },
    ]);
    expect(await searchAttribute(handle, ExamResultStatusKey)).toBe('submitted');
    // The status never shows the score or its details.
    const shown = JSON.stringify(await view(handle));
    for (const secret of ['87.5', '编程题', 'report/1']) expect(shown).not.toContain(secret);
    // RESULT_UPDATE_WINDOW (worker setting, 3 s) has closed: the workflow has ended and takes no more results.
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    await expectClosedRefusal(handle, 'the result update window (RESULT_UPDATE_WINDOW) has closed');
    await maybeRecordHistory(env, examId, 'result-submitted');
  });

  it('sends two results in order: the last sent is the second; ten updates stay a small history', async () => {
    const { examId, handle } = await startArranged({ resultUpdateWindow: '2s' });
    for (let i = 1; i <= 10; i++) {
      await handle.signal(examResultReported, result(String(i)));
      await until(
        () => view(handle),
        (v) => v.result?.updates === i && v.result.status === 'submitted',
      );
    }
    expect(await handle.result()).toMatchObject({ result: { status: 'submitted', updates: 10 } });
    expect(updatesOf(examId)).toEqual(Array.from({ length: 10 }, (_, i) => result(String(i + 1))));
    const events = (await handle.fetchHistory()).events ?? [];
    process.stderr.write(`[result-phase] history of an exam with 10 result updates: ${events.length} events\n`);
    expect(events.length).toBeLessThan(250);
  });

  it('while a send is slow, only the newest of three is sent next; an older one never after a newer one', async () => {
    const { examId, handle } = await startArranged({ resultUpdateWindow: '2s' });
    updateScripts.set(examId, [{ delayMs: 2000 }]);
    await handle.signal(examResultReported, result('1'));
    await until(
      async () => updatesOf(examId).length,
      (n) => n === 1,
    );
    await handle.signal(examResultReported, result('2'));
    const ack = await handle.executeUpdate(reportExamResult, { args: [result('3')] });
    expect(ack).toEqual({ accepted: true, status: 'submitting' });
    expect((await view(handle)).result).toMatchObject({ status: 'submitting', pending: true });

    expect(await handle.result()).toMatchObject({ result: { status: 'submitted', updates: 2 } });
    expect(updatesOf(examId)).toEqual([result('1'), result('3')]);
  });

  it('after a send of unknown outcome, re-sends the newest once more after the settle delay', async () => {
    const { examId, handle } = await startArranged({ resultUpdateWindow: '3s', resultSettleDelay: '1500ms' });
    // Result 1's first request "times out on our side" (it may still land at Feishu), then is retried and accepted.
    updateScripts.set(examId, [{ delayMs: 300, then: new FeishuTimeoutError('no answer within 1000 ms') }]);
    await handle.signal(examResultReported, result('1'));
    await until(
      () => view(handle),
      (v) => v.result?.updates === 1,
    );
    // Result 2 is accepted at once; the lost request of result 1 could still land after it.
    await handle.signal(examResultReported, result('2'));
    expect(await handle.result()).toMatchObject({ result: { status: 'submitted', updates: 2 } });
    // 1 (unknown), 1 (retry, accepted), 2 (accepted), then 2 again after settling: Feishu ends with the newest.
    expect(updatesOf(examId)).toEqual([result('1'), result('1'), result('2'), result('2')]);
    await maybeRecordHistory(env, examId, 'result-settle-resend');
  });

  it('stops retrying an older result when a newer one arrives: the newer goes out at once, then settles', async () => {
    const { examId, handle } = await startArranged({ resultUpdateWindow: '3s', resultSettleDelay: '1s' });
    const down = () => new FeishuServerError('system error', { code: 1002001, httpStatus: 500 });
    updateScripts.set(examId, [down(), down(), down(), down()]);
    await handle.signal(examResultReported, result('1'));
    await until(
      () => view(handle),
      (v) => v.result?.lastError?.code === 1002001,
    );
    updateScripts.set(examId, []); // Feishu is back
    await handle.signal(examResultReported, result('2'));
    expect(await handle.result()).toMatchObject({ result: { status: 'submitted', updates: 1, attempts: 1 } });
    // 1 failed once and was abandoned in its backoff; 2 was sent, then once more after the settle delay.
    expect(updatesOf(examId)).toEqual([result('1'), result('2'), result('2')]);
  });

  it('1002001 twice: retried, submitted after 3 calls, with no extra re-send', async () => {
    const { examId, handle } = await startArranged({ resultUpdateWindow: '2s', resultSettleDelay: '1s' });
    updateScripts.set(examId, [
      new FeishuServerError('system error', { code: 1002001, httpStatus: 500 }),
      new FeishuServerError('system error', { code: 1002001, httpStatus: 500 }),
    ]);
    await handle.signal(examResultReported, result('70'));
    const retrying = await until(
      () => view(handle),
      (v) => v.result?.lastError?.code === 1002001,
    );
    expect(retrying.result).toMatchObject({
      status: 'submitting',
      pending: false,
      lastError: { type: 'FeishuServerError', code: 1002001 },
    });
    expect(retrying.result?.attempts).toBeGreaterThanOrEqual(1);
    expect(await handle.result()).toMatchObject({ result: { status: 'submitted', attempts: 3, updates: 1 } });
    expect(updatesOf(examId)).toEqual([result('70'), result('70'), result('70')]);
  });

  it('1002855 (marking finished): one call, locked, the workflow ends, later results are refused', async () => {
    const { examId, handle } = await startArranged({ resultUpdateWindow: '1 minute' });
    updateScripts.set(examId, [new FeishuResultLockedError('locked', { code: 1002855, httpStatus: 400, logId: 'L1' })]);
    await handle.signal(examResultReported, result('55'));
    const done = await handle.result();
    expect(done).toMatchObject({
      status: 'submitted',
      result: { status: 'locked', attempts: 1, lastError: { type: 'FeishuResultLocked', code: 1002855, logId: 'L1' } },
    });
    expect(updatesOf(examId)).toHaveLength(1);
    expect(await searchAttribute(handle, ExamResultStatusKey)).toBe('locked');
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    await expectClosedRefusal(handle, 'the customer finished marking (Feishu 1002855): the result is locked');
    await maybeRecordHistory(env, examId, 'result-locked');
  });

  it('holds a result reported before the arrangement: login_info first, then update_result', async () => {
    const { examId, handle } = await startArranged({ resultUpdateWindow: '2s' }, { arrange: false });
    await handle.signal(examResultReported, result('10'));
    const ack = await handle.executeUpdate(reportExamResult, { args: [result('11')] });
    expect(ack).toEqual({ accepted: true });
    expect((await view(handle)).result).toBeUndefined();
    await arrangeExam(env.client, examId, { exam_login_info: { exam_url: 'https://exam.example/r' } });
    expect(await handle.result()).toMatchObject({ status: 'submitted', result: { status: 'submitted', updates: 1 } });
    expect(calls.filter((c) => c.examId === examId).map((c) => [c.api, c.body])).toEqual([
      ['login_info', { exam_login_info: { exam_url: 'https://exam.example/r' } }],
      ['update_result', result('11')],
    ]);
    await maybeRecordHistory(env, examId, 'result-held-before-arrangement');
  });

  it('ends expired when no result arrives within the result timeout', async () => {
    const { examId, handle } = await startArranged({ resultTimeout: '2s' });
    expect(await handle.result()).toMatchObject({
      status: 'submitted',
      result: { status: 'expired', updates: 0, attempts: 0 },
    });
    expect(await searchAttribute(handle, ExamResultStatusKey)).toBe('expired');
    expect(updatesOf(examId)).toEqual([]);
    await expectClosedRefusal(
      handle,
      'no result was accepted within the result timeout (RESULT_TIMEOUT): the exam takes no result any more',
    );
  });

  it('refuses a result for an exam rejected at login info', async () => {
    const examId = uniqueId('r').replace('r-', '8');
    loginScripts.set(examId, [new FeishuExamStateError('exam state abnormal', { code: 1002851, httpStatus: 400 })]);
    await startExam(env.client, { examId }, { taskQueue });
    const handle = env.client.workflow.getHandle<typeof ecoExamWorkflow>(ecoExamWorkflowId(examId));
    await handle.signal(examResultReported, result('1'));
    await arrangeExam(env.client, examId, { exam_login_info: { exam_url: 'https://exam.example/r' } });
    const done = await handle.result();
    expect(done.status).toBe('rejected');
    expect(done.result).toBeUndefined();
    expect(await searchAttribute(handle, ExamResultStatusKey)).toBeUndefined();
    await expectClosedRefusal(handle, 'the exam ended rejected without accepted login info: it takes no result');
    expect(updatesOf(examId)).toEqual([]);
  });

  it('refuses invalid results: the update up front (no history event), the signal recorded as invalid, unsent', async () => {
    const { examId, handle } = await startArranged({ resultUpdateWindow: '3s' });
    const refused = await refusalOf(
      handle.executeUpdate(reportExamResult, {
        args: [{ result: '1', report_list: [{ name: 'r', url: 'ftp://x/y' }] }],
      }),
    );
    expect(refused).toEqual({
      type: 'InvalidExamResult',
      message: 'invalid result: report_list.0.url: url must be an absolute http(s) URL',
    });
    const badTime = await refusalOf(
      handle.executeUpdate(reportExamResult, { args: [{ result: '1', result_time: 'yesterday' }] }),
    );
    expect(badTime.message).toBe(
      'invalid result: result_time: result_time must be a time in milliseconds (digits only)',
    );
    const unknownKey = await refusalOf(
      handle.executeUpdate(reportExamResult, { args: [{ result: '1', secret_field: 'x' } as ExamResultBody] }),
    );
    expect(unknownKey.message).toBe('invalid result: (body): unknown field(s)');

    await handle.signal(examResultReported, { result: '' });
    const v = await until(
      () => view(handle),
      (s) => s.result?.invalidResults === 1,
    );
    expect(v.result).toMatchObject({
      status: 'awaiting',
      lastError: { type: 'InvalidExamResult', message: 'invalid result: result: result must not be empty' },
    });
    const history = JSON.stringify((await handle.fetchHistory()).events?.map((e) => e.eventType));
    expect(history).not.toMatch(/UPDATE/);
    expect(updatesOf(examId)).toEqual([]);
    await handle.signal(examResultReported, result('99'));
    expect(await handle.result()).toMatchObject({ result: { status: 'submitted', updates: 1, invalidResults: 1 } });
  });

  it('continues as new after many sends, keeping id, status, search attributes and the pending result', async () => {
    const { examId, handle } = await startArranged({ resultUpdateWindow: '3s', resultSendsPerRun: 3 });
    const firstRun = (await handle.describe()).runId;
    for (let i = 1; i <= 2; i++) {
      await handle.signal(examResultReported, result(String(i)));
      await until(
        () => view(handle),
        (v) => v.result?.updates === i,
      );
    }
    // The third send is slow; the fourth result arrives meanwhile and is pending when the run hands over.
    updateScripts.set(examId, [{ delayMs: 1500 }]);
    await handle.signal(examResultReported, result('3'));
    await until(
      async () => updatesOf(examId).length,
      (n) => n === 3,
    );
    await handle.signal(examResultReported, result('4'));
    const after = await until(
      () => view(handle),
      (v) => v.result?.updates === 4,
    );
    const description = await handle.describe();
    expect(description.runId).not.toBe(firstRun);
    expect(description.workflowId).toBe(ecoExamWorkflowId(examId));
    expect(after).toMatchObject({ examId, status: 'submitted', tenantKey: 'tenant-r', attempts: 1 });
    expect(description.typedSearchAttributes.get(ExamIdKey)).toBe(examId);
    expect(description.typedSearchAttributes.get(ExamStatusKey)).toBe('submitted');
    expect(description.typedSearchAttributes.get(FeishuTenantKeyKey)).toBe('tenant-r');
    expect(description.typedSearchAttributes.get(ExamResultStatusKey)).toBe('submitted');
    expect(await handle.result()).toMatchObject({ status: 'submitted', result: { status: 'submitted', updates: 4 } });
    expect(updatesOf(examId)).toEqual([result('1'), result('2'), result('3'), result('4')]);
    const runs = await env.client.workflow.count(`WorkflowId = "${ecoExamWorkflowId(examId)}"`);
    expect(runs.count).toBe(2);
    await maybeRecordHistory(env, examId, 'result-continued-as-new');
  });

  it('RESULT_TIMEOUT=0 on the worker keeps the first release: the workflow ends at submitted', async () => {
    const { examId, handle } = await startArranged({}, { queue: offTaskQueue });
    const done = await handle.result();
    expect(done).toMatchObject({ status: 'submitted', attempts: 1 });
    expect(done.result).toBeUndefined();
    expect((await view(handle)).result).toBeUndefined();
    expect(await searchAttribute(handle, ExamResultStatusKey)).toBeUndefined();
    expect(updatesOf(examId)).toEqual([]);
    await expectClosedRefusal(
      handle,
      'the exam ended at submitted without a result phase (RESULT_TIMEOUT=0 or an exam of the first release)',
    );
  });

  it('runs submitExamResult on its own task queue', async () => {
    const { handle } = await startArranged({ resultUpdateWindow: '1s' });
    await handle.signal(examResultReported, result('5'));
    await handle.result();
    const history = (await handle.fetchHistory()).events ?? [];
    const queues = history
      .map((e) => e.activityTaskScheduledEventAttributes)
      .filter((a) => a?.activityType?.name === 'submitExamResult')
      .map((a) => a?.taskQueue?.name);
    expect(queues).toEqual([updateResultTaskQueue(taskQueue)]);
  });
});

describe("the worker's result settings", () => {
  const env = { FEISHU_APP_ID: 'cli_a', FEISHU_APP_SECRET: 's', PAYLOAD_ENCRYPTION_KEYS: testPayloadKeys() };

  it('RESULT_TIMEOUT defaults to 30 days and RESULT_UPDATE_WINDOW to 7 days; RESULT_TIMEOUT=0 turns the phase off', async () => {
    const defaults = loadWorkerConfig(env);
    expect(defaults.RESULT_TIMEOUT).toBe(30 * 24 * 3600_000);
    expect(defaults.RESULT_UPDATE_WINDOW).toBe(7 * 24 * 3600_000);
    const off = loadWorkerConfig({ ...env, RESULT_TIMEOUT: '0', RESULT_UPDATE_WINDOW: '2 hours' });
    const workerSettings = createWorkerSettings({
      resultTimeoutMs: off.RESULT_TIMEOUT,
      resultUpdateWindowMs: off.RESULT_UPDATE_WINDOW,
    });
    expect(await workerSettings()).toMatchObject({ resultTimeoutMs: 0, resultUpdateWindowMs: 7_200_000 });
  });

  it('names a bad value without echoing it', () => {
    const err = (() => {
      try {
        loadWorkerConfig({ ...env, RESULT_TIMEOUT: 'soon-ish', RESULT_UPDATE_WINDOW: '0' });
      } catch (e) {
        return e;
      }
    })() as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.problems).toEqual([
      'RESULT_TIMEOUT: RESULT_TIMEOUT must be 0 or a duration such as "30s", "15 minutes" or "7 days"',
      'RESULT_UPDATE_WINDOW: RESULT_UPDATE_WINDOW must be a duration such as "30s", "15 minutes" or "7 days"',
    ]);
  });
});
