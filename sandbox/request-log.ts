/**
 * The request log: every request to Feishu's endpoints, in arrival order, recorded before it is answered (admin
 * routes are not recorded), and one console line per answer without bodies, tokens or secrets.
 */
import type { IncomingMessage } from 'node:http';
import { lowercaseHeaders, parseJson, type ReceivedBody, type Reply } from './http';
import type { Route } from './routes';
import { identityInBody, isTokenEndpoint } from './tokens';
import type { RecordedRequest } from './types';

export class RequestLog {
  readonly requests: RecordedRequest[] = [];
  private seq = 0;

  record(req: IncomingMessage, path: string, route: Route, body: ReceivedBody, at: number, logId: string) {
    const record: RecordedRequest = {
      seq: ++this.seq,
      at,
      method: req.method ?? 'GET',
      path,
      endpoint: route.endpoint,
      headers: lowercaseHeaders(req),
      rawBody: body.tooLarge ? '' : body.text,
      body: body.tooLarge ? undefined : parseJson(body.text),
      examId: 'examId' in route ? route.examId : undefined,
      response: { status: 0, logId },
    };
    if (isTokenEndpoint(route.endpoint)) Object.assign(record, identityInBody(record.body));
    this.requests.push(record);
    return record;
  }

  clear(): void {
    this.requests.length = 0;
    this.seq = 0;
  }
}

/** Notes the answer in the record (a dropped or never-answered request keeps status 0). */
export function noteAnswer(record: RecordedRequest, reply: Reply): void {
  if (reply.kind !== 'json' && reply.kind !== 'text') return;
  record.response.status = reply.status;
  if (reply.kind === 'json' && typeof reply.body.code === 'number') record.response.code = reply.body.code;
}

export function logLine(record: RecordedRequest): string {
  const { status, code, fault, logId } = record.response;
  const outcome = status === 0 ? 'no answer' : `${status}${code === undefined ? '' : ` code=${code}`}`;
  const faultPart = fault ? ` fault=${fault}` : '';
  return `[feishu-sandbox] #${record.seq} ${record.method} ${record.path} → ${outcome}${faultPart} logid=${logId}`;
}

/** Largest number of timestamps (ms, e.g. the `at` of recorded requests) inside any window of `windowMs` (sliding, inclusive start). */
export function maxInWindow(timestamps: number[], windowMs: number): number {
  const sorted = [...timestamps].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
