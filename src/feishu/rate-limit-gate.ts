import { quotaKey } from './pacer';

/**
 * 429 feedback for the whole process, not just one attempt: when Feishu says a tenant is over its quota (429 or
 * 99991400, with `x-ogw-ratelimit-reset`), every call of that API for that tenant from this process holds back until the reset
 * instead of spending more requests on certain refusals. Across worker processes the server-side per-tenant rate
 * of each API's task queue keeps the steady rate under the quota; each process learns of a 429 on its own
 * (docs/performance.md#quota-design: why there is no cross-worker hold yet).
 */
export class RateLimitGate {
  private readonly heldUntil = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds this API × tenant must still wait (0 when open). */
  remaining(tenantKey = '', api = ''): number {
    const key = quotaKey(api, tenantKey);
    const until = this.heldUntil.get(key);
    if (until === undefined) return 0;
    const left = until - this.now();
    if (left <= 0) this.heldUntil.delete(key);
    return Math.max(0, left);
  }

  hold(tenantKey: string | undefined, ms: number, api = ''): void {
    const key = quotaKey(api, tenantKey);
    const until = this.now() + ms;
    if ((this.heldUntil.get(key) ?? 0) < until) this.heldUntil.set(key, until);
  }
}
