import { createServer } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadIngestConfig } from '../../src/config';
import { runIngest } from '../../src/ingest/server';
import { findFreePort, listen } from '../../src/common/listen';
import { ecoExamWorkflowId } from '../../src/common/constants';
import type { ecoExamWorkflow } from '../../src/workflows/eco-exam-workflow';
import { FeishuSandbox } from '../../sandbox/feishu-sandbox';
import { ecoExamCreatedEvent, signedRequest } from '../support/feishu-events';
import { runEntry, type RunningProcess } from '../support/processes';
import { testEnv, testPayloadKeys, uniqueId } from '../support/temporal';
import { SDK_METRIC_NAMES, parseExposition, sampleValue } from '../support/prometheus';

/**
 * Both metrics endpoints after a real flow: the worker entry spawned as an operator runs it (its product /metrics
 * and the Temporal SDK's own /metrics on loopback ports of their own), the ingest in process with INGEST_METRICS_PORT,
 * a signed 创建笔试 event through the ingest, a Feishu token revocation and a 429 on the way, the arrangement (with a
 * password) through the ingest's API, the exam submitted to the Feishu sandbox, the event redelivered after the end.
 * Then: the figures moved, every scrape parses as Prometheus' text format, and no secret appears in any of them.
 */
const TOKEN = 'v-token-metrics-e2e';
const KEY = 'encrypt-key-metrics-e2e';
const BEARER = 'exam-system-token-metrics-0123456789';
const APP_SECRET = 'sandbox-secret';
const PASSWORD = 'metrics-pass-5521';
const TENANT = 'tenant-metrics';
const P = 'feishu_exam_bridge_';

let env: TestWorkflowEnvironment;
let sandbox: FeishuSandbox;
let worker: RunningProcess;
let ingest: { url: string; metricsUrl?: string; close(): Promise<void> };
let workerMetricsUrl: string;
let sdkMetricsUrl: string;

beforeAll(async () => {
  env = await testEnv();
  sandbox = await FeishuSandbox.start();
  const taskQueue = uniqueId('tq-metrics');
  const [workerPort, sdkPort] = [await findFreePort(), await findFreePort()];
  workerMetricsUrl = `http://127.0.0.1:${workerPort}/metrics`;
  sdkMetricsUrl = `http://127.0.0.1:${sdkPort}/metrics`;
  worker = runEntry('src/worker.ts', {
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS ?? '',
    TEMPORAL_NAMESPACE: env.namespace ?? 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    FEISHU_BASE_URL: sandbox.url,
    FEISHU_APP_ID: 'cli_sandbox',
    FEISHU_APP_SECRET: APP_SECRET,
    WORKER_SHUTDOWN_GRACE: '2s',
    PAYLOAD_ENCRYPTION_KEYS: testPayloadKeys(),
    RESULT_TIMEOUT: '0',
    WORKER_METRICS_PORT: String(workerPort),
    WORKER_SDK_METRICS_PORT: String(sdkPort),
  });
  ingest = await runIngest(
    loadIngestConfig({
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
      TEMPORAL_NAMESPACE: env.namespace ?? 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      INGEST_PORT: '0',
      INGEST_METRICS_PORT: '0',
      INGEST_TEMPORAL_DEADLINE_MS: '10000',
      LOG_LEVEL: 'ERROR',
      PAYLOAD_ENCRYPTION_KEYS: testPayloadKeys(),
      FEISHU_VERIFICATION_TOKEN: TOKEN,
      FEISHU_ENCRYPT_KEY: KEY,
      EXAM_SYSTEM_TOKEN: BEARER,
    }),
  );
  await worker.waitFor(/worker started/, 60_000);
}, 120_000);

afterAll(async () => {
  await ingest?.close();
  if (worker) {
    const { code } = await worker.stop('SIGTERM');
    expect(code).toBe(0);
  }
  await sandbox?.close();
  await env?.teardown();
});

async function pushEvent(body: unknown): Promise<number> {
  const { rawBody, headers } = signedRequest(body, { encryptKey: KEY });
  const res = await fetch(`${ingest.url}/webhook/feishu`, { method: 'POST', body: rawBody, headers });
  await res.text();
  return res.status;
}

async function scrape(url: string): Promise<{ contentType: string | null; text: string }> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return { contentType: res.headers.get('content-type'), text: await res.text() };
}

/** Scrapes until `ready` holds (the workflow's last sink call lands just after its result), at most 10 s. */
async function scrapeUntil(url: string, ready: (text: string) => boolean): Promise<string> {
  let text = '';
  for (let i = 0; i < 50; i++) {
    text = (await scrape(url)).text;
    if (ready(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return text;
}

describe('metrics endpoints after a real flow', () => {
  it('count Feishu calls, 429 holds, token fetches, exam transitions and ingest traffic; parse; leak nothing', async () => {
    expect(ingest.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const examId = uniqueId('m').replace('m-', '7');
    // First login_info: the token is refused (refresh, same attempt); then a 429 (hold 1 s, same attempt); then accepted.
    sandbox.injectFault({ kind: 'revoke_token' }, { examId });
    sandbox.injectFault({ kind: 'rate_limit', resetSeconds: 1 }, { examId });
    const event = ecoExamCreatedEvent({ examId, token: TOKEN, tenantKey: TENANT });
    expect(await pushEvent(event)).toBe(200);

    const body = { exam_login_info: { exam_url: 'https://exam.example/m', username: 'cand', password: PASSWORD } };
    const arranged = await fetch(`${ingest.url}/exams/${examId}/arrangement`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BEARER}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(arranged.status).toBe(202);
    const result = await env.client.workflow.getHandle<typeof ecoExamWorkflow>(ecoExamWorkflowId(examId)).result();
    expect(result.status).toBe('submitted');
    expect(await pushEvent(event)).toBe(200); // redelivered after the exam ended: a duplicate, nothing started
    expect((await fetch(`${ingest.url}/exams/${examId}`)).status).toBe(401); // no bearer

    // --- the worker's product metrics -------------------------------------------------------------------------
    const workerText = await scrapeUntil(
      workerMetricsUrl,
      (text) => sampleValue(parseExposition(text), `${P}exam_status_transitions_total`, { status: 'submitted' }) === 1,
    );
    const w = parseExposition(workerText);
    const feishu = (labels: Record<string, string>) => sampleValue(w, `${P}feishu_requests_total`, labels);
    expect(feishu({ api: 'login_info', outcome: 'success', code: '0' })).toBe(1);
    expect(feishu({ api: 'login_info', outcome: 'token', code: '99991663' })).toBe(1);
    expect(feishu({ api: 'login_info', outcome: 'rate_limited', code: '99991400' })).toBe(1);
    expect(feishu({ api: 'tenant_access_token', outcome: 'success', code: '0' })).toBe(2);
    expect(sampleValue(w, `${P}feishu_rate_limit_holds_total`, { api: 'login_info', tenant: TENANT })).toBe(1);
    expect(
      sampleValue(w, `${P}feishu_token_refreshes_total`, { kind: 'tenant_access_token', outcome: 'success' }),
    ).toBe(2);
    expect(sampleValue(w, `${P}feishu_request_duration_seconds_count`, { api: 'login_info' })).toBe(3);
    for (const status of ['awaiting_arrangement', 'submitting', 'submitted']) {
      expect(sampleValue(w, `${P}exam_status_transitions_total`, { status })).toBe(1);
    }
    expect(sampleValue(w, `${P}exam_status_transitions_total`, { status: 'failed' })).toBe(0);
    expect(w.types.get('process_cpu_seconds_total')).toBe('counter'); // prom-client's default process metrics

    // --- the ingest's ---------------------------------------------------------------------------------------
    const ingestScrape = await scrape(ingest.metricsUrl!);
    expect(ingestScrape.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const i = parseExposition(ingestScrape.text);
    const requests = (labels: Record<string, string>) => sampleValue(i, `${P}ingest_requests_total`, labels);
    expect(requests({ route: '/webhook/feishu', method: 'POST', status: '200' })).toBe(2);
    expect(requests({ route: '/exams/:examId/arrangement', method: 'POST', status: '202' })).toBe(1);
    expect(requests({ route: '/exams/:examId', method: 'GET', status: '401' })).toBe(1);
    expect(sampleValue(i, `${P}ingest_request_duration_seconds_count`, { route: '/webhook/feishu' })).toBe(2);
    expect(sampleValue(i, `${P}ingest_webhook_events_total`, { kind: 'eco_exam_created' })).toBe(2);
    expect(sampleValue(i, `${P}ingest_workflow_starts_total`, { outcome: 'started' })).toBe(1);
    expect(sampleValue(i, `${P}ingest_workflow_starts_total`, { outcome: 'duplicate' })).toBe(1);
    expect(sampleValue(i, `${P}ingest_temporal_failures_total`, {})).toBe(0);
    // The public port never serves metrics.
    expect((await fetch(`${ingest.url}/metrics`)).status).toBe(404);

    // --- the Temporal SDK's own endpoint: the names docs/metrics.md and the dashboard rely on ------------------
    const sdkText = await scrapeUntil(sdkMetricsUrl, (text) =>
      SDK_METRIC_NAMES.every((name) => parseExposition(text).types.has(name)),
    );
    const sdk = parseExposition(sdkText);
    expect(SDK_METRIC_NAMES.filter((name) => !sdk.types.has(name))).toEqual([]);

    // --- no secret in any scrape -------------------------------------------------------------------------------
    const tokens = sandbox
      .loginInfoRequests(examId)
      .map((request) => request.headers.authorization?.replace(/^Bearer /, ''))
      .filter((token): token is string => token !== undefined && token.length > 0);
    expect(tokens.length).toBeGreaterThan(0);
    const payloadKey = testPayloadKeys().split(':')[1]!;
    const secrets = [PASSWORD, APP_SECRET, TOKEN, KEY, BEARER, payloadKey, ...tokens];
    for (const text of [workerText, ingestScrape.text, sdkText]) {
      for (const secret of secrets) expect(text).not.toContain(secret);
    }
  }, 120_000);

  it('a worker whose metrics port is taken stops with exit code 2, naming the variable', async () => {
    const taken = createServer();
    const { port } = await listen(taken, { host: '127.0.0.1', port: 0, portVariable: '(test)' });
    try {
      for (const variable of ['WORKER_SDK_METRICS_PORT', 'WORKER_METRICS_PORT']) {
        const proc = runEntry('src/worker.ts', {
          TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS ?? '',
          FEISHU_APP_ID: 'cli_sandbox',
          FEISHU_APP_SECRET: APP_SECRET,
          PAYLOAD_ENCRYPTION_KEYS: testPayloadKeys(),
          [variable]: String(port),
        });
        const { code } = await proc.exited;
        expect(code).toBe(2);
        expect(proc.output()).toContain(`${variable}: `);
        expect(proc.output()).toContain(`127.0.0.1:${port}`);
      }
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 60_000);
});
