import { z } from 'zod';
import { noopFeishuMetrics, type FeishuMetrics } from '../common/metrics';
import {
  FeishuError,
  FeishuNetworkError,
  FeishuTimeoutError,
  feishuErrorFromResponse,
  type FeishuErrorInfo,
} from './errors';
import { InvalidPathParameterError } from './url';

/**
 * The transport under every Feishu call: an injected `fetch`, a timeout on every request, the content type checked
 * before parsing, and the `{ code, msg, data, error }` envelope read with zod. Throws the typed errors of ./errors.
 * It never logs or quotes request bodies: they can hold exam passwords and app secrets.
 */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface FeishuHttpOptions {
  /** Open API origin, e.g. https://open.feishu.cn (Lark: https://open.larksuite.com). */
  baseUrl: string;
  fetch?: FetchLike;
  /** Per request, including reading the body. */
  timeoutMs?: number;
  /** Every request is counted and timed here, by API, outcome and Feishu code (src/metrics). */
  metrics?: FeishuMetrics;
}

export const DEFAULT_FEISHU_TIMEOUT_MS = 10_000;

const errorDetailSchema = z
  .object({
    log_id: z.string().optional(),
    logid: z.string().optional(),
    troubleshooter: z.string().optional(),
  })
  .loose();

/** Feishu's envelope; token endpoints put their fields at the top level, so unknown keys are kept. */
export const envelopeSchema = z
  .object({
    code: z.number().int(),
    msg: z.string().optional(),
    data: z.unknown().optional(),
    error: errorDetailSchema.optional(),
  })
  .loose();
export type FeishuEnvelope = z.infer<typeof envelopeSchema>;

export interface FeishuAnswer {
  status: number;
  headers: Headers;
  envelope: FeishuEnvelope;
  logId?: string;
}

export interface PostOptions {
  token?: string;
  signal?: AbortSignal;
}

export class FeishuHttp {
  readonly baseUrl: string;
  /** The base URL's own path ('' for an origin), under which every request path must stay. */
  private readonly basePath: string;
  private readonly fetchFn: FetchLike;
  private readonly timeoutMs: number;
  private readonly metrics: FeishuMetrics;

  constructor(options: FeishuHttpOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.basePath = new URL(this.baseUrl).pathname.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? ((input, init) => fetch(input, init));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_FEISHU_TIMEOUT_MS;
    this.metrics = options.metrics ?? noopFeishuMetrics;
  }

  /**
   * POSTs JSON and returns Feishu's answer when `code` is 0; otherwise throws the error that the answer maps to.
   * `endpoint` is a short name for messages (`login_info`, `tenant_access_token`).
   */
  async postJson(endpoint: string, path: string, body: unknown, options: PostOptions = {}): Promise<FeishuAnswer> {
    const url = `${this.baseUrl}${path}`;
    // Paths come from feishuPath (./url.ts); this is the last check that nothing in one changes where it goes.
    const parsed = new URL(url);
    if (parsed.pathname !== `${this.basePath}${path}` || parsed.search !== '' || parsed.hash !== '') {
      throw new InvalidPathParameterError('(path)', 'it changes the request path');
    }
    const started = performance.now();
    try {
      const answer = await this.send(endpoint, url, body, options);
      this.metrics.request(endpoint, 'success', answer.envelope.code, (performance.now() - started) / 1000);
      return answer;
    } catch (err) {
      const { outcome, code } = requestOutcome(err);
      this.metrics.request(endpoint, outcome, code, (performance.now() - started) / 1000);
      throw err;
    }
  }

  private async send(endpoint: string, url: string, body: unknown, options: PostOptions): Promise<FeishuAnswer> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;

    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(url, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        signal,
      });
      text = await response.text();
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason ?? err;
      if (timeout.aborted) {
        throw new FeishuTimeoutError(`Feishu ${endpoint}: no answer within ${this.timeoutMs} ms`, {}, { cause: err });
      }
      throw new FeishuNetworkError(`Feishu ${endpoint}: request failed (${networkReason(err)})`, {}, { cause: err });
    }

    const headerLogId = response.headers.get('x-tt-logid') ?? undefined;
    const envelope = parseEnvelope(response.headers.get('content-type'), text);
    const info: FeishuErrorInfo = {
      httpStatus: response.status,
      code: envelope?.code,
      feishuMsg: envelope?.msg,
      logId: headerLogId ?? envelope?.error?.log_id ?? envelope?.error?.logid,
      troubleshooter: envelope?.error?.troubleshooter,
    };
    if (envelope === undefined || envelope.code !== 0 || response.status < 200 || response.status >= 300) {
      throw feishuErrorFromResponse(endpoint, info, response.headers);
    }
    return { status: response.status, headers: response.headers, envelope, logId: info.logId };
  }
}

/**
 * A failed request's `outcome` label: the error's failure type in snake case without `Feishu`/`Error`
 * (FeishuRateLimitedError → rate_limited, FeishuResultLocked → result_locked), `aborted` when the caller gave up.
 */
export function requestOutcome(err: unknown): { outcome: string; code?: number } {
  if (!(err instanceof FeishuError)) return { outcome: 'aborted' };
  const outcome = err.failureType
    .replace(/^Feishu/, '')
    .replace(/Error$/, '')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
  return { outcome, code: err.code };
}

function parseEnvelope(contentType: string | null, text: string): FeishuEnvelope | undefined {
  if (!contentType || !/\bjson\b/i.test(contentType)) return undefined;
  try {
    const parsed = envelopeSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function networkReason(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}
