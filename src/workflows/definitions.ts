import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import {
  QUERY_EXAM_STATUS,
  SIGNAL_ATTEMPT_FAILED,
  SIGNAL_EXAM_ARRANGED,
  SIGNAL_EXAM_RESULT_REPORTED,
  SIGNAL_RESULT_ATTEMPT_FAILED,
  UPDATE_ARRANGE_EXAM,
  UPDATE_REPORT_EXAM_RESULT,
} from '../common/constants';
import type { LoginInfoBody } from '../common/schemas';
import type { ExamResultBody } from '../common/result-schemas';
import type {
  ArrangementAccepted,
  AttemptFailedReport,
  ExamStatusView,
  ReportExamResultAck,
  ResultAttemptFailedReport,
} from '../common/types';

/** The exam system's arrangement result: the login_info body. Validated on arrival; an invalid or late one is dropped. */
export const examArranged = defineSignal<[LoginInfoBody]>(SIGNAL_EXAM_ARRANGED);
/**
 * The same arrangement, answered: accepted (the first valid one), or refused by the validator — nothing recorded —
 * with type ExamNotAwaitingArrangement (details[0]: the exam's status) or InvalidArrangement (field and why).
 */
export const arrangeExamUpdate = defineUpdate<ArrangementAccepted, [LoginInfoBody]>(UPDATE_ARRANGE_EXAM);
/** The exam's current state; never holds the password. */
export const examStatus = defineQuery<ExamStatusView>(QUERY_EXAM_STATUS);
/** Internal: submitLoginInfo reports a failed attempt while Temporal retries it. */
export const submitAttemptFailed = defineSignal<[AttemptFailedReport]>(SIGNAL_ATTEMPT_FAILED);
/** The exam system's result: the update_result body. Validated on arrival; the durable path (no live worker needed). */
export const examResultReported = defineSignal<[ExamResultBody]>(SIGNAL_EXAM_RESULT_REPORTED);
/**
 * The same result as an update: its validator refuses, without a history event, when the exam cannot take a result
 * (ApplicationFailure type `ExamResultRefused`, → 409) or the body is invalid (`InvalidExamResult`, → 400).
 */
export const reportExamResult = defineUpdate<ReportExamResultAck, [ExamResultBody]>(UPDATE_REPORT_EXAM_RESULT);
/** Internal: submitExamResult reports a failed attempt while Temporal retries it. */
export const submitResultAttemptFailed = defineSignal<[ResultAttemptFailedReport]>(SIGNAL_RESULT_ATTEMPT_FAILED);
