import type { z } from 'zod';
import { accountSchemas } from './lazy-account-schemas';

/**
 * The account side's zod schemas (docs/accounts.md), built (src/common/lazy-account-schemas.ts holds their definitions
 * and limits): for the client helpers, the ingest and the Feishu client. Workflow code uses the getters of
 * src/common/lazy-account-schemas.ts instead.
 */
export { ACCOUNT_LIST_LIMITS } from './lazy-account-schemas';

/** A Feishu account id: it names the account's workflow (`eco-account-<account_id>`) and a search attribute. */
export const accountIdSchema = accountSchemas.accountId();
export const tenantKeySchema = accountSchemas.tenantKey();

export const paperSchema = accountSchemas.paper();
export type Paper = z.infer<typeof paperSchema>;

export const paperListSchema = accountSchemas.paperList();

/** The `examPapersUpdated` payload and the `publishExamPapers` update's argument: the account's full list. */
export const examPapersSchema = accountSchemas.examPapers();
export type ExamPapers = z.infer<typeof examPapersSchema>;

/** PUT /accounts/:accountId/papers: the full list; `tenant_key` names a store app's customer (first update only). */
export const publishPapersBodySchema = accountSchemas.publishPapersBody();
export type PublishPapersBody = z.infer<typeof publishPapersBodySchema>;

export const customFieldSchema = accountSchemas.customField();
export type CustomField = z.infer<typeof customFieldSchema>;

export const customFieldListSchema = accountSchemas.customFieldList();

/** The `registerAccountCustomFields` update's argument. */
export const customFieldsSchema = accountSchemas.customFields();
export type CustomFields = z.infer<typeof customFieldsSchema>;

/** PUT /account-custom-fields. */
export const registerCustomFieldsBodySchema = accountSchemas.registerCustomFieldsBody();
export type RegisterCustomFieldsBody = z.infer<typeof registerCustomFieldsBodySchema>;

/** What the account-bound event says about the account (its custom-field values never leave the workflow's state). */
export const boundAccountSchema = accountSchemas.boundAccount();
export type BoundAccount = z.infer<typeof boundAccountSchema>;

/** ecoAccountWorkflow's input (docs/contract.md). */
export const ecoAccountInputSchema = accountSchemas.ecoAccountInput();
export type EcoAccountInput = z.infer<typeof ecoAccountInputSchema>;

/** ecoAccountCustomFieldsWorkflow's input. */
export const customFieldsInputSchema = accountSchemas.customFieldsInput();
export type CustomFieldsInput = z.infer<typeof customFieldsInputSchema>;
