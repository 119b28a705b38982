/**
 * The account side's test stack: the exam harness (real worker on the dev server, the sandbox as Feishu) plus the real
 * ingest, with helpers to push signed and encrypted account events, call the exam-system API and read the sandbox.
 */
import { EVENT_TYPE_ECO_ACCOUNT_CREATED } from '../../src/feishu/events';
import { accountStatus } from '../../src/workflows/account-definitions';
import { ecoAccountWorkflowId } from '../../src/common/constants';
import type { AccountStatusView } from '../../src/common/account-types';
import type { RecordedRequest } from '../../sandbox/types';
import { eventEnvelope, signedRequest } from './feishu-events';
import { startExamHarness, startTestIngest, type ExamHarness } from './exam-harness';

export const TOKEN = 'v-token-accounts';
export const KEY = 'encrypt-key-accounts';
export const BEARER = 'exam-system-token-accounts-0123456789';

/** An answer of the ingest's account API (the fields the tests read). */
export interface ApiAnswer {
  error?: string;
  message?: string;
  seq?: number;
  keys?: string[];
  [field: string]: unknown;
}

export interface AccountStack {
  h: ExamHarness;
  ingestUrl: string;
  /** POSTs the event to the webhook, signed and encrypted as Feishu does; resolves with the HTTP status. */
  push(body: unknown): Promise<number>;
  /** Calls the exam-system API with the bearer (or `bearer: null` for none). */
  api(
    method: string,
    path: string,
    body?: unknown,
    bearer?: string | null,
  ): Promise<{ status: number; json: ApiAnswer }>;
  /** eco_exam_papers requests for one account, in arrival order. */
  paperRequests(accountId: string): RecordedRequest[];
  status(accountId: string): Promise<AccountStatusView>;
  stop(): Promise<void>;
}

export async function startAccountStack(
  options: { appType?: 'custom' | 'store'; ingestEnv?: Record<string, string> } = {},
): Promise<AccountStack> {
  const h = await startExamHarness({ feishuTimeoutMs: 5000, appType: options.appType });
  const ingest = await startTestIngest(h, {
    FEISHU_VERIFICATION_TOKEN: TOKEN,
    FEISHU_ENCRYPT_KEY: KEY,
    EXAM_SYSTEM_TOKEN: BEARER,
    ...(options.appType === 'store' && { FEISHU_APP_TYPE: 'store', FEISHU_APP_ID: h.app.appId }),
    ...options.ingestEnv,
  });
  return {
    h,
    ingestUrl: ingest.url,
    async push(body) {
      const { rawBody, headers } = signedRequest(body, { encryptKey: KEY });
      const res = await fetch(`${ingest.url}/webhook/feishu`, { method: 'POST', body: rawBody, headers });
      await res.body?.cancel();
      return res.status;
    },
    async api(method, path, body, bearer = BEARER) {
      const res = await fetch(`${ingest.url}${path}`, {
        method,
        headers: {
          ...(bearer !== null && { authorization: `Bearer ${bearer}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, json: text ? (JSON.parse(text) as ApiAnswer) : {} };
    },
    paperRequests: (accountId) =>
      h.sandbox.requests.filter(
        (r) =>
          r.endpoint === 'eco_exam_papers' && (r.body as { account_id?: string } | undefined)?.account_id === accountId,
      ),
    status: (accountId) => h.env.client.workflow.getHandle(ecoAccountWorkflowId(accountId)).query(accountStatus),
    async stop() {
      await ingest.close();
      await h.stop();
    },
  };
}

/** hire.eco_account.created_v1 with the given account fields (scope 2 unless said). */
export function accountEvent(options: {
  accountId: string;
  eventId?: string;
  tenantKey?: string;
  scope?: number;
  customFields?: Array<{ key: string; value: string }>;
}): Record<string, unknown> {
  return eventEnvelope(
    EVENT_TYPE_ECO_ACCOUNT_CREATED,
    {
      scope: options.scope ?? 2,
      account_id: options.accountId,
      account_name: '笔试账号 001',
      usage_list: [1, 2],
      custom_field_list: options.customFields ?? [{ key: 'ord_id', value: '7233333' }],
    },
    { token: TOKEN, eventId: options.eventId, tenantKey: options.tenantKey },
  );
}

/** Polls `probe` every 100 ms until `accept` holds; fails after `timeoutMs` with the last value. */
export async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (accept(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(
    `condition not met in ${timeoutMs} ms; last: ${JSON.stringify(last)} ${lastError instanceof Error ? lastError.message : ''}`,
  );
}

export const papers = (...ids: string[]) => ({ paper_list: ids.map((id) => ({ id, name: `Paper ${id}` })) });
