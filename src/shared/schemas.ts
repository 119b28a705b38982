import { z } from 'zod';
import { resultPhaseInputFields } from './result-schemas';

/**
 * zod schemas of the data that crosses boundaries. Used by the workflow (signal validation), the client helpers,
 * the ingest and the Feishu client, so every door checks the same rules.
 */

const nonBlank = (what: string) => z.string().trim().min(1, `${what} must not be empty`);

/** Feishu ids: opaque strings; kept short and printable because they become workflow ids and search attributes. */
export const examIdSchema = z
  .string()
  .min(1, 'exam_id must not be empty')
  .max(128, 'exam_id is longer than 128 characters')
  .regex(/^[A-Za-z0-9_.:-]+$/, 'exam_id may contain only letters, digits and _ . : -');

/** An absolute http(s) URL: Feishu shows it to the candidate as a link. */
export const examUrlSchema = z
  .string()
  .max(2048, 'exam_url is longer than 2048 characters')
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.length > 0;
    } catch {
      return false;
    }
  }, 'exam_url must be an absolute http(s) URL');

/** The body of POST /open-apis/hire/v1/eco_exams/:exam_id/login_info, and the `examArranged` signal payload. */
export const loginInfoBodySchema = z
  .object({
    result: z.number().int('result must be an integer').optional(),
    msg: z.string().max(1024, 'msg is longer than 1024 characters').optional(),
    exam_login_info: z
      .object({
        exam_url: examUrlSchema,
        username: nonBlank('username').max(256).optional(),
        password: z.string().min(1, 'password must not be empty').max(256).optional(),
      })
      .strict(),
  })
  .strict();
export type LoginInfoBody = z.infer<typeof loginInfoBodySchema>;

/** The workflow input: the 创建笔试 event, camelCased (DESIGN.md), plus the optional wait. */
export const ecoExamInputSchema = z.object({
  examId: examIdSchema,
  accountId: z.string().max(128).optional(),
  paperId: z.string().max(255).optional(),
  tenantKey: z.string().max(128).optional(),
  candidate: z
    .object({
      name: z.string().optional(),
      mobile: z.object({ code: z.string().optional(), number: z.string().optional() }).optional(),
      email: z.string().optional(),
    })
    .optional(),
  eventId: z.string().max(128).optional(),
  /** How long to wait for `examArranged` (ms or an `ms`-style string such as '7 days'); default ARRANGEMENT_TIMEOUT. */
  arrangementTimeout: z.union([z.number().int().positive(), nonBlank('arrangementTimeout')]).optional(),
  /** Tell the exam system about the exam first (notifyExamSystem); set by the ingest when EXAM_SYSTEM_WEBHOOK_URL is set. */
  notifyExamSystem: z.boolean().optional(),
  /** How long Temporal keeps retrying submitLoginInfo before the exam ends `failed`; default 1 day. */
  submissionTimeout: z.union([z.number().int().positive(), nonBlank('submissionTimeout')]).optional(),
  ...resultPhaseInputFields,
});
export type EcoExamInput = z.infer<typeof ecoExamInputSchema>;

/** One line per problem: `exam_login_info.exam_url: exam_url must be an absolute http(s) URL`. Never echoes values. */
export function describeZodError(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(body)'}: ${issue.message}`)
    .join('; ');
}
