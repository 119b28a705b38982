import { quotaKey } from './pacer';
import type { SharedRateHolds } from './shared-holds';

/**
 * 429 feedback for every call, not just one attempt: when Feishu says a tenant is over its quota (429 or 99991400,
 * with `x-ogw-ratelimit-reset`), every call of that API for that tenant holds back until the reset instead of spending
 * more requests on certain refusals. With `shared` (src/feishu/shared-holds.ts) the hold reaches every worker
 * process: this process publishes its 429s and learns of the others' within about a second
 * (docs/performance.md#quota-design). Without it, each process learns of a 429 on its own.
 */
/** Endpoints whose quota is the app's, whichever tenant's call needed them: held for all tenants at once. */
const APP_WIDE_ENDPOINTS: ReadonlySet<string> = new Set(['app_access_token']);
const scopeOf = (api: string, tenantKey: string | undefined): string | undefined =>
  APP_WIDE_ENDPOINTS.has(api) ? '' : tenantKey;

export class RateLimitGate {
  private readonly heldUntil = new Map<string, number>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly shared?: SharedRateHolds,
  ) {}

  /** Milliseconds this API × tenant must still wait (0 when open), by this process's 429s and the shared holds known. */
  remaining(callerTenantKey = '', api = ''): number {
    const tenantKey = scopeOf(api, callerTenantKey);
    const key = quotaKey(api, tenantKey);
    const until = this.heldUntil.get(key);
    let left = 0;
    if (until !== undefined) {
      left = until - this.now();
      if (left <= 0) this.heldUntil.delete(key);
    }
    return Math.max(0, left, this.shared?.remaining(api, tenantKey) ?? 0);
  }

  /**
   * The longest remaining() of `api` and `alsoApis` for this tenant, once the shared holds known here are at most
   * about a second old (a bounded wait; never rejects).
   */
  async remainingFresh(tenantKey = '', api = '', alsoApis: readonly string[] = []): Promise<number> {
    await this.shared?.fresh();
    return Math.max(this.remaining(tenantKey, api), ...alsoApis.map((also) => this.remaining(tenantKey, also)));
  }

  hold(callerTenantKey: string | undefined, ms: number, api = ''): void {
    const tenantKey = scopeOf(api, callerTenantKey);
    const key = quotaKey(api, tenantKey);
    const until = this.now() + ms;
    if ((this.heldUntil.get(key) ?? 0) < until) this.heldUntil.set(key, until);
    this.shared?.publish(api, tenantKey, until);
  }
}
