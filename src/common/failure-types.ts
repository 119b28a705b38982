import type { ExamResultStatus, FinalExamStatus } from './constants';

/**
 * THE retry decision table: every failure the submitLoginInfo activity can throw, by its stable type, with whether
 * Temporal may retry it and what the exam becomes when it is final. The activity throws these types
 * (src/feishu/errors.ts maps Feishu's answers to them); the workflow derives its `nonRetryableErrorTypes` from here.
 *
 * | Feishu answer                                      | type                      | retry             |
 * |----------------------------------------------------|---------------------------|-------------------|
 * | 400 / 1002851 笔试状态异常                          | FeishuExamStateError      | never → rejected  |
 * | 500 / 1002001 系统错误, other 5xx, 1500            | FeishuServerError         | backoff           |
 * | network error, connection reset                    | FeishuNetworkError        | backoff           |
 * | no answer within the request timeout               | FeishuTimeoutError        | backoff           |
 * | 429, or code 99991400 under any status             | FeishuRateLimitedError    | after reset hdr   |
 * | 99991661 / 99991663 after one refresh-and-retry    | FeishuTokenError          | backoff           |
 * | token endpoint unreachable / 5xx                   | (Network/Server/Timeout)  | backoff           |
 * | store app: no app_ticket yet (resend requested)    | FeishuAppTicketPendingError | backoff         |
 * | 99991672/3, 99991662, 99991401, 10014, 10015, ...  | FeishuPermissionError     | never → rejected  |
 * | any other non-zero code (e.g. 1002002)             | FeishuRejectedError       | never → rejected  |
 * | non-JSON answer with a 4xx (wrong base URL/path)   | FeishuProtocolError       | never → rejected  |
 * | the login_info body fails validation               | InvalidLoginInfo          | never → rejected  |
 * | a path parameter would change the URL (`..`, `/`)  | InvalidPathParameter      | never → rejected  |
 * | update_result: 1002855 用户已完成阅卷 (marking done)  | FeishuResultLocked        | never → locked    |
 * | the update_result body fails validation            | InvalidExamResult         | never → rejected  |
 * | a paper / custom-field list fails validation       | InvalidPaperList, InvalidCustomFieldList | never |
 *
 * submitExamResult uses the same table; for it "rejected"/"failed" are the result's status (resultStatusForFailure).
 */
export const FAILURE_TYPES = {
  FeishuExamStateError: { retryable: false },
  FeishuServerError: { retryable: true },
  FeishuNetworkError: { retryable: true },
  FeishuTimeoutError: { retryable: true },
  FeishuRateLimitedError: { retryable: true },
  FeishuTokenError: { retryable: true },
  FeishuAppTicketPendingError: { retryable: true },
  FeishuPermissionError: { retryable: false },
  FeishuRejectedError: { retryable: false },
  FeishuProtocolError: { retryable: false },
  InvalidLoginInfo: { retryable: false },
  InvalidPathParameter: { retryable: false },
  FeishuResultLocked: { retryable: false },
  InvalidExamResult: { retryable: false },
  // syncExamPapers / syncAccountCustomFields (src/activities/sync-account.ts): the sync becomes `rejected`.
  InvalidPaperList: { retryable: false },
  InvalidCustomFieldList: { retryable: false },
  // notifyExamSystem: its failures never change the exam's status (the exam system may still arrange the exam).
  ExamSystemUnavailable: { retryable: true },
  ExamSystemRejected: { retryable: false },
  ExamSystemNotConfigured: { retryable: false },
} as const satisfies Record<string, { retryable: boolean }>;

export type FailureType = keyof typeof FAILURE_TYPES;

export const NON_RETRYABLE_FAILURE_TYPES: string[] = Object.entries(FAILURE_TYPES)
  .filter(([, decision]) => !decision.retryable)
  .map(([type]) => type);

/** What an exam becomes when submitLoginInfo finally fails: Feishu said no → rejected; we gave up retrying → failed. */
export function finalStatusForFailure(
  type: string | null | undefined,
  nonRetryable: boolean | null | undefined,
): Extract<FinalExamStatus, 'rejected' | 'failed'> {
  const known = typeof type === 'string' && type in FAILURE_TYPES ? FAILURE_TYPES[type as FailureType] : undefined;
  if (known) return known.retryable ? 'failed' : 'rejected';
  return nonRetryable === true ? 'rejected' : 'failed';
}

/** What the exam's result becomes when submitExamResult finally fails: 1002855 → locked (final), else as above. */
export function resultStatusForFailure(
  type: string | null | undefined,
  nonRetryable: boolean | null | undefined,
): Extract<ExamResultStatus, 'locked' | 'rejected' | 'failed'> {
  return type === 'FeishuResultLocked' ? 'locked' : finalStatusForFailure(type, nonRetryable);
}

/** Feishu codes that mean "the app's permissions or configuration are wrong": permanent until an operator acts. */
export const FEISHU_PERMISSION_CODES: ReadonlySet<number> = new Set([
  99991401, 99991403, 99991662, 99991664, 99991665, 99991672, 99991673, 10003, 10012, 10013, 10014, 10015,
]);
export const FEISHU_CODE = {
  ok: 0,
  examStateAbnormal: 1002851,
  /** update_result: 用户已完成阅卷，不支持更新笔试结果 (the customer finished marking). */
  resultLocked: 1002855,
  systemError: 1002001,
  internalError: 1500,
  rateLimited: 99991400,
  missingToken: 99991661,
  invalidToken: 99991663,
} as const;
