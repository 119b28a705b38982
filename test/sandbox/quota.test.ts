/**
 * The sandbox's quota over real HTTP: 50/s and 1000/min per API × app × tenant as sliding windows, 429 with the
 * x-ogw-ratelimit-* headers.
 */
import {
  FROZEN_NOW,
  STORE_APPS,
  appAccessToken,
  loginInfo,
  storeTenantToken,
  tenantToken,
  withSandbox,
} from './support';

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

  it('keeps a quota per tenant', async () => {
    await withSandbox(
      { apps: STORE_APPS, now: () => FROZEN_NOW, quota: { perSecond: 1, perMinute: 100 } },
      async (target) => {
        target.provideAppTicket('cli_store', 'ticket-1');
        const appToken = String((await appAccessToken(target, 'ticket-1')).json.app_access_token);
        const tokenA = await storeTenantToken(target, appToken, 'tenant-a');
        const tokenB = await storeTenantToken(target, appToken, 'tenant-b');
        expect((await loginInfo(target, 'e1', tokenA)).status).toBe(200);
        expect((await loginInfo(target, 'e2', tokenA)).status).toBe(429);
        expect((await loginInfo(target, 'e3', tokenB)).status).toBe(200);
      },
    );
  });

  it('does not count token requests against an API', async () => {
    await withSandbox({ now: () => FROZEN_NOW, quota: { perSecond: 1, perMinute: 100 } }, async (frozen) => {
      const tokens = await Promise.all([tenantToken(frozen), tenantToken(frozen), tenantToken(frozen)]);
      expect(new Set(tokens).size).toBe(1);
      expect((await loginInfo(frozen, 'e1', tokens[0] ?? '')).status).toBe(200);
      expect((await loginInfo(frozen, 'e2', tokens[0] ?? '')).status).toBe(429);
    });
  });
});
