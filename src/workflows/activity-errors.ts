import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { ExamError } from '../common/types';

/**
 * What a failed activity (submitLoginInfo, submitExamResult, the account syncs) tells its workflow, as the ExamError
 * the status query and the workflow result show: the last attempt's ApplicationFailure (details[0] is the ExamError
 * the activity built), or a TimeoutFailure when the activity's schedule-to-close window closed.
 */
export function examErrorFromFailure(err: ActivityFailure): ExamError {
  let cause: unknown = err.cause;
  if (cause instanceof TimeoutFailure && cause.cause instanceof ApplicationFailure) cause = cause.cause;
  if (cause instanceof ApplicationFailure) {
    const detail = cause.details?.[0] as ExamError | undefined;
    return detail ?? { type: cause.type ?? 'ApplicationFailure', message: cause.message };
  }
  if (cause instanceof TimeoutFailure) {
    return {
      type: 'SubmissionTimeout',
      message: `${err.activityType ?? 'the activity'} timed out (${cause.timeoutType})`,
    };
  }
  return { type: 'ActivityFailure', message: err.message };
}
