/**
 * Helpers of the result-flow e2e tests: the exam system's calls over real HTTP to a real ingest, and bounded waits.
 */
import { ecoExamWorkflowId } from '../../src/common/constants';
import type { ExamResultBody } from '../../src/common/result-schemas';
import type { ExamStatusView } from '../../src/common/types';
import type { FeishuSandbox, RecordedRequest } from '../../sandbox/feishu-sandbox';

export const RESULT_BEARER = 'exam-system-token-result-0123456789';

export interface Answer {
  status: number;
  json: Record<string, unknown>;
  text: string;
}

/** The exam system's API of the ingest at `url`, with its bearer token. */
export function examSystem(url: string) {
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${RESULT_BEARER}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  return {
    arrange: (examId: string, examUrl = 'https://exam.example/t/r') =>
      call('POST', `/exams/${examId}/arrangement`, { exam_login_info: { exam_url: examUrl } }),
    result: (examId: string, body: unknown) => call('POST', `/exams/${examId}/result`, body),
    status: async (examId: string) => (await call('GET', `/exams/${examId}`)).json as unknown as ExamStatusView,
    statusText: async (examId: string) => (await call('GET', `/exams/${examId}`)).text,
  };
}

/** A result body whose score is `score`, with a report and details (never to be shown by the status). */
export function resultBody(score: string): ExamResultBody {
  return {
    result: score,
    result_time: '1764576000000',
    report_list: [{ name: `Report ${score}`, url: `https://exam.example/report/${score}` }],
    detail_list: [{ id: 'q1', name: 'Coding', result: `detail-${score}` }],
  };
}

/** Polls `read` (every 100 ms, at most `timeoutMs`) until `done` holds for its value; returns that value. */
export async function waitUntil<T>(
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The scores of the exam's update_result requests in arrival order (accepted ones only, when asked). */
export function scoresAtFeishu(sandbox: FeishuSandbox, examId: string, accepted = false): string[] {
  const requests: RecordedRequest[] = accepted ? sandbox.acceptedResults(examId) : sandbox.updateResultRequests(examId);
  return requests.map((request) => String((request.body as { result?: unknown } | undefined)?.result));
}

export function workflowIdOf(examId: string): string {
  return ecoExamWorkflowId(examId);
}
