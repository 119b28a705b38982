import { ecoExamWorkflowId } from '../../src/common/constants';
import type { ecoExamWorkflow } from '../../src/workflows/eco-exam-workflow';
import { appTicketEvent, ecoExamCreatedEvent, signedRequest } from '../support/feishu-events';
import { startExamHarness, uniqueId, type ExamHarness, startTestIngest } from '../support/exam-harness';

/**
 * 商店应用: no app_ticket yet → the worker asks Feishu to resend it → Feishu (the sandbox) pushes it to the ingest →
 * it is kept in Temporal → the retried attempt gets app_access_token and a tenant_access_token per tenant_key.
 */
const TOKEN = 'v-token-store';
const KEY = 'encrypt-key-store';
const BEARER = 'exam-system-token-store-0123456789';
let h: ExamHarness;
let ingest: { url: string; close(): Promise<void> };

async function push(body: unknown): Promise<number> {
  const { rawBody, headers } = signedRequest(body, { encryptKey: KEY });
  const res = await fetch(`${ingest.url}/webhook/feishu`, { method: 'POST', body: rawBody, headers });
  return res.status;
}

beforeAll(async () => {
  h = await startExamHarness({ appType: 'store' });
  ingest = await startTestIngest(h, {
    FEISHU_APP_TYPE: 'store',
    FEISHU_APP_ID: h.app.appId,
    FEISHU_VERIFICATION_TOKEN: TOKEN,
    FEISHU_ENCRYPT_KEY: KEY,
    EXAM_SYSTEM_TOKEN: BEARER,
  });
  // Feishu answers a resend request by pushing the ticket to the app's request URL.
  h.sandbox.onAppTicketResend = (appId) => {
    const ticket = uniqueId('ticket');
    h.sandbox.provideAppTicket(appId, ticket);
    void push(appTicketEvent({ appId, ticket, token: TOKEN }));
  };
}, 120_000);
afterAll(async () => {
  await ingest?.close();
  await h?.stop();
});

async function examThrough(tenantKey: string) {
  const examId = uniqueId('st').replace('st-', '6');
  expect(await push(ecoExamCreatedEvent({ examId, token: TOKEN, tenantKey }))).toBe(200);
  const res = await fetch(`${ingest.url}/exams/${examId}/arrangement`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BEARER}`, 'content-type': 'application/json' },
    body: JSON.stringify({ exam_login_info: { exam_url: 'https://exam.example/s' } }),
  });
  expect(res.status).toBe(202);
  const result = await h.env.client.workflow.getHandle<typeof ecoExamWorkflow>(ecoExamWorkflowId(examId)).result();
  return { examId, result };
}

describe('store app token flow', () => {
  it('obtains the ticket through a resend, then tokens per tenant, and submits', async () => {
    const first = await examThrough('tenant-a');
    expect(first.result).toMatchObject({ status: 'submitted' });
    expect(first.result.attempts).toBeGreaterThanOrEqual(2); // the first attempt had no ticket yet

    const second = await examThrough('tenant-b');
    expect(second.result).toMatchObject({ status: 'submitted', attempts: 1 });

    const endpoints = h.sandbox.tokenRequests().map((r) => `${r.endpoint}:${r.tenantKey ?? ''}:${r.response.code}`);
    expect(endpoints.filter((e) => e.startsWith('app_ticket_resend'))).toEqual(['app_ticket_resend::0']);
    expect(endpoints.filter((e) => e.startsWith('app_access_token') && e.endsWith(':0'))).toHaveLength(1);
    expect(endpoints.filter((e) => e.startsWith('tenant_token:') && e.endsWith(':0'))).toEqual([
      'tenant_token:tenant-a:0',
      'tenant_token:tenant-b:0',
    ]);
    const [a] = h.sandbox.acceptedLoginInfo(first.examId);
    const [b] = h.sandbox.acceptedLoginInfo(second.examId);
    expect(a?.tenantKey).toBe('tenant-a');
    expect(b?.tenantKey).toBe('tenant-b');
    expect(a?.headers.authorization).not.toBe(b?.headers.authorization);
  });
});
