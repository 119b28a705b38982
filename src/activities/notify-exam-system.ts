import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { activityInfo, cancellationSignal, log } from '@temporalio/activity';
import type { FetchLike } from '../feishu/http';
import type { EcoExamInput } from '../common/schemas';

/**
 * Optional step (3) of the flow: tell the exam system about a new exam over HTTP, signed so it can verify the
 * sender. See README "Exam-system notification" for the payload and how to verify the signature.
 */
export interface NotifyExamSystemDeps {
  /** EXAM_SYSTEM_WEBHOOK_URL; when unset, a requested notification fails non-retryably with a clear message. */
  webhookUrl?: string;
  /** EXAM_SYSTEM_WEBHOOK_SECRET: the HMAC key. */
  secret?: string;
  fetch?: FetchLike;
  timeoutMs?: number;
  now?: () => number;
}

export interface ExamCreatedNotification {
  type: 'exam.created';
  examId: string;
  workflowId: string;
  accountId?: string;
  paperId?: string;
  tenantKey?: string;
  eventId?: string;
  candidate?: EcoExamInput['candidate'];
  /** ISO time after which an arrangement is no longer accepted. */
  arrangementDeadline?: string;
}

/**
 * `account.bound`: a customer bound the vendor's account (scope 2). Carries the customer's custom-field values — the
 * exam system needs them to recognise the customer; they travel only in this signed request, never in a log line.
 */
export interface AccountBoundNotification {
  type: 'account.bound';
  accountId: string;
  workflowId: string;
  name?: string;
  usage?: number[];
  customFields: Array<{ key: string; value?: string }>;
  tenantKey?: string;
  eventId?: string;
}

export type ExamSystemNotification = ExamCreatedNotification | AccountBoundNotification;

export const SIGNATURE_HEADER = 'x-exam-bridge-signature';
export const TIMESTAMP_HEADER = 'x-exam-bridge-timestamp';
export const DELIVERY_HEADER = 'x-exam-bridge-delivery';

/** `v1=` + hex HMAC-SHA256(secret, `${timestamp}.${body}`), as the exam system recomputes it. */
export function signNotification(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function createNotifyExamSystem(deps: NotifyExamSystemDeps) {
  const fetchFn = deps.fetch ?? ((input, init) => fetch(input, init));
  const now = deps.now ?? Date.now;
  return async function notifyExamSystem(notification: ExamSystemNotification): Promise<{ status: number }> {
    if (!deps.webhookUrl || !deps.secret) {
      throw ApplicationFailure.create({
        type: 'ExamSystemNotConfigured',
        message:
          'EXAM_SYSTEM_WEBHOOK_URL and EXAM_SYSTEM_WEBHOOK_SECRET must be set on the worker to notify the exam system',
        nonRetryable: true,
      });
    }
    const body = JSON.stringify(notification);
    const timestamp = String(Math.floor(now() / 1000));
    const { workflowExecution, activityId } = activityInfo();
    const timeout = AbortSignal.timeout(deps.timeoutMs ?? 10_000);
    let status: number;
    try {
      const res = await fetchFn(deps.webhookUrl, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signNotification(deps.secret, timestamp, body),
          // Stable across retries: the exam system can de-duplicate on it.
          [DELIVERY_HEADER]: `${workflowExecution?.workflowId ?? notification.workflowId}/${activityId}`,
        },
        signal: AbortSignal.any([cancellationSignal(), timeout]),
      });
      status = res.status;
      await res.body?.cancel();
    } catch (err) {
      if (cancellationSignal().aborted) throw err;
      throw ApplicationFailure.create({
        type: 'ExamSystemUnavailable',
        message: timeout.aborted
          ? 'the exam system did not answer in time'
          : `the exam system is unreachable (${(err as Error).message})`,
      });
    }
    if (status >= 200 && status < 300) {
      const subject =
        notification.type === 'account.bound' ? { accountId: notification.accountId } : { examId: notification.examId };
      log.info('exam system notified', { type: notification.type, ...subject, status });
      return { status };
    }
    // 408/429/5xx: try again later; any other 4xx: the exam system refuses this notification as it is.
    const retryable = status === 408 || status === 429 || status >= 500;
    throw ApplicationFailure.create({
      type: retryable ? 'ExamSystemUnavailable' : 'ExamSystemRejected',
      message: `the exam system answered HTTP ${status}`,
      nonRetryable: !retryable,
    });
  };
}
