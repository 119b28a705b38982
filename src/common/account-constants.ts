/**
 * The account side's contract names (docs/contract.md): a customer binds the vendor's account, the exam system
 * publishes the account's papers and the vendor's custom fields. Re-exported by ./constants.ts; import from there.
 */

export const ACCOUNT_WORKFLOW_TYPE = 'ecoAccountWorkflow';
export const ACCOUNT_WORKFLOW_ID_PREFIX = 'eco-account-';
export const CUSTOM_FIELDS_WORKFLOW_TYPE = 'ecoAccountCustomFieldsWorkflow';
export const CUSTOM_FIELDS_WORKFLOW_ID_PREFIX = 'eco-account-custom-fields-';
/** The custom-fields workflow of a custom app (no tenant): `eco-account-custom-fields-app`. */
export const CUSTOM_FIELDS_APP_SCOPE = 'app';

/** Signal: the account's full paper list (`{ paper_list }`), the durable path (no live worker needed). */
export const SIGNAL_EXAM_PAPERS_UPDATED = 'examPapersUpdated';
/** Update: the same list, answered; its validator refuses an invalid list (field and reason) with no history event. */
export const UPDATE_PUBLISH_EXAM_PAPERS = 'publishExamPapers';
/** Internal signal: the account-bound event reached an account whose workflow already runs (started by papers). */
export const SIGNAL_ACCOUNT_BOUND = 'accountBound';
/** Internal signal: a sync activity reports a failed attempt (attempt, error, the list's number) to its workflow. */
export const SIGNAL_SYNC_ATTEMPT_FAILED = 'syncAttemptFailed';
export const QUERY_ACCOUNT_STATUS = 'accountStatus';
/** Update: the vendor's full custom-field list for scope 2, answered (refused: invalid, or keys dropped unconfirmed). */
export const UPDATE_REGISTER_CUSTOM_FIELDS = 'registerAccountCustomFields';
export const QUERY_CUSTOM_FIELDS_STATUS = 'accountCustomFieldsStatus';
export const ACTIVITY_SYNC_EXAM_PAPERS = 'syncExamPapers';
export const ACTIVITY_SYNC_ACCOUNT_CUSTOM_FIELDS = 'syncAccountCustomFields';

/** Refusal types of the account updates (the validator's ApplicationFailure `type`; no history event). */
export const ACCOUNT_REFUSAL = {
  /** The paper list is invalid (→ 400; the message names the field and the reason). */
  invalidPapers: 'InvalidPaperList',
  /** The custom-field list is invalid (→ 400). */
  invalidCustomFields: 'InvalidCustomFieldList',
  /** The list drops keys Feishu holds, without `confirm_removal` (→ 409; details[0]: the dropped keys). */
  customFieldsRemoval: 'CustomFieldRemovalUnconfirmed',
} as const;

/** The account-bound event's `scope` for exams (1 is background checks: not this product's). */
export const EXAM_ACCOUNT_SCOPE = 2;

/** The task queue of syncExamPapers alone (eco_exam_papers has its own Feishu quota): `<task queue>-exam-papers`. */
export function examPapersTaskQueue(taskQueue: string): string {
  return `${taskQueue}-exam-papers`;
}

/** The task queue of syncAccountCustomFields alone (its own quota): `<task queue>-custom-fields`. */
export function customFieldsTaskQueue(taskQueue: string): string {
  return `${taskQueue}-custom-fields`;
}

export function ecoAccountWorkflowId(accountId: string): string {
  return `${ACCOUNT_WORKFLOW_ID_PREFIX}${accountId}`;
}

/** One custom-field list per tenant (store apps) or per app (custom apps: `tenantKey` undefined). */
export function ecoAccountCustomFieldsWorkflowId(tenantKey: string | undefined): string {
  return `${CUSTOM_FIELDS_WORKFLOW_ID_PREFIX}${tenantKey ?? CUSTOM_FIELDS_APP_SCOPE}`;
}

/** Where an account's paper list (or the vendor's custom-field list) stands with Feishu. */
export const SYNC_STATUSES = ['none', 'pending', 'syncing', 'synced', 'rejected', 'failed'] as const;
export type SyncStatus = (typeof SYNC_STATUSES)[number];
