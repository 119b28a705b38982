import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure, type Duration } from '@temporalio/common';
import { ARRANGEMENT_REFUSAL, TASK_QUEUE, WORKFLOW_TYPE, ecoExamWorkflowId } from '../common/constants';
import {
  describeZodError,
  ecoExamInputSchema,
  loginInfoBodySchema,
  type EcoExamInput,
  type LoginInfoBody,
} from '../common/schemas';
import { ExamAccountIdKey, ExamIdKey, ExamStatusKey, FeishuTenantKeyKey } from '../common/search-attributes';
import { arrangeExamUpdate } from '../workflows/definitions';
import type { ecoExamWorkflow } from '../workflows/eco-exam-workflow';
import { ExamAlreadyArrangedError, ExamClosedError, InvalidArrangementError, InvalidExamInputError } from './errors';
import { describeExam, endedAs } from './exam-status';

export * from './errors';
export { getExamStatus } from './exam-status';
export * from './list-exams';
export * from './results';

/**
 * Typed helpers for everything that talks to exam workflows: the ingest, the ops CLI, the exam system's own code,
 * and the tests. They validate with the same zod schemas as the workflow, so a bad request fails here, early.
 */

export interface StartExamOptions {
  taskQueue?: string;
  /**
   * Default for `input.arrangementTimeout`. Leave it unset to let the worker's ARRANGEMENT_TIMEOUT govern the exam;
   * a value here is written into the input and wins over the worker's.
   */
  arrangementTimeout?: Duration;
  /** Default for `input.notifyExamSystem`: notify the exam system of the new exam first. */
  notifyExamSystem?: boolean;
}

export interface StartedExam {
  workflowId: string;
  /** The run that holds the exam (the existing one when the exam was already started). */
  runId: string;
  /** True when the exam's workflow had already ended: nothing was started (a late redelivery of the event). */
  alreadyEnded: boolean;
}

/**
 * Starts the exam's workflow, idempotently: a running exam is reused (conflict policy USE_EXISTING), an ended one is
 * never started again (reuse policy REJECT_DUPLICATE). Search attributes and the UI summary are set at start.
 */
export async function startExam(
  client: Client,
  input: EcoExamInput,
  options: StartExamOptions = {},
): Promise<StartedExam> {
  const parsed = ecoExamInputSchema.safeParse({
    ...(options.arrangementTimeout !== undefined && { arrangementTimeout: options.arrangementTimeout }),
    ...(options.notifyExamSystem && { notifyExamSystem: true }),
    ...input,
  });
  if (!parsed.success) throw new InvalidExamInputError(describeZodError(parsed.error));
  const exam = parsed.data;
  const workflowId = ecoExamWorkflowId(exam.examId);
  try {
    const handle = await client.workflow.start<typeof ecoExamWorkflow>(WORKFLOW_TYPE, {
      workflowId,
      taskQueue: options.taskQueue ?? TASK_QUEUE,
      args: [exam],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: ExamIdKey, value: exam.examId },
        { key: ExamStatusKey, value: 'awaiting_arrangement' },
        ...(exam.accountId ? [{ key: ExamAccountIdKey, value: exam.accountId }] : []),
        ...(exam.tenantKey ? [{ key: FeishuTenantKeyKey, value: exam.tenantKey }] : []),
      ],
      staticSummary: examSummary(exam),
      staticDetails: examDetails(exam),
    });
    return { workflowId, runId: handle.firstExecutionRunId, alreadyEnded: false };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const description = await client.workflow.getHandle(workflowId).describe();
    return { workflowId, runId: description.runId, alreadyEnded: true };
  }
}

/** One line for the Temporal UI: ids only, no personal data (the candidate stays in the encrypted input). */
export function examSummary(exam: EcoExamInput): string {
  return [`Exam ${exam.examId}`, exam.paperId && `paper ${exam.paperId}`, exam.tenantKey && `tenant ${exam.tenantKey}`]
    .filter(Boolean)
    .join(' · ');
}

function examDetails(exam: EcoExamInput): string {
  const rows: Array<[string, string | undefined]> = [
    ['exam_id', exam.examId],
    ['paper_id', exam.paperId],
    ['account_id', exam.accountId],
    ['tenant_key', exam.tenantKey],
    ['event_id', exam.eventId],
  ];
  return [
    'Feishu Hire 创建笔试 (hire.eco_exam.created_v1)',
    '',
    ...rows.filter(([, value]) => value).map(([name, value]) => `- **${name}**: \`${value}\``),
  ].join('\n');
}

export interface ArrangedExam {
  workflowId: string;
  runId: string;
  /** ISO time the workflow accepted the arrangement. */
  arrangedAt: string;
}

/**
 * Delivers the exam system's arrangement (the login_info body) to the exam's workflow through the `arrangeExam`
 * update, and returns once the workflow has accepted it. The first valid arrangement wins. Throws
 * InvalidArrangementError (which field, why), ExamNotFoundError, ExamAlreadyArrangedError (a previous arrangement
 * was accepted; this one is not recorded), or ExamClosedError (how it ended).
 *
 * An update needs a live worker: with none, it waits for one until the call's deadline and then throws the SDK's
 * WorkflowUpdateRPCTimeoutOrCancelledError (nothing was accepted yet; retry later — a retry after a worker accepted
 * it late answers ExamAlreadyArrangedError, which `getExamStatus`'s `arrangedAt` confirms).
 */
export async function arrangeExam(client: Client, examId: string, body: LoginInfoBody): Promise<ArrangedExam> {
  const parsed = loginInfoBodySchema.safeParse(body);
  if (!parsed.success) throw new InvalidArrangementError(describeZodError(parsed.error));
  const workflowId = ecoExamWorkflowId(examId);
  const handle = client.workflow.getHandle<typeof ecoExamWorkflow>(workflowId);
  try {
    const update = await handle.startUpdate(arrangeExamUpdate, { args: [parsed.data], waitForStage: 'ACCEPTED' });
    const accepted = await update.result();
    return { workflowId, runId: update.workflowRunId ?? '', arrangedAt: accepted.arrangedAt };
  } catch (err) {
    throw await arrangementRefusal(client, examId, err);
  }
}

/** The typed error for a refused `arrangeExam` update; anything else (Temporal unreachable…) is returned as is. */
async function arrangementRefusal(client: Client, examId: string, err: unknown): Promise<unknown> {
  // No run accepts updates: the exam never existed, or it has ended.
  if (err instanceof WorkflowNotFoundError) {
    return new ExamClosedError(examId, endedAs(await describeExam(client, examId)));
  }
  if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure)) return err;
  const failure = err.cause;
  if (failure.type === ARRANGEMENT_REFUSAL.invalid) return new InvalidArrangementError(failure.message);
  if (failure.type === ARRANGEMENT_REFUSAL.notAwaiting) {
    const status = typeof failure.details?.[0] === 'string' ? failure.details[0] : 'unknown';
    return status === 'expired' ? new ExamClosedError(examId, status) : new ExamAlreadyArrangedError(examId, status);
  }
  return err;
}
export * from './account-errors';
export * from './accounts';
