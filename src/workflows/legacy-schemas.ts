import { z } from 'zod';
import { lazySchema } from '../common/lazy-schema';
import { resultSchemas } from '../common/lazy-result-schemas';

/**
 * The first release's validation rules, frozen. Exams started under it replay the decisions it made (an input or an
 * arrangement it accepted must still be accepted on replay, or the replay diverges); ecoExamWorkflow uses these only
 * when `patched(STRICT_LIMITS_PATCH)` is false, i.e. while replaying such an exam. New rules go to
 * src/common/lazy-schemas.ts, never here. Built on first use (src/common/lazy-schema.ts), i.e. only by a worker
 * thread that replays such an exam.
 */

const nonBlank = (what: string) => z.string().trim().min(1, `${what} must not be empty`);

const legacyExamUrlSchema = () =>
  z
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

export const legacyLoginInfoBodySchema = lazySchema(() =>
  z
    .object({
      result: z.number().int('result must be an integer').optional(),
      msg: z.string().max(1024, 'msg is longer than 1024 characters').optional(),
      exam_login_info: z
        .object({
          exam_url: legacyExamUrlSchema(),
          username: nonBlank('username').max(256).optional(),
          password: z.string().min(1, 'password must not be empty').max(256).optional(),
        })
        .strict(),
    })
    .strict(),
);

export const legacyEcoExamInputSchema = lazySchema(() =>
  z.object({
    examId: z
      .string()
      .min(1, 'exam_id must not be empty')
      .max(128, 'exam_id is longer than 128 characters')
      .regex(/^[A-Za-z0-9_.:-]+$/, 'exam_id may contain only letters, digits and _ . : -'),
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
    arrangementTimeout: z.union([z.number().int().positive(), nonBlank('arrangementTimeout')]).optional(),
    notifyExamSystem: z.boolean().optional(),
    submissionTimeout: z.union([z.number().int().positive(), nonBlank('submissionTimeout')]).optional(),
    // The result phase's fields (and a continued run's `resume`) came after the first release, under their own patch
    // ids (src/workflows/result-phase.ts); the first release never set them, so they change nothing of its decisions.
    ...resultSchemas.phaseInputFields(),
  }),
);
