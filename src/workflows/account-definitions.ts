import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import {
  QUERY_ACCOUNT_STATUS,
  QUERY_CUSTOM_FIELDS_STATUS,
  SIGNAL_ACCOUNT_BOUND,
  SIGNAL_EXAM_PAPERS_UPDATED,
  SIGNAL_SYNC_ATTEMPT_FAILED,
  UPDATE_PUBLISH_EXAM_PAPERS,
  UPDATE_REGISTER_CUSTOM_FIELDS,
} from '../common/constants';
import type { BoundAccount, CustomFields, ExamPapers } from '../common/account-schemas';
import type { AccountStatusView, CustomFieldsStatusView, ListAccepted } from '../common/account-types';
import type { ResultAttemptFailedReport } from '../common/types';

/** The account's full paper list; validated on arrival (an invalid one is counted and dropped). Durable. */
export const examPapersUpdated = defineSignal<[ExamPapers]>(SIGNAL_EXAM_PAPERS_UPDATED);
/** The same list, answered: refused by the validator (type InvalidPaperList, field and reason) with no history event. */
export const publishExamPapers = defineUpdate<ListAccepted, [ExamPapers]>(UPDATE_PUBLISH_EXAM_PAPERS);
/** The account's state: name, scope, usage, custom-field KEYS, paper sync. Never the custom-field values. */
export const accountStatus = defineQuery<AccountStatusView>(QUERY_ACCOUNT_STATUS);
/** Internal: the account-bound event for an account whose workflow already runs (started by a paper update). */
export const accountBound =
  defineSignal<[{ account: BoundAccount; tenantKey?: string; notifyExamSystem?: boolean }]>(SIGNAL_ACCOUNT_BOUND);
/** Internal: syncExamPapers / syncAccountCustomFields report a failed attempt of the list numbered `seq`. */
export const syncAttemptFailed = defineSignal<[ResultAttemptFailedReport]>(SIGNAL_SYNC_ATTEMPT_FAILED);
/**
 * The vendor's full custom-field list (scope 2), answered: refused (no history event) when invalid
 * (InvalidCustomFieldList) or when it drops keys Feishu holds without `confirm_removal` (CustomFieldRemovalUnconfirmed).
 */
export const registerAccountCustomFields = defineUpdate<ListAccepted, [CustomFields]>(UPDATE_REGISTER_CUSTOM_FIELDS);
export const accountCustomFieldsStatus = defineQuery<CustomFieldsStatusView>(QUERY_CUSTOM_FIELDS_STATUS);
