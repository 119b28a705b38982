/**
 * The eco-exam API family (`/open-apis/hire/v1/eco_exams/...`): today `login_info`, where the exam system's login
 * details go back to Feishu.
 *
 * Sandbox choices where the docs are silent: `null` is accepted for optional login_info fields and treated as absent;
 * unknown fields are ignored; a closed exam (setExamState) gets 400 / 1002851.
 */
import { z } from 'zod';
import { CODE, errorReply, parameterIllegal, type FieldViolation } from '../envelope';
import type { Reply } from '../http';
import { examIdPath, type ApiCall, type ApiRoute } from './api';

/**
 * login_info's Content-Type, normalised. The docs fix "application/json; charset=utf-8"; the official SDK sends plain
 * "application/json" and works against Feishu, so both are accepted (JSON is UTF-8).
 */
const ACCEPTED_CONTENT_TYPES: ReadonlySet<string> = new Set(['application/json;charset=utf-8', 'application/json']);

function typeError(expected: string): { error: (issue: { input?: unknown }) => string } {
  return { error: (issue) => (issue.input === undefined ? 'is required' : `must be ${expected}`) };
}

const optionalString = z.string(typeError('a string')).nullish();

/** The documented body: exam_login_info.exam_url required, everything else optional. */
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

/** Which fields are wrong and why, never their values. */
function loginInfoViolations(body: unknown): FieldViolation[] {
  const parsed = loginInfoBodySchema.safeParse(body);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)',
    description: issue.message,
  }));
}

/** Content type → body → exam state → success. */
function acceptLoginInfo({ record, contentType, examState }: ApiCall): Reply {
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
  if (examState(record.examId ?? '') === 'closed') return errorReply(400, logId, CODE.examStateAbnormal);
  return { kind: 'json', status: 200, body: { code: 0, msg: 'SUCCESS', data: {} } };
}

const loginInfo = {
  endpoint: 'login_info',
  method: 'POST',
  match: examIdPath(/^\/open-apis\/hire\/v1\/eco_exams\/([^/]+)\/login_info$/),
  handle: acceptLoginInfo,
} as const satisfies ApiRoute<'login_info'>;

export const ecoExamApis = [loginInfo] as const;
