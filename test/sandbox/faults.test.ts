/**
 * The sandbox's fault injection over real HTTP: queued faults (scoped, global, `times`), every fault kind, chaos mode.
 */
import { FeishuSandbox, type SandboxFault } from '../../sandbox/feishu-sandbox';
import { LOGIN_INFO_BODY, loginInfo, loginInfoPath, send, sharedSandbox, tenantToken, until } from './support';

describe('FeishuSandbox faults', () => {
  const shared = sharedSandbox();
  let sandbox: FeishuSandbox;
  beforeAll(() => {
    sandbox = shared.sandbox;
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
