import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { EXAM_RESULT_REFUSED, INVALID_EXAM_RESULT, ecoExamWorkflowId } from '../common/constants';
import { examResultBodySchema, type ExamResultBody } from '../common/result-schemas';
import { resultRefusal } from '../common/result-refusal';
import { describeZodError } from '../common/schemas';
import type { ExamResultStatus } from '../common/constants';
import { reportExamResult as reportExamResultUpdate } from '../workflows/definitions';
import type { ecoExamWorkflow } from '../workflows/eco-exam-workflow';
import { getExamStatus } from './exam-status';
import { ExamResultRefusedError, InvalidResultError } from './errors';

export interface ReportedExamResult {
  workflowId: string;
  runId: string;
  /** The result phase's status when the workflow took it; undefined while login info is not yet accepted (held). */
  resultStatus?: ExamResultStatus;
}

/**
 * Delivers the exam system's result (the update_result body) to the exam's workflow through the `reportExamResult`
 * update, and returns once the workflow has taken it: it is held and sent (only the newest result is ever sent; a
 * result that arrives before the login info is accepted waits for it). Throws InvalidResultError (which field, why),
 * ExamNotFoundError, or ExamResultRefusedError (why the exam takes no result: it ended without accepted login info,
 * its marking is finished, its result timeout or update window has passed).
 *
 * Like arrangeExam, it needs a live worker: with none, it waits until the call's deadline and then throws the SDK's
 * WorkflowUpdateRPCTimeoutOrCancelledError (nothing was taken; retry later — a retry sends the same result again,
 * which is harmless: the newest wins).
 */
export async function reportExamResult(
  client: Client,
  examId: string,
  body: ExamResultBody,
): Promise<ReportedExamResult> {
  const parsed = examResultBodySchema.safeParse(body);
  if (!parsed.success) throw new InvalidResultError(describeZodError(parsed.error));
  const workflowId = ecoExamWorkflowId(examId);
  const handle = client.workflow.getHandle<typeof ecoExamWorkflow>(workflowId);
  try {
    const update = await handle.startUpdate(reportExamResultUpdate, { args: [parsed.data], waitForStage: 'ACCEPTED' });
    const ack = await update.result();
    return { workflowId, runId: update.workflowRunId ?? '', resultStatus: ack.status };
  } catch (err) {
    throw await resultRefusalError(client, examId, err);
  }
}

const INVALID_PREFIX = 'invalid result: ';

/** The typed error for a refused `reportExamResult` update; anything else (Temporal unreachable…) is returned as is. */
async function resultRefusalError(client: Client, examId: string, err: unknown): Promise<unknown> {
  // No run takes updates: the exam never existed (ExamNotFoundError from getExamStatus), or it has ended.
  if (err instanceof WorkflowNotFoundError) {
    const view = await getExamStatus(client, examId);
    return new ExamResultRefusedError(examId, resultRefusal(view), view.result?.status ?? view.status);
  }
  if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure)) return err;
  const failure = err.cause;
  if (failure.type === INVALID_EXAM_RESULT) {
    const reason = failure.message.startsWith(INVALID_PREFIX)
      ? failure.message.slice(INVALID_PREFIX.length)
      : failure.message;
    return new InvalidResultError(reason);
  }
  if (failure.type === EXAM_RESULT_REFUSED) {
    // The running exam's status, for callers that act on it; the refusal stands without it.
    const view = await getExamStatus(client, examId).catch(() => undefined);
    return new ExamResultRefusedError(examId, failure.message, view && (view.result?.status ?? view.status));
  }
  return err;
}
