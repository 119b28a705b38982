import { z } from 'zod';
import { FIELD_LIMITS } from './schemas';

/**
 * zod schemas of the account side (docs/accounts.md): the paper list and the custom-field list the exam system
 * publishes, and the account workflow's input. Used by the client helpers, the ingest, the workflows (update
 * validators) and the Feishu client, so every door checks the same rules. Messages name the rule, never the value;
 * describeZodError (./schemas.ts) prefixes the field's path (`paper_list.2.end_time: …`).
 */

/** Longest lists accepted (a generous bound: both are sent to Feishu whole, in one request). */
export const ACCOUNT_LIST_LIMITS = { papers: 1000, customFields: 100, description: 2048 } as const;

const CONTROL_CHARACTER = /\p{Cc}/u;

/** 1–`max` characters, not blank, no control characters. */
const text = (max: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((value) => value.trim().length > 0, 'must not be blank')
    .refine((value) => !CONTROL_CHARACTER.test(value), 'must not contain control characters');

/** A Feishu account id: it names the account's workflow (`eco-account-<account_id>`) and a search attribute. */
export const accountIdSchema = text(FIELD_LIMITS.id);
export const tenantKeySchema = text(FIELD_LIMITS.tenantKey);

const nonNegativeInt = z.int({ error: 'must be an integer' }).min(0, 'must not be negative');
/** Milliseconds since the epoch as Feishu takes them: a string of digits. */
const msString = z
  .string({ error: 'must be a string of digits (milliseconds)' })
  .regex(/^[0-9]{1,15}$/, 'must be a string of 1–15 digits (milliseconds)');

export const paperSchema = z
  .strictObject({
    id: text(FIELD_LIMITS.id),
    name: text(FIELD_LIMITS.id),
    duration: nonNegativeInt.optional(),
    question_count: nonNegativeInt.optional(),
    start_time: msString.optional(),
    end_time: msString.optional(),
  })
  .refine(
    (paper) =>
      paper.start_time === undefined ||
      paper.end_time === undefined ||
      Number(paper.start_time) < Number(paper.end_time),
    { message: 'must be after start_time', path: ['end_time'] },
  );
export type Paper = z.infer<typeof paperSchema>;

/** Ids must be unique: Feishu keys the papers by id. The message gives positions, never the id. */
const uniqueBy =
  <T>(key: (item: T) => string, what: string) =>
  (items: T[], ctx: z.core.$RefinementCtx<T[]>) => {
    const seen = new Map<string, number>();
    items.forEach((item, index) => {
      const first = seen.get(key(item));
      if (first === undefined) seen.set(key(item), index);
      else
        ctx.addIssue({ code: 'custom', path: [index, what], message: `duplicates the ${what} at position ${first}` });
    });
  };

export const paperListSchema = z
  .array(paperSchema, { error: 'must be an array' })
  .min(1, 'must hold at least one paper')
  .max(ACCOUNT_LIST_LIMITS.papers, `must hold at most ${ACCOUNT_LIST_LIMITS.papers} papers`)
  .superRefine(uniqueBy((paper: Paper) => paper.id, 'id'));

/** The `examPapersUpdated` payload and the `publishExamPapers` update's argument: the account's full list. */
export const examPapersSchema = z.strictObject({ paper_list: paperListSchema });
export type ExamPapers = z.infer<typeof examPapersSchema>;

/** PUT /accounts/:accountId/papers: the full list; `tenant_key` names a store app's customer (first update only). */
export const publishPapersBodySchema = examPapersSchema.extend({ tenant_key: tenantKeySchema.optional() });
export type PublishPapersBody = z.infer<typeof publishPapersBodySchema>;

/** Feishu's i18n text `{ zh_cn?, en_us? }`: at least one of the two. */
const i18nText = (max: number) =>
  z
    .strictObject({ zh_cn: text(max).optional(), en_us: text(max).optional() }, { error: 'must be an object' })
    .refine((value) => value.zh_cn !== undefined || value.en_us !== undefined, 'needs zh_cn or en_us');

export const customFieldSchema = z.strictObject({
  key: text(FIELD_LIMITS.id),
  name: i18nText(FIELD_LIMITS.id),
  is_required: z.boolean({ error: 'must be true or false' }),
  description: i18nText(ACCOUNT_LIST_LIMITS.description).optional(),
});
export type CustomField = z.infer<typeof customFieldSchema>;

export const customFieldListSchema = z
  .array(customFieldSchema, { error: 'must be an array' })
  .min(1, 'must hold at least one field (Feishu keeps at least one)')
  .max(ACCOUNT_LIST_LIMITS.customFields, `must hold at most ${ACCOUNT_LIST_LIMITS.customFields} fields`)
  .superRefine(uniqueBy((field: CustomField) => field.key, 'key'));

/** The `registerAccountCustomFields` update's argument. */
export const customFieldsSchema = z.strictObject({
  custom_field_list: customFieldListSchema,
  /** Feishu never lets a deleted key be used again: dropping keys it holds needs this. */
  confirm_removal: z.boolean({ error: 'must be true or false' }).optional(),
});
export type CustomFields = z.infer<typeof customFieldsSchema>;

/** PUT /account-custom-fields. */
export const registerCustomFieldsBodySchema = customFieldsSchema.extend({ tenant_key: tenantKeySchema.optional() });
export type RegisterCustomFieldsBody = z.infer<typeof registerCustomFieldsBodySchema>;

/**
 * What the account-bound event says about the account. `customFields` holds the customer's values: customer data,
 * possibly credentials — it lives only in the workflow's (encrypted) input and state, never in a query, log,
 * search attribute, summary or error.
 */
export const boundAccountSchema = z.strictObject({
  // As Feishu sent them (src/feishu/events.ts checked the types; the webhook's body limit bounds the sizes).
  scope: z.int(),
  name: z.string().optional(),
  usage: z.array(z.int()).optional(),
  customFields: z.array(z.strictObject({ key: z.string(), value: z.string().optional() })).optional(),
  eventId: z.string().optional(),
  /** ISO time the ingest took the event. */
  boundAt: z.string().optional(),
});
export type BoundAccount = z.infer<typeof boundAccountSchema>;

/** ecoAccountWorkflow's input (docs/contract.md); `resume` is the state a continued run carries (never by callers). */
export const ecoAccountInputSchema = z.object({
  accountId: accountIdSchema,
  tenantKey: tenantKeySchema.optional(),
  /** Set when the account-bound event started (or reached) the workflow; absent for an account seen by papers first. */
  account: boundAccountSchema.optional(),
  /** Send the exam system `account.bound` (EXAM_SYSTEM_WEBHOOK_URL is set on the ingest). */
  notifyExamSystem: z.boolean().optional(),
  /** Test and tuning knobs: settle delay before the newest is re-sent after an unknown outcome, sends per run. */
  settleDelay: z.union([z.number().int().nonnegative(), z.string().min(1)]).optional(),
  sendsPerRun: z.number().int().positive().optional(),
  resume: z.unknown().optional(),
});
export type EcoAccountInput = z.infer<typeof ecoAccountInputSchema>;

/** ecoAccountCustomFieldsWorkflow's input. */
export const customFieldsInputSchema = z.object({
  tenantKey: tenantKeySchema.optional(),
  settleDelay: z.union([z.number().int().nonnegative(), z.string().min(1)]).optional(),
  sendsPerRun: z.number().int().positive().optional(),
  resume: z.unknown().optional(),
});
export type CustomFieldsInput = z.infer<typeof customFieldsInputSchema>;
