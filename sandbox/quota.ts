/**
 * Feishu's rate limit: 50 requests per second and 1000 per minute per API × app × tenant, as sliding windows. A
 * refused request is not counted; its 429 carries the limit hit and the whole seconds until a slot frees.
 */

export interface QuotaLimits {
  perSecond: number;
  perMinute: number;
}

export const DEFAULT_QUOTA: QuotaLimits = { perSecond: 50, perMinute: 1000 };

export interface Throttle {
  /** x-ogw-ratelimit-limit */
  limit: number;
  /** x-ogw-ratelimit-reset */
  resetSeconds: number;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * 1000;

/** The quota's key: one window per API (the endpoint name) × app × tenant. */
export function quotaKey(api: string, appId: string, tenantKey: string | undefined): string {
  return [api, appId, tenantKey ?? ''].join('\u0000');
}

/** Whole seconds until the window holds fewer than `limit` stamps, or undefined if it already does. */
function windowReset(stamps: readonly number[], now: number, windowMs: number, limit: number): number | undefined {
  const inWindow = stamps.filter((stamp) => stamp > now - windowMs);
  if (inWindow.length < limit) return undefined;
  const freeing = inWindow[inWindow.length - limit];
  const waitMs = freeing === undefined ? windowMs : freeing + windowMs - now;
  return Math.max(1, Math.ceil(waitMs / SECOND_MS));
}

export class SlidingWindowQuota {
  private readonly stamps = new Map<string, number[]>();

  constructor(private readonly limits: QuotaLimits) {}

  /** Counts the request and returns undefined, or returns the throttle (not counted) when either window is full. */
  admit(key: string, now: number): Throttle | undefined {
    const stamps = (this.stamps.get(key) ?? []).filter((stamp) => stamp > now - MINUTE_MS);
    const throttles: Throttle[] = [];
    const secondReset = windowReset(stamps, now, SECOND_MS, this.limits.perSecond);
    if (secondReset !== undefined) throttles.push({ limit: this.limits.perSecond, resetSeconds: secondReset });
    const minuteReset = windowReset(stamps, now, MINUTE_MS, this.limits.perMinute);
    if (minuteReset !== undefined) throttles.push({ limit: this.limits.perMinute, resetSeconds: minuteReset });
    if (throttles.length === 0) stamps.push(now);
    this.stamps.set(key, stamps);
    // With both windows full, only the longer wait actually frees a slot.
    return throttles.sort((a, b) => b.resetSeconds - a.resetSeconds)[0];
  }

  clear(): void {
    this.stamps.clear();
  }
}

/** Rejects limits that are not positive integers (a RangeError naming the field). */
export function validateQuota(quota: QuotaLimits | false | undefined): void {
  if (quota && !(Number.isInteger(quota.perSecond) && quota.perSecond > 0)) {
    throw new RangeError('quota.perSecond must be a positive integer');
  }
  if (quota && !(Number.isInteger(quota.perMinute) && quota.perMinute > 0)) {
    throw new RangeError('quota.perMinute must be a positive integer');
  }
}
