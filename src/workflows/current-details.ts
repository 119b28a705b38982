import { setCurrentDetails } from '@temporalio/workflow';
import type { ExamError, ExamStatusView } from '../common/types';

/*
 * The live text the Temporal UI shows as the workflow's "current details" (Temporal markdown). setCurrentDetails is no
 * command: it is answered from the workflow's memory when the UI asks, so it may change freely without touching
 * replay. Ids, statuses, counts and Feishu's codes only — never credentials, the score or the result's contents.
 */

function errorLine(label: string, error: ExamError): string {
  const { type, code, logId, attempt } = error;
  return (
    `${label}: ${type}${code !== undefined ? ` (code ${code})` : ''}` +
    `${attempt !== undefined ? ` · attempt ${attempt}` : ''}${logId ? ` · log_id ${logId}` : ''}`
  );
}

/** The details text for the exam's view: the login-info phase, then (once it started) the result phase. */
export function examDetails(state: ExamStatusView): string {
  const lines = [`**${state.status}** · exam ${state.examId} · attempts ${state.attempts}`];
  if (state.invalidArrangements > 0) lines.push(`invalid arrangements ${state.invalidArrangements}`);
  if (state.lastError) lines.push(errorLine('last error', state.lastError));
  const result = state.result;
  if (result) {
    const parts = [
      `result **${result.status}**`,
      `attempts ${result.attempts}`,
      `updates ${result.updates}`,
      ...(result.pending ? ['a newer result is pending'] : []),
      ...(result.invalidResults > 0 ? [`invalid results ${result.invalidResults}`] : []),
      ...(result.submittedAt ? [`last accepted ${result.submittedAt}`] : []),
    ];
    lines.push(parts.join(' · '));
    if (result.lastError) lines.push(errorLine('result last error', result.lastError));
  }
  return lines.join('\n\n');
}

/** Shows examDetails(state) in the Temporal UI. */
export function showDetails(state: ExamStatusView): void {
  setCurrentDetails(examDetails(state));
}
