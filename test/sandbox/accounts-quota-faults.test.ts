/**
 * The papers and custom-field APIs in the sandbox's common pipeline: each endpoint is its own API for the quota
 * (per API × app × tenant, apart from login_info's), and injected faults answer them like any Open API call.
 */
import { FIELDS_PATH, PAPERS_DELETE_PATH, PAPERS_PATH, PAPERS_UPDATE_PATH, callApi } from './accounts-support';
import { FROZEN_NOW, loginInfo, tenantToken, withSandbox } from './support';

const PAPERS = { account_id: 'acc-1', paper_list: [{ id: 'p1', name: 'Paper 1' }] };
const FIELDS = { scope: 2, custom_field_list: [{ key: 'ord_id', name: { zh_cn: '订单号' }, is_required: true }] };

describe('papers and custom fields: quota and faults', () => {
  it('gives each endpoint its own quota, apart from login_info’s', async () => {
    await withSandbox({ now: () => FROZEN_NOW, quota: { perSecond: 2, perMinute: 100 } }, async (frozen) => {
      const token = await tenantToken(frozen);
      for (const _ of [1, 2]) expect((await callApi(frozen, PAPERS_PATH, token, PAPERS)).status).toBe(200);
      const throttled = await callApi(frozen, PAPERS_PATH, token, PAPERS);
      expect([throttled.status, throttled.json.code]).toEqual([429, 99991400]);
      expect(throttled.headers.get('x-ogw-ratelimit-limit')).toBe('2');
      expect(Number(throttled.headers.get('x-ogw-ratelimit-reset'))).toBeGreaterThanOrEqual(1);

      // The same second: the other APIs still have their whole quota.
      expect((await loginInfo(frozen, 'e1', token)).status).toBe(200);
      expect((await loginInfo(frozen, 'e1', token)).status).toBe(200);
      expect((await loginInfo(frozen, 'e1', token)).status).toBe(429);
      expect((await callApi(frozen, PAPERS_UPDATE_PATH, token, PAPERS)).status).toBe(200);
      expect(
        (await callApi(frozen, PAPERS_DELETE_PATH, token, { account_id: 'acc-1', paper_id_list: ['x'] })).status,
      ).toBe(200);
      expect((await callApi(frozen, FIELDS_PATH, token, FIELDS)).status).toBe(200);
      expect(frozen.requests.filter((request) => request.response.status === 429).map((r) => r.endpoint)).toEqual([
        'eco_exam_papers',
        'login_info',
      ]);
    });
  });

  it('answers an injected fault instead of changing the state, then works again', async () => {
    await withSandbox({}, async (sandbox) => {
      const token = await tenantToken(sandbox);
      sandbox.injectFault({ kind: 'error', httpStatus: 500, code: 1002001 });
      const failed = await callApi(sandbox, PAPERS_PATH, token, PAPERS);
      expect([failed.status, failed.json.code, failed.json.msg]).toEqual([500, 1002001, '系统错误']);
      expect(sandbox.accounts.paperLists('acc-1')).toEqual([]);
      expect(sandbox.requests.at(-1)?.response).toMatchObject({ status: 500, code: 1002001, fault: 'error' });

      sandbox.injectFault({ kind: 'rate_limit', resetSeconds: 7 });
      const limited = await callApi(sandbox, FIELDS_PATH, token, FIELDS);
      expect([limited.status, limited.headers.get('x-ogw-ratelimit-reset')]).toEqual([429, '7']);
      expect(sandbox.accounts.customFieldLists(2)).toEqual([]);

      sandbox.injectFault({ kind: 'plain_text', httpStatus: 502, text: '<html>bad gateway</html>' });
      const gateway = await callApi(sandbox, PAPERS_UPDATE_PATH, token, PAPERS);
      expect([gateway.status, gateway.headers.get('content-type')]).toEqual([502, 'text/html; charset=utf-8']);

      sandbox.injectFault({ kind: 'revoke_token' });
      expect((await callApi(sandbox, PAPERS_PATH, token, PAPERS)).json.code).toBe(99991663);
      const fresh = await tenantToken(sandbox);
      expect((await callApi(sandbox, PAPERS_PATH, fresh, PAPERS)).json.code).toBe(0);
      expect(sandbox.accounts.paperLists('acc-1')[0]?.papers).toEqual(PAPERS.paper_list);
    });
  });
});
