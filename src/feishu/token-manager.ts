import { z } from 'zod';
import { FeishuProtocolError } from './errors';
import type { FeishuHttp } from './http';

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

const internalTokenSchema = z.object({ tenant_access_token: z.string().min(1), expire: z.number().positive() });

export interface CustomAppCredentials {
  appId: string;
  appSecret: string;
}

/** 自建应用: POST /open-apis/auth/v3/tenant_access_token/internal; one token for the app's own tenant. */
export class CustomAppTokenProvider implements TokenProvider {
  private readonly cache: TokenCache;

  constructor(http: FeishuHttp, credentials: CustomAppCredentials, options: TokenCacheOptions = {}) {
    this.cache = new TokenCache(async () => {
      const answer = await http.postJson('tenant_access_token', '/open-apis/auth/v3/tenant_access_token/internal', {
        app_id: credentials.appId,
        app_secret: credentials.appSecret,
      });
      const parsed = internalTokenSchema.safeParse(answer.envelope);
      if (!parsed.success) {
        throw new FeishuProtocolError('Feishu tenant_access_token: answer lacks tenant_access_token/expire', {
          httpStatus: answer.status,
          logId: answer.logId,
        });
      }
      return { token: parsed.data.tenant_access_token, expireSeconds: parsed.data.expire };
    }, options);
  }

  getToken(): Promise<string> {
    return this.cache.get('');
  }

  invalidate(token: string): void {
    this.cache.invalidate('', token);
  }
}
