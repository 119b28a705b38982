import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import {
  ExamAlreadyArrangedError,
  ExamClosedError,
  ExamNotFoundError,
  ExamResultRefusedError,
  InvalidArrangementError,
  InvalidResultError,
} from '../../client';
import { describeZodError, examIdSchema } from '../../common/schemas';
import { HttpProblem } from '../http-errors';

/** What the exam system's routes (./exams.ts, ./results.ts) share: the exam id check and one error → status mapping. */

export function validExamId(raw: string): string {
  const parsed = examIdSchema.safeParse(raw);
  if (!parsed.success) throw new HttpProblem('invalid', `examId: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/**
 * The status-table entry for a client helper's typed error (400, 404, 409, or 503 when no worker took the update in
 * time — `what` names what was not taken); anything else is returned as is, for the app's error handler.
 */
export function examProblem(err: unknown, what: 'arrangement' | 'result'): unknown {
  if (err instanceof InvalidArrangementError || err instanceof InvalidResultError) {
    return new HttpProblem('invalid', err.message);
  }
  if (err instanceof ExamNotFoundError) return new HttpProblem('not_found', err.message);
  if (err instanceof ExamAlreadyArrangedError) return new HttpProblem('conflict', err.message, { status: err.status });
  if (err instanceof ExamClosedError) return new HttpProblem('conflict', err.message, { endedAs: err.endedAs });
  if (err instanceof ExamResultRefusedError) {
    return new HttpProblem('conflict', err.message, {
      reason: err.reason,
      ...(err.status !== undefined && { status: err.status }),
    });
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new HttpProblem(
      'temporal_unavailable',
      `no worker accepted the ${what} in time; nothing was recorded: try again later`,
    );
  }
  return err;
}
