import { createHash } from 'node:crypto';
import { quotaKey } from './pacer';

/**
 * Feishu's 429s held for every worker process, not just the one that got it (issue 14;
 * docs/performance.md#quota-design). A store keeps the holds where all workers see them (the Temporal workflow
 * `feishu-rate-holds-<task queue>`, src/client/rate-holds.ts); this process publishes its own 429s there and reads
 * everyone's at most once per `refreshEveryMs`. Neither ever blocks a call for long: a refresh that fails or takes
 * longer than `timeoutMs` leaves the last known holds (and the process's own, in its RateLimitGate) in force.
 */

/** One hold as stored: `tenant` is tenantTag(tenant_key), never the key itself. */
export interface SharedHold {
  api: string;
  tenant: string;
  /** Epoch milliseconds. */
  untilMs: number;
}

export interface SharedHoldStore {
  /** Records a hold for every worker (the signal of src/client/rate-holds.ts). */
  publish(hold: SharedHold, signal: AbortSignal): Promise<void>;
  /** Every worker's holds (ended ones may still be among them). */
  read(signal: AbortSignal): Promise<SharedHold[]>;
}

export interface SharedRateHoldsOptions {
  /** The longest the shared holds known here may be out of date while calls go out. Default 1000 ms. */
  refreshEveryMs?: number;
  /** A read that takes longer is abandoned (the last known holds stay). Default 1000 ms. */
  readTimeoutMs?: number;
  /** A publish that takes longer is abandoned (logged). Default 5000 ms. */
  publishTimeoutMs?: number;
  /** Publishes in flight at once; more are dropped (logged): the process's own gate holds them anyway. Default 8. */
  maxPublishing?: number;
  /** Wall clock (ms since the epoch): hold ends are epoch times, shared between processes. Default Date.now. */
  now?: () => number;
  /**
   * The clock of the refresh interval: monotonic by default (performance.now), so a wall clock stepping back does
   * not stop the refreshes; defaults to `now` when that is given (tests).
   */
  intervalClock?: () => number;
  /** Told of each failed read or publish (the worker logs it); the reason only, never a secret. */
  onError?: (what: 'read' | 'publish', err: unknown) => void;
}

/** The tenant as the shared holds name it: 16 hex chars of SHA-256(tenant_key) ('' for a custom app: one tenant). */
export function tenantTag(tenantKey = ''): string {
  return createHash('sha256').update(tenantKey).digest('hex').slice(0, 16);
}

/** A publish no later than this past one already published for the same API × tenant is not sent again. */
const PUBLISH_SLACK_MS = 250;

export class SharedRateHolds {
  private known = new Map<string, number>();
  private readonly published = new Map<string, number>();
  private lastReadEndedAt = Number.NEGATIVE_INFINITY;
  private lastReadFailed = false;
  private reading?: Promise<void>;
  private publishing = 0;
  private readonly refreshEveryMs: number;
  private readonly readTimeoutMs: number;
  private readonly publishTimeoutMs: number;
  private readonly maxPublishing: number;
  private readonly now: () => number;
  private readonly intervalClock: () => number;
  private readonly onError: (what: 'read' | 'publish', err: unknown) => void;

  constructor(
    private readonly store: SharedHoldStore,
    options: SharedRateHoldsOptions = {},
  ) {
    this.refreshEveryMs = options.refreshEveryMs ?? 1000;
    this.readTimeoutMs = options.readTimeoutMs ?? 1000;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5000;
    this.maxPublishing = options.maxPublishing ?? 8;
    this.now = options.now ?? Date.now;
    this.intervalClock = options.intervalClock ?? options.now ?? (() => performance.now());
    this.onError = options.onError ?? (() => undefined);
  }

  /**
   * Resolves once the holds known here were read less than `refreshEveryMs` ago (counted from the read's end) — or
   * at once while Temporal does not answer: after a failed read, callers go on with the holds last known and the next
   * read runs in the background, so an unreachable or slow Temporal costs no call a wait. One read at a time:
   * concurrent callers share it. Never rejects.
   */
  fresh(): Promise<void> {
    if (!this.reading) {
      if (this.intervalClock() - this.lastReadEndedAt < this.refreshEveryMs) return Promise.resolve();
      this.reading = this.read().finally(() => {
        this.lastReadEndedAt = this.intervalClock();
        this.reading = undefined;
      });
    }
    return this.lastReadFailed ? Promise.resolve() : this.reading;
  }

  /** Milliseconds calls of `api` for this tenant must still wait by the shared holds (0 when none). */
  remaining(api: string, tenantKey = ''): number {
    const until = this.known.get(quotaKey(api, tenantTag(tenantKey)));
    return until === undefined ? 0 : Math.max(0, until - this.now());
  }

  /** Tells every worker (fire and forget, bounded; failures go to `onError`). */
  publish(api: string, tenantKey: string | undefined, untilMs: number): void {
    const hold: SharedHold = { api, tenant: tenantTag(tenantKey), untilMs };
    const key = quotaKey(api, hold.tenant);
    const now = this.now();
    for (const [publishedKey, until] of this.published) if (until <= now) this.published.delete(publishedKey);
    if ((this.published.get(key) ?? 0) >= untilMs - PUBLISH_SLACK_MS) return;
    if (this.publishing >= this.maxPublishing) {
      this.onError('publish', new Error(`${this.maxPublishing} publishes already in flight; this hold stays local`));
      return;
    }
    this.published.set(key, untilMs);
    this.publishing += 1;
    withTimeout((signal) => this.store.publish(hold, signal), this.publishTimeoutMs)
      .catch((err: unknown) => {
        // Not known to the others: a later 429 of this API × tenant may try again.
        if (this.published.get(key) === untilMs) this.published.delete(key);
        this.onError('publish', err);
      })
      .finally(() => {
        this.publishing -= 1;
      });
  }

  private async read(): Promise<void> {
    try {
      const holds = await withTimeout((signal) => this.store.read(signal), this.readTimeoutMs);
      const now = this.now();
      const known = new Map<string, number>();
      for (const hold of holds) {
        if (hold.untilMs <= now) continue;
        const key = quotaKey(hold.api, hold.tenant);
        known.set(key, Math.max(known.get(key) ?? 0, hold.untilMs));
      }
      this.known = known;
      this.lastReadFailed = false;
    } catch (err) {
      this.lastReadFailed = true;
      this.onError('read', err);
    }
  }
}

/** `run`, abandoned (its signal aborted, the promise rejected) after `ms`. */
async function withTimeout<T>(run: (signal: AbortSignal) => Promise<T>, ms: number): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const reason = new Error(`no answer within ${ms} ms`);
      controller.abort(reason);
      reject(reason);
    }, ms);
    // A pending read or publish alone must not keep the process alive.
    timer.unref();
  });
  try {
    return await Promise.race([run(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
