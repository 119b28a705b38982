import { z } from 'zod';
import { lazySchema } from './lazy-schema';
import { resultSchemas } from './lazy-result-schemas';

/**
 * zod schemas of the data that crosses boundaries. Used by the workflow (signal and update validation), the client
 * helpers, the ingest and the Feishu client, so every door checks the same rules — and exactly what is forwarded.
 * Each is built on first use (src/common/lazy-schema.ts): workflows call the getters of `examSchemas`; other code uses
 * the built schemas src/common/schemas.ts exports.
 *
 * Limits (characters): exam id 128; account id, paper id, candidate name, email, mobile code and number 255;
 * tenant key and event id 128; msg, username, password and exam_url 2048. Messages name the field and the reason,
 * never the value.
 */

/** Largest length of each field (characters); the single source of the limits above. */
export const FIELD_LIMITS = {
  examId: 128,
  id: 255,
  tenantKey: 128,
  eventId: 128,
  candidateField: 255,
  text: 2048,
} as const;

/** C0 and C1 control characters and DEL (CR, LF, TAB, NUL…): never forwarded to Feishu. */
const CONTROL_CHARACTER = /\p{Cc}/u;

const nonBlank = (what: string) => z.string().trim().min(1, `${what} must not be empty`);
const limited = (what: string, max: number) => z.string().max(max, `${what} is longer than ${max} characters`);
/** Forwarded verbatim: a length limit and no control characters. */
const plainText = (what: string, max: number = FIELD_LIMITS.text) =>
  limited(what, max).refine((value) => !CONTROL_CHARACTER.test(value), `${what} must not contain control characters`);

/**
 * Feishu exam ids: opaque strings; kept short and printable because they become workflow ids, search attributes and a
 * path segment of Feishu's URLs (`.` and `..` would change that path: refused).
 */
const examId = lazySchema(() =>
  z
    .string()
    .min(1, 'exam_id must not be empty')
    .max(FIELD_LIMITS.examId, `exam_id is longer than ${FIELD_LIMITS.examId} characters`)
    .regex(/^[A-Za-z0-9_.:-]+$/, 'exam_id may contain only letters, digits and _ . : -')
    .refine((value) => value !== '.' && value !== '..', 'exam_id must not be . or ..'),
);

/**
 * An absolute http(s) URL, forwarded exactly as given: Feishu shows it to the candidate as a link. It must already be
 * in the form a URL parser writes (`new URL(v).href`, a trailing `/` after a bare host aside): no whitespace or control
 * characters, no backslashes, lower-case scheme and host, non-ASCII percent-encoded; and no credentials
 * (`user:pass@`), which would otherwise sit in clear in every log of the request.
 */
const examUrl = lazySchema(() =>
  z
    .string()
    .max(FIELD_LIMITS.text, `exam_url is longer than ${FIELD_LIMITS.text} characters`)
    .superRefine((value, ctx) => {
      const problem = examUrlProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: `exam_url ${problem}` });
    }),
);

function examUrlProblem(value: string): string | undefined {
  if (/[\s\p{Cc}]/u.test(value)) return 'must not contain whitespace or control characters';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname.length === 0) {
    return 'must be an absolute http(s) URL';
  }
  if (url.username !== '' || url.password !== '') return 'must not contain credentials (user:password@)';
  if (url.href !== value && url.href !== `${value}/`) {
    return 'must be in canonical form (as new URL(exam_url).href writes it: no backslashes, lower-case scheme and host, non-ASCII percent-encoded)';
  }
  return undefined;
}

/** The body of POST /open-apis/hire/v1/eco_exams/:exam_id/login_info, and the `examArranged` payload. */
const loginInfoBody = lazySchema(() =>
  z
    .object({
      result: z.number().int('result must be an integer').optional(),
      msg: plainText('msg').optional(),
      exam_login_info: z
        .object({
          exam_url: examUrl(),
          username: plainText('username')
            .refine((value) => value.trim().length > 0, 'username must not be empty')
            .optional(),
          password: plainText('password').min(1, 'password must not be empty').optional(),
        })
        .strict(),
    })
    .strict(),
);

const duration = (what: string) => z.union([z.number().int().positive(), nonBlank(what)]);

/** The workflow input: the 创建笔试 event, camelCased (docs/contract.md), plus the optional waits. */
const ecoExamInput = lazySchema(() =>
  z.object({
    examId: examId(),
    accountId: limited('account_id', FIELD_LIMITS.id).optional(),
    paperId: limited('paper_id', FIELD_LIMITS.id).optional(),
    tenantKey: limited('tenant_key', FIELD_LIMITS.tenantKey).optional(),
    candidate: z
      .object({
        name: limited('candidate name', FIELD_LIMITS.candidateField).optional(),
        mobile: z
          .object({
            code: limited('candidate mobile code', FIELD_LIMITS.candidateField).optional(),
            number: limited('candidate mobile number', FIELD_LIMITS.candidateField).optional(),
          })
          .optional(),
        email: limited('candidate email', FIELD_LIMITS.candidateField).optional(),
      })
      .optional(),
    eventId: limited('event_id', FIELD_LIMITS.eventId).optional(),
    /**
     * How long to wait for the arrangement (ms or an `ms`-style string such as '7 days'). When absent, the worker's
     * ARRANGEMENT_TIMEOUT applies (the workerSettings local activity).
     */
    arrangementTimeout: duration('arrangementTimeout').optional(),
    /** Tell the exam system about the exam first (notifyExamSystem); set by the ingest when EXAM_SYSTEM_WEBHOOK_URL is set. */
    notifyExamSystem: z.boolean().optional(),
    /** How long Temporal keeps retrying submitLoginInfo before the exam ends `failed`; default 1 day. */
    submissionTimeout: duration('submissionTimeout').optional(),
    ...resultSchemas.phaseInputFields(),
  }),
);

/** The getters (each builds its schema once, on first use). */
export const examSchemas = { examId, examUrl, loginInfoBody, ecoExamInput };

/**
 * One line per problem: `exam_login_info.exam_url: exam_url must be an absolute http(s) URL`. Never echoes values,
 * nor the names of unknown keys (they come from the caller): `exam_login_info: unknown field(s)`.
 */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '(body)';
      return `${where}: ${issue.code === 'unrecognized_keys' ? 'unknown field(s)' : issue.message}`;
    })
    .join('; ');
}
