import { SIGNAL_ATTEMPT_FAILED } from '../common/constants';
import type { LoginInfoBody } from '../common/schemas';
import type { SubmitLoginInfoResult } from '../common/types';
import type { FeishuClient } from '../feishu/client';
import { callFeishuOnce } from './feishu-call';

export interface SubmitLoginInfoInput {
  examId: string;
  tenantKey?: string;
  /** The login_info request body (the `examArranged` payload). Holds the password: never log it. */
  body: LoginInfoBody;
}

export interface SubmitLoginInfoDeps {
  feishu: Pick<FeishuClient, 'submitLoginInfo'>;
  /** Tell the workflow about each failed attempt, so its status shows retries live. Default true. */
  reportAttempts?: boolean;
}

/** Builds the activity: one login_info call per attempt (./feishu-call.ts decides what Feishu's answer means). */
export function createSubmitLoginInfo(deps: SubmitLoginInfoDeps) {
  return async function submitLoginInfo(input: SubmitLoginInfoInput): Promise<SubmitLoginInfoResult> {
    return callFeishuOnce(
      {
        what: 'login_info',
        ids: { examId: input.examId },
        report: deps.reportAttempts !== false && { signal: SIGNAL_ATTEMPT_FAILED },
      },
      (signal) => deps.feishu.submitLoginInfo(input.examId, input.body, { tenantKey: input.tenantKey, signal }),
    );
  };
}
