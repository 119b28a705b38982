/**
 * FeishuSandbox: a local stand-in for the Feishu Open API endpoints this product calls, so tests, the bench and local
 * runs can point FEISHU_BASE_URL at it instead of open.feishu.cn.
 *
 * It follows the Feishu API reference (feishu-api.md §3 login_info, §4 tokens, §5 envelopes, rate limits and error
 * codes): the same paths, HTTP statuses, business codes, bodies and headers (`x-tt-logid`, `x-ogw-ratelimit-*`), the
 * 30-minute token rule and the 50/s + 1000/min quota per API × app × tenant. On top of that it records every request
 * and lets a test inject faults (errors, rate limits, hangs, dropped sockets, revoked tokens, non-JSON gateway pages)
 * and close exams. Built on node:http only.
 *
 * Sandbox choices where the docs are silent:
 * - auth failures on login_info answer HTTP 400 (Feishu documents only the codes 99991661/99991663);
 * - token endpoints answer HTTP 200 on failure; a store app on `/internal`, or a custom app on the store endpoints,
 *   gets 10014; a wrong `app_ticket` gets 10012; an unknown or expired `app_access_token` gets 99991664;
 * - store-app tokens live min(tokenTtlSeconds, 7140) s; any non-empty `tenant_key` is accepted;
 * - a body over 1 MiB gets a plain-text 413; unknown paths/methods get Go's plain-text `404 page not found`;
 * - `null` is accepted for optional login_info fields and treated as absent; unknown fields are ignored;
 * - a request that was dropped, or is still hanging, is recorded with `response.status` 0.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';

export interface SandboxApp {
  appId: string;
  appSecret: string;
  type?: 'custom' | 'store';
}

export interface FeishuSandboxOptions {
  host?: string;
  port?: number;
  apps?: SandboxApp[];
  /** `expire` of custom-app tenant tokens; store-app tokens get min(this, 7140). */
  tokenTtlSeconds?: number;
  /** Per login_info × appId × tenantKey; `false` disables the quota. */
  quota?: { perSecond: number; perMinute: number } | false;
  now?: () => number;
  /** One line per answered request; never contains bodies, tokens or secrets. */
  log?: (line: string) => void;
  /**
   * Extra routes outside Feishu's API (the sandbox's admin API, src/sandbox/admin.ts): called first for every
   * request; return true when handled. Such requests are not recorded.
   */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

export type SandboxFault =
  | { kind: 'error'; httpStatus: number; code: number; msg?: string }
  | {
      kind: 'rate_limit';
      resetSeconds: number;
      /** x-ogw-ratelimit-limit; default the per-second quota */ limit?: number;
    }
  | { kind: 'hang'; ms?: number }
  | { kind: 'drop' }
  | { kind: 'revoke_token' }
  | {
      kind: 'plain_text';
      httpStatus: number;
      text: string;
      /** default text/html for `<…`, else text/plain */ contentType?: string;
    };

export type SandboxEndpoint =
  'login_info' | 'tenant_token_internal' | 'app_access_token' | 'tenant_token' | 'app_ticket_resend' | 'unknown';

export interface RecordedRequest {
  seq: number;
  at: number;
  method: string;
  path: string;
  endpoint: SandboxEndpoint;
  headers: Record<string, string>;
  rawBody: string;
  body: unknown;
  examId?: string;
  appId?: string;
  tenantKey?: string;
  /** `status` 0: not answered (dropped, still hanging, or cut off by close()). */
  response: { status: number; code?: number; logId: string; fault?: SandboxFault['kind'] };
}

export type ExamState = 'open' | 'closed';

const DEFAULT_APPS: readonly SandboxApp[] = [{ appId: 'cli_sandbox', appSecret: 'sandbox-secret', type: 'custom' }];
const DEFAULT_QUOTA = { perSecond: 50, perMinute: 1000 };
const DEFAULT_TOKEN_TTL_SECONDS = 7200;
const STORE_TOKEN_MAX_TTL_SECONDS = 7140;
/** Feishu returns the cached token while it has at least this long left, a new one otherwise. */
const TOKEN_REUSE_MIN_REMAINING_MS = 30 * 60 * 1000;
const MAX_BODY_BYTES = 1024 * 1024;
const SECOND_MS = 1000;
const MINUTE_MS = 60 * 1000;
const CHINA_UTC_OFFSET_MS = 8 * 60 * 60 * 1000;

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';
const HTML_CONTENT_TYPE = 'text/html; charset=utf-8';
/**
 * login_info's Content-Type, normalised by normaliseContentType(). The docs fix "application/json; charset=utf-8";
 * the official SDK sends plain "application/json" and works against Feishu, so both are accepted (JSON is UTF-8).
 */
const ACCEPTED_CONTENT_TYPES: ReadonlySet<string> = new Set(['application/json;charset=utf-8', 'application/json']);

const LOGIN_INFO_PATH = /^\/open-apis\/hire\/v1\/eco_exams\/([^/]+)\/login_info$/;
const AUTH_PATHS: ReadonlyMap<string, SandboxEndpoint> = new Map<string, SandboxEndpoint>([
  ['/open-apis/auth/v3/tenant_access_token/internal', 'tenant_token_internal'],
  ['/open-apis/auth/v3/app_access_token', 'app_access_token'],
  ['/open-apis/auth/v3/tenant_access_token', 'tenant_token'],
  ['/open-apis/auth/v3/app_ticket/resend', 'app_ticket_resend'],
]);
const AUTH_ENDPOINTS: ReadonlySet<SandboxEndpoint> = new Set(AUTH_PATHS.values());

const CODE = {
  internalError: 1500,
  invalidParam: 10003,
  appTicketInvalid: 10012,
  appUnauthorized: 10014,
  appSecretInvalid: 10015,
  resendNotAllowed: 10016,
  hireSystemError: 1002001,
  parameterIllegal: 1002002,
  examStateAbnormal: 1002851,
  rateLimited: 99991400,
  missingToken: 99991661,
  invalidToken: 99991663,
  invalidAppToken: 99991664,
} as const;

const MESSAGES: ReadonlyMap<number, string> = new Map([
  [CODE.internalError, 'internal error'],
  [CODE.invalidParam, 'invalid param'],
  [CODE.appTicketInvalid, 'app ticket invalid'],
  [CODE.appUnauthorized, 'app id not exists'],
  [CODE.appSecretInvalid, 'app secret invalid'],
  [CODE.resendNotAllowed, 'app resend fail: self-built apps cannot resend app_ticket'],
  [CODE.hireSystemError, '系统错误'],
  [CODE.parameterIllegal, 'Parameter illegal'],
  [CODE.examStateAbnormal, '笔试状态异常'],
  [CODE.rateLimited, 'request trigger frequency limit'],
  [CODE.missingToken, 'Missing access token for authorization'],
  [CODE.invalidToken, 'Invalid access token for authorization'],
  [CODE.invalidAppToken, 'invalid app access token'],
]);

function messageFor(code: number): string {
  return MESSAGES.get(code) ?? 'error';
}

// ---------------------------------------------------------------------------------------------------------------------
// login_info body schema (the seed doc: exam_login_info.exam_url required, everything else optional)

function typeError(expected: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => (issue.input === undefined ? 'is required' : `must be ${expected}`) };
}

const optionalString = z.string(typeError('a string')).nullish();

const loginInfoBodySchema = z.object(
  {
    result: z.number(typeError('an integer')).int({ error: 'must be an integer' }).nullish(),
    msg: optionalString,
    exam_login_info: z.object(
      { exam_url: z.string(typeError('a string')), username: optionalString, password: optionalString },
      typeError('an object'),
    ),
  },
  typeError('a JSON object'),
);

interface FieldViolation {
  field: string;
  description: string;
}

function loginInfoViolations(body: unknown): FieldViolation[] {
  const parsed = loginInfoBodySchema.safeParse(body);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)',
    description: issue.message,
  }));
}

// ---------------------------------------------------------------------------------------------------------------------
// Small pure helpers

/** `20261124140000` (China time) + 20 uppercase hex digits, like Feishu's log ids. */
function newLogId(nowMs: number): string {
  const t = new Date(nowMs + CHINA_UTC_OFFSET_MS);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`;
  return stamp + randomBytes(10).toString('hex').toUpperCase();
}

function randomToken(prefix: 't-' | 'a-'): string {
  return prefix + randomBytes(16).toString('hex');
}

function normaliseContentType(value: string | undefined): string {
  return (value ?? '')
    .split(';')
    .map((part) => part.trim().toLowerCase())
    .join(';');
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
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

/** `app_id` / `tenant_key` named in a token-endpoint body, whether or not the request is valid. */
function identityInBody(body: unknown): { appId?: string; tenantKey?: string } {
  if (!isRecord(body)) return {};
  const identity: { appId?: string; tenantKey?: string } = {};
  if (typeof body.app_id === 'string') identity.appId = body.app_id;
  if (typeof body.tenant_key === 'string') identity.tenantKey = body.tenant_key;
  return identity;
}

function lowercaseHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
}

function routeOf(method: string, path: string): { endpoint: SandboxEndpoint; examId?: string } {
  if (method !== 'POST') return { endpoint: 'unknown' };
  const authEndpoint = AUTH_PATHS.get(path);
  if (authEndpoint) return { endpoint: authEndpoint };
  const rawExamId = LOGIN_INFO_PATH.exec(path)?.[1];
  if (rawExamId === undefined) return { endpoint: 'unknown' };
  try {
    return { endpoint: 'login_info', examId: decodeURIComponent(rawExamId) };
  } catch {
    return { endpoint: 'login_info', examId: rawExamId };
  }
}

interface ReceivedBody {
  text: string;
  tooLarge: boolean;
}

/** Reads the whole body; past `limit` bytes it keeps draining but discards, so the client still gets an answer. */
function readBody(req: IncomingMessage, limit: number): Promise<ReceivedBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) chunks.length = 0;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge: size > limit }));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// Replies

type JsonBody = Record<string, unknown>;

interface JsonReply {
  kind: 'json';
  status: number;
  body: JsonBody;
  headers?: Record<string, string>;
}

type Reply =
  | JsonReply
  | { kind: 'text'; status: number; text: string; contentType: string; headers?: Record<string, string> }
  | { kind: 'drop' }
  | { kind: 'never' };

function errorReply(
  status: number,
  logId: string,
  code: number,
  msg = messageFor(code),
  extra: JsonBody = {},
): JsonReply {
  const troubleshooter = `https://open.feishu.cn/search?from=openapi&log_id=${logId}&code=${code}`;
  return { kind: 'json', status, body: { code, msg, error: { ...extra, log_id: logId, troubleshooter } } };
}

function parameterIllegal(logId: string, violations: FieldViolation[]): Reply {
  return errorReply(400, logId, CODE.parameterIllegal, undefined, { field_violations: violations });
}

function rateLimitReply(logId: string, limit: number, resetSeconds: number): Reply {
  return {
    ...errorReply(429, logId, CODE.rateLimited),
    headers: { 'x-ogw-ratelimit-limit': String(limit), 'x-ogw-ratelimit-reset': String(resetSeconds) },
  };
}

/** Token endpoints answer HTTP 200 even on failure (reference §4.1). */
function tokenError(logId: string, code: number): Reply {
  return errorReply(200, logId, code);
}

function ok(body: JsonBody): Reply {
  return { kind: 'json', status: 200, body: { code: 0, ...body } };
}

// ---------------------------------------------------------------------------------------------------------------------
// Quota: sliding windows per key

interface Throttle {
  limit: number;
  resetSeconds: number;
}

/** Whole seconds until the window holds fewer than `limit` stamps, or undefined if it already does. */
function windowReset(stamps: readonly number[], now: number, windowMs: number, limit: number): number | undefined {
  const inWindow = stamps.filter((stamp) => stamp > now - windowMs);
  if (inWindow.length < limit) return undefined;
  const freeing = inWindow[inWindow.length - limit];
  const waitMs = freeing === undefined ? windowMs : freeing + windowMs - now;
  return Math.max(1, Math.ceil(waitMs / SECOND_MS));
}

class SlidingWindowQuota {
  private readonly stamps = new Map<string, number[]>();

  constructor(private readonly limits: { perSecond: number; perMinute: number }) {}

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

// ---------------------------------------------------------------------------------------------------------------------
// Tokens

interface IssuedToken {
  value: string;
  kind: 'tenant' | 'app';
  appId: string;
  tenantKey?: string;
  expiresAt: number;
}

interface QueuedFault {
  fault: SandboxFault;
  examId?: string;
  remaining: number;
}

function validateOptions(options: FeishuSandboxOptions): void {
  const ttl = options.tokenTtlSeconds;
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl > 0)) {
    throw new RangeError('tokenTtlSeconds must be a positive integer');
  }
  const quota = options.quota;
  if (quota && !(Number.isInteger(quota.perSecond) && quota.perSecond > 0)) {
    throw new RangeError('quota.perSecond must be a positive integer');
  }
  if (quota && !(Number.isInteger(quota.perMinute) && quota.perMinute > 0)) {
    throw new RangeError('quota.perMinute must be a positive integer');
  }
}

export class FeishuSandbox {
  /** Every request, in arrival order, recorded before it is answered. */
  readonly requests: RecordedRequest[] = [];
  /** Called when a store app asks for `app_ticket/resend` (Feishu would push the ticket as an event). */
  onAppTicketResend?: (appId: string) => void;

  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly apps: ReadonlyMap<string, SandboxApp>;
  private readonly clock: () => number;
  private readonly log: ((line: string) => void) | undefined;
  private readonly extraRoutes: FeishuSandboxOptions['extraRoutes'];
  private readonly tokenTtlSeconds: number;
  private readonly quota: SlidingWindowQuota | undefined;
  private readonly defaultRateLimit: number;

  private readonly tokens = new Map<string, IssuedToken>();
  /** The token a token endpoint hands out again while it has ≥ 30 min left, per kind × app × tenant. */
  private readonly currentTokens = new Map<string, IssuedToken>();
  private readonly appTickets = new Map<string, string>();
  private readonly examStates = new Map<string, ExamState>();
  private faults: QueuedFault[] = [];
  private randomFaults: Array<{ probability: number; fault: SandboxFault }> = [];
  private throttledUntil = 0;
  private random: () => number = Math.random;
  private seq = 0;
  private origin = '';
  private closing: Promise<void> | undefined;

  private constructor(options: FeishuSandboxOptions) {
    validateOptions(options);
    this.apps = new Map((options.apps ?? DEFAULT_APPS).map((app) => [app.appId, app]));
    this.clock = options.now ?? Date.now;
    this.log = options.log;
    this.extraRoutes = options.extraRoutes;
    this.tokenTtlSeconds = options.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
    const quota = options.quota === undefined ? DEFAULT_QUOTA : options.quota;
    this.quota = quota ? new SlidingWindowQuota(quota) : undefined;
    this.defaultRateLimit = quota ? quota.perSecond : DEFAULT_QUOTA.perSecond;
    this.server = createServer((req, res) => this.onRequest(req, res));
    this.server.on('connection', (socket: Socket) => this.trackSocket(socket));
  }

  static async start(options: FeishuSandboxOptions = {}): Promise<FeishuSandbox> {
    const sandbox = new FeishuSandbox(options);
    await sandbox.listen(options.host ?? '127.0.0.1', options.port ?? 0);
    return sandbox;
  }

  /** The origin, e.g. `http://127.0.0.1:54321`: use it as FEISHU_BASE_URL. */
  get url(): string {
    return this.origin;
  }

  loginInfoRequests(examId?: string): RecordedRequest[] {
    return this.requests.filter(
      (request) => request.endpoint === 'login_info' && (examId === undefined || request.examId === examId),
    );
  }

  /** login_info requests that were answered `code 0`. */
  acceptedLoginInfo(examId?: string): RecordedRequest[] {
    return this.loginInfoRequests(examId).filter((request) => request.response.code === 0);
  }

  tokenRequests(): RecordedRequest[] {
    return this.requests.filter((request) => AUTH_ENDPOINTS.has(request.endpoint));
  }

  /**
   * Queues a fault for login_info requests that get past auth and quota. A request takes the oldest fault scoped to
   * its exam, else the oldest global one; each fault applies `times` times (default 1, Infinity allowed).
   */
  injectFault(fault: SandboxFault, scope: { examId?: string; times?: number } = {}): void {
    const times = scope.times ?? 1;
    if (!(times === Infinity || (Number.isInteger(times) && times > 0))) {
      throw new RangeError('times must be a positive integer or Infinity');
    }
    this.faults.push({ fault, examId: scope.examId, remaining: times });
  }

  clearFaults(): void {
    this.faults = [];
    this.randomFaults = [];
    this.throttledUntil = 0;
  }

  /** Every issued tenant token becomes invalid (99991663); the next token request issues a fresh one. */
  revokeAllTokens(): void {
    for (const token of [...this.tokens.values()]) {
      if (token.kind === 'tenant') this.revokeToken(token);
    }
  }

  /** 'closed' makes login_info answer 400 / 1002851 for that exam; exams are 'open' unless set. */
  setExamState(examId: string, state: ExamState): void {
    if (state === 'open') this.examStates.delete(examId);
    else this.examStates.set(examId, state);
  }

  /** The app_ticket the sandbox accepts for a store app (Feishu pushes it hourly as an event). */
  provideAppTicket(appId: string, ticket: string): void {
    this.appTickets.set(appId, ticket);
  }

  /**
   * Chaos: each login_info request that no queued fault applies to meets one of these faults with its probability
   * (checked in order; the probabilities should sum to ≤ 1). An empty list turns it off.
   */
  setRandomFaults(
    faults: Array<{ probability: number; fault: SandboxFault }>,
    random: () => number = Math.random,
  ): void {
    if (faults.some((f) => !(f.probability >= 0 && f.probability <= 1)))
      throw new RangeError('probability must be in [0, 1]');
    this.randomFaults = [...faults];
    this.random = random;
  }

  /** A rate-limit episode: every login_info request for `ms` is answered 429 with the time left as the reset. */
  rateLimitFor(ms: number): void {
    this.throttledUntil = Math.max(this.throttledUntil, this.clock() + ms);
  }

  private randomFault(): SandboxFault | undefined {
    if (this.randomFaults.length === 0) return undefined;
    let roll = this.random();
    for (const { probability, fault } of this.randomFaults) {
      if (roll < probability) return fault;
      roll -= probability;
    }
    return undefined;
  }

  /** Clears recorded requests, faults, exam states, tokens and quota windows; keeps apps and app tickets. */
  reset(): void {
    this.requests.length = 0;
    this.seq = 0;
    this.faults = [];
    this.examStates.clear();
    this.tokens.clear();
    this.currentTokens.clear();
    this.quota?.clear();
  }

  /** Stops listening and destroys every socket, including hung requests and idle keep-alive connections. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.server.close((error) => (error ? reject(error) : resolve()));
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }

  // -------------------------------------------------------------------------------------------------------------------
  // Server plumbing

  private listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address() as AddressInfo;
        const hostPart = address.address.includes(':') ? `[${address.address}]` : address.address;
        this.origin = `http://${hostPart}:${address.port}`;
        resolve();
      });
    });
  }

  private trackSocket(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const extra = this.extraRoutes;
    const handled = extra ? extra(req, res) : Promise.resolve(false);
    handled
      .then((done) => (done ? undefined : this.handle(req, res)))
      .catch((error: unknown) => {
        if (res.headersSent || res.destroyed) return;
        const logId = newLogId(this.clock());
        this.write(res, errorReply(500, logId, CODE.internalError, `sandbox error: ${String(error)}`), logId);
      });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = this.clock();
    const logId = newLogId(at);
    const body = await readBody(req, MAX_BODY_BYTES);
    const record = this.record(req, body, at, logId);
    const reply = body.tooLarge
      ? this.payloadTooLarge()
      : await this.dispatch(record, normaliseContentType(record.headers['content-type']));
    this.answer(req, res, record, reply);
  }

  private record(req: IncomingMessage, body: ReceivedBody, at: number, logId: string): RecordedRequest {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routeOf(method, path);
    const record: RecordedRequest = {
      seq: ++this.seq,
      at,
      method,
      path,
      endpoint: route.endpoint,
      headers: lowercaseHeaders(req),
      rawBody: body.tooLarge ? '' : body.text,
      body: body.tooLarge ? undefined : parseJson(body.text),
      examId: route.examId,
      response: { status: 0, logId },
    };
    if (AUTH_ENDPOINTS.has(route.endpoint)) Object.assign(record, identityInBody(record.body));
    this.requests.push(record);
    return record;
  }

  private dispatch(record: RecordedRequest, contentType: string): Reply | Promise<Reply> {
    switch (record.endpoint) {
      case 'login_info':
        return this.loginInfo(record, contentType);
      case 'tenant_token_internal':
        return this.tenantTokenInternal(record);
      case 'app_access_token':
        return this.appAccessToken(record);
      case 'tenant_token':
        return this.storeTenantToken(record);
      case 'app_ticket_resend':
        return this.appTicketResend(record);
      case 'unknown':
        return this.notFound();
    }
  }

  private answer(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, reply: Reply): void {
    if (reply.kind === 'never') return;
    if (reply.kind === 'drop') {
      req.socket.destroy();
    } else {
      record.response.status = reply.status;
      if (reply.kind === 'json' && typeof reply.body.code === 'number') record.response.code = reply.body.code;
      if (!res.destroyed) this.write(res, reply, record.response.logId);
    }
    this.logLine(record);
  }

  private write(res: ServerResponse, reply: Reply, logId: string): void {
    if (reply.kind !== 'json' && reply.kind !== 'text') return;
    const payload = reply.kind === 'json' ? JSON.stringify(reply.body) : reply.text;
    res.writeHead(reply.status, {
      ...reply.headers,
      'content-type': reply.kind === 'json' ? JSON_CONTENT_TYPE : reply.contentType,
      'content-length': Buffer.byteLength(payload),
      'x-tt-logid': logId,
    });
    res.end(payload);
  }

  private logLine(record: RecordedRequest): void {
    if (!this.log) return;
    const { status, code, fault, logId } = record.response;
    const outcome = status === 0 ? 'no answer' : `${status}${code === undefined ? '' : ` code=${code}`}`;
    const faultPart = fault ? ` fault=${fault}` : '';
    this.log(`[feishu-sandbox] #${record.seq} ${record.method} ${record.path} → ${outcome}${faultPart} logid=${logId}`);
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  // -------------------------------------------------------------------------------------------------------------------
  // Endpoints

  /** Sandbox choice: Feishu's gateway answer for oversized bodies is undocumented; a plain-text 413. */
  private payloadTooLarge(): Reply {
    return {
      kind: 'text',
      status: 413,
      text: '413 request entity too large',
      contentType: TEXT_CONTENT_TYPE,
      headers: { connection: 'close' },
    };
  }

  /** Reference §5.1: a wrong path or method gets Go's plain-text 404, not a JSON envelope. */
  private notFound(): Reply {
    return { kind: 'text', status: 404, text: '404 page not found', contentType: TEXT_CONTENT_TYPE };
  }

  /** Order: auth → quota → fault → content type/body → exam state → success. */
  private async loginInfo(record: RecordedRequest, contentType: string): Promise<Reply> {
    const logId = record.response.logId;
    const auth = this.authenticate(record);
    if ('reply' in auth) return auth.reply;
    const { token } = auth;
    record.appId = token.appId;
    record.tenantKey = token.tenantKey;

    const throttle = this.quota?.admit(`${token.appId}\u0000${token.tenantKey ?? ''}`, this.clock());
    if (throttle) return rateLimitReply(logId, throttle.limit, throttle.resetSeconds);

    const fault = this.takeFault(record.examId ?? '');
    if (fault) {
      record.response.fault = fault.kind;
      const faultReply = await this.faultReply(fault, token, logId);
      if (faultReply) return faultReply;
    }
    return this.acceptLoginInfo(record, contentType);
  }

  private acceptLoginInfo(record: RecordedRequest, contentType: string): Reply {
    const logId = record.response.logId;
    if (!ACCEPTED_CONTENT_TYPES.has(contentType)) {
      return parameterIllegal(logId, [
        { field: 'Content-Type', description: 'must be "application/json; charset=utf-8"' },
      ]);
    }
    if (record.body === undefined) {
      return parameterIllegal(logId, [{ field: '(body)', description: 'is not valid JSON' }]);
    }
    const violations = loginInfoViolations(record.body);
    if (violations.length > 0) return parameterIllegal(logId, violations);
    if (this.examStates.get(record.examId ?? '') === 'closed') {
      return errorReply(400, logId, CODE.examStateAbnormal);
    }
    return { kind: 'json', status: 200, body: { code: 0, msg: 'SUCCESS', data: {} } };
  }

  /**
   * Sandbox choice: Feishu documents the codes 99991661/99991663, not the HTTP status; 400 is what is commonly observed.
   * An app_access_token is not accepted where a tenant token is required.
   */
  private authenticate(record: RecordedRequest): { token: IssuedToken } | { reply: Reply } {
    const logId = record.response.logId;
    const presented = bearerToken(record.headers.authorization);
    if (presented === undefined) return { reply: errorReply(400, logId, CODE.missingToken) };
    const token = this.liveToken(presented);
    if (!token || token.kind !== 'tenant') return { reply: errorReply(400, logId, CODE.invalidToken) };
    return { token };
  }

  /** The fault's answer, or undefined when the request should then be handled normally (a hang with `ms`). */
  private async faultReply(fault: SandboxFault, token: IssuedToken, logId: string): Promise<Reply | undefined> {
    switch (fault.kind) {
      case 'error':
        return errorReply(fault.httpStatus, logId, fault.code, fault.msg ?? messageFor(fault.code));
      case 'rate_limit':
        return rateLimitReply(logId, fault.limit ?? this.defaultRateLimit, fault.resetSeconds);
      case 'hang':
        if (fault.ms === undefined) return { kind: 'never' };
        await this.wait(fault.ms);
        return undefined;
      case 'drop':
        return { kind: 'drop' };
      case 'revoke_token':
        this.revokeToken(token);
        return errorReply(400, logId, CODE.invalidToken);
      case 'plain_text': {
        const contentType =
          fault.contentType ?? (fault.text.trimStart().startsWith('<') ? HTML_CONTENT_TYPE : TEXT_CONTENT_TYPE);
        return { kind: 'text', status: fault.httpStatus, text: fault.text, contentType };
      }
    }
  }

  private takeFault(examId: string): SandboxFault | undefined {
    const throttledMs = this.throttledUntil - this.clock();
    if (throttledMs > 0) return { kind: 'rate_limit', resetSeconds: Math.max(1, Math.ceil(throttledMs / 1000)) };
    let index = this.faults.findIndex((queued) => queued.examId === examId);
    if (index < 0) index = this.faults.findIndex((queued) => queued.examId === undefined);
    const queued = this.faults[index];
    if (!queued) return this.randomFault();
    queued.remaining -= 1;
    if (queued.remaining <= 0) this.faults.splice(index, 1);
    return queued.fault;
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
      this.onAppTicketResend?.(app.appId);
    } catch (error) {
      this.log?.(`[feishu-sandbox] onAppTicketResend threw: ${String(error)}`);
    }
    return ok({ msg: 'success' });
  }

  // -------------------------------------------------------------------------------------------------------------------
  // Apps and tokens

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
    const now = this.clock();
    const cacheKey = [kind, appId, tenantKey ?? ''].join('\u0000');
    const cached = this.currentTokens.get(cacheKey);
    if (cached && cached.expiresAt - now >= TOKEN_REUSE_MIN_REMAINING_MS) return cached;
    const token: IssuedToken = {
      value: randomToken(kind === 'tenant' ? 't-' : 'a-'),
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
    return token && this.clock() < token.expiresAt ? token : undefined;
  }

  private remainingSeconds(token: IssuedToken): number {
    return Math.floor((token.expiresAt - this.clock()) / SECOND_MS);
  }

  private revokeToken(token: IssuedToken): void {
    this.tokens.delete(token.value);
    for (const [key, current] of this.currentTokens) {
      if (current.value === token.value) this.currentTokens.delete(key);
    }
  }
}
