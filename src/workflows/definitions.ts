import { defineQuery, defineSignal } from '@temporalio/workflow';
import { QUERY_EXAM_STATUS, SIGNAL_ATTEMPT_FAILED, SIGNAL_EXAM_ARRANGED } from '../shared/constants';
import type { LoginInfoBody } from '../shared/schemas';
import type { AttemptFailedReport, ExamStatusView } from '../shared/types';

/** The exam system's arrangement result: the login_info request body. Validated by the workflow on arrival. */
export const examArranged = defineSignal<[LoginInfoBody]>(SIGNAL_EXAM_ARRANGED);
/** The exam's current state; never holds the password. */
export const examStatus = defineQuery<ExamStatusView>(QUERY_EXAM_STATUS);
/** Internal: submitLoginInfo reports a failed attempt while Temporal retries it. */
export const submitAttemptFailed = defineSignal<[AttemptFailedReport]>(SIGNAL_ATTEMPT_FAILED);
