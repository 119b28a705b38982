/**
 * The sandbox's login_info API and routing over real HTTP: auth, body and content-type checks, exam states, log ids,
 * the request log, plain-text 404 and 413.
 */
import { FeishuSandbox } from '../../sandbox/feishu-sandbox';
import {
  FROZEN_NOW,
  JSON_TYPE,
  LOGIN_INFO_BODY,
  errorOf,
  loginInfo,
  loginInfoPath,
  send,
  sharedSandbox,
  tenantToken,
  withSandbox,
} from './support';

describe('FeishuSandbox login_info', () => {
  const shared = sharedSandbox();
  const { logLines } = shared;
  let sandbox: FeishuSandbox;
  beforeAll(() => {
    sandbox = shared.sandbox;
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
});
