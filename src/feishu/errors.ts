import { FEISHU_CODE, FEISHU_PERMISSION_CODES, type FailureType } from '../common/failure-types';

/**
 * Typed errors of the Feishu client. Each class names its stable failure type (src/common/failure-types.ts holds the
 * retry decision for it). Messages carry Feishu's code, HTTP status and log id — never a request body, token or secret.
 */
export interface FeishuErrorInfo {
  httpStatus?: number;
  code?: number;
  /** Feishu's `msg`, for humans only: never branched on. */
  feishuMsg?: string;
  logId?: string;
  troubleshooter?: string;
}

export abstract class FeishuError extends Error {
  abstract readonly failureType: FailureType;
  readonly httpStatus?: number;
  readonly code?: number;
  readonly feishuMsg?: string;
  readonly logId?: string;
  readonly troubleshooter?: string;

  constructor(message: string, info: FeishuErrorInfo = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.httpStatus = info.httpStatus;
    this.code = info.code;
    this.feishuMsg = info.feishuMsg;
    this.logId = info.logId;
    this.troubleshooter = info.troubleshooter;
  }
}

/** 1002851 笔试状态异常: the exam no longer accepts an arrangement (cancelled, or already arranged). */
export class FeishuExamStateError extends FeishuError {
  readonly failureType = 'FeishuExamStateError';
}
/** update_result 1002855 用户已完成阅卷，不支持更新笔试结果: marking is finished; no result is accepted any more. */
export class FeishuResultLockedError extends FeishuError {
  readonly failureType = 'FeishuResultLocked';
}
/** 1002001 系统错误, 1500, or any 5xx: Feishu's side failed; try again later. */
export class FeishuServerError extends FeishuError {
  readonly failureType = 'FeishuServerError';
}
/** 429 or 99991400: over the quota. `retryAfterMs` comes from `x-ogw-ratelimit-reset`. */
export class FeishuRateLimitedError extends FeishuError {
  readonly failureType = 'FeishuRateLimitedError';
  constructor(
    message: string,
    info: FeishuErrorInfo,
    readonly retryAfterMs: number,
    readonly limit?: number,
    /** The API that answered 429 (a token endpoint when the token fetch was refused): its quota is the one spent. */
    readonly endpoint?: string,
  ) {
    super(message, info);
  }
}
/** 99991661/99991663 even with a freshly fetched token. */
export class FeishuTokenError extends FeishuError {
  readonly failureType = 'FeishuTokenError';
}
/** Store app: no usable app_ticket yet; Feishu was asked to resend it (it arrives at the ingest as an event). */
export class FeishuAppTicketPendingError extends FeishuError {
  readonly failureType = 'FeishuAppTicketPendingError';
}
/** The app lacks a scope, is disabled, not installed, IP-denied, or its credentials are wrong: an operator must act. */
export class FeishuPermissionError extends FeishuError {
  readonly failureType = 'FeishuPermissionError';
}
/** Any other non-zero code: Feishu refused the request as it is. */
export class FeishuRejectedError extends FeishuError {
  readonly failureType = 'FeishuRejectedError';
}
/** A non-JSON or malformed answer with a non-5xx status (e.g. the plain-text 404 of a wrong base URL). */
export class FeishuProtocolError extends FeishuError {
  readonly failureType = 'FeishuProtocolError';
}
/** The connection failed or broke before an answer. */
export class FeishuNetworkError extends FeishuError {
  readonly failureType = 'FeishuNetworkError';
}
/** No answer within the request timeout. */
export class FeishuTimeoutError extends FeishuError {
  readonly failureType = 'FeishuTimeoutError';
}

/** Bounds for `x-ogw-ratelimit-reset`: never hammer (≥ 1 s), never park an exam for long on a bogus header (≤ 10 min). */
export const RATE_LIMIT_RETRY_MIN_MS = 1_000;
export const RATE_LIMIT_RETRY_MAX_MS = 10 * 60_000;

export function retryAfterFromHeader(value: string | null): number {
  const seconds = value === null ? Number.NaN : Number(value.trim());
  if (!Number.isFinite(seconds) || seconds <= 0) return RATE_LIMIT_RETRY_MIN_MS;
  return Math.min(RATE_LIMIT_RETRY_MAX_MS, Math.max(RATE_LIMIT_RETRY_MIN_MS, Math.ceil(seconds * 1000)));
}

function describe(what: string, info: FeishuErrorInfo): string {
  const parts = [what];
  if (info.httpStatus !== undefined) parts.push(`HTTP ${info.httpStatus}`);
  if (info.code !== undefined) parts.push(`code ${info.code}`);
  if (info.feishuMsg) parts.push(`msg "${info.feishuMsg.slice(0, 200)}"`);
  if (info.logId) parts.push(`log_id ${info.logId}`);
  return parts.join(', ');
}

/**
 * Maps one Feishu answer (HTTP status, business code, headers) to its error. `code` is undefined when the body was
 * not a Feishu envelope. This is the only place that decides by code; `msg` is never consulted.
 */
export function feishuErrorFromResponse(
  endpoint: string,
  info: FeishuErrorInfo,
  headers: { get(name: string): string | null },
): FeishuError {
  const { httpStatus, code } = info;
  if (httpStatus === 429 || code === FEISHU_CODE.rateLimited) {
    const limit = Number(headers.get('x-ogw-ratelimit-limit'));
    return new FeishuRateLimitedError(
      describe(`Feishu ${endpoint}: rate limited`, info),
      info,
      retryAfterFromHeader(headers.get('x-ogw-ratelimit-reset')),
      Number.isFinite(limit) && limit > 0 ? limit : undefined,
      endpoint,
    );
  }
  if (code === FEISHU_CODE.examStateAbnormal) {
    return new FeishuExamStateError(describe(`Feishu ${endpoint}: exam state abnormal (笔试状态异常)`, info), info);
  }
  if (code === FEISHU_CODE.resultLocked) {
    return new FeishuResultLockedError(describe(`Feishu ${endpoint}: marking finished (用户已完成阅卷)`, info), info);
  }
  if (code === FEISHU_CODE.missingToken || code === FEISHU_CODE.invalidToken) {
    return new FeishuTokenError(describe(`Feishu ${endpoint}: access token missing or invalid`, info), info);
  }
  if (code !== undefined && FEISHU_PERMISSION_CODES.has(code)) {
    return new FeishuPermissionError(
      describe(`Feishu ${endpoint}: app permission or configuration problem`, info),
      info,
    );
  }
  if (code === FEISHU_CODE.systemError || code === FEISHU_CODE.internalError) {
    return new FeishuServerError(describe(`Feishu ${endpoint}: system error`, info), info);
  }
  if (code === undefined || code === FEISHU_CODE.ok) {
    // Not a Feishu business answer: a gateway page, a plain-text 404, or an envelope that contradicts its status.
    if (httpStatus !== undefined && httpStatus >= 500) {
      return new FeishuServerError(describe(`Feishu ${endpoint}: server error`, info), info);
    }
    return new FeishuProtocolError(describe(`Feishu ${endpoint}: unexpected answer`, info), info);
  }
  if (httpStatus !== undefined && httpStatus >= 500) {
    return new FeishuServerError(describe(`Feishu ${endpoint}: server error`, info), info);
  }
  return new FeishuRejectedError(describe(`Feishu ${endpoint}: rejected`, info), info);
}
