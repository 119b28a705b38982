import type { ExamResultStatus, ExamStatus, FinalExamStatus } from './constants';

/** What went wrong last, as shown by the `examStatus` query and the workflow result. Never holds request bodies. */
export interface ExamError {
  /** Stable failure type, e.g. `FeishuExamStateError`, `InvalidArrangement` (see src/common/failure-types.ts). */
  type: string;
  message: string;
  /** Feishu's business code, when Feishu answered. */
  code?: number;
  /** Feishu's log id (`x-tt-logid` / `error.log_id`), to quote to Feishu support. */
  logId?: string;
  /** Which attempt of submitLoginInfo saw it, when it came from Feishu. */
  attempt?: number;
}

/** The `examStatus` query result. Never contains the password or username. */
export interface ExamStatusView {
  examId: string;
  status: ExamStatus;
  /** Attempts of submitLoginInfo made so far (0 before the arrangement arrives). */
  attempts: number;
  lastError?: ExamError;
  accountId?: string;
  paperId?: string;
  tenantKey?: string;
  /** ISO time the valid arrangement arrived. */
  arrangedAt?: string;
  /** ISO time Feishu accepted the login info. */
  submittedAt?: string;
  /** ISO time after which the workflow stops waiting for an arrangement. */
  arrangementDeadline?: string;
  /** Arrangements (signals) dropped because their payload was invalid; refused updates are not counted. */
  invalidArrangements: number;
  /** Whether notifyExamSystem succeeded (undefined when no notification was asked for or it is still running). */
  examSystemNotified?: boolean;
  /** Whether the arrangement carries login credentials (the values themselves are never shown). */
  hasCredentials?: boolean;
  /** The result phase, once login info is accepted (and the phase is on). Never the score or its details. */
  result?: ExamResultView;
}

/** Where the exam's result stands (`examStatus().result`). */
export interface ExamResultView {
  status: ExamResultStatus;
  /** Attempts of submitExamResult for the last send. */
  attempts: number;
  lastError?: ExamError;
  /** ISO time Feishu last accepted a result. */
  submittedAt?: string;
  /** A result is held or in flight, not yet accepted by Feishu. */
  pending?: boolean;
  /** Results Feishu accepted so far (re-sends of the same result not counted). */
  updates: number;
  /** Results refused because their payload was invalid (signals only: the update refuses them up front). */
  invalidResults: number;
}

/** The workflow's result: a normal, visible outcome for every path, including Feishu's rejection. */
export interface EcoExamResult {
  examId: string;
  status: FinalExamStatus;
  attempts: number;
  /** Feishu's log id of the accepted call. */
  logId?: string;
  /** Set for `rejected` and `failed`. */
  error?: ExamError;
  /** The result phase's outcome, when it ran. */
  result?: Omit<ExamResultView, 'pending'>;
}

/** What the submitLoginInfo activity returns. */
export interface SubmitLoginInfoResult {
  attempt: number;
  logId?: string;
}

/** Reported by the activity to its workflow after a failed attempt, so the status query can show retries live. */
export interface AttemptFailedReport {
  attempt: number;
  error: ExamError;
}

/** The worker's settings for exams whose input leaves them unset (the workerSettings local activity), in ms. */
export interface WorkerSettings {
  /** ARRANGEMENT_TIMEOUT of the worker. */
  arrangementTimeoutMs: number;
  /** RESULT_TIMEOUT of the worker (0 = no result phase); undefined = the workflow's default. */
  resultTimeoutMs?: number;
  /** RESULT_UPDATE_WINDOW of the worker; undefined = the workflow's default. */
  resultUpdateWindowMs?: number;
}

/** What the `arrangeExam` update answers when the arrangement is accepted. */
export interface ArrangementAccepted {
  examId: string;
  /** ISO time the arrangement was accepted. */
  arrangedAt: string;
}

/** What the submitExamResult activity returns. */
export interface SubmitExamResultResult {
  attempt: number;
  logId?: string;
}

/** `reportExamResult` (update) answer: the result is held and will be sent (only the newest is). */
export interface ReportExamResultAck {
  accepted: true;
  /** The result phase's status when the result was taken (`undefined` while login info is not yet accepted). */
  status?: ExamResultStatus;
}

/** Reported by submitExamResult after a failed attempt: which result (its number in the workflow) and what failed. */
export interface ResultAttemptFailedReport extends AttemptFailedReport {
  seq?: number;
}
