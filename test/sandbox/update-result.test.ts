/**
 * The sandbox's update_result API over real HTTP: the documented body and answer, 1002002 field violations, 1002855
 * once marking is finished (in code and through the admin API), faults, its own quota, and the request log's filter.
 */
import { adminRoutes } from '../../sandbox/admin';
import { FeishuSandbox } from '../../sandbox/feishu-sandbox';
import {
  FROZEN_NOW,
  JSON_TYPE,
  errorOf,
  loginInfo,
  send,
  sharedSandbox,
  tenantToken,
  withSandbox,
  type Answer,
} from './support';

const RESULT_BODY = {
  result: '87.5',
  result_time: '1764576000000',
  report_list: [{ name: 'Report', url: 'https://exam.example/r/1', answer_time: '1764575000000' }],
  detail_list: [
    { id: 'q1', name: 'Coding', result: '40' },
    { name: 'Logic', result: '47.5' },
  ],
};

function updateResultPath(examId: string): string {
  return `/open-apis/hire/v1/eco_exams/${encodeURIComponent(examId)}/update_result`;
}

function updateResult(
  target: FeishuSandbox,
  examId: string,
  token: string,
  body: unknown = RESULT_BODY,
  contentType = JSON_TYPE,
): Promise<Answer> {
  return send(target, updateResultPath(examId), body, {
    authorization: `Bearer ${token}`,
    'content-type': contentType,
  });
}

describe('FeishuSandbox update_result', () => {
  const shared = sharedSandbox();
  let sandbox: FeishuSandbox;
  beforeAll(() => {
    sandbox = shared.sandbox;
  });

  it('accepts the documented body, answers {code:0,msg:"success",data:{}} and records it', async () => {
    const token = await tenantToken(sandbox);
    const rawBody = JSON.stringify(RESULT_BODY);
    const answer = await updateResult(sandbox, '7178536692385679677', token, rawBody);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe(JSON_TYPE);
    expect(answer.text).toBe('{"code":0,"msg":"success","data":{}}');
    expect(sandbox.updateResultRequests('7178536692385679677')).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/open-apis/hire/v1/eco_exams/7178536692385679677/update_result',
        endpoint: 'update_result',
        examId: '7178536692385679677',
        rawBody,
        body: RESULT_BODY,
        response: { status: 200, code: 0, logId: answer.headers.get('x-tt-logid') },
      }),
    ]);
    expect(sandbox.acceptedResults()).toHaveLength(1);
    expect(sandbox.loginInfoRequests()).toHaveLength(0);
  });

  it('accepts the minimal body and nulls for optional fields; each call replaces the last', async () => {
    const token = await tenantToken(sandbox);
    expect((await updateResult(sandbox, 'e1', token, { result: '1' })).json.code).toBe(0);
    const nulls = { result: '2', result_time: null, report_list: null, detail_list: null, extra: 1 };
    expect((await updateResult(sandbox, 'e1', token, nulls)).json.code).toBe(0);
    expect(sandbox.acceptedResults('e1').map((request) => (request.body as { result: string }).result)).toEqual([
      '1',
      '2',
    ]);
  });

  it.each([
    ['a missing result', { result_time: '1' }, [{ field: 'result', description: 'is required' }]],
    ['a numeric result', { result: 87 }, [{ field: 'result', description: 'must be a string' }]],
    [
      'a time that is not digits',
      { result: '1', result_time: '2026-12-01' },
      [{ field: 'result_time', description: 'must be a time in milliseconds (a string of digits)' }],
    ],
    [
      'report_list not an array',
      { result: '1', report_list: {} },
      [{ field: 'report_list', description: 'must be an array' }],
    ],
    [
      'a report without url, a detail without result',
      { result: '1', report_list: [{ name: 'R' }], detail_list: [{ name: 'D' }] },
      [
        { field: 'report_list.0.url', description: 'is required' },
        { field: 'detail_list.0.result', description: 'is required' },
      ],
    ],
    ['a body that is an array', [], [{ field: '(body)', description: 'must be a JSON object' }]],
    ['a body that is not JSON', '{"result":', [{ field: '(body)', description: 'is not valid JSON' }]],
  ])('answers 400 / 1002002 with field_violations for %s', async (_case, body, violations) => {
    const token = await tenantToken(sandbox);
    const answer = await updateResult(sandbox, 'e1', token, body);
    expect([answer.status, answer.json.code, answer.json.msg]).toEqual([400, 1002002, 'Parameter illegal']);
    expect(errorOf(answer).field_violations).toEqual(violations);
    expect(sandbox.acceptedResults()).toHaveLength(0);
  });

  it('answers 1002002 for a wrong content type, never echoing values', async () => {
    const token = await tenantToken(sandbox);
    const answer = await updateResult(sandbox, 'e1', token, { result: 'Secret-Score' }, 'text/plain');
    expect([answer.status, answer.json.code]).toEqual([400, 1002002]);
    expect(errorOf(answer).field_violations).toEqual([{ field: 'Content-Type', description: expect.any(String) }]);
    expect(answer.text).not.toContain('Secret-Score');
  });

  it('answers 400 / 1002855 once the exam is marked finished, for that exam only; "open" undoes it', async () => {
    const token = await tenantToken(sandbox);
    sandbox.setExamMarking('marked', 'finished');
    const locked = await updateResult(sandbox, 'marked', token);
    expect([locked.status, locked.json.code, locked.json.msg]).toEqual([
      400,
      1002855,
      '用户已完成阅卷，不支持更新笔试结果',
    ]);
    expect(errorOf(locked).log_id).toBe(locked.headers.get('x-tt-logid'));
    expect((await updateResult(sandbox, 'other', token)).json.code).toBe(0);
    // login_info does not look at marking.
    expect((await loginInfo(sandbox, 'marked', token)).json.code).toBe(0);
    sandbox.setExamMarking('marked', 'open');
    expect((await updateResult(sandbox, 'marked', token)).json.code).toBe(0);
    sandbox.setExamMarking('marked', 'finished');
    sandbox.reset();
    expect((await updateResult(sandbox, 'marked', await tenantToken(sandbox))).json.code).toBe(0);
  });

  it('meets injected faults: 1002001, then a hang that ends with the normal answer', async () => {
    const token = await tenantToken(sandbox);
    sandbox.injectFault({ kind: 'error', httpStatus: 500, code: 1002001 }, { examId: 'f1', times: 1 });
    sandbox.injectFault({ kind: 'hang', ms: 50 }, { examId: 'f1', times: 1 });
    const failed = await updateResult(sandbox, 'f1', token);
    expect([failed.status, failed.json.code]).toEqual([500, 1002001]);
    const slow = await updateResult(sandbox, 'f1', token);
    expect(slow.json.code).toBe(0);
    expect(sandbox.updateResultRequests('f1').map((request) => request.response.fault)).toEqual(['error', 'hang']);
  });

  it('answers 99991661 without a token', async () => {
    const answer = await send(sandbox, updateResultPath('e1'), RESULT_BODY);
    expect([answer.status, answer.json.code]).toEqual([400, 99991661]);
  });
});

describe('update_result quota', () => {
  it('has its own window per API × app × tenant, apart from login_info', async () => {
    await withSandbox({ now: () => FROZEN_NOW, quota: { perSecond: 1, perMinute: 100 } }, async (frozen) => {
      const token = await tenantToken(frozen);
      expect((await loginInfo(frozen, 'q1', token)).status).toBe(200);
      expect((await updateResult(frozen, 'q1', token)).status).toBe(200);
      const throttled = await updateResult(frozen, 'q2', token);
      expect([throttled.status, throttled.json.code]).toEqual([429, 99991400]);
      expect(throttled.headers.get('x-ogw-ratelimit-limit')).toBe('1');
      expect((await loginInfo(frozen, 'q2', token)).status).toBe(429);
    });
  });
});

describe('the admin API for update_result', () => {
  let sandbox: FeishuSandbox;
  let admin: string;
  beforeAll(async () => {
    const holder: { sandbox?: FeishuSandbox } = {};
    holder.sandbox = await FeishuSandbox.start({
      extraRoutes: adminRoutes(() => {
        if (!holder.sandbox) throw new Error('not started');
        return holder.sandbox;
      }),
    });
    sandbox = holder.sandbox;
    admin = `${sandbox.url}/_sandbox`;
  });
  afterAll(() => sandbox.close());

  it('marks an exam finished, filters the request log by endpoint update_result, and refuses bad states', async () => {
    const token = await tenantToken(sandbox);
    await loginInfo(sandbox, 'a1', token);
    await updateResult(sandbox, 'a1', token);
    const put = (state: unknown) =>
      fetch(`${admin}/exams/a1/marking`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ state }),
      });
    const marked = await put('finished');
    expect([marked.status, await marked.json()]).toEqual([200, { examId: 'a1', marking: 'finished' }]);
    expect((await updateResult(sandbox, 'a1', token)).json.code).toBe(1002855);
    expect((await put('done')).status).toBe(400);

    const log = (await (await fetch(`${admin}/requests?endpoint=update_result`)).json()) as {
      requests: Array<{ endpoint: string; response: { code: number } }>;
    };
    expect(log.requests.map((request) => [request.endpoint, request.response.code])).toEqual([
      ['update_result', 0],
      ['update_result', 1002855],
    ]);
    expect((await put('open')).status).toBe(200);
    expect((await updateResult(sandbox, 'a1', token)).json.code).toBe(0);
  });
});
