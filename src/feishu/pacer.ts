/**
 * Spaces this process's calls for one API × tenant evenly (Feishu's quota is per API × app × tenant: login_info and
 * update_result do not share it) (at most `perSecond`), so a burst that the Temporal server's rate
 * limiter lets through at once — its token bucket starts full — reaches Feishu as a steady stream. Together with the
 * server-side per-tenant rate of each API's task queue (same rate, all workers; docs/performance.md#quota-design) it
 * keeps every 1 s and 60 s window under Feishu's quota.
 */
export class Pacer {
  private readonly intervalMs: number;
  private readonly next = new Map<string, number>();

  constructor(
    perSecond: number,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!(perSecond > 0)) throw new RangeError('Pacer needs a positive rate');
    this.intervalMs = 1000 / perSecond;
  }

  /** Resolves when this call may go out; reserves its slot at once (callers are served in arrival order). */
  async wait(tenantKey = '', api = ''): Promise<void> {
    const key = quotaKey(api, tenantKey);
    const now = this.now();
    const slot = Math.max(now, this.next.get(key) ?? now);
    this.next.set(key, slot + this.intervalMs);
    if (slot > now) await this.sleep(slot - now);
  }
}

/** One quota bucket: Feishu counts per API × tenant (the app is this process's). */
export function quotaKey(api: string, tenantKey = ''): string {
  return `${api}\u0000${tenantKey}`;
}
