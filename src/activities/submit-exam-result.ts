import type { ExamResultBody } from '../common/result-schemas';
import type { SubmitExamResultResult } from '../common/types';
import type { FeishuClient } from '../feishu/client';
import { SIGNAL_RESULT_ATTEMPT_FAILED } from '../common/constants';
import { callFeishuOnce } from './feishu-call';

export interface SubmitExamResultInput {
  examId: string;
  tenantKey?: string;
  /** The update_result request body (the `examResultReported` payload). Never logged. */
  body: ExamResultBody;
  /** The result's number in its workflow, echoed in attempt reports. */
  seq?: number;
}

export interface SubmitExamResultDeps {
  feishu: Pick<FeishuClient, 'updateResult'>;
  /** Tell the workflow about each failed attempt (its status shows retries live). Default true. */
  reportAttempts?: boolean;
}

/**
 * Builds submitExamResult: one update_result call per attempt. Feishu's answer decides, through the one failure
 * table (./feishu-call.ts, src/common/failure-types.ts): success, retryable (1002001, 5xx, network, timeout, 429), or
 * final (FeishuResultLocked for 1002855, any other refusal, an invalid body).
 */
export function createSubmitExamResult(deps: SubmitExamResultDeps) {
  return async function submitExamResult(input: SubmitExamResultInput): Promise<SubmitExamResultResult> {
    return callFeishuOnce(
      {
        what: 'update_result',
        ids: { examId: input.examId },
        report: deps.reportAttempts !== false && { signal: SIGNAL_RESULT_ATTEMPT_FAILED, seq: input.seq },
      },
      (signal) => deps.feishu.updateResult(input.examId, input.body, { tenantKey: input.tenantKey, signal }),
    );
  };
}
