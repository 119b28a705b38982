import { ApplicationFailure } from '@temporalio/common';
import { activityInfo, cancellationSignal, heartbeat, log } from '@temporalio/activity';
import type { ExamResultBody } from '../shared/result-schemas';
import type { ExamError, SubmitExamResultResult } from '../shared/types';
import { InvalidExamResultError } from '../feishu/update-result';
import type { FeishuClient } from '../feishu/client';
import { SIGNAL_RESULT_ATTEMPT_FAILED } from '../shared/constants';
import { failureDetails, reportAttempt, toApplicationFailure } from './submit-login-info';

export interface SubmitExamResultInput {
  examId: string;
  tenantKey?: string;
  /** The update_result request body (the `examResultReported` payload). Never logged. */
  body: ExamResultBody;
  /** The result's number in its workflow, echoed in attempt reports. */
  seq?: number;
}

export interface SubmitExamResultDeps {
  feishu: Pick<FeishuClient, 'updateResult'>;
  /** Tell the workflow about each failed attempt (its status shows retries live). Default true. */
  reportAttempts?: boolean;
}

/** Heartbeats well under the workflow's heartbeatTimeout for submitExamResult (20 s). */
const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Builds submitExamResult: one update_result call per attempt. Feishu's answer decides, through the one failure
 * table (src/shared/failure-types.ts): success, retryable (1002001, 5xx, network, timeout, 429), or final
 * (FeishuResultLocked for 1002855, any other refusal).
 */
export function createSubmitExamResult(deps: SubmitExamResultDeps) {
  return async function submitExamResult(input: SubmitExamResultInput): Promise<SubmitExamResultResult> {
    const { attempt } = activityInfo();
    const beat = setInterval(() => heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      const outcome = await deps.feishu.updateResult(input.examId, input.body, {
        tenantKey: input.tenantKey,
        signal: cancellationSignal(),
      });
      log.info('update_result accepted by Feishu', {
        examId: input.examId,
        attempt,
        logId: outcome.logId,
        refreshedToken: outcome.refreshedToken,
      });
      return { attempt, logId: outcome.logId };
    } catch (err) {
      if (err instanceof InvalidExamResultError) {
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
      log.warn('update_result not accepted', {
        examId: input.examId,
        attempt,
        type: failure.type,
        retryable: !failure.nonRetryable,
      });
      if (deps.reportAttempts !== false && !failure.nonRetryable) {
        const report = { attempt, error: failureDetails(failure, attempt), seq: input.seq };
        await reportAttempt(report, SIGNAL_RESULT_ATTEMPT_FAILED);
      }
      throw failure;
    } finally {
      clearInterval(beat);
    }
  };
}
