/** Names that are part of the public contract (docs/contract.md). Import them; never repeat the literals. */

export const TASK_QUEUE = 'feishu-eco-exam';
export const WORKFLOW_TYPE = 'ecoExamWorkflow';
export const WORKFLOW_ID_PREFIX = 'eco-exam-';
export const SIGNAL_EXAM_ARRANGED = 'examArranged';
/**
 * Update: the arrangement, answered. The first valid arrangement wins; a later one is refused (nothing recorded) with
 * the status the exam is in. The `examArranged` signal stays for callers that use it (first valid one wins, silently).
 */
export const UPDATE_ARRANGE_EXAM = 'arrangeExam';
export const QUERY_EXAM_STATUS = 'examStatus';
export const ACTIVITY_SUBMIT_LOGIN_INFO = 'submitLoginInfo';
/** Local activity: the worker's settings (ARRANGEMENT_TIMEOUT…) for an exam whose input does not set them. */
export const ACTIVITY_WORKER_SETTINGS = 'workerSettings';
/** The result phase (after login info is accepted): see src/workflows/result-phase.ts. */
export const SIGNAL_EXAM_RESULT_REPORTED = 'examResultReported';
export const UPDATE_REPORT_EXAM_RESULT = 'reportExamResult';
export const ACTIVITY_SUBMIT_EXAM_RESULT = 'submitExamResult';
/** `reportExamResult` refusals (ApplicationFailure type, no history event): the exam takes no result (→ 409) … */
export const EXAM_RESULT_REFUSED = 'ExamResultRefused';
/** … or the body is invalid (→ 400; the message names the field and the reason). Also the invalid signal's error type. */
export const INVALID_EXAM_RESULT = 'InvalidExamResult';

/** Default wait for the exam system's arrangement result (ARRANGEMENT_TIMEOUT, set on the worker). */
export const DEFAULT_ARRANGEMENT_TIMEOUT = '7 days';
/** Default wait for the first result after login info is accepted (RESULT_TIMEOUT); 0 = no result phase. */
export const DEFAULT_RESULT_TIMEOUT = '30 days';
/** Default time later results are still accepted after the last accepted one (RESULT_UPDATE_WINDOW). */
export const DEFAULT_RESULT_UPDATE_WINDOW = '7 days';

/** Feishu's documented quota for login_info: per API × app × tenant. */
export const FEISHU_QUOTA_PER_SECOND = 50;
export const FEISHU_QUOTA_PER_MINUTE = 1000;

/** The task queue of submitLoginInfo alone, rate-limited to Feishu's quota: `<workflow task queue>-login-info`. */
export function loginInfoTaskQueue(taskQueue: string): string {
  return `${taskQueue}-login-info`;
}

/** The task queue of submitExamResult alone (update_result has its own quota): `<workflow task queue>-update-result`. */
export function updateResultTaskQueue(taskQueue: string): string {
  return `${taskQueue}-update-result`;
}

export function ecoExamWorkflowId(examId: string): string {
  return `${WORKFLOW_ID_PREFIX}${examId}`;
}

export const EXAM_STATUSES = [
  'awaiting_arrangement',
  'submitting',
  'submitted',
  'rejected',
  'failed',
  'expired',
] as const;
export type ExamStatus = (typeof EXAM_STATUSES)[number];
/** The statuses a finished workflow can end in. */
export const FINAL_EXAM_STATUSES = [
  'submitted',
  'rejected',
  'failed',
  'expired',
] as const satisfies readonly ExamStatus[];
export type FinalExamStatus = (typeof FINAL_EXAM_STATUSES)[number];

/** Internal signal: the activity reports a failed attempt (attempt number, Feishu code, log id) to its workflow. */
export const SIGNAL_ATTEMPT_FAILED = 'submitAttemptFailed';

/** Failure types of the `arrangeExam` update's refusals (the validator's ApplicationFailure `type`). */
export const ARRANGEMENT_REFUSAL = {
  /** The exam is no longer awaiting an arrangement; details[0] is its ExamStatus. */
  notAwaiting: 'ExamNotAwaitingArrangement',
  /** The body fails loginInfoBodySchema; the message names the field and why. */
  invalid: 'InvalidArrangement',
} as const;
/** `ExamResultStatus`: where the exam's result stands once login info is accepted. */
export const EXAM_RESULT_STATUSES = [
  'awaiting',
  'submitting',
  'submitted',
  'locked',
  'rejected',
  'failed',
  'expired',
] as const;
export type ExamResultStatus = (typeof EXAM_RESULT_STATUSES)[number];
/** Internal signal: submitExamResult reports a failed attempt of the result numbered `seq` to its workflow. */
export const SIGNAL_RESULT_ATTEMPT_FAILED = 'submitResultAttemptFailed';
export * from './account-constants';
