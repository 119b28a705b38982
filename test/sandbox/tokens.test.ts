/**
 * The sandbox's token endpoints over real HTTP: the custom-app endpoint, the store-app flow and the 30-minute rule.
 */
import { FeishuSandbox } from '../../sandbox/feishu-sandbox';
import {
  DEFAULT_CREDENTIALS,
  FROZEN_NOW,
  INTERNAL_TOKEN_PATH,
  RESEND_PATH,
  STORE_APPS,
  STORE_CREDENTIALS,
  STORE_TENANT_TOKEN_PATH,
  appAccessToken,
  loginInfo,
  send,
  sharedSandbox,
  storeTenantToken,
  withSandbox,
} from './support';

describe('FeishuSandbox tokens', () => {
  const shared = sharedSandbox();
  let sandbox: FeishuSandbox;
  beforeAll(() => {
    sandbox = shared.sandbox;
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

  describe('store apps', () => {
    const apps = STORE_APPS;
    const store = STORE_CREDENTIALS;

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
  });
});
