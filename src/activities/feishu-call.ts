import { ApplicationFailure } from '@temporalio/common';
import { activityInfo, cancellationSignal, Context, heartbeat, log } from '@temporalio/activity';
import { FAILURE_TYPES, type FailureType } from '../common/failure-types';
import type { AttemptFailedReport, ExamError } from '../common/types';
import { FeishuError, FeishuRateLimitedError } from '../feishu/errors';
import { InvalidLoginInfoError } from '../feishu/client';
import { InvalidAccountListError } from '../feishu/eco-account';
import { InvalidExamResultError } from '../feishu/update-result';
import { InvalidPathParameterError } from '../feishu/url';

/**
 * One Feishu call per activity attempt — the shape every Feishu activity shares (submitLoginInfo, submitExamResult,
 * syncExamPapers, syncAccountCustomFields): heartbeats while the call runs, Feishu's answer mapped through the one
 * failure table (src/common/failure-types.ts) to success, a retryable failure (1002001, 5xx, network, timeout, 429
 * with its reset as the next retry's delay) or a final one, and each retryable failure reported to the workflow so its
 * status shows retries live. Request bodies are never logged.
 */

/** Well under the workflows' heartbeatTimeout for the Feishu activities (20 s): a dead worker is noticed quickly. */
const HEARTBEAT_EVERY_MS = 5_000;

export interface FeishuCallOptions {
  /** The API, for the log lines (e.g. `login_info`). */
  what: string;
  /** Ids (never bodies) for the log lines. */
  ids: Record<string, unknown>;
  /** The workflow signal that receives failed attempts, and the item's number echoed in them; false: no reports. */
  report: { signal: string; seq?: number } | false;
}

export async function callFeishuOnce<T extends { logId?: string; refreshedToken?: boolean }>(
  options: FeishuCallOptions,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<{ attempt: number; logId?: string }> {
  const { attempt } = activityInfo();
  const beat = setInterval(() => heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    const outcome = await call(cancellationSignal());
    log.info(`${options.what} accepted by Feishu`, {
      ...options.ids,
      attempt,
      logId: outcome.logId,
      refreshedToken: outcome.refreshedToken,
    });
    return { attempt, logId: outcome.logId };
  } catch (err) {
    const failure = toApplicationFailure(err, attempt);
    if (failure === undefined) throw err; // cancellation and the like: Temporal's own errors pass through.
    log.warn(`${options.what} not accepted`, {
      ...options.ids,
      attempt,
      type: failure.type,
      retryable: !failure.nonRetryable,
    });
    if (options.report && !failure.nonRetryable) {
      const report = { attempt, error: failureDetails(failure, attempt), seq: options.report.seq };
      await reportAttempt(report, options.report.signal);
    }
    throw failure;
  } finally {
    clearInterval(beat);
  }
}

/**
 * Converts the client's typed errors into ApplicationFailures with stable types (src/common/failure-types.ts);
 * retryability comes from that table, the rate-limit wait from `x-ogw-ratelimit-reset`. Anything else: undefined.
 */
export function toApplicationFailure(err: unknown, attempt: number): ApplicationFailure | undefined {
  let type: FailureType;
  let error: ExamError;
  if (err instanceof FeishuError) {
    type = err.failureType;
    error = { type, message: err.message, code: err.code, logId: err.logId, attempt };
  } else if (
    err instanceof InvalidLoginInfoError ||
    err instanceof InvalidExamResultError ||
    err instanceof InvalidAccountListError ||
    err instanceof InvalidPathParameterError
  ) {
    // Refused before any request: the body or a path parameter is invalid.
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

/** Signals the activity's workflow about a failed attempt (best effort: the retry itself does not depend on it). */
async function reportAttempt(report: AttemptFailedReport & { seq?: number }, signal: string): Promise<void> {
  const { workflowExecution } = activityInfo();
  if (!workflowExecution) return;
  try {
    await Context.current()
      .client.workflow.getHandle(workflowExecution.workflowId, workflowExecution.runId)
      .signal(signal, report);
  } catch (err) {
    log.warn('could not report the failed attempt to the workflow', { reason: (err as Error).message });
  }
}
