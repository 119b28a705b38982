/**
 * What one Feishu Open API of the sandbox provides. The sandbox runs every call through the same pipeline — Bearer
 * tenant token → quota (per API × app × tenant) → injected faults — and then hands it to the API's `handle`.
 */
import type { Reply } from '../http';
import type { ExamMarking, ExamState, RecordedRequest } from '../types';

export interface ApiCall {
  /** The recorded request: headers, raw and parsed body, path parameters (`examId`), app and tenant of the token. */
  record: RecordedRequest;
  /** The Content-Type, lower case without spaces around `;` (e.g. `application/json;charset=utf-8`). */
  contentType: string;
  /** What the test set with setExamState; 'open' unless set. */
  examState: (examId: string) => ExamState;
  /** What the test set with setExamMarking; 'open' unless set. */
  markingState: (examId: string) => ExamMarking;
}

export interface ApiPathParams {
  examId?: string;
}

export interface ApiRoute<E extends string = string> {
  /** The name in the request log and the quota's API key, e.g. `login_info`. */
  endpoint: E;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path's parameters when the path is this API's; undefined otherwise. */
  match: (path: string) => ApiPathParams | undefined;
  /** The API's own checks and answer, once auth, quota and faults have let the call through. */
  handle: (call: ApiCall) => Reply;
}

/** A matcher for paths whose one capture group is the exam id (percent-decoded; kept raw when it does not decode). */
export function examIdPath(pattern: RegExp): (path: string) => ApiPathParams | undefined {
  return (path) => {
    const raw = pattern.exec(path)?.[1];
    if (raw === undefined) return undefined;
    try {
      return { examId: decodeURIComponent(raw) };
    } catch {
      return { examId: raw };
    }
  };
}
