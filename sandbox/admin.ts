import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { redact } from '../src/common/redact';
import { describeZodError } from '../src/common/schemas';
import { accountsAdminRead } from './accounts-admin';
import type { FeishuSandbox, RecordedRequest } from './feishu-sandbox';

/**
 * The sandbox's admin API under /_sandbox (not part of Feishu's API; never recorded):
 *   GET    /_sandbox/requests[?examId=…&endpoint=login_info|update_result|…]   the request log (secrets redacted)
 *   POST   /_sandbox/faults        {"fault": {...}, "examId"?: "...", "times"?: n}   inject a fault
 *   DELETE /_sandbox/faults        clear every fault
 *   PUT    /_sandbox/exams/:examId/state   {"state": "open" | "closed"}   closed → 1002851 at login_info
 *   PUT    /_sandbox/exams/:examId/marking {"state": "open" | "finished"}   finished → 1002855 at update_result
 *   POST   /_sandbox/reset         forget requests, faults, exam states and marking, tokens, papers, custom fields
 *   GET    /_sandbox/accounts/:accountId/papers, GET /_sandbox/custom-fields?scope=2   Feishu's state (accounts-admin.ts)
 */
export const ADMIN_PREFIX = '/_sandbox';

const faultSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('error'),
    httpStatus: z.number().int().min(200).max(599),
    code: z.number().int(),
    msg: z.string().optional(),
  }),
  z.object({
    kind: z.literal('rate_limit'),
    resetSeconds: z.number().positive(),
    limit: z.number().int().positive().optional(),
  }),
  z.object({ kind: z.literal('hang'), ms: z.number().int().positive().optional() }),
  z.object({ kind: z.literal('drop') }),
  z.object({ kind: z.literal('revoke_token') }),
  z.object({
    kind: z.literal('plain_text'),
    httpStatus: z.number().int().min(200).max(599),
    text: z.string(),
    contentType: z.string().optional(),
  }),
]);
export const faultRequestSchema = z.object({
  fault: faultSchema,
  examId: z.string().min(1).optional(),
  /** A whole number, or "always". */
  times: z.union([z.number().int().positive(), z.literal('always')]).optional(),
});
export type FaultRequest = z.infer<typeof faultRequestSchema>;
const stateSchema = z.object({ state: z.enum(['open', 'closed']) });
const markingSchema = z.object({ state: z.enum(['open', 'finished']) });

/** The request log as the admin API shows it: bodies and headers with secrets redacted. */
export function publicRecord(record: RecordedRequest): Record<string, unknown> {
  return {
    seq: record.seq,
    at: new Date(record.at).toISOString(),
    method: record.method,
    path: record.path,
    endpoint: record.endpoint,
    examId: record.examId,
    tenantKey: record.tenantKey,
    headers: redact(record.headers),
    body: redact(record.body),
    response: record.response,
  };
}

export function adminRoutes(getSandbox: () => FeishuSandbox) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    if (!url.pathname.startsWith(`${ADMIN_PREFIX}/`) && url.pathname !== ADMIN_PREFIX) return false;
    const sandbox = getSandbox();
    const send = (status: number, body?: unknown) => {
      res
        .writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
        .end(body === undefined ? '' : JSON.stringify(body));
      return true;
    };
    const path = url.pathname.slice(ADMIN_PREFIX.length) || '/';
    const stateMatch = /^\/exams\/([^/]+)\/state$/.exec(path);
    const markingMatch = /^\/exams\/([^/]+)\/marking$/.exec(path);
    try {
      const accounts = accountsAdminRead(sandbox.accounts, req.method ?? 'GET', path, url.searchParams);
      if (accounts) return send(accounts.status, accounts.body);
      if (req.method === 'GET' && path === '/requests') {
        const examId = url.searchParams.get('examId');
        const endpoint = url.searchParams.get('endpoint');
        const records = sandbox.requests.filter(
          (r) => (!examId || r.examId === examId) && (!endpoint || r.endpoint === endpoint),
        );
        return send(200, { requests: records.map(publicRecord) });
      }
      if (req.method === 'POST' && path === '/faults') {
        const parsed = faultRequestSchema.safeParse(await readJson(req));
        if (!parsed.success) return send(400, { error: 'invalid', message: describeZodError(parsed.error) });
        const { fault, examId, times } = parsed.data;
        sandbox.injectFault(fault, { examId, times: times === 'always' ? Infinity : (times ?? 1) });
        return send(201, { injected: fault.kind, examId: examId ?? null, times: times ?? 1 });
      }
      if (req.method === 'DELETE' && path === '/faults') {
        sandbox.clearFaults();
        return send(204);
      }
      if (req.method === 'PUT' && stateMatch?.[1]) {
        const parsed = stateSchema.safeParse(await readJson(req));
        if (!parsed.success) return send(400, { error: 'invalid', message: describeZodError(parsed.error) });
        sandbox.setExamState(decodeURIComponent(stateMatch[1]), parsed.data.state);
        return send(200, { examId: decodeURIComponent(stateMatch[1]), state: parsed.data.state });
      }
      if (req.method === 'PUT' && markingMatch?.[1]) {
        const parsed = markingSchema.safeParse(await readJson(req));
        if (!parsed.success) return send(400, { error: 'invalid', message: describeZodError(parsed.error) });
        const examId = decodeURIComponent(markingMatch[1]);
        sandbox.setExamMarking(examId, parsed.data.state);
        return send(200, { examId, marking: parsed.data.state });
      }
      if (req.method === 'POST' && path === '/reset') {
        sandbox.reset();
        return send(204);
      }
      return send(404, { error: 'not_found', message: `no admin route ${req.method} ${url.pathname}` });
    } catch (err) {
      return send(400, { error: 'invalid', message: (err as Error).message });
    }
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new Error('the body is not valid JSON');
  }
}
