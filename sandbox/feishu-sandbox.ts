/**
 * FeishuSandbox: a local stand-in for the Feishu Open API endpoints this product calls, so tests, the bench and local
 * runs can point FEISHU_BASE_URL at it instead of open.feishu.cn.
 *
 * It follows Feishu's Open API docs: the same paths, HTTP statuses, business codes, bodies and headers (`x-tt-logid`,
 * `x-ogw-ratelimit-*`), the 30-minute token rule and the 50/s + 1000/min quota per API × app × tenant. On top of that
 * it records every request and lets a test inject faults (errors, rate limits, hangs, dropped sockets, revoked tokens,
 * non-JSON gateway pages), close exams and finish their marking. Built on node:http only. The parts:
 *   http.ts, request-log.ts   server, bodies, answers; the request log        envelope.ts   codes, error envelope
 *   tokens.ts                 token endpoints and the Bearer check            quota.ts      the rate limit
 *   faults.ts                 queued faults, chaos, rate-limit episodes       apis/         one module per API family
 *
 * Sandbox choices where the docs are silent (more in tokens.ts and apis/): a body over 1 MiB gets a plain-text 413;
 * unknown paths/methods get Go's plain-text `404 page not found`; a request that was dropped, or is still hanging, is
 * recorded with `response.status` 0.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiRoute } from './apis';
import { CODE, errorReply, newLogId, notFound, payloadTooLarge, rateLimitReply } from './envelope';
import { FaultQueue, faultReply } from './faults';
import { TrackedServer, normaliseContentType, readBody, writeReply, type Reply } from './http';
import { DEFAULT_QUOTA, SlidingWindowQuota, quotaKey, validateQuota } from './quota';
import { RequestLog, logLine, noteAnswer } from './request-log';
import { routeOf } from './routes';
import { DEFAULT_APPS, SandboxTokens, isTokenEndpoint, validateTokenTtl } from './tokens';
import type { ExamMarking, ExamState, FeishuSandboxOptions, RecordedRequest, SandboxFault } from './types';

export type {
  ExamMarking,
  ExamState,
  FeishuSandboxOptions,
  RecordedRequest,
  SandboxApp,
  SandboxEndpoint,
  SandboxFault,
} from './types';

const MAX_BODY_BYTES = 1024 * 1024;

export class FeishuSandbox {
  /** Every request, in arrival order, recorded before it is answered. */
  readonly requests: RecordedRequest[];
  /** Called when a store app asks for `app_ticket/resend` (Feishu would push the ticket as an event). */
  onAppTicketResend?: (appId: string) => void;

  private readonly server: TrackedServer;
  private readonly requestLog = new RequestLog();
  private readonly clock: () => number;
  private readonly log: ((line: string) => void) | undefined;
  private readonly extraRoutes: FeishuSandboxOptions['extraRoutes'];
  private readonly tokens: SandboxTokens;
  private readonly quota: SlidingWindowQuota | undefined;
  private readonly defaultRateLimit: number;
  private readonly faults: FaultQueue;
  private readonly examStates = new Map<string, ExamState>();
  private readonly finishedMarking = new Set<string>();
  private origin = '';

  private constructor(options: FeishuSandboxOptions) {
    validateTokenTtl(options.tokenTtlSeconds);
    validateQuota(options.quota);
    this.requests = this.requestLog.requests;
    this.clock = options.now ?? Date.now;
    this.log = options.log;
    this.extraRoutes = options.extraRoutes;
    this.tokens = new SandboxTokens({
      apps: options.apps ?? DEFAULT_APPS,
      tokenTtlSeconds: options.tokenTtlSeconds,
      clock: this.clock,
      onAppTicketResend: (appId) => this.onAppTicketResend?.(appId),
      log: options.log,
    });
    const quota = options.quota === undefined ? DEFAULT_QUOTA : options.quota;
    this.quota = quota ? new SlidingWindowQuota(quota) : undefined;
    this.defaultRateLimit = quota ? quota.perSecond : DEFAULT_QUOTA.perSecond;
    this.faults = new FaultQueue(this.clock);
    this.server = new TrackedServer((req, res) => this.onRequest(req, res));
  }

  static async start(options: FeishuSandboxOptions = {}): Promise<FeishuSandbox> {
    const sandbox = new FeishuSandbox(options);
    sandbox.origin = await sandbox.server.listen(options.host ?? '127.0.0.1', options.port ?? 0);
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

  updateResultRequests(examId?: string): RecordedRequest[] {
    return this.requests.filter(
      (request) => request.endpoint === 'update_result' && (examId === undefined || request.examId === examId),
    );
  }

  /** update_result requests that were answered `code 0`, in arrival order: Feishu keeps the last one's result. */
  acceptedResults(examId?: string): RecordedRequest[] {
    return this.updateResultRequests(examId).filter((request) => request.response.code === 0);
  }

  tokenRequests(): RecordedRequest[] {
    return this.requests.filter((request) => isTokenEndpoint(request.endpoint));
  }

  /**
   * Queues a fault for Open API calls (login_info, update_result) that get past auth and quota. A call takes the oldest fault
   * scoped to its exam, else the oldest global one; each fault applies `times` times (default 1, Infinity allowed).
   */
  injectFault(fault: SandboxFault, scope: { examId?: string; times?: number } = {}): void {
    this.faults.inject(fault, scope);
  }

  /** Clears queued faults, random faults and a running rate-limit episode. */
  clearFaults(): void {
    this.faults.clear();
  }

  /** Every issued tenant token becomes invalid (99991663); the next token request issues a fresh one. */
  revokeAllTokens(): void {
    this.tokens.revokeAllTenantTokens();
  }

  /** 'closed' makes login_info answer 400 / 1002851 for that exam; exams are 'open' unless set. */
  setExamState(examId: string, state: ExamState): void {
    if (state === 'open') this.examStates.delete(examId);
    else this.examStates.set(examId, state);
  }

  /** 'finished' (the customer finished marking) makes update_result answer 400 / 1002855 for that exam. */
  setExamMarking(examId: string, state: ExamMarking): void {
    if (state === 'open') this.finishedMarking.delete(examId);
    else this.finishedMarking.add(examId);
  }

  /** The app_ticket the sandbox accepts for a store app (Feishu pushes it hourly as an event). */
  provideAppTicket(appId: string, ticket: string): void {
    this.tokens.provideAppTicket(appId, ticket);
  }

  /**
   * Chaos: each Open API request that no queued fault applies to meets one of these faults with its probability
   * (checked in order; the probabilities should sum to ≤ 1). An empty list turns it off.
   */
  setRandomFaults(
    faults: Array<{ probability: number; fault: SandboxFault }>,
    random: () => number = Math.random,
  ): void {
    this.faults.setRandom(faults, random);
  }

  /** A rate-limit episode: every Open API request for `ms` is answered 429 with the time left as the reset. */
  rateLimitFor(ms: number): void {
    this.faults.rateLimitFor(ms);
  }

  /** Clears recorded requests, faults, exam states and marking, tokens and quota windows; keeps apps and app tickets. */
  reset(): void {
    this.requestLog.clear();
    this.faults.clear();
    this.examStates.clear();
    this.finishedMarking.clear();
    this.tokens.clear();
    this.quota?.clear();
  }

  /** Stops listening and destroys every socket, including hung requests and idle keep-alive connections. */
  close(): Promise<void> {
    return this.server.close();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const extra = this.extraRoutes;
    const handled = extra ? extra(req, res) : Promise.resolve(false);
    handled
      .then((done) => (done ? undefined : this.handle(req, res)))
      .catch((error: unknown) => {
        if (res.headersSent || res.destroyed) return;
        const logId = newLogId(this.clock());
        writeReply(res, errorReply(500, logId, CODE.internalError, `sandbox error: ${String(error)}`), logId);
      });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const at = this.clock();
    const logId = newLogId(at);
    const body = await readBody(req, MAX_BODY_BYTES);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routeOf(req.method ?? 'GET', path);
    const record = this.requestLog.record(req, path, route, body, at, logId);
    let reply: Reply;
    if (body.tooLarge) reply = payloadTooLarge();
    else if ('api' in route) reply = await this.apiCall(route.api, record);
    else if (isTokenEndpoint(route.endpoint)) reply = this.tokens.handle(route.endpoint, record);
    else reply = notFound();
    if (reply.kind === 'never') return;
    if (reply.kind === 'drop') req.socket.destroy();
    noteAnswer(record, reply);
    if (!res.destroyed) writeReply(res, reply, logId);
    this.log?.(logLine(record));
  }

  /** Every Open API call: auth → quota (per API × app × tenant) → fault → the API's own checks and answer. */
  private async apiCall(api: ApiRoute, record: RecordedRequest): Promise<Reply> {
    const logId = record.response.logId;
    const auth = this.tokens.authenticate(record);
    if ('reply' in auth) return auth.reply;
    const { token } = auth;
    record.appId = token.appId;
    record.tenantKey = token.tenantKey;

    const throttle = this.quota?.admit(quotaKey(api.endpoint, token.appId, token.tenantKey), this.clock());
    if (throttle) return rateLimitReply(logId, throttle.limit, throttle.resetSeconds);

    const fault = this.faults.take(record.examId ?? '');
    if (fault) {
      record.response.fault = fault.kind;
      const answer = await faultReply(fault, {
        logId,
        defaultRateLimit: this.defaultRateLimit,
        wait: (ms) => this.server.wait(ms),
        revokeToken: () => this.tokens.revoke(token),
      });
      if (answer) return answer;
    }
    const contentType = normaliseContentType(record.headers['content-type']);
    return api.handle({
      record,
      contentType,
      examState: (examId) => this.examStates.get(examId) ?? 'open',
      markingState: (examId) => (this.finishedMarking.has(examId) ? 'finished' : 'open'),
    });
  }
}
