import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../src/activities';
import {
  CustomAppTokenProvider,
  FeishuClient,
  FeishuHttp,
  FeishuRateLimitedError,
  FeishuResultLockedError,
  FeishuServerError,
  FeishuTimeoutError,
  InvalidPathParameterError,
  Pacer,
  RateLimitGate,
  type FetchLike,
} from '../../src/feishu';
import { NON_RETRYABLE_FAILURE_TYPES, resultStatusForFailure } from '../../src/common/failure-types';
import type { ExamResultBody } from '../../src/common/result-schemas';

/**
 * submitExamResult down to the wire: the activity over the real FeishuClient and transport, with a scripted fetch
 * standing in for Feishu (the workflow side runs on the dev server in test/workflows/result-phase.test.ts).
 */
const body: ExamResultBody = {
  result: '87.5',
  result_time: '1718000000000',
  report_list: [{ name: '报告', url: 'https://exam.example/r/1', answer_time: '1717990000000' }],
  detail_list: [{ id: 'q1', name: '编程', result: '40' }],
};
const input = { examId: '7178536692385679677', tenantKey: 't-1', body };

type Answer = (url: string) => Response;
const json =
  (status: number, payload: unknown, headers: Record<string, string> = {}): Answer =>
  () =>
    new Response(JSON.stringify(payload), {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-tt-logid': 'LOG-R', ...headers },
    });
const token = json(200, { code: 0, msg: 'ok', tenant_access_token: 't-token', expire: 7200 });

/** A fake Feishu behind fetch: the token endpoint always answers; the API calls take the scripted answers in order. */
function fakeFeishu(answers: Answer[]) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch: FetchLike = async (url, init) => {
    if (url.endsWith('/tenant_access_token/internal')) return token(url);
    calls.push({ url, init });
    const next = answers.shift();
    if (!next) throw new Error('unexpected request');
    return next(url);
  };
  return { fetch, calls };
}

function clientOver(fetch: FetchLike, gate = new RateLimitGate(), pacer?: Pacer) {
  const http = new FeishuHttp({ baseUrl: 'https://open.feishu.test', fetch, timeoutMs: 1000 });
  return new FeishuClient(http, new CustomAppTokenProvider(http, { appId: 'cli_a', appSecret: 'sec' }), gate, pacer);
}

function activity(feishu: FeishuClient) {
  return createActivities({ feishu, reportAttempts: false }).submitExamResult;
}

async function failureOf(answers: Answer[], attempt = 1): Promise<ApplicationFailure> {
  const { fetch } = fakeFeishu(answers);
  const err: unknown = await new MockActivityEnvironment({ attempt })
    .run(activity(clientOver(fetch)), input)
    .catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

describe('submitExamResult activity', () => {
  it('POSTs the exact update_result body to the documented path and returns attempt and log id', async () => {
    const { fetch, calls } = fakeFeishu([json(200, { code: 0, msg: 'success', data: {} })]);
    const result = await new MockActivityEnvironment({ attempt: 2 }).run(activity(clientOver(fetch)), input);
    expect(result).toEqual({ attempt: 2, logId: 'LOG-R' });
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call!.url).toBe('https://open.feishu.test/open-apis/hire/v1/eco_exams/7178536692385679677/update_result');
    expect(call!.init.method).toBe('POST');
    expect((call!.init.headers as Record<string, string>).authorization).toBe('Bearer t-token');
    expect(JSON.parse(call!.init.body as string)).toEqual(body);
  });

  it('1002855 (marking finished) → FeishuResultLocked, non-retryable, result status locked', async () => {
    const failure = await failureOf([json(400, { code: 1002855, msg: '用户已完成阅卷，不支持更新笔试结果' })]);
    expect(failure.type).toBe('FeishuResultLocked');
    expect(failure.nonRetryable).toBe(true);
    expect(NON_RETRYABLE_FAILURE_TYPES).toContain('FeishuResultLocked');
    expect(resultStatusForFailure(failure.type, failure.nonRetryable)).toBe('locked');
    expect(failure.details?.[0]).toMatchObject({ type: 'FeishuResultLocked', code: 1002855, logId: 'LOG-R' });
  });

  it.each([
    { answer: json(500, { code: 1002001, msg: '系统错误' }), type: 'FeishuServerError', retryable: true },
    { answer: json(502, { code: 0 }), type: 'FeishuServerError', retryable: true },
    { answer: json(400, { code: 1002002, msg: 'Parameter illegal' }), type: 'FeishuRejectedError', retryable: false },
    { answer: json(403, { code: 99991672, msg: 'scope' }), type: 'FeishuPermissionError', retryable: false },
  ])('$type (retryable $retryable)', async ({ answer, type, retryable }) => {
    const failure = await failureOf([answer]);
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(!retryable);
    expect(resultStatusForFailure(failure.type, failure.nonRetryable)).toBe(retryable ? 'failed' : 'rejected');
  });

  it('refuses an invalid body before any request, naming the field and never the value', async () => {
    const { fetch, calls } = fakeFeishu([]);
    const bad = { ...body, report_list: [{ name: 'r', url: 'javascript:alert(1)' }] };
    const err = (await new MockActivityEnvironment()
      .run(activity(clientOver(fetch)), { ...input, body: bad })
      .catch((e: unknown) => e)) as ApplicationFailure;
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err.type).toBe('InvalidExamResult');
    expect(err.nonRetryable).toBe(true);
    expect(err.message).toBe('invalid update_result body: report_list.0.url: url must be an absolute http(s) URL');
    expect(err.message).not.toContain('javascript');
    expect(calls).toHaveLength(0);
  });

  it('never puts the body in the failure', async () => {
    const failure = await failureOf([json(500, { code: 1002001 })]);
    const text = JSON.stringify({ m: failure.message, d: failure.details, s: failure.stack });
    for (const secret of ['87.5', '编程', 'exam.example/r/1']) expect(text).not.toContain(secret);
  });
});

describe('FeishuClient.updateResult', () => {
  it('percent-encodes the exam id and refuses . and ..', async () => {
    const { fetch, calls } = fakeFeishu([json(200, { code: 0 })]);
    const c = clientOver(fetch);
    await c.updateResult('a:b', body);
    expect(calls[0]!.url).toBe('https://open.feishu.test/open-apis/hire/v1/eco_exams/a%3Ab/update_result');
    await expect(c.updateResult('..', body)).rejects.toBeInstanceOf(InvalidPathParameterError);
    expect(calls).toHaveLength(1);
  });

  it('keeps its own 429 gate: a 429 on update_result does not hold login_info back for the tenant', async () => {
    let now = 0;
    const gate = new RateLimitGate(() => now);
    const { fetch, calls } = fakeFeishu([
      json(429, { code: 99991400, msg: 'limited' }, { 'x-ogw-ratelimit-reset': '120' }),
      json(200, { code: 0 }),
    ]);
    const c = clientOver(fetch, gate);
    await expect(c.updateResult('e1', body, { tenantKey: 't' })).rejects.toBeInstanceOf(FeishuRateLimitedError);
    now += 1000;
    // update_result stays held (not sent) …
    const held = (await c
      .updateResult('e2', body, { tenantKey: 't' })
      .catch((e: unknown) => e)) as FeishuRateLimitedError;
    expect(held.retryAfterMs).toBe(119_000);
    expect(calls).toHaveLength(1);
    // … while login_info for the same tenant goes out at once.
    await c.submitLoginInfo('e3', { exam_login_info: { exam_url: 'https://exam.example/x' } }, { tenantKey: 't' });
    expect(calls.map((call) => call.url.split('/').pop())).toEqual(['update_result', 'login_info']);
  });

  it('paces per API × tenant: login_info and update_result do not queue behind each other', async () => {
    const sleeps: number[] = [];
    const pacer = new Pacer(
      10,
      () => 0,
      async (ms) => void sleeps.push(ms),
    );
    const { fetch } = fakeFeishu([json(200, { code: 0 }), json(200, { code: 0 }), json(200, { code: 0 })]);
    const c = clientOver(fetch, new RateLimitGate(), pacer);
    await c.updateResult('e1', body, { tenantKey: 't' });
    await c.submitLoginInfo('e2', { exam_login_info: { exam_url: 'https://exam.example/x' } }, { tenantKey: 't' });
    expect(sleeps).toEqual([]); // different APIs: no wait
    await c.updateResult('e3', body, { tenantKey: 't' });
    expect(sleeps).toEqual([100]); // same API × tenant at 10/s: one every 100 ms
  });

  it('maps a hung update_result to a retryable timeout and a 5xx to a server error', async () => {
    const hang: FetchLike = (url, init) =>
      url.endsWith('/tenant_access_token/internal')
        ? Promise.resolve(token(url))
        : new Promise((_resolve, reject) =>
            init.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
          );
    const http = new FeishuHttp({ baseUrl: 'https://open.feishu.test', fetch: hang, timeoutMs: 100 });
    const c = new FeishuClient(http, new CustomAppTokenProvider(http, { appId: 'cli_a', appSecret: 'sec' }));
    await expect(c.updateResult('e1', body)).rejects.toBeInstanceOf(FeishuTimeoutError);
    const { fetch } = fakeFeishu([json(503, { code: 0 })]);
    await expect(clientOver(fetch).updateResult('e1', body)).rejects.toBeInstanceOf(FeishuServerError);
    const locked = fakeFeishu([json(400, { code: 1002855 })]);
    await expect(clientOver(locked.fetch).updateResult('e1', body)).rejects.toBeInstanceOf(FeishuResultLockedError);
  });
});
