import { ecoExamWorkflowId } from '../../src/common/constants';
import { ExamStatusKey } from '../../src/common/search-attributes';
import type { ecoExamWorkflow } from '../../src/workflows/eco-exam-workflow';
import { ecoExamCreatedEvent, encryptBody, signedRequest, urlVerification } from '../support/feishu-events';
import { startExamHarness, uniqueId, type ExamHarness, startTestIngest } from '../support/exam-harness';

/**
 * Black box over real HTTP and the real dev server: Feishu's signed, encrypted event → ingest → workflow →
 * arrangement POST → the Feishu sandbox receives the exact login_info request → submitted.
 */
const TOKEN = 'v-token-e2e';
const KEY = 'encrypt-key-e2e';
const BEARER = 'exam-system-token-e2e-0123456789';
let h: ExamHarness;
let ingest: { url: string; close(): Promise<void> };

beforeAll(async () => {
  h = await startExamHarness();
  ingest = await startTestIngest(h, {
    FEISHU_VERIFICATION_TOKEN: TOKEN,
    FEISHU_ENCRYPT_KEY: KEY,
    EXAM_SYSTEM_TOKEN: BEARER,
  });
}, 120_000);
afterAll(async () => {
  await ingest?.close();
  await h?.stop();
});

async function pushEvent(body: unknown, whitespace = false): Promise<{ status: number; ms: number }> {
  const { rawBody, headers } = signedRequest(body, { encryptKey: KEY, whitespace });
  const started = performance.now();
  const res = await fetch(`${ingest.url}/webhook/feishu`, { method: 'POST', body: rawBody, headers });
  await res.text();
  return { status: res.status, ms: performance.now() - started };
}

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${ingest.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${BEARER}`, 'content-type': 'application/json', ...init.headers },
  });

async function runsOf(examId: string): Promise<number> {
  return (await h.env.client.workflow.count(`WorkflowId = "${ecoExamWorkflowId(examId)}"`)).count;
}

describe('ingest → workflow → Feishu, end to end', () => {
  it('answers the encrypted challenge when the request URL is saved', async () => {
    const res = await fetch(`${ingest.url}/webhook/feishu`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(encryptBody(urlVerification({ token: TOKEN, challenge: 'ajls384kdjxxxx' }), KEY)),
    });
    expect(await res.json()).toEqual({ challenge: 'ajls384kdjxxxx' });
  });

  it('takes an exam from the 创建笔试 event to submitted, with the exact login_info request', async () => {
    const examId = uniqueId('e2e').replace('e2e-', '8');
    const event = ecoExamCreatedEvent({ examId, token: TOKEN, tenantKey: 'tenant-e2e' });
    const ack = await pushEvent(event, true);
    expect(ack.status).toBe(200);
    expect(ack.ms).toBeLessThan(3000);

    const handle = h.env.client.workflow.getHandle<typeof ecoExamWorkflow>(ecoExamWorkflowId(examId));
    const description = await handle.describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.typedSearchAttributes.get(ExamStatusKey)).toBe('awaiting_arrangement');

    const status = await api(`/exams/${examId}`);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({ examId, status: 'awaiting_arrangement', tenantKey: 'tenant-e2e' });

    const body = {
      result: 0,
      msg: 'success',
      exam_login_info: { exam_url: 'https://exam.example/t/xyz', username: 'cand', password: 'e2e-pass-771' },
    };
    const arranged = await api(`/exams/${examId}/arrangement`, { method: 'POST', body: JSON.stringify(body) });
    expect(arranged.status).toBe(202);
    expect(await arranged.json()).toMatchObject({ accepted: true, workflowId: ecoExamWorkflowId(examId) });

    expect(await handle.result()).toMatchObject({ status: 'submitted', attempts: 1 });
    const [request, ...more] = h.sandbox.loginInfoRequests(examId);
    expect(more).toEqual([]);
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(`/open-apis/hire/v1/eco_exams/${examId}/login_info`);
    expect(request?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(request?.headers.authorization).toMatch(/^Bearer t-/);
    expect(JSON.parse(request!.rawBody)).toEqual(body);

    const final = await api(`/exams/${examId}`);
    const finalText = await final.text();
    expect(JSON.parse(finalText)).toMatchObject({ status: 'submitted', attempts: 1, hasCredentials: true });
    expect(finalText).not.toContain('e2e-pass-771');

    const late = await api(`/exams/${examId}/arrangement`, { method: 'POST', body: JSON.stringify(body) });
    expect(late.status).toBe(409);
    expect(await late.json()).toMatchObject({ error: 'conflict', endedAs: 'submitted' });
  });

  it('leaves one run for an event delivered 5 times (3 at once) and again after the exam ended', async () => {
    const examId = uniqueId('dup').replace('dup-', '9');
    const event = ecoExamCreatedEvent({ examId, token: TOKEN, eventId: uniqueId('ev') });
    const burst = await Promise.all([pushEvent(event), pushEvent(event), pushEvent(event)]);
    const serial = [await pushEvent(event), await pushEvent(event)];
    expect([...burst, ...serial].map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await runsOf(examId)).toBe(1);

    const arranged = await api(`/exams/${examId}/arrangement`, {
      method: 'POST',
      body: JSON.stringify({ exam_login_info: { exam_url: 'https://exam.example/d' } }),
    });
    expect(arranged.status).toBe(202);
    await h.env.client.workflow.getHandle(ecoExamWorkflowId(examId)).result();

    expect((await pushEvent(event)).status).toBe(200); // Feishu's 6 h redelivery, after completion
    expect(await runsOf(examId)).toBe(1);
    expect(h.sandbox.acceptedLoginInfo(examId)).toHaveLength(1);
  });

  it('answers 404 for an arrangement of an unknown exam, and serves health and readiness', async () => {
    const res = await api('/exams/no-such-exam-123/arrangement', {
      method: 'POST',
      body: JSON.stringify({ exam_login_info: { exam_url: 'https://exam.example/x' } }),
    });
    expect(res.status).toBe(404);
    expect((await fetch(`${ingest.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${ingest.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', temporal: 'reachable' });
  });

  it('acks a burst of distinct events well inside Feishu’s 3 s (latencies printed for the record)', async () => {
    const latencies: number[] = [];
    const events = Array.from({ length: 60 }, () =>
      ecoExamCreatedEvent({ examId: uniqueId('b').replace('b-', '5'), token: TOKEN }),
    );
    for (let i = 0; i < events.length; i += 10) {
      const batch = await Promise.all(events.slice(i, i + 10).map((e) => pushEvent(e)));
      for (const r of batch) {
        expect(r.status).toBe(200);
        latencies.push(r.ms);
      }
    }
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!;
    console.log(
      `webhook ack latency, 60 events in bursts of 10: p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms`,
    );
    expect(pct(99)).toBeLessThan(3000);
  });
});
