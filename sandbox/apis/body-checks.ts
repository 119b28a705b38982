/**
 * What the eco-exam APIs check before their own rules: the Content-Type, a JSON body, and the body's schema, answered
 * as Feishu's 400 / 1002002 with `field_violations` (field and why, never the value).
 *
 * Sandbox choices where the docs are silent: `null` is accepted for optional fields and treated as absent; unknown
 * fields are ignored.
 */
import { z } from 'zod';
import { parameterIllegal, type FieldViolation } from '../envelope';
import type { Reply } from '../http';
import type { ApiCall } from './api';

/**
 * The Content-Type, normalised. The docs fix "application/json; charset=utf-8"; the official SDK sends plain
 * "application/json" and works against Feishu, so both are accepted (JSON is UTF-8).
 */
const ACCEPTED_CONTENT_TYPES: ReadonlySet<string> = new Set(['application/json;charset=utf-8', 'application/json']);

/** "is required" when the field is missing, else "must be <expected>". */
export function typeError(expected: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => (issue.input === undefined ? 'is required' : `must be ${expected}`) };
}

export const optionalString = z.string(typeError('a string')).nullish();

/** Which fields are wrong and why, never their values. */
function violations(schema: z.ZodType, body: unknown): FieldViolation[] {
  const parsed = schema.safeParse(body);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)',
    description: issue.message,
  }));
}

/** Content type → JSON → schema: the 1002002 answer, or undefined when the call may go on to the API's own rules. */
export function checkJsonBody({ record, contentType }: ApiCall, schema: z.ZodType): Reply | undefined {
  const logId = record.response.logId;
  if (!ACCEPTED_CONTENT_TYPES.has(contentType)) {
    return parameterIllegal(logId, [
      { field: 'Content-Type', description: 'must be "application/json; charset=utf-8"' },
    ]);
  }
  if (record.body === undefined) {
    return parameterIllegal(logId, [{ field: '(body)', description: 'is not valid JSON' }]);
  }
  const found = violations(schema, record.body);
  return found.length > 0 ? parameterIllegal(logId, found) : undefined;
}
