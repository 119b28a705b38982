import { ApplicationFailure } from '@temporalio/common';
import type { CustomField, Paper } from '../common/account-schemas';
import type { SyncResult } from '../common/account-types';
import { SIGNAL_SYNC_ATTEMPT_FAILED } from '../common/constants';
import type { FeishuClient, SubmitLoginInfoOutcome } from '../feishu/client';
import { callFeishuOnce } from './feishu-call';

export interface SyncExamPapersInput {
  accountId: string;
  tenantKey?: string;
  paperList: Paper[];
  /** The list's number in its workflow, echoed in attempt reports. */
  seq?: number;
}

export interface SyncAccountCustomFieldsInput {
  tenantKey?: string;
  /** The vendor's field definitions (no customer data). */
  customFieldList: CustomField[];
  seq?: number;
}

export interface SyncAccountDeps {
  feishu: Partial<Pick<FeishuClient, 'syncExamPapers' | 'syncAccountCustomFields'>>;
  /** Tell the workflow about each failed attempt (its status shows retries live). Default true. */
  reportAttempts?: boolean;
}

/** One sync call per attempt (./feishu-call.ts: heartbeats, the failure table, attempt reports). */
function syncOnce(
  what: string,
  ids: Record<string, unknown>,
  seq: number | undefined,
  reportAttempts: boolean,
  call: (signal: AbortSignal) => Promise<SubmitLoginInfoOutcome>,
): Promise<SyncResult> {
  return callFeishuOnce({ what, ids, report: reportAttempts && { signal: SIGNAL_SYNC_ATTEMPT_FAILED, seq } }, call);
}

/** syncExamPapers: POST eco_exam_papers with the account's full list (Feishu keeps the last list). */
export function createSyncExamPapers(deps: SyncAccountDeps) {
  return async function syncExamPapers(input: SyncExamPapersInput): Promise<SyncResult> {
    return syncOnce(
      'eco_exam_papers',
      { accountId: input.accountId, papers: input.paperList.length },
      input.seq,
      deps.reportAttempts !== false,
      (signal) =>
        required(deps.feishu.syncExamPapers, 'syncExamPapers').call(deps.feishu, input.accountId, input.paperList, {
          tenantKey: input.tenantKey,
          signal,
        }),
    );
  };
}

/** syncAccountCustomFields: POST eco_account_custom_fields, scope 2, the vendor's full list. */
export function createSyncAccountCustomFields(deps: SyncAccountDeps) {
  return async function syncAccountCustomFields(input: SyncAccountCustomFieldsInput): Promise<SyncResult> {
    return syncOnce(
      'eco_account_custom_fields',
      { tenantKey: input.tenantKey, fields: input.customFieldList.length },
      input.seq,
      deps.reportAttempts !== false,
      (signal) =>
        required(deps.feishu.syncAccountCustomFields, 'syncAccountCustomFields').call(
          deps.feishu,
          input.customFieldList,
          {
            tenantKey: input.tenantKey,
            signal,
          },
        ),
    );
  };
}

/** A worker built without the account APIs (an exam-only test double): fail for good, saying so. */
function required<F>(method: F | undefined, name: string): F {
  if (method) return method;
  throw ApplicationFailure.create({
    type: 'FeishuProtocolError',
    message: `this worker's Feishu client has no ${name}`,
    nonRetryable: true,
  });
}
