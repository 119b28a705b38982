/**
 * Feishu's answers: the business codes the sandbox uses, the `{code, msg, error: {log_id, troubleshooter}}` envelope,
 * log ids, and the gateway's plain-text pages, as Feishu's server API docs (error codes, rate limits) describe them.
 */
import { randomBytes } from 'node:crypto';
import { TEXT_CONTENT_TYPE, type JsonBody, type JsonReply, type Reply } from './http';

export const CODE = {
  internalError: 1500,
  invalidParam: 10003,
  appTicketInvalid: 10012,
  appUnauthorized: 10014,
  appSecretInvalid: 10015,
  resendNotAllowed: 10016,
  hireSystemError: 1002001,
  parameterIllegal: 1002002,
  examStateAbnormal: 1002851,
  markingFinished: 1002855,
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
  [CODE.markingFinished, '用户已完成阅卷，不支持更新笔试结果'],
  [CODE.rateLimited, 'request trigger frequency limit'],
  [CODE.missingToken, 'Missing access token for authorization'],
  [CODE.invalidToken, 'Invalid access token for authorization'],
  [CODE.invalidAppToken, 'invalid app access token'],
]);

export function messageFor(code: number): string {
  return MESSAGES.get(code) ?? 'error';
}

const CHINA_UTC_OFFSET_MS = 8 * 60 * 60 * 1000;

/** `20261124140000` (China time) + 20 uppercase hex digits, like Feishu's log ids. */
export function newLogId(nowMs: number): string {
  const t = new Date(nowMs + CHINA_UTC_OFFSET_MS);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`;
  return stamp + randomBytes(10).toString('hex').toUpperCase();
}

export interface FieldViolation {
  field: string;
  description: string;
}

export function errorReply(
  status: number,
  logId: string,
  code: number,
  msg = messageFor(code),
  extra: JsonBody = {},
): JsonReply {
  const troubleshooter = `https://open.feishu.cn/search?from=openapi&log_id=${logId}&code=${code}`;
  return { kind: 'json', status, body: { code, msg, error: { ...extra, log_id: logId, troubleshooter } } };
}

export function parameterIllegal(logId: string, violations: FieldViolation[]): Reply {
  return errorReply(400, logId, CODE.parameterIllegal, undefined, { field_violations: violations });
}

export function rateLimitReply(logId: string, limit: number, resetSeconds: number): Reply {
  return {
    ...errorReply(429, logId, CODE.rateLimited),
    headers: { 'x-ogw-ratelimit-limit': String(limit), 'x-ogw-ratelimit-reset': String(resetSeconds) },
  };
}

/** Token endpoints answer HTTP 200 even on failure. */
export function tokenError(logId: string, code: number): Reply {
  return errorReply(200, logId, code);
}

export function ok(body: JsonBody): Reply {
  return { kind: 'json', status: 200, body: { code: 0, ...body } };
}

/** Sandbox choice: Feishu's gateway answer for oversized bodies is undocumented; a plain-text 413. */
export function payloadTooLarge(): Reply {
  return {
    kind: 'text',
    status: 413,
    text: '413 request entity too large',
    contentType: TEXT_CONTENT_TYPE,
    headers: { connection: 'close' },
  };
}

/** A wrong path or method gets the gateway's (Go's) plain-text 404, not a JSON envelope. */
export function notFound(): Reply {
  return { kind: 'text', status: 404, text: '404 page not found', contentType: TEXT_CONTENT_TYPE };
}
