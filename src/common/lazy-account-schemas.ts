import { z } from 'zod';
import { lazySchema } from './lazy-schema';
import { FIELD_LIMITS } from './lazy-schemas';

/**
 * zod schemas of the account side (docs/accounts.md): the paper list and the custom-field list the exam system
 * publishes, and the account workflow's input. Used by the client helpers, the ingest, the workflows (update
 * validators) and the Feishu client, so every door checks the same rules. Messages name the rule, never the value;
 * describeZodError (./lazy-schemas.ts) prefixes the field's path (`paper_list.2.end_time: …`). Each is built on first
 * use (src/common/lazy-schema.ts): workflows call the getters of `accountSchemas`; other code uses the built schemas
 * src/common/account-schemas.ts exports.
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
const accountId = lazySchema(() => text(FIELD_LIMITS.id));
const tenantKey = lazySchema(() => text(FIELD_LIMITS.tenantKey));

const nonNegativeInt = () => z.int({ error: 'must be an integer' }).min(0, 'must not be negative');
/** Milliseconds since the epoch as Feishu takes them: a string of digits. */
const msString = () =>
  z
    .string({ error: 'must be a string of digits (milliseconds)' })
    .regex(/^[0-9]{1,15}$/, 'must be a string of 1–15 digits (milliseconds)');

const paper = lazySchema(() =>
  z
    .strictObject({
      id: text(FIELD_LIMITS.id),
      name: text(FIELD_LIMITS.id),
      duration: nonNegativeInt().optional(),
      question_count: nonNegativeInt().optional(),
      start_time: msString().optional(),
      end_time: msString().optional(),
    })
    .refine(
      (value) =>
        value.start_time === undefined ||
        value.end_time === undefined ||
        Number(value.start_time) < Number(value.end_time),
      { message: 'must be after start_time', path: ['end_time'] },
    ),
);

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

const paperList = lazySchema(() =>
  z
    .array(paper(), { error: 'must be an array' })
    .min(1, 'must hold at least one paper')
    .max(ACCOUNT_LIST_LIMITS.papers, `must hold at most ${ACCOUNT_LIST_LIMITS.papers} papers`)
    .superRefine(uniqueBy((item: z.infer<ReturnType<typeof paper>>) => item.id, 'id')),
);

/** The `examPapersUpdated` payload and the `publishExamPapers` update's argument: the account's full list. */
const examPapers = lazySchema(() => z.strictObject({ paper_list: paperList() }));

/** PUT /accounts/:accountId/papers: the full list; `tenant_key` names a store app's customer (first update only). */
const publishPapersBody = lazySchema(() => examPapers().extend({ tenant_key: tenantKey().optional() }));

/** Feishu's i18n text `{ zh_cn?, en_us? }`: at least one of the two. */
const i18nText = (max: number) =>
  z
    .strictObject({ zh_cn: text(max).optional(), en_us: text(max).optional() }, { error: 'must be an object' })
    .refine((value) => value.zh_cn !== undefined || value.en_us !== undefined, 'needs zh_cn or en_us');

const customField = lazySchema(() =>
  z.strictObject({
    key: text(FIELD_LIMITS.id),
    name: i18nText(FIELD_LIMITS.id),
    is_required: z.boolean({ error: 'must be true or false' }),
    description: i18nText(ACCOUNT_LIST_LIMITS.description).optional(),
  }),
);

const customFieldList = lazySchema(() =>
  z
    .array(customField(), { error: 'must be an array' })
    .min(1, 'must hold at least one field (Feishu keeps at least one)')
    .max(ACCOUNT_LIST_LIMITS.customFields, `must hold at most ${ACCOUNT_LIST_LIMITS.customFields} fields`)
    .superRefine(uniqueBy((field: z.infer<ReturnType<typeof customField>>) => field.key, 'key')),
);

/** The `registerAccountCustomFields` update's argument. */
const customFields = lazySchema(() =>
  z.strictObject({
    custom_field_list: customFieldList(),
    /** Feishu never lets a deleted key be used again: dropping keys it holds needs this. */
    confirm_removal: z.boolean({ error: 'must be true or false' }).optional(),
  }),
);

/** PUT /account-custom-fields. */
const registerCustomFieldsBody = lazySchema(() => customFields().extend({ tenant_key: tenantKey().optional() }));

/**
 * What the account-bound event says about the account. `customFields` holds the customer's values: customer data,
 * possibly credentials — it lives only in the workflow's (encrypted) input and state, never in a query, log,
 * search attribute, summary or error.
 */
const boundAccount = lazySchema(() =>
  z.strictObject({
    // As Feishu sent them (src/feishu/events.ts checked the types; the webhook's body limit bounds the sizes).
    scope: z.int(),
    name: z.string().optional(),
    usage: z.array(z.int()).optional(),
    customFields: z.array(z.strictObject({ key: z.string(), value: z.string().optional() })).optional(),
    eventId: z.string().optional(),
    /** ISO time the ingest took the event. */
    boundAt: z.string().optional(),
  }),
);

/** ecoAccountWorkflow's input (docs/contract.md); `resume` is the state a continued run carries (never by callers). */
const ecoAccountInput = lazySchema(() =>
  z.object({
    accountId: accountId(),
    tenantKey: tenantKey().optional(),
    /** Set when the account-bound event started (or reached) the workflow; absent for an account seen by papers first. */
    account: boundAccount().optional(),
    /** Send the exam system `account.bound` (EXAM_SYSTEM_WEBHOOK_URL is set on the ingest). */
    notifyExamSystem: z.boolean().optional(),
    /** Test and tuning knobs: settle delay before the newest is re-sent after an unknown outcome, sends per run. */
    settleDelay: z.union([z.number().int().nonnegative(), z.string().min(1)]).optional(),
    sendsPerRun: z.number().int().positive().optional(),
    resume: z.unknown().optional(),
  }),
);

/** ecoAccountCustomFieldsWorkflow's input. */
const customFieldsInput = lazySchema(() =>
  z.object({
    tenantKey: tenantKey().optional(),
    settleDelay: z.union([z.number().int().nonnegative(), z.string().min(1)]).optional(),
    sendsPerRun: z.number().int().positive().optional(),
    resume: z.unknown().optional(),
  }),
);

/** The getters (each builds its schema once, on first use). */
export const accountSchemas = {
  accountId,
  tenantKey,
  paper,
  paperList,
  examPapers,
  publishPapersBody,
  customField,
  customFieldList,
  customFields,
  registerCustomFieldsBody,
  boundAccount,
  ecoAccountInput,
  customFieldsInput,
};
