import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import {
  QUERY_EXAM_STATUS,
  SIGNAL_ATTEMPT_FAILED,
  SIGNAL_EXAM_ARRANGED,
  UPDATE_ARRANGE_EXAM,
} from '../shared/constants';
import type { LoginInfoBody } from '../shared/schemas';
import type { ArrangementAccepted, AttemptFailedReport, ExamStatusView } from '../shared/types';

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
