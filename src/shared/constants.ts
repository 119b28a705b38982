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

/** Default wait for the exam system's arrangement result (ARRANGEMENT_TIMEOUT, set on the worker). */
export const DEFAULT_ARRANGEMENT_TIMEOUT = '7 days';

/** Feishu's documented quota for login_info: per API × app × tenant. */
export const FEISHU_QUOTA_PER_SECOND = 50;
export const FEISHU_QUOTA_PER_MINUTE = 1000;

/** The task queue of submitLoginInfo alone, rate-limited to Feishu's quota: `<workflow task queue>-login-info`. */
export function loginInfoTaskQueue(taskQueue: string): string {
  return `${taskQueue}-login-info`;
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
