import { ApplicationFailure } from '@temporalio/common';
import { activityInfo, cancellationSignal, heartbeat, log } from '@temporalio/activity';
import type { CustomField, Paper } from '../shared/account-schemas';
import type { SyncResult } from '../shared/account-types';
import { SIGNAL_SYNC_ATTEMPT_FAILED } from '../shared/constants';
import type { ExamError } from '../shared/types';
import type { FeishuClient, SubmitLoginInfoOutcome } from '../feishu/client';
import { InvalidAccountListError } from '../feishu/eco-account';
import { failureDetails, reportAttempt, toApplicationFailure } from './submit-login-info';

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

/** Well under the workflows' heartbeatTimeout for the sync activities (20 s). */
const HEARTBEAT_EVERY_MS = 5_000;

/**
 * One Feishu call per attempt; its answer decides through the one failure table (src/shared/failure-types.ts):
 * success, retryable (1002001, 5xx, network, timeout, 429) or final (any other refusal, an invalid list).
 */
async function syncOnce(
  what: string,
  ids: Record<string, unknown>,
  seq: number | undefined,
  reportAttempts: boolean,
  call: (signal: AbortSignal) => Promise<SubmitLoginInfoOutcome>,
): Promise<SyncResult> {
  const { attempt } = activityInfo();
  const beat = setInterval(() => heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    const outcome = await call(cancellationSignal());
    log.info(`${what} accepted by Feishu`, { ...ids, attempt, logId: outcome.logId });
    return { attempt, logId: outcome.logId };
  } catch (err) {
    if (err instanceof InvalidAccountListError) {
      const error: ExamError = { type: err.failureType, message: err.message, attempt };
      throw ApplicationFailure.create({
        type: error.type,
        message: error.message,
        nonRetryable: true,
        details: [error],
      });
    }
    const failure = toApplicationFailure(err, attempt);
    if (failure === undefined) throw err; // cancellation and the like: Temporal's own errors pass through.
    log.warn(`${what} not accepted`, { ...ids, attempt, type: failure.type, retryable: !failure.nonRetryable });
    if (reportAttempts && !failure.nonRetryable) {
      const report = { attempt, error: failureDetails(failure, attempt), seq };
      await reportAttempt(report, SIGNAL_SYNC_ATTEMPT_FAILED);
    }
    throw failure;
  } finally {
    clearInterval(beat);
  }
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
