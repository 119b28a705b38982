/**
 * The Feishu sandbox over real HTTP: every case talks to a listening FeishuSandbox on 127.0.0.1 with global fetch.
 */
import { FeishuSandbox, type FeishuSandboxOptions, type SandboxFault } from '../../src/sandbox/feishu-sandbox';

const JSON_TYPE = 'application/json; charset=utf-8';
const INTERNAL_TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token/internal';
const APP_TOKEN_PATH = '/open-apis/auth/v3/app_access_token';
const STORE_TENANT_TOKEN_PATH = '/open-apis/auth/v3/tenant_access_token';
const RESEND_PATH = '/open-apis/auth/v3/app_ticket/resend';
const DEFAULT_CREDENTIALS = { app_id: 'cli_sandbox', app_secret: 'sandbox-secret' };
const LOGIN_INFO_BODY = {
  result: 0,
  msg: 'success',
  exam_login_info: { exam_url: 'https://exam.example/t/1', username: 'cand-1', password: 'Secr3t!pw' },
};
/** 2026-11-24 14:00:00 in China (UTC+8). */
const FROZEN_NOW = Date.UTC(2026, 10, 24, 6, 0, 0);

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

function loginInfoPath(examId: string): string {
  return `/open-apis/hire/v1/eco_exams/${encodeURIComponent(examId)}/login_info`;
}

async function send(
  sandbox: FeishuSandbox,
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'content-type': JSON_TYPE },
  method = 'POST',
): Promise<Answer> {
  const response = await fetch(sandbox.url + path, {
    method,
    headers,
    body: method === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.startsWith('application/json') ?? false;
  return { status: response.status, headers: response.headers, text, json: isJson ? parseObject(text) : {} };
}

function parseObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) throw new Error(`not a JSON object: ${text}`);
  return value as Record<string, unknown>;
}

async function tenantToken(sandbox: FeishuSandbox, credentials = DEFAULT_CREDENTIALS): Promise<string> {
  const answer = await send(sandbox, INTERNAL_TOKEN_PATH, credentials);
  const token = answer.json.tenant_access_token;
  if (typeof token !== 'string') throw new Error(`no token: ${answer.text}`);
  return token;
}

function loginInfo(
  sandbox: FeishuSandbox,
  examId: string,
  token: string,
  body: unknown = LOGIN_INFO_BODY,
  contentType = JSON_TYPE,
): Promise<Answer> {
  return send(sandbox, loginInfoPath(examId), body, { authorization: `Bearer ${token}`, 'content-type': contentType });
}

function errorOf(answer: Answer): Record<string, unknown> {
  const error = answer.json.error;
  if (typeof error !== 'object' || error === null) throw new Error(`no error object: ${answer.text}`);
  return error as Record<string, unknown>;
}

async function until(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Starts a sandbox for one test and always closes it. */
async function withSandbox(options: FeishuSandboxOptions, run: (sandbox: FeishuSandbox) => Promise<void>) {
  const sandbox = await FeishuSandbox.start(options);
  try {
    await run(sandbox);
  } finally {
    await sandbox.close();
  }
}

describe('FeishuSandbox', () => {
  const logLines: string[] = [];
  let sandbox: FeishuSandbox;

  beforeAll(async () => {
    sandbox = await FeishuSandbox.start({ log: (line) => logLines.push(line) });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  beforeEach(() => {
    sandbox.reset();
    logLines.length = 0;
  });

  describe('tenant_access_token/internal', () => {
    it('issues a token, returns the same one while ≥ 30 min are left, then a new one (the old stays valid)', async () => {
      let now = FROZEN_NOW;
      await withSandbox({ now: () => now }, async (frozen) => {
        const first = await send(frozen, INTERNAL_TOKEN_PATH, DEFAULT_CREDENTIALS);
        expect(first.status).toBe(200);
        expect(first.json).toEqual({
          code: 0,
          msg: 'ok',
          tenant_access_token: expect.stringMatching(/^t-/),
          expire: 7200,
        });
        const oldToken = String(first.json.tenant_access_token);

        now += (7200 - 1801) * 1000; // 1801 s left
        const again = await send(frozen, INTERNAL_TOKEN_PATH, DEFAULT_CREDENTIALS);
        expect(again.json).toMatchObject({ tenant_access_token: oldToken, expire: 1801 });

        now += 2000; // 1799 s left: below 30 min
        const renewed = await send(frozen, INTERNAL_TOKEN_PATH, DEFAULT_CREDENTIALS);
        expect(renewed.json).toMatchObject({ code: 0, expire: 7200 });
        const newToken = String(renewed.json.tenant_access_token);
        expect(newToken).not.toBe(oldToken);
        expect((await loginInfo(frozen, 'e1', oldToken)).json.code).toBe(0);

        now += 1799 * 1000; // the old token's own expiry
        const expired = await loginInfo(frozen, 'e1', oldToken);
        expect([expired.status, expired.json.code]).toEqual([400, 99991663]);
        expect((await loginInfo(frozen, 'e1', newToken)).json.code).toBe(0);
        expect(frozen.tokenRequests()).toHaveLength(3);
      });
    });

    it('answers HTTP 200 with 10015 for a wrong secret, 10014 for an unknown app, 10003 for missing params', async () => {
      const wrongSecret = await send(sandbox, INTERNAL_TOKEN_PATH, { app_id: 'cli_sandbox', app_secret: 'nope' });
      expect([wrongSecret.status, wrongSecret.json.code]).toEqual([200, 10015]);
      expect(wrongSecret.json).not.toHaveProperty('tenant_access_token');
      const unknownApp = await send(sandbox, INTERNAL_TOKEN_PATH, { app_id: 'cli_other', app_secret: 'x' });
      expect([unknownApp.status, unknownApp.json.code]).toEqual([200, 10014]);
      const missing = await send(sandbox, INTERNAL_TOKEN_PATH, { app_id: 'cli_sandbox' });
      expect([missing.status, missing.json.code]).toEqual([200, 10003]);
      expect(sandbox.tokenRequests().map((request) => request.appId)).toEqual([
        'cli_sandbox',
        'cli_other',
        'cli_sandbox',
      ]);
    });
  });

  describe('login_info', () => {
    it('accepts a valid call with the exact documented body and records what was sent', async () => {
      const token = await tenantToken(sandbox);
      const rawBody = JSON.stringify(LOGIN_INFO_BODY);
      const answer = await loginInfo(sandbox, '7178536692385679677', token, rawBody);

      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe(JSON_TYPE);
      expect(answer.text).toBe('{"code":0,"msg":"SUCCESS","data":{}}');
      const [recorded] = sandbox.loginInfoRequests('7178536692385679677');
      expect(recorded).toMatchObject({
        method: 'POST',
        path: '/open-apis/hire/v1/eco_exams/7178536692385679677/login_info',
        endpoint: 'login_info',
        examId: '7178536692385679677',
        appId: 'cli_sandbox',
        rawBody,
        body: LOGIN_INFO_BODY,
        response: { status: 200, code: 0, logId: answer.headers.get('x-tt-logid') },
      });
      expect(recorded?.tenantKey).toBeUndefined();
      expect(recorded?.headers).toMatchObject({ authorization: `Bearer ${token}`, 'content-type': JSON_TYPE });
      expect(sandbox.acceptedLoginInfo()).toHaveLength(1);
      expect(sandbox.requests.map((request) => request.seq)).toEqual([1, 2]);
    });

    it('logs one line per request without passwords or tokens', async () => {
      const token = await tenantToken(sandbox);
      await loginInfo(sandbox, 'e-log', token);
      expect(logLines).toHaveLength(2);
      const joined = logLines.join('\n');
      expect(joined).toContain('/open-apis/hire/v1/eco_exams/e-log/login_info → 200 code=0');
      for (const secret of ['Secr3t!pw', token, 'sandbox-secret']) expect(joined).not.toContain(secret);
    });

    it('accepts the content type in any case and spacing around ";"', async () => {
      const token = await tenantToken(sandbox);
      const answer = await loginInfo(sandbox, 'e1', token, LOGIN_INFO_BODY, 'Application/JSON ;Charset=UTF-8');
      expect(answer.json.code).toBe(0);
    });

    it('answers 400 / 99991661 without a Bearer token', async () => {
      const none = await send(sandbox, loginInfoPath('e1'), LOGIN_INFO_BODY);
      expect([none.status, none.json.code]).toEqual([400, 99991661]);
      const basic = await send(sandbox, loginInfoPath('e1'), LOGIN_INFO_BODY, {
        authorization: 'Basic abc',
        'content-type': JSON_TYPE,
      });
      expect(basic.json.code).toBe(99991661);
      expect(sandbox.acceptedLoginInfo()).toHaveLength(0);
    });

    it('answers 400 / 99991663 for unknown and revoked tokens; a fresh token works again', async () => {
      expect((await loginInfo(sandbox, 'e1', 't-unknown')).json.code).toBe(99991663);
      const token = await tenantToken(sandbox);
      sandbox.revokeAllTokens();
      const revoked = await loginInfo(sandbox, 'e1', token);
      expect([revoked.status, revoked.json.code]).toEqual([400, 99991663]);
      expect(revoked.json.msg).toBe('Invalid access token for authorization');
      const fresh = await tenantToken(sandbox);
      expect(fresh).not.toBe(token);
      expect((await loginInfo(sandbox, 'e1', fresh)).json.code).toBe(0);
    });

    it('answers 400 / 1002002 for a wrong content type, and accepts plain application/json as Feishu does', async () => {
      const token = await tenantToken(sandbox);
      for (const wrong of ['text/plain', 'application/json; charset=gbk', 'application/x-www-form-urlencoded']) {
        const answer = await loginInfo(sandbox, 'e1', token, LOGIN_INFO_BODY, wrong);
        expect([wrong, answer.status, answer.json.code]).toEqual([wrong, 400, 1002002]);
        expect(errorOf(answer).field_violations).toEqual([{ field: 'Content-Type', description: expect.any(String) }]);
      }
      // The official SDK sends "application/json" without a charset, and Feishu accepts it.
      expect((await loginInfo(sandbox, 'e1', token, LOGIN_INFO_BODY, 'application/json')).json.code).toBe(0);
    });

    it('answers 400 / 1002002 with field_violations for a missing exam_url, without echoing values', async () => {
      const token = await tenantToken(sandbox);
      const body = { result: 1.5, exam_login_info: { username: 'cand-1', password: 'Secr3t!pw' } };
      const answer = await loginInfo(sandbox, 'e1', token, body);
      expect([answer.status, answer.json.code, answer.json.msg]).toEqual([400, 1002002, 'Parameter illegal']);
      expect(errorOf(answer).field_violations).toEqual(
        expect.arrayContaining([
          { field: 'exam_login_info.exam_url', description: 'is required' },
          { field: 'result', description: 'must be an integer' },
        ]),
      );
      expect(answer.text).not.toContain('Secr3t!pw');
      expect(answer.text).not.toContain('cand-1');
    });

    it('answers 400 / 1002002 for a body that is not JSON', async () => {
      const token = await tenantToken(sandbox);
      const answer = await loginInfo(sandbox, 'e1', token, '{"exam_login_info":');
      expect([answer.status, answer.json.code]).toEqual([400, 1002002]);
      expect(errorOf(answer).field_violations).toEqual([{ field: '(body)', description: 'is not valid JSON' }]);
      expect(sandbox.requests.at(-1)).toMatchObject({ rawBody: '{"exam_login_info":', body: undefined });
    });

    it('answers 400 / 1002851 笔试状态异常 for a closed exam, and accepts it once reopened', async () => {
      const token = await tenantToken(sandbox);
      sandbox.setExamState('closed-1', 'closed');
      const closed = await loginInfo(sandbox, 'closed-1', token);
      expect([closed.status, closed.json.code, closed.json.msg]).toEqual([400, 1002851, '笔试状态异常']);
      expect((await loginInfo(sandbox, 'other', token)).json.code).toBe(0);
      sandbox.setExamState('closed-1', 'open');
      expect((await loginInfo(sandbox, 'closed-1', token)).json.code).toBe(0);
    });

    it('puts the x-tt-logid header into error.log_id and the troubleshooter URL', async () => {
      const answer = await send(sandbox, loginInfoPath('e1'), LOGIN_INFO_BODY);
      const logId = answer.headers.get('x-tt-logid');
      expect(logId).toMatch(/^\d{14}[0-9A-F]{20}$/);
      expect(errorOf(answer)).toEqual({
        log_id: logId,
        troubleshooter: `https://open.feishu.cn/search?from=openapi&log_id=${logId}&code=99991661`,
      });
      expect(sandbox.requests[0]?.response.logId).toBe(logId);
    });

    it('stamps log ids with the China-time clock', async () => {
      await withSandbox({ now: () => FROZEN_NOW }, async (frozen) => {
        const answer = await send(frozen, loginInfoPath('e1'), LOGIN_INFO_BODY);
        expect(answer.headers.get('x-tt-logid')).toMatch(/^20261124140000[0-9A-F]{20}$/);
      });
    });
  });

  describe('faults', () => {
    it('applies exam-scoped faults before global ones, FIFO, each `times` times', async () => {
      const token = await tenantToken(sandbox);
      sandbox.injectFault({ kind: 'error', httpStatus: 500, code: 1002001 });
      sandbox.injectFault({ kind: 'error', httpStatus: 503, code: 1002001, msg: 'scoped' }, { examId: 'A', times: 2 });
      sandbox.injectFault({ kind: 'error', httpStatus: 502, code: 1002001, msg: 'second global' });

      const answers = [];
      for (const examId of ['A', 'B', 'A', 'A', 'B', 'B']) {
        const answer = await loginInfo(sandbox, examId, token);
        answers.push([examId, answer.status, answer.json.msg]);
      }
      expect(answers).toEqual([
        ['A', 503, 'scoped'],
        ['B', 500, '系统错误'],
        ['A', 503, 'scoped'],
        ['A', 502, 'second global'],
        ['B', 200, 'SUCCESS'],
        ['B', 200, 'SUCCESS'],
      ]);
      expect(sandbox.loginInfoRequests().map((request) => request.response.fault)).toEqual([
        'error',
        'error',
        'error',
        'error',
        undefined,
        undefined,
      ]);
    });

    it('does not consume faults on requests that fail auth, and clearFaults() empties the queue', async () => {
      sandbox.injectFault({ kind: 'error', httpStatus: 500, code: 1002001 }, { times: Infinity });
      expect((await send(sandbox, loginInfoPath('e1'), LOGIN_INFO_BODY)).json.code).toBe(99991661);
      const token = await tenantToken(sandbox);
      expect((await loginInfo(sandbox, 'e1', token)).status).toBe(500);
      expect((await loginInfo(sandbox, 'e1', token)).status).toBe(500);
      sandbox.clearFaults();
      expect((await loginInfo(sandbox, 'e1', token)).status).toBe(200);
    });

    it('answers a rate_limit fault with 429, 99991400 and the x-ogw-ratelimit-* headers', async () => {
      const token = await tenantToken(sandbox);
      sandbox.injectFault({ kind: 'rate_limit', resetSeconds: 7 });
      const answer = await loginInfo(sandbox, 'e1', token);
      expect([answer.status, answer.json.code, answer.json.msg]).toEqual([
        429,
        99991400,
        'request trigger frequency limit',
      ]);
      expect(answer.headers.get('x-ogw-ratelimit-limit')).toBe('50');
      expect(answer.headers.get('x-ogw-ratelimit-reset')).toBe('7');
    });

    it('revoke_token invalidates the presented token for good; the token endpoint then issues a new one', async () => {
      const token = await tenantToken(sandbox);
      sandbox.injectFault({ kind: 'revoke_token' });
      expect((await loginInfo(sandbox, 'e1', token)).json.code).toBe(99991663);
      expect((await loginInfo(sandbox, 'e1', token)).json.code).toBe(99991663);
      const fresh = await tenantToken(sandbox);
      expect(fresh).not.toBe(token);
      expect((await loginInfo(sandbox, 'e1', fresh)).json.code).toBe(0);
    });

    it('answers plain_text faults as non-JSON pages', async () => {
      const token = await tenantToken(sandbox);
      const html = '<html><body>502 Bad Gateway</body></html>';
      sandbox.injectFault({ kind: 'plain_text', httpStatus: 502, text: html });
      const answer = await loginInfo(sandbox, 'e1', token);
      expect([answer.status, answer.text]).toEqual([502, html]);
      expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(answer.headers.get('x-tt-logid')).toBeTruthy();
    });

    it('drop destroys the socket: fetch rejects, the request is still recorded', async () => {
      const token = await tenantToken(sandbox);
      sandbox.injectFault({ kind: 'drop' }, { examId: 'dropped' });
      await expect(loginInfo(sandbox, 'dropped', token)).rejects.toThrow();
      expect(sandbox.loginInfoRequests('dropped')).toEqual([
        expect.objectContaining({
          body: LOGIN_INFO_BODY,
          response: expect.objectContaining({ status: 0, fault: 'drop' }),
        }),
      ]);
      expect((await loginInfo(sandbox, 'dropped', token)).json.code).toBe(0);
    });

    it('hang with ms answers normally, but late', async () => {
      const token = await tenantToken(sandbox);
      sandbox.setExamState('slow', 'closed');
      sandbox.injectFault({ kind: 'hang', ms: 300 });
      const started = Date.now();
      const answer = await loginInfo(sandbox, 'slow', token);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect([answer.status, answer.json.code]).toEqual([400, 1002851]);
      expect(sandbox.loginInfoRequests('slow')[0]?.response).toMatchObject({ status: 400, fault: 'hang' });
    });

    it('close() resolves while a request hangs forever, and ends that request', async () => {
      const hanging = await FeishuSandbox.start();
      const token = await tenantToken(hanging);
      hanging.injectFault({ kind: 'hang' });
      const outcome = loginInfo(hanging, 'e1', token).then(
        () => 'answered',
        () => 'failed',
      );
      await until(() => hanging.loginInfoRequests()[0]?.response.fault === 'hang');
      expect(hanging.loginInfoRequests()[0]?.response.status).toBe(0);
      await hanging.close();
      await expect(outcome).resolves.toBe('failed');
    });
  });

  describe('quota', () => {
    it('throttles the 51st request within a second: exactly one 429, reset ≥ 1; a second later it passes', async () => {
      let now = FROZEN_NOW;
      await withSandbox({ now: () => now }, async (frozen) => {
        const token = await tenantToken(frozen);
        const answers = await Promise.all(Array.from({ length: 51 }, () => loginInfo(frozen, 'q', token)));
        const throttled = answers.filter((answer) => answer.status === 429);
        expect(throttled).toHaveLength(1);
        expect(answers.filter((answer) => answer.status === 200)).toHaveLength(50);
        expect(throttled[0]?.json.code).toBe(99991400);
        expect(throttled[0]?.headers.get('x-ogw-ratelimit-limit')).toBe('50');
        expect(Number(throttled[0]?.headers.get('x-ogw-ratelimit-reset'))).toBeGreaterThanOrEqual(1);

        now += 1000;
        expect((await loginInfo(frozen, 'q', token)).status).toBe(200);
      });
    });

    it('enforces the per-minute window as a sliding window and reports when a slot frees', async () => {
      let now = FROZEN_NOW;
      await withSandbox({ now: () => now, quota: { perSecond: 100, perMinute: 3 } }, async (frozen) => {
        const token = await tenantToken(frozen);
        for (const _ of [1, 2, 3]) {
          expect((await loginInfo(frozen, 'q', token)).status).toBe(200);
          now += 10_000;
        }
        const throttled = await loginInfo(frozen, 'q', token); // t = 30 s; the first slot frees at t = 60 s
        expect(throttled.status).toBe(429);
        expect(throttled.headers.get('x-ogw-ratelimit-limit')).toBe('3');
        expect(throttled.headers.get('x-ogw-ratelimit-reset')).toBe('30');
        now += 30_000;
        expect((await loginInfo(frozen, 'q', token)).status).toBe(200);
      });
    });

    it('can be switched off', async () => {
      await withSandbox({ now: () => FROZEN_NOW, quota: false }, async (frozen) => {
        const token = await tenantToken(frozen);
        const answers = await Promise.all(Array.from({ length: 60 }, () => loginInfo(frozen, 'q', token)));
        expect(answers.every((answer) => answer.status === 200)).toBe(true);
      });
    });
  });

  describe('routing', () => {
    it('answers unknown paths and methods with a plain-text 404', async () => {
      const unknownPath = await send(sandbox, '/open-apis/hire/v1/eco_exams/e1/update_resultx', {});
      const wrongMethod = await send(sandbox, loginInfoPath('e1'), undefined, {}, 'GET');
      for (const answer of [unknownPath, wrongMethod]) {
        expect([answer.status, answer.text]).toEqual([404, '404 page not found']);
        expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
        expect(answer.headers.get('x-tt-logid')).toBeTruthy();
      }
      expect(sandbox.requests.map((request) => request.endpoint)).toEqual(['unknown', 'unknown']);
    });

    it('answers 413 to a body over 1 MiB', async () => {
      const token = await tenantToken(sandbox);
      const answer = await loginInfo(sandbox, 'big', token, 'x'.repeat(1024 * 1024 + 1));
      expect(answer.status).toBe(413);
      expect(sandbox.loginInfoRequests('big')[0]?.response.status).toBe(413);
    });
  });

  describe('store apps', () => {
    const apps = [
      { appId: 'cli_custom', appSecret: 'custom-secret' },
      { appId: 'cli_store', appSecret: 'store-secret', type: 'store' as const },
    ];
    const store = { app_id: 'cli_store', app_secret: 'store-secret' };

    async function appAccessToken(target: FeishuSandbox, ticket: string): Promise<Answer> {
      return send(target, APP_TOKEN_PATH, { ...store, app_ticket: ticket });
    }

    async function storeTenantToken(target: FeishuSandbox, appToken: string, tenantKey: string): Promise<string> {
      const answer = await send(target, STORE_TENANT_TOKEN_PATH, { app_access_token: appToken, tenant_key: tenantKey });
      expect(answer.json).toEqual({
        code: 0,
        msg: 'success',
        tenant_access_token: expect.stringMatching(/^t-/),
        expire: 7140,
      });
      return String(answer.json.tenant_access_token);
    }

    it('resends the ticket, issues app and per-tenant tokens, and records app and tenant on login_info', async () => {
      await withSandbox({ apps, now: () => FROZEN_NOW }, async (target) => {
        const resent: string[] = [];
        target.onAppTicketResend = (appId) => {
          resent.push(appId);
          target.provideAppTicket(appId, 'ticket-1');
        };

        const customResend = await send(target, RESEND_PATH, { app_id: 'cli_custom', app_secret: 'custom-secret' });
        expect([customResend.status, customResend.json.code]).toEqual([200, 10016]);
        expect(resent).toEqual([]);
        expect((await send(target, RESEND_PATH, store)).json).toEqual({ code: 0, msg: 'success' });
        expect(resent).toEqual(['cli_store']);

        const badTicket = await appAccessToken(target, 'stale');
        expect([badTicket.status, badTicket.json.code]).toEqual([200, 10012]);
        const appToken = await appAccessToken(target, 'ticket-1');
        expect(appToken.json).toEqual({
          code: 0,
          msg: 'success',
          app_access_token: expect.stringMatching(/^a-/),
          expire: 7140,
        });
        const appTokenValue = String(appToken.json.app_access_token);
        expect((await loginInfo(target, 'e1', appTokenValue)).json.code).toBe(99991663);

        const tokenA = await storeTenantToken(target, appTokenValue, 'tenant-a');
        const tokenB = await storeTenantToken(target, appTokenValue, 'tenant-b');
        expect(tokenB).not.toBe(tokenA);
        expect(await storeTenantToken(target, appTokenValue, 'tenant-a')).toBe(tokenA);

        expect((await loginInfo(target, 'e1', tokenA)).json.code).toBe(0);
        expect(target.acceptedLoginInfo('e1')[0]).toMatchObject({ appId: 'cli_store', tenantKey: 'tenant-a' });
        expect(target.tokenRequests().map((request) => request.endpoint)).toEqual([
          'app_ticket_resend',
          'app_ticket_resend',
          'app_access_token',
          'app_access_token',
          'tenant_token',
          'tenant_token',
          'tenant_token',
        ]);
      });
    });

    it('rejects a store app on the custom-app endpoint and an unknown app_access_token', async () => {
      await withSandbox({ apps }, async (target) => {
        expect((await send(target, INTERNAL_TOKEN_PATH, store)).json.code).toBe(10014);
        const answer = await send(target, STORE_TENANT_TOKEN_PATH, { app_access_token: 'a-nope', tenant_key: 't' });
        expect([answer.status, answer.json.code]).toEqual([200, 99991664]);
      });
    });

    it('keeps a quota per tenant', async () => {
      await withSandbox({ apps, now: () => FROZEN_NOW, quota: { perSecond: 1, perMinute: 100 } }, async (target) => {
        target.provideAppTicket('cli_store', 'ticket-1');
        const appToken = String((await appAccessToken(target, 'ticket-1')).json.app_access_token);
        const tokenA = await storeTenantToken(target, appToken, 'tenant-a');
        const tokenB = await storeTenantToken(target, appToken, 'tenant-b');
        expect((await loginInfo(target, 'e1', tokenA)).status).toBe(200);
        expect((await loginInfo(target, 'e2', tokenA)).status).toBe(429);
        expect((await loginInfo(target, 'e3', tokenB)).status).toBe(200);
      });
    });
  });

  it('rejects invalid fault repetitions', () => {
    const fault: SandboxFault = { kind: 'drop' };
    expect(() => sandbox.injectFault(fault, { times: 0 })).toThrow(RangeError);
    expect(() => sandbox.injectFault(fault, { times: 1.5 })).toThrow(RangeError);
  });
});

describe('random faults (chaos)', () => {
  it('applies faults by probability, queued faults first, and clearFaults turns them off', async () => {
    const sandbox = await FeishuSandbox.start({ quota: false });
    try {
      const rolls = [0.1, 0.5, 0.9, 0.1];
      sandbox.setRandomFaults(
        [{ probability: 0.3, fault: { kind: 'error', httpStatus: 500, code: 1002001 } }],
        () => rolls.shift() ?? 0.99,
      );
      sandbox.injectFault({ kind: 'error', httpStatus: 400, code: 1002851 }, { examId: 'q' });
      const token = await tenantToken(sandbox);
      const codes = [];
      for (const examId of ['q', 'a', 'b', 'c', 'd']) codes.push((await loginInfo(sandbox, examId, token)).json.code);
      expect(codes).toEqual([1002851, 1002001, 0, 0, 1002001]);
      sandbox.clearFaults();
      expect((await loginInfo(sandbox, 'e', token)).json.code).toBe(0);
      expect(() => sandbox.setRandomFaults([{ probability: 2, fault: { kind: 'drop' } }])).toThrow(RangeError);
    } finally {
      await sandbox.close();
    }
  });
});
