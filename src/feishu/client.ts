import { loginInfoBodySchema, describeZodError, type LoginInfoBody } from '../common/schemas';
import { FeishuRateLimitedError, FeishuTokenError } from './errors';
import { RateLimitGate } from './rate-limit-gate';
import type { Pacer } from './pacer';
import type { FeishuAnswer, FeishuHttp } from './http';
import type { TokenProvider } from './token-manager';
import { FEISHU_PATHS, feishuPath } from './url';
import { UPDATE_RESULT_ENDPOINT, updateResultRequest } from './update-result';
import type { ExamResultBody } from '../common/result-schemas';
import type { CustomField, Paper } from '../common/account-schemas';
import {
  CUSTOM_FIELDS_ENDPOINT,
  EXAM_PAPERS_ENDPOINT,
  accountCustomFieldsRequest,
  examPapersRequest,
  type FeishuRequest,
} from './eco-account';
import { noopFeishuMetrics, type FeishuMetrics } from '../common/metrics';

/**
 * The token endpoints a call may need before its own (src/feishu/token-manager.ts): while one is held for the tenant
 * the call waits too — rarely needed (tokens are cached for hours), but a refused fetch must not be retried at once.
 */
const TOKEN_ENDPOINTS = ['tenant_access_token', 'app_access_token'] as const;

/** Longest wait for a 429's reset inside one attempt; longer ones go back to Temporal's retry. */
const MAX_HOLD_WAIT_MS = 20_000;
/** 429s absorbed within one attempt before it is handed back to Temporal. */
const RATE_LIMIT_TRIES = 3;

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Thrown before any request when the login_info body is invalid; says which field and why, never the value. */
export class InvalidLoginInfoError extends Error {
  readonly failureType = 'InvalidLoginInfo';
  constructor(readonly reason: string) {
    super(`invalid login_info body: ${reason}`);
    this.name = 'InvalidLoginInfoError';
  }
}

export interface CallOptions {
  /** The customer tenant (store apps need it to pick the tenant's token). */
  tenantKey?: string;
  signal?: AbortSignal;
}

export interface SubmitLoginInfoOutcome {
  logId?: string;
  /** Whether the call needed a fresh token after Feishu refused the cached one. */
  refreshedToken: boolean;
}

/** The thin Open API client: tenant token on every call, one refresh-and-retry when Feishu refuses the token. */
export class FeishuClient {
  constructor(
    private readonly http: FeishuHttp,
    private readonly tokens: TokenProvider,
    /** Shared by every call of this client: a 429 for an API × tenant holds its other calls back until the reset. */
    private readonly gate: RateLimitGate = new RateLimitGate(),
    /** Optional even spacing of calls per API × tenant (FEISHU_CALLS_PER_SECOND). */
    private readonly pacer?: Pacer,
    /** Counts the 429 holds per API × tenant (the requests themselves are counted by FeishuHttp). */
    private readonly metrics: FeishuMetrics = noopFeishuMetrics,
  ) {}

  /** 回传笔试安排结果: POST /open-apis/hire/v1/eco_exams/:exam_id/login_info. */
  async submitLoginInfo(
    examId: string,
    body: LoginInfoBody,
    options: CallOptions = {},
  ): Promise<SubmitLoginInfoOutcome> {
    const parsed = loginInfoBodySchema.safeParse(body);
    if (!parsed.success) throw new InvalidLoginInfoError(describeZodError(parsed.error));
    // Throws InvalidPathParameterError (never sent) for an exam id that would change the path.
    const path = feishuPath(FEISHU_PATHS.loginInfo, { exam_id: examId });
    const { answer, refreshedToken } = await this.gated('login_info', options.tenantKey, options.signal, () =>
      this.callWithToken('login_info', path, parsed.data, options),
    );
    return { logId: answer.logId, refreshedToken };
  }

  /** 回传笔试结果: POST /open-apis/hire/v1/eco_exams/:exam_id/update_result (src/feishu/update-result.ts). */
  async updateResult(examId: string, body: ExamResultBody, options: CallOptions = {}): Promise<SubmitLoginInfoOutcome> {
    const request = updateResultRequest(examId, body);
    const { answer, refreshedToken } = await this.gated(UPDATE_RESULT_ENDPOINT, options.tenantKey, options.signal, () =>
      this.callWithToken(UPDATE_RESULT_ENDPOINT, request.path, request.body, options),
    );
    return { logId: answer.logId, refreshedToken };
  }

  /** 创建试卷列表: POST /open-apis/hire/v1/eco_exam_papers, the account's full list (src/feishu/eco-account.ts). */
  async syncExamPapers(accountId: string, papers: Paper[], options: CallOptions = {}): Promise<SubmitLoginInfoOutcome> {
    return this.post(EXAM_PAPERS_ENDPOINT, examPapersRequest(accountId, papers), options);
  }

  /** 创建账号自定义字段: POST /open-apis/hire/v1/eco_account_custom_fields, scope 2, the full list. */
  async syncAccountCustomFields(fields: CustomField[], options: CallOptions = {}): Promise<SubmitLoginInfoOutcome> {
    return this.post(CUSTOM_FIELDS_ENDPOINT, accountCustomFieldsRequest(fields), options);
  }

  private async post<B>(
    endpoint: string,
    request: FeishuRequest<B>,
    options: CallOptions,
  ): Promise<SubmitLoginInfoOutcome> {
    const { answer, refreshedToken } = await this.gated(endpoint, options.tenantKey, options.signal, () =>
      this.callWithToken(endpoint, request.path, request.body, options),
    );
    return { logId: answer.logId, refreshedToken };
  }

  /**
   * Feishu's 429s are absorbed here, inside the attempt: while the tenant is held back (by a 429 in this process or,
   * with shared holds, in any worker), calls wait for the reset without sending; a call that gets a 429 holds the
   * tenant back and tries again after the reset. Neither spends one of Temporal's attempts (which would push the
   * exam's exponential backoff towards its cap). Waits longer than MAX_HOLD_WAIT_MS in all, or a 429 again after
   * RATE_LIMIT_TRIES, go back to Temporal as a rate-limited failure.
   */
  private async gated<T>(
    endpoint: string,
    tenantKey: string | undefined,
    signal: AbortSignal | undefined,
    call: () => Promise<T>,
  ): Promise<T> {
    let waited = 0;
    let tries = 1;
    for (;;) {
      // Checked again after each wait: a hold may have been extended meanwhile (here or in another worker).
      const wait = await this.gate.remainingFresh(tenantKey, endpoint, TOKEN_ENDPOINTS);
      if (waited + wait > MAX_HOLD_WAIT_MS) {
        throw new FeishuRateLimitedError(
          `Feishu ${endpoint}: held back ${wait} ms after a 429 for this tenant (not sent)`,
          {},
          wait,
        );
      }
      if (wait > 0) {
        await abortableSleep(wait, signal);
        waited += wait;
        continue;
      }
      try {
        return await call();
      } catch (err) {
        if (!(err instanceof FeishuRateLimitedError)) throw err;
        // Held under the API that refused: the call's own, or the token endpoint its token fetch went to.
        const refused = err.endpoint ?? endpoint;
        this.gate.hold(tenantKey, err.retryAfterMs, refused);
        this.metrics.rateLimitHold(refused, tenantKey);
        if (tries >= RATE_LIMIT_TRIES || err.retryAfterMs > MAX_HOLD_WAIT_MS) throw err;
        tries += 1;
      }
    }
  }

  private async callWithToken(
    endpoint: string,
    path: string,
    body: unknown,
    options: CallOptions,
  ): Promise<{ answer: FeishuAnswer; refreshedToken: boolean }> {
    const token = await this.tokens.getToken(options.tenantKey);
    // Paced right before sending (after any token fetch), so calls that waited together do not leave together.
    await this.pacer?.wait(options.tenantKey, endpoint);
    try {
      return {
        answer: await this.http.postJson(endpoint, path, body, { token, signal: options.signal }),
        refreshedToken: false,
      };
    } catch (err) {
      if (!(err instanceof FeishuTokenError)) throw err;
      // 99991661/99991663: the token was revoked or expired early. Drop it, fetch a new one, try once more.
      this.tokens.invalidate(token, options.tenantKey);
      const fresh = await this.tokens.getToken(options.tenantKey);
      await this.pacer?.wait(options.tenantKey, endpoint);
      return {
        answer: await this.http.postJson(endpoint, path, body, { token: fresh, signal: options.signal }),
        refreshedToken: true,
      };
    }
  }
}
