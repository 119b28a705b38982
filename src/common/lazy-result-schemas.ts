import { z } from 'zod';
import { msToNumber } from '@temporalio/common/lib/time';
import { EXAM_RESULT_STATUSES } from './constants';
import { lazySchema } from './lazy-schema';

/**
 * zod schemas of the result phase: the update_result body (the `examResultReported` signal and `reportExamResult`
 * update payload), and the workflow-input fields of the phase. Deterministic (the workflow imports it); messages name
 * the field and the reason, never the value. Each is built on first use (src/common/lazy-schema.ts): workflows call
 * the getters of `resultSchemas`; other code uses the built schemas src/common/result-schemas.ts exports.
 */

/** Milliseconds since the epoch as Feishu wants them: a string of digits. */
const msDigits = (field: string) =>
  z
    .string()
    .refine(
      (value) => /^\d{1,16}$/.test(value) && Number(value) > 0,
      `${field} must be a time in milliseconds (digits only)`,
    );

const text = (field: string, max: number) =>
  z.string().trim().min(1, `${field} must not be empty`).max(max, `${field} is longer than ${max} characters`);

/** An absolute http(s) URL (a report link Feishu shows to the recruiter). */
const reportUrl = () =>
  z
    .string()
    .max(2048, 'url is longer than 2048 characters')
    .refine((value) => {
      try {
        const url = new URL(value);
        return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.length > 0;
      } catch {
        return false;
      }
    }, 'url must be an absolute http(s) URL');

export const MAX_REPORTS = 50;
export const MAX_DETAILS = 200;

/**
 * The body of POST /open-apis/hire/v1/eco_exams/:exam_id/update_result (回传笔试结果). Unknown keys are refused;
 * describeZodError (src/common/lazy-schemas.ts) reports them as "unknown field(s)" without naming them.
 */
const examResultBody = lazySchema(() =>
  z.strictObject({
    /** The score, e.g. "60.5" ("0"–"100" recommended by Feishu). */
    result: text('result', 64),
    result_time: msDigits('result_time').optional(),
    report_list: z
      .array(
        z.strictObject({ name: text('name', 255), url: reportUrl(), answer_time: msDigits('answer_time').optional() }),
      )
      .max(MAX_REPORTS, `report_list has more than ${MAX_REPORTS} entries`)
      .optional(),
    detail_list: z
      .array(z.strictObject({ id: text('id', 255).optional(), name: text('name', 255), result: text('result', 255) }))
      .max(MAX_DETAILS, `detail_list has more than ${MAX_DETAILS} entries`)
      .optional(),
  }),
);

/** A duration in the workflow input: ms, or an `ms`-style string such as '30 days'; checked here, not in the workflow. */
function durationField(field: string, allowZero: boolean) {
  const valid = (ms: number) => Number.isFinite(ms) && (allowZero ? ms >= 0 : ms > 0);
  return z.union([
    z
      .number()
      .int(`${field} must be whole milliseconds`)
      .refine(valid, `${field} must be ${allowZero ? '0 or more' : 'positive'}`),
    z.string().refine(
      (value) => {
        try {
          return valid(msToNumber(value as Parameters<typeof msToNumber>[0]));
        } catch {
          return false;
        }
      },
      `${field} must be a duration such as "30s" or "7 days"${allowZero ? ', or 0' : ''}`,
    ),
  ]);
}

/** Duration of a validated duration field, in ms. */
export function durationMs(value: number | string): number {
  return typeof value === 'number' ? value : msToNumber(value as Parameters<typeof msToNumber>[0]);
}

const examErrorSchema = () =>
  z.object({
    type: z.string(),
    message: z.string(),
    code: z.number().optional(),
    logId: z.string().optional(),
    attempt: z.number().optional(),
  });

/**
 * What a run hands to the next when it continues as new (src/workflows/result-phase.ts): the exam's status view, the
 * result phase's state, and the results not yet sent. Written by the workflow itself; checked anyway.
 */
const resultPhaseResume = lazySchema(() =>
  z.object({
    /** The `examStatus` view at the hand-over (never holds credentials). */
    view: z.looseObject({ examId: z.string(), status: z.literal('submitted') }),
    result: z.object({
      status: z.enum(EXAM_RESULT_STATUSES),
      attempts: z.number().int().min(0),
      updates: z.number().int().min(0),
      invalidResults: z.number().int().min(0),
      lastError: examErrorSchema().optional(),
      submittedAt: z.string().optional(),
    }),
    /** Results are numbered as they are taken; an older one is never sent after a newer one. */
    seq: z.number().int().min(0),
    /** Newest result not yet sent. */
    pending: z.object({ seq: z.number().int(), body: examResultBody() }).optional(),
    /** The last result Feishu accepted (re-sent after the settle delay when `settle` is set). */
    lastAccepted: z.object({ seq: z.number().int(), body: examResultBody() }).optional(),
    /** Lowest seq of a request whose outcome is unknown (timeout, dropped connection, 5xx): it may still land. */
    doubtSeq: z.number().int().optional(),
    /** A request older than the last accepted result may still land: re-send the last accepted after the settle delay. */
    settle: z.boolean(),
    /** Feishu's log id of the accepted login_info call. */
    loginLogId: z.string().optional(),
    /** Epoch ms when the phase stops waiting (RESULT_TIMEOUT, or RESULT_UPDATE_WINDOW after the last accepted). */
    deadline: z.number(),
    updateWindowMs: z.number().int().min(0),
    /** How many runs came before this one. */
    runs: z.number().int().min(1),
  }),
);

/** The result phase's fields of the workflow input (spread into the exam's input schema and its legacy one). */
const phaseInputFields = lazySchema(() => ({
  /** How long to wait for the first result after login info is accepted; 0 = no result phase. Default: worker's. */
  resultTimeout: durationField('resultTimeout', true).optional(),
  /** How long later results are accepted after the last accepted one. Default: the worker's RESULT_UPDATE_WINDOW. */
  resultUpdateWindow: durationField('resultUpdateWindow', false).optional(),
  /** After a send of unknown outcome, the wait before the newest is sent once more; default 2 minutes. */
  resultSettleDelay: durationField('resultSettleDelay', false).optional(),
  /** Continue as new after this many result sends in one run; default 50. */
  resultSendsPerRun: z.number().int().min(1).max(1000).optional(),
  /** Set by the workflow itself when it continues as new in the result phase. */
  resume: resultPhaseResume().optional(),
}));

/** The getters (each builds its schema once, on first use). */
export const resultSchemas = { examResultBody, resultPhaseResume, phaseInputFields };
