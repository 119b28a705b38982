import { z } from 'zod';
import { FeishuAppTicketPendingError, FeishuError, FeishuProtocolError, FeishuRejectedError } from './errors';
import type { FeishuAnswer, FeishuHttp } from './http';
import { noopFeishuMetrics, type FeishuMetrics } from '../common/metrics';

/**
 * tenant_access_token handling. A `TokenProvider` hands out a token per tenant; the client invalidates the one that
 * Feishu refused (99991661/99991663) and asks again, once. Custom apps have one tenant (key ''); store apps get one
 * cache slot per `tenant_key` through the same `TokenCache`.
 */
export interface TokenProvider {
  getToken(tenantKey?: string): Promise<string>;
  /** Forget `token` if it is still the cached one (a newer token fetched meanwhile is kept). */
  invalidate(token: string, tenantKey?: string): void;
}

export interface IssuedToken {
  token: string;
  /** Seconds the token is valid for, as Feishu's `expire` says. */
  expireSeconds: number;
}

export interface TokenCacheOptions {
  /** Refresh this long before the token's expiry. Default 5 min (Feishu issues a new token with < 30 min left). */
  marginMs?: number;
  now?: () => number;
  /** The providers count each token fetch here, by token kind and outcome (src/metrics). */
  metrics?: FeishuMetrics;
}

/** `fetchToken`, each call counted as a refresh of `kind`. */
function countedFetch(
  kind: 'tenant_access_token' | 'app_access_token',
  metrics: FeishuMetrics = noopFeishuMetrics,
  fetchToken: (key: string) => Promise<IssuedToken>,
): (key: string) => Promise<IssuedToken> {
  return async (key) => {
    try {
      const issued = await fetchToken(key);
      metrics.tokenRefresh(kind, 'success');
      return issued;
    } catch (err) {
      metrics.tokenRefresh(kind, 'failure');
      throw err;
    }
  };
}

interface Slot {
  token?: string;
  refreshAt?: number;
  pending?: Promise<string>;
}

/** Caches tokens per key until `expire − margin`, with one in-flight fetch per key however many callers wait. */
export class TokenCache {
  private readonly slots = new Map<string, Slot>();
  private readonly marginMs: number;
  private readonly now: () => number;

  constructor(
    private readonly fetchToken: (key: string) => Promise<IssuedToken>,
    options: TokenCacheOptions = {},
  ) {
    this.marginMs = options.marginMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  async get(key: string): Promise<string> {
    const slot = this.slot(key);
    if (slot.token !== undefined && slot.refreshAt !== undefined && this.now() < slot.refreshAt) return slot.token;
    slot.pending ??= this.refresh(key, slot);
    return slot.pending;
  }

  invalidate(key: string, token: string): void {
    const slot = this.slots.get(key);
    if (slot?.token === token) {
      slot.token = undefined;
      slot.refreshAt = undefined;
    }
  }

  private slot(key: string): Slot {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = {};
      this.slots.set(key, slot);
    }
    return slot;
  }

  private async refresh(key: string, slot: Slot): Promise<string> {
    try {
      const issued = await this.fetchToken(key);
      const lifetimeMs = issued.expireSeconds * 1000;
      // A token shorter-lived than the margin is still used once rather than refetched in a loop.
      slot.refreshAt = this.now() + Math.max(lifetimeMs - this.marginMs, Math.min(lifetimeMs, 30_000));
      slot.token = issued.token;
      return issued.token;
    } finally {
      slot.pending = undefined;
    }
  }
}

export interface CustomAppCredentials {
  appId: string;
  appSecret: string;
}

/** 自建应用: POST /open-apis/auth/v3/tenant_access_token/internal; one token for the app's own tenant. */
export class CustomAppTokenProvider implements TokenProvider {
  private readonly cache: TokenCache;

  constructor(http: FeishuHttp, credentials: CustomAppCredentials, options: TokenCacheOptions = {}) {
    this.cache = new TokenCache(
      countedFetch('tenant_access_token', options.metrics, async () => {
        const answer = await http.postJson('tenant_access_token', '/open-apis/auth/v3/tenant_access_token/internal', {
          app_id: credentials.appId,
          app_secret: credentials.appSecret,
        });
        return readToken(answer, 'tenant_access_token');
      }),
      options,
    );
  }

  getToken(): Promise<string> {
    return this.cache.get('');
  }

  invalidate(token: string): void {
    this.cache.invalidate('', token);
  }
}

/** Where the store app's latest app_ticket is kept (the ingest receives it hourly as an event). */
export interface AppTicketSource {
  get(appId: string): Promise<string | undefined>;
}

/**
 * 商店应用 (store app): app_ticket → app_access_token (cached) → tenant_access_token per `tenant_key` (cached per tenant).
 * With no ticket yet, or one Feishu refuses, it asks Feishu to resend the ticket (it arrives as an event at the
 * ingest) and fails with a retryable FeishuAppTicketPendingError, so the activity retries once the ticket is in.
 */
export class StoreAppTokenProvider implements TokenProvider {
  private readonly tenantTokens: TokenCache;
  private readonly appTokens: TokenCache;

  constructor(
    private readonly http: FeishuHttp,
    private readonly credentials: CustomAppCredentials,
    private readonly tickets: AppTicketSource,
    options: TokenCacheOptions = {},
  ) {
    this.appTokens = new TokenCache(
      countedFetch('app_access_token', options.metrics, () => this.fetchAppToken()),
      options,
    );
    this.tenantTokens = new TokenCache(
      countedFetch('tenant_access_token', options.metrics, (tenantKey) => this.fetchTenantToken(tenantKey)),
      options,
    );
  }

  getToken(tenantKey?: string): Promise<string> {
    if (!tenantKey) {
      return Promise.reject(
        new FeishuRejectedError('store app: the exam has no tenant_key, so no tenant_access_token can be obtained'),
      );
    }
    return this.tenantTokens.get(tenantKey);
  }

  invalidate(token: string, tenantKey?: string): void {
    if (tenantKey) this.tenantTokens.invalidate(tenantKey, token);
  }

  private async fetchTenantToken(tenantKey: string): Promise<IssuedToken> {
    const appAccessToken = await this.appTokens.get('');
    try {
      const answer = await this.http.postJson('tenant_access_token', '/open-apis/auth/v3/tenant_access_token', {
        app_access_token: appAccessToken,
        tenant_key: tenantKey,
      });
      return readToken(answer, 'tenant_access_token');
    } catch (err) {
      // A refused app token (expired early, or its ticket rotated): forget it so the next attempt fetches anew.
      if (err instanceof FeishuError && err.code !== undefined && APP_TOKEN_REFUSED.has(err.code)) {
        this.appTokens.invalidate('', appAccessToken);
      }
      throw err;
    }
  }

  private async fetchAppToken(): Promise<IssuedToken> {
    const { appId, appSecret } = this.credentials;
    const ticket = await this.tickets.get(appId);
    if (ticket === undefined) {
      await this.requestTicketResend();
      throw new FeishuAppTicketPendingError('store app: no app_ticket received yet; asked Feishu to resend it');
    }
    try {
      const answer = await this.http.postJson('app_access_token', '/open-apis/auth/v3/app_access_token', {
        app_id: appId,
        app_secret: appSecret,
        app_ticket: ticket,
      });
      return readToken(answer, 'app_access_token');
    } catch (err) {
      if (err instanceof FeishuError && err.code === TICKET_INVALID) {
        await this.requestTicketResend();
        throw new FeishuAppTicketPendingError('store app: Feishu refused the app_ticket; asked Feishu to resend it', {
          code: err.code,
          logId: err.logId,
        });
      }
      throw err;
    }
  }

  private async requestTicketResend(): Promise<void> {
    await this.http.postJson('app_ticket_resend', '/open-apis/auth/v3/app_ticket/resend', {
      app_id: this.credentials.appId,
      app_secret: this.credentials.appSecret,
    });
  }
}

/** 10012: the app_ticket is invalid or stale. */
const TICKET_INVALID = 10012;
/** The app_access_token was refused by the tenant-token endpoint. */
const APP_TOKEN_REFUSED: ReadonlySet<number> = new Set([99991661, 99991663, 99991664]);

/** Reads `<field>` and `expire` (seconds) from a token endpoint's top-level answer. */
function readToken(answer: FeishuAnswer, field: 'tenant_access_token' | 'app_access_token'): IssuedToken {
  const parsed = z
    .object({ token: z.string().min(1), expire: z.number().positive() })
    .safeParse({ token: answer.envelope[field], expire: answer.envelope.expire });
  if (!parsed.success) {
    throw new FeishuProtocolError(`Feishu ${field}: answer lacks ${field}/expire`, {
      httpStatus: answer.status,
      logId: answer.logId,
    });
  }
  return { token: parsed.data.token, expireSeconds: parsed.data.expire };
}
