import type { ExamStatusView } from './types';

/**
 * Why an exam takes no (more) results, from its status view: the refusal of the `reportExamResult` update (→ 409 at
 * the ingest), and what a caller should say when the exam's workflow has already ended. One wording for both.
 */
export function resultRefusal(view: Pick<ExamStatusView, 'status' | 'result'>): string {
  if (view.status !== 'submitted') {
    return `the exam ended ${view.status} without accepted login info: it takes no result`;
  }
  if (view.result === undefined) {
    return 'the exam ended at submitted without a result phase (RESULT_TIMEOUT=0 or an exam of the first release)';
  }
  if (view.result.status === 'locked') return 'the customer finished marking (Feishu 1002855): the result is locked';
  if (view.result.updates === 0) {
    return 'no result was accepted within the result timeout (RESULT_TIMEOUT): the exam takes no result any more';
  }
  return 'the result update window (RESULT_UPDATE_WINDOW) has closed';
}
