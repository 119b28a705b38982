/**
 * The checks every JSON Open API of the sandbox makes before its own: the Content-Type, a body that parses, and a
 * zod schema whose issues become 1002002's `field_violations` (field paths joined with `.`, e.g.
 * `paper_list.0.id`; descriptions say why, never the value).
 */
import type { z } from 'zod';
import { parameterIllegal, type FieldViolation } from '../envelope';
import type { Reply } from '../http';
import type { ApiCall } from './api';

/**
 * The Content-Types accepted, normalised. The docs fix "application/json; charset=utf-8"; the official SDK sends
 * plain "application/json" and works against Feishu, so both are accepted (JSON is UTF-8).
 */
export const ACCEPTED_JSON_CONTENT_TYPES: ReadonlySet<string> = new Set([
  'application/json;charset=utf-8',
  'application/json',
]);

/** zod's error option: "is required" for a missing value, else "must be <expected>". */
export function typeError(expected: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => (issue.input === undefined ? 'is required' : `must be ${expected}`) };
}

export function fieldName(path: readonly PropertyKey[]): string {
  return path.length > 0 ? path.map(String).join('.') : '(body)';
}

/** Which fields are wrong and why, never their values. */
export function violationsOf(error: z.ZodError): FieldViolation[] {
  return error.issues.map((issue) => ({ field: fieldName(issue.path), description: issue.message }));
}

/**
 * Content type → JSON body → schema: the parsed body, or the 1002002 answer naming what is wrong.
 */
export function checkedBody<T>(call: ApiCall, schema: z.ZodType<T>): { body: T } | { reply: Reply } {
  const logId = call.record.response.logId;
  if (!ACCEPTED_JSON_CONTENT_TYPES.has(call.contentType)) {
    return {
      reply: parameterIllegal(logId, [
        { field: 'Content-Type', description: 'must be "application/json; charset=utf-8"' },
      ]),
    };
  }
  if (call.record.body === undefined) {
    return { reply: parameterIllegal(logId, [{ field: '(body)', description: 'is not valid JSON' }]) };
  }
  const parsed = schema.safeParse(call.record.body);
  if (!parsed.success) return { reply: parameterIllegal(logId, violationsOf(parsed.error)) };
  return { body: parsed.data };
}

/** Feishu's success envelope for these APIs: `{"code":0,"msg":"success","data":{}}`. */
export function success(): Reply {
  return { kind: 'json', status: 200, body: { code: 0, msg: 'success', data: {} } };
}
