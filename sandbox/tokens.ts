/**
 * Feishu's access tokens: the custom-app endpoint (`tenant_access_token/internal`), the store-app flow (`app_ticket`
 * → `app_access_token` → `tenant_access_token` per `tenant_key`, and `app_ticket/resend`), the 30-minute rule, expiry,
 * revocation, and the Bearer check of API calls.
 *
 * Sandbox choices where the docs are silent: token endpoints answer HTTP 200 on failure; a store app on `/internal`,
 * or a custom app on the store endpoints, gets 10014; a wrong `app_ticket` gets 10012; an unknown or expired
 * `app_access_token` gets 99991664; store-app tokens live min(tokenTtlSeconds, 7140) s; any non-empty `tenant_key` is
 * accepted; a missing Bearer token gets HTTP 400 / 99991661, an unknown one (or an app token) 400 / 99991663.
 */
import { randomBytes } from 'node:crypto';
import { CODE, errorReply, ok, tokenError } from './envelope';
import type { Reply } from './http';
import type { RecordedRequest, SandboxApp } from './types';

export type TokenEndpoint = 'tenant_token_internal' | 'app_access_token' | 'tenant_token' | 'app_ticket_resend';

export const TOKEN_PATHS: ReadonlyMap<string, TokenEndpoint> = new Map<string, TokenEndpoint>([
  ['/open-apis/auth/v3/tenant_access_token/internal', 'tenant_token_internal'],
  ['/open-apis/auth/v3/app_access_token', 'app_access_token'],
  ['/open-apis/auth/v3/tenant_access_token', 'tenant_token'],
  ['/open-apis/auth/v3/app_ticket/resend', 'app_ticket_resend'],
]);
const TOKEN_ENDPOINTS: ReadonlySet<string> = new Set(TOKEN_PATHS.values());

export function isTokenEndpoint(endpoint: string): endpoint is TokenEndpoint {
  return TOKEN_ENDPOINTS.has(endpoint);
}

export const DEFAULT_APPS: readonly SandboxApp[] = [
  { appId: 'cli_sandbox', appSecret: 'sandbox-secret', type: 'custom' },
];
const DEFAULT_TOKEN_TTL_SECONDS = 7200;
const STORE_TOKEN_MAX_TTL_SECONDS = 7140;
/** Feishu returns the cached token while it has at least this long left, a new one otherwise. */
const TOKEN_REUSE_MIN_REMAINING_MS = 30 * 60 * 1000;
const SECOND_MS = 1000;

export interface IssuedToken {
  value: string;
  kind: 'tenant' | 'app';
  appId: string;
  tenantKey?: string;
  expiresAt: number;
}

export interface TokenOptions {
  apps: readonly SandboxApp[];
  tokenTtlSeconds?: number;
  clock: () => number;
  /** A store app asked for `app_ticket/resend`; a throw is logged and the request still succeeds. */
  onAppTicketResend: (appId: string) => void;
  log?: (line: string) => void;
}

export function validateTokenTtl(ttl: number | undefined): void {
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) {
    throw new RangeError('tokenTtlSeconds must be a positive integer');
  }
}

/** `app_id` / `tenant_key` named in a token-endpoint body, whether or not the request is valid. */
export function identityInBody(body: unknown): { appId?: string; tenantKey?: string } {
  if (!isRecord(body)) return {};
  const identity: { appId?: string; tenantKey?: string } = {};
  if (typeof body.app_id === 'string') identity.appId = body.app_id;
  if (typeof body.tenant_key === 'string') identity.tenantKey = body.tenant_key;
  return identity;
}

export class SandboxTokens {
  private readonly apps: ReadonlyMap<string, SandboxApp>;
  private readonly tokenTtlSeconds: number;
  private readonly tokens = new Map<string, IssuedToken>();
  /** The token a token endpoint hands out again while it has ≥ 30 min left, per kind × app × tenant. */
  private readonly currentTokens = new Map<string, IssuedToken>();
  private readonly appTickets = new Map<string, string>();

  constructor(private readonly options: TokenOptions) {
    validateTokenTtl(options.tokenTtlSeconds);
    this.apps = new Map(options.apps.map((app) => [app.appId, app]));
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  }

  handle(endpoint: TokenEndpoint, record: RecordedRequest): Reply {
    switch (endpoint) {
      case 'tenant_token_internal':
        return this.tenantTokenInternal(record);
      case 'app_access_token':
        return this.appAccessToken(record);
      case 'tenant_token':
        return this.storeTenantToken(record);
      case 'app_ticket_resend':
        return this.appTicketResend(record);
    }
  }

  /**
   * The tenant token of an API call. Sandbox choice: Feishu documents the codes 99991661/99991663, not the HTTP
   * status; 400 is what is commonly observed. An app_access_token is not accepted where a tenant token is required.
   */
  authenticate(record: RecordedRequest): { token: IssuedToken } | { reply: Reply } {
    const logId = record.response.logId;
    const presented = bearerToken(record.headers.authorization);
    if (presented === undefined) return { reply: errorReply(400, logId, CODE.missingToken) };
    const token = this.liveToken(presented);
    if (!token || token.kind !== 'tenant') return { reply: errorReply(400, logId, CODE.invalidToken) };
    return { token };
  }

  /** The token is invalid from now on; the endpoint that issued it hands out a new one next time. */
  revoke(token: IssuedToken): void {
    this.tokens.delete(token.value);
    for (const [key, current] of this.currentTokens) {
      if (current.value === token.value) this.currentTokens.delete(key);
    }
  }

  revokeAllTenantTokens(): void {
    for (const token of [...this.tokens.values()]) {
      if (token.kind === 'tenant') this.revoke(token);
    }
  }

  provideAppTicket(appId: string, ticket: string): void {
    this.appTickets.set(appId, ticket);
  }

  /** Forgets every issued token; keeps apps and app tickets. */
  clear(): void {
    this.tokens.clear();
    this.currentTokens.clear();
  }

  private tenantTokenInternal(record: RecordedRequest): Reply {
    const logId = record.response.logId;
    const fields = stringFields(record.body, ['app_id', 'app_secret']);
    if (!fields) return tokenError(logId, CODE.invalidParam);
    const app = this.checkCredentials(fields.app_id, fields.app_secret);
    if (typeof app === 'number') return tokenError(logId, app);
    // Sandbox choice: `/internal` is for custom (self-built) apps only.
    if (app.type === 'store') return tokenError(logId, CODE.appUnauthorized);
    const token = this.issueToken('tenant', app.appId, undefined, this.tokenTtlSeconds);
    return ok({ msg: 'ok', tenant_access_token: token.value, expire: this.remainingSeconds(token) });
  }

  private appAccessToken(record: RecordedRequest): Reply {
    const logId = record.response.logId;
    const fields = stringFields(record.body, ['app_id', 'app_secret', 'app_ticket']);
    if (!fields) return tokenError(logId, CODE.invalidParam);
    const app = this.checkCredentials(fields.app_id, fields.app_secret);
    if (typeof app === 'number') return tokenError(logId, app);
    if (app.type !== 'store') return tokenError(logId, CODE.appUnauthorized);
    if (this.appTickets.get(app.appId) !== fields.app_ticket) return tokenError(logId, CODE.appTicketInvalid);
    const token = this.issueToken('app', app.appId, undefined, this.storeTokenTtlSeconds());
    return ok({ msg: 'success', app_access_token: token.value, expire: this.remainingSeconds(token) });
  }

  private storeTenantToken(record: RecordedRequest): Reply {
    const logId = record.response.logId;
    const fields = stringFields(record.body, ['app_access_token', 'tenant_key']);
    if (!fields) return tokenError(logId, CODE.invalidParam);
    const appToken = this.liveToken(fields.app_access_token);
    if (!appToken || appToken.kind !== 'app') return tokenError(logId, CODE.invalidAppToken);
    record.appId = appToken.appId;
    const token = this.issueToken('tenant', appToken.appId, fields.tenant_key, this.storeTokenTtlSeconds());
    return ok({ msg: 'success', tenant_access_token: token.value, expire: this.remainingSeconds(token) });
  }

  private appTicketResend(record: RecordedRequest): Reply {
    const logId = record.response.logId;
    const fields = stringFields(record.body, ['app_id', 'app_secret']);
    if (!fields) return tokenError(logId, CODE.invalidParam);
    const app = this.checkCredentials(fields.app_id, fields.app_secret);
    if (typeof app === 'number') return tokenError(logId, app);
    if (app.type !== 'store') return tokenError(logId, CODE.resendNotAllowed);
    try {
      this.options.onAppTicketResend(app.appId);
    } catch (error) {
      this.options.log?.(`[feishu-sandbox] onAppTicketResend threw: ${String(error)}`);
    }
    return ok({ msg: 'success' });
  }

  /** The app, or the business code to answer: 10014 unknown app, 10015 wrong secret. */
  private checkCredentials(appId: string, appSecret: string): SandboxApp | number {
    const app = this.apps.get(appId);
    if (!app) return CODE.appUnauthorized;
    if (app.appSecret !== appSecret) return CODE.appSecretInvalid;
    return { ...app, type: app.type ?? 'custom' };
  }

  private storeTokenTtlSeconds(): number {
    return Math.min(this.tokenTtlSeconds, STORE_TOKEN_MAX_TTL_SECONDS);
  }

  /** Feishu's rule: the same token while it has ≥ 30 min left; otherwise a new one (the old stays valid until expiry). */
  private issueToken(
    kind: IssuedToken['kind'],
    appId: string,
    tenantKey: string | undefined,
    ttl: number,
  ): IssuedToken {
    const now = this.options.clock();
    const cacheKey = [kind, appId, tenantKey ?? ''].join('\u0000');
    const cached = this.currentTokens.get(cacheKey);
    if (cached && cached.expiresAt - now >= TOKEN_REUSE_MIN_REMAINING_MS) return cached;
    const token: IssuedToken = {
      value: (kind === 'tenant' ? 't-' : 'a-') + randomBytes(16).toString('hex'),
      kind,
      appId,
      tenantKey,
      expiresAt: now + ttl * SECOND_MS,
    };
    this.tokens.set(token.value, token);
    this.currentTokens.set(cacheKey, token);
    return token;
  }

  private liveToken(value: string): IssuedToken | undefined {
    const token = this.tokens.get(value);
    return token && this.options.clock() < token.expiresAt ? token : undefined;
  }

  /** Whole seconds left, rounded up: a token issued in this very call reports its full lifetime, however the clock ticked. */
  private remainingSeconds(token: IssuedToken): number {
    return Math.ceil((token.expiresAt - this.options.clock()) / SECOND_MS);
  }
}

function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The named fields of a token-endpoint body if all are non-empty strings; otherwise undefined (→ 10003). */
function stringFields<K extends string>(body: unknown, keys: readonly K[]): Record<K, string> | undefined {
  if (!isRecord(body)) return undefined;
  const fields: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = body[key];
    if (typeof value !== 'string' || value.length === 0) return undefined;
    fields[key] = value;
  }
  return fields as Record<K, string>;
}
