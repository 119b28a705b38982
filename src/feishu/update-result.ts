import { describeZodError } from '../common/schemas';
import { FEISHU_PATHS, feishuPath } from './url';
import { examResultBodySchema, type ExamResultBody } from '../common/result-schemas';

/**
 * 回传笔试结果: POST /open-apis/hire/v1/eco_exams/:exam_id/update_result. The body is checked here, before any request;
 * the call itself goes through FeishuClient's one path (token, 429 gate and pacer per API × tenant, typed errors).
 * Repeatable: each accepted call overwrites the last; 1002855 once the customer has finished marking.
 */
export const UPDATE_RESULT_ENDPOINT = 'update_result';

/** Thrown before any request when the update_result body is invalid; names the field and why, never the value. */
export class InvalidExamResultError extends Error {
  readonly failureType = 'InvalidExamResult';
  constructor(readonly reason: string) {
    super(`invalid update_result body: ${reason}`);
    this.name = 'InvalidExamResultError';
  }
}

export interface UpdateResultRequest {
  path: string;
  body: ExamResultBody;
}

/**
 * The validated request: the body checked, the path built by the one URL builder (each parameter percent-encoded;
 * InvalidPathParameterError, never sent, for an exam id that would change the path).
 */
export function updateResultRequest(examId: string, body: unknown): UpdateResultRequest {
  const parsed = examResultBodySchema.safeParse(body);
  if (!parsed.success) throw new InvalidExamResultError(describeZodError(parsed.error));
  return { path: feishuPath(FEISHU_PATHS.updateResult, { exam_id: examId }), body: parsed.data };
}
