import { ApplicationFailure } from '@temporalio/common';
import { activityInfo, cancellationSignal, Context, heartbeat, log } from '@temporalio/activity';
import { FAILURE_TYPES, type FailureType } from '../shared/failure-types';
import { SIGNAL_ATTEMPT_FAILED } from '../shared/constants';
import type { LoginInfoBody } from '../shared/schemas';
import type { AttemptFailedReport, ExamError, SubmitLoginInfoResult } from '../shared/types';
import { FeishuError, FeishuRateLimitedError } from '../feishu/errors';
import { InvalidLoginInfoError, type FeishuClient } from '../feishu/client';
import { InvalidPathParameterError } from '../feishu/url';

export interface SubmitLoginInfoInput {
  examId: string;
  tenantKey?: string;
  /** The login_info request body (the `examArranged` payload). Holds the password: never log it. */
  body: LoginInfoBody;
}

export interface SubmitLoginInfoDeps {
  feishu: Pick<FeishuClient, 'submitLoginInfo'>;
  /** Tell the workflow about each failed attempt, so its status shows retries live. Default true. */
  reportAttempts?: boolean;
}

/** Builds the activity. Feishu's answer decides: success, a retryable failure, or a non-retryable one. */
export function createSubmitLoginInfo(deps: SubmitLoginInfoDeps) {
  return async function submitLoginInfo(input: SubmitLoginInfoInput): Promise<SubmitLoginInfoResult> {
    const { attempt } = activityInfo();
    // Heartbeats let Temporal notice a crashed worker within the heartbeat timeout, not the 2-minute start-to-close.
    const beat = setInterval(() => heartbeat(), HEARTBEAT_EVERY_MS);
    try {
      const outcome = await deps.feishu.submitLoginInfo(input.examId, input.body, {
        tenantKey: input.tenantKey,
        signal: cancellationSignal(),
      });
      log.info('login_info accepted by Feishu', {
        examId: input.examId,
        attempt,
        logId: outcome.logId,
        refreshedToken: outcome.refreshedToken,
      });
      return { attempt, logId: outcome.logId };
    } catch (err) {
      const failure = toApplicationFailure(err, attempt);
      if (failure === undefined) throw err; // cancellation and the like: Temporal's own errors pass through.
      if (deps.reportAttempts !== false && !failure.nonRetryable) {
        await reportAttempt({ attempt, error: failureDetails(failure, attempt) });
      }
      throw failure;
    } finally {
      clearInterval(beat);
    }
  };
}

/** Well under the workflow's heartbeatTimeout for submitLoginInfo (20 s). */
const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Converts the client's typed errors into ApplicationFailures with stable types (src/shared/failure-types.ts);
 * retryability comes from that table, the rate-limit wait from `x-ogw-ratelimit-reset`.
 */
export function toApplicationFailure(err: unknown, attempt: number): ApplicationFailure | undefined {
  let type: FailureType;
  let error: ExamError;
  if (err instanceof FeishuError) {
    type = err.failureType;
    error = { type, message: err.message, code: err.code, logId: err.logId, attempt };
  } else if (err instanceof InvalidLoginInfoError || err instanceof InvalidPathParameterError) {
    type = err.failureType;
    error = { type, message: err.message, attempt };
  } else {
    return undefined;
  }
  return ApplicationFailure.create({
    type,
    message: error.message,
    nonRetryable: !FAILURE_TYPES[type].retryable,
    details: [error],
    nextRetryDelay: err instanceof FeishuRateLimitedError ? err.retryAfterMs : undefined,
  });
}

export function failureDetails(failure: ApplicationFailure, attempt: number): ExamError {
  const [detail] = failure.details ?? [];
  return (detail as ExamError | undefined) ?? { type: failure.type ?? 'Error', message: failure.message, attempt };
}

/** Signals the activity's workflow about a failed attempt (best effort); `signal` defaults to submitAttemptFailed. */
export async function reportAttempt(
  report: AttemptFailedReport,
  signal: string = SIGNAL_ATTEMPT_FAILED,
): Promise<void> {
  const { workflowExecution } = activityInfo();
  if (!workflowExecution) return;
  try {
    await Context.current()
      .client.workflow.getHandle(workflowExecution.workflowId, workflowExecution.runId)
      .signal(signal, report);
  } catch (err) {
    // Best effort: the retry itself does not depend on it.
    log.warn('could not report the failed attempt to the workflow', { reason: (err as Error).message });
  }
}
