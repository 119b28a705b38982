import { ConfigError, loadIngestConfig, loadWorkerConfig } from '../../src/config';
import {
  FeishuHttp,
  FeishuNetworkError,
  FeishuRateLimitedError,
  FeishuResultLockedError,
  requestOutcome,
} from '../../src/feishu';
import { buildApp } from '../../src/ingest/app';
import { createIngestMetrics, createMetricsRegistry, createWorkerMetrics, serveMetrics } from '../../src/metrics';
import type { FeishuMetrics } from '../../src/common/metrics';
import { recordingClient } from '../support/fake-temporal';
import { ecoExamCreatedEvent } from '../support/feishu-events';
import { parseExposition, sampleValue } from '../support/prometheus';

/** The metrics' pieces without a Temporal server: configuration, outcome labels, the endpoint, the ingest's hook. */
const P = 'feishu_exam_bridge_';
const KEYS = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
const workerBase = { FEISHU_APP_ID: 'cli_x', FEISHU_APP_SECRET: 'very-secret-value', PAYLOAD_ENCRYPTION_KEYS: KEYS };
const ingestBase = {
  FEISHU_VERIFICATION_TOKEN: 'v-token',
  EXAM_SYSTEM_TOKEN: 'exam-system-token-0123456789',
  PAYLOAD_ENCRYPTION_KEYS: KEYS,
};

function configError(load: () => unknown): string {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
  throw new Error('no ConfigError');
}

describe('metrics configuration', () => {
  it('is off by default, on loopback when on', () => {
    const worker = loadWorkerConfig(workerBase);
    expect(worker.WORKER_METRICS_PORT).toBeUndefined();
    expect(worker.WORKER_SDK_METRICS_PORT).toBeUndefined();
    expect(worker.WORKER_METRICS_HOST).toBe('127.0.0.1');
    const ingest = loadIngestConfig(ingestBase);
    expect(ingest.INGEST_METRICS_PORT).toBeUndefined();
    expect(ingest.INGEST_METRICS_HOST).toBe('127.0.0.1');
    expect(loadWorkerConfig({ ...workerBase, WORKER_METRICS_PORT: '', WORKER_SDK_METRICS_PORT: ' ' })).toMatchObject({
      WORKER_METRICS_PORT: undefined,
      WORKER_SDK_METRICS_PORT: undefined,
    });
    expect(loadWorkerConfig({ ...workerBase, WORKER_METRICS_PORT: '9464' }).WORKER_METRICS_PORT).toBe(9464);
  });

  it('names a bad port, a port 0 for the SDK, and ports that collide', () => {
    expect(configError(() => loadWorkerConfig({ ...workerBase, WORKER_METRICS_PORT: 'metrics' }))).toContain(
      'WORKER_METRICS_PORT',
    );
    expect(configError(() => loadWorkerConfig({ ...workerBase, WORKER_SDK_METRICS_PORT: '0' }))).toContain(
      'WORKER_SDK_METRICS_PORT: WORKER_SDK_METRICS_PORT must be a port from 1 to 65535',
    );
    expect(configError(() => loadIngestConfig({ ...ingestBase, INGEST_METRICS_PORT: '70000' }))).toContain(
      'INGEST_METRICS_PORT',
    );
    expect(
      configError(() =>
        loadWorkerConfig({ ...workerBase, WORKER_METRICS_PORT: '9464', WORKER_SDK_METRICS_PORT: '9464' }),
      ),
    ).toContain('WORKER_SDK_METRICS_PORT: must differ from WORKER_METRICS_PORT');
    expect(
      configError(() => loadIngestConfig({ ...ingestBase, INGEST_PORT: '3000', INGEST_METRICS_PORT: '3000' })),
    ).toContain('INGEST_METRICS_PORT: must differ from INGEST_PORT');
  });
});

describe('Feishu request outcomes', () => {
  it('names each failure by its type, snake case, with its code', () => {
    expect(requestOutcome(new FeishuRateLimitedError('m', { code: 99991400 }, 1000))).toEqual({
      outcome: 'rate_limited',
      code: 99991400,
    });
    expect(requestOutcome(new FeishuResultLockedError('m', { code: 1002855 }))).toEqual({
      outcome: 'result_locked',
      code: 1002855,
    });
    expect(requestOutcome(new FeishuNetworkError('m'))).toEqual({ outcome: 'network', code: undefined });
    expect(requestOutcome(new DOMException('gone', 'AbortError'))).toEqual({ outcome: 'aborted' });
  });

  it('FeishuHttp counts and times each request, success or not', async () => {
    const seen: Array<[string, string, number | undefined]> = [];
    const metrics: FeishuMetrics = {
      request: (api, outcome, code, seconds) => {
        expect(seconds).toBeGreaterThanOrEqual(0);
        seen.push([api, outcome, code]);
      },
      rateLimitHold() {},
      tokenRefresh() {},
    };
    const answers = [
      new Response('{"code":0,"data":{}}', { headers: { 'content-type': 'application/json' } }),
      new Response('{"code":99991400,"msg":"limit"}', {
        status: 429,
        headers: { 'content-type': 'application/json', 'x-ogw-ratelimit-reset': '2' },
      }),
    ];
    const http = new FeishuHttp({
      baseUrl: 'https://open.feishu.test',
      metrics,
      fetch: async () => {
        const answer = answers.shift();
        if (!answer) throw new TypeError('fetch failed');
        return answer;
      },
    });
    await http.postJson('login_info', '/open-apis/x', {});
    await expect(http.postJson('login_info', '/open-apis/x', {})).rejects.toBeInstanceOf(FeishuRateLimitedError);
    await expect(http.postJson('update_result', '/open-apis/y', {})).rejects.toBeInstanceOf(FeishuNetworkError);
    expect(seen).toEqual([
      ['login_info', 'success', 0],
      ['login_info', 'rate_limited', 99991400],
      ['update_result', 'network', undefined],
    ]);
  });
});

describe('the metrics endpoint', () => {
  it('serves GET /metrics in the text format, 404 elsewhere, 405 for other methods; label values escaped', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const { feishu } = createWorkerMetrics(registry);
    feishu.rateLimitHold('login_info', 'tenant "quoted"\\\nline');
    feishu.rateLimitHold('login_info', undefined);
    feishu.request('login_info', 'server', 1002001, 0.2);
    const server = await serveMetrics(registry, { host: '127.0.0.1', port: 0, portVariable: 'WORKER_METRICS_PORT' });
    try {
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(registry.contentType);
      const exposition = parseExposition(await res.text());
      const holds = `${P}feishu_rate_limit_holds_total`;
      expect(sampleValue(exposition, holds, { api: 'login_info', tenant: 'tenant "quoted"\\\nline' })).toBe(1);
      expect(sampleValue(exposition, holds, { api: 'login_info', tenant: 'self' })).toBe(1);
      const requests = `${P}feishu_requests_total`;
      expect(sampleValue(exposition, requests, { api: 'login_info', outcome: 'server', code: '1002001' })).toBe(1);
      expect(exposition.types.get(`${P}feishu_request_duration_seconds`)).toBe('histogram');
      expect((await fetch(server.url.replace('/metrics', '/'))).status).toBe(404);
      expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it('a taken port is a ConfigError naming the variable', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const first = await serveMetrics(registry, { host: '127.0.0.1', port: 0, portVariable: 'INGEST_METRICS_PORT' });
    try {
      const port = Number(new URL(first.url).port);
      await expect(
        serveMetrics(registry, { host: '127.0.0.1', port, portVariable: 'INGEST_METRICS_PORT' }),
      ).rejects.toThrow(/INGEST_METRICS_PORT: 127\.0\.0\.1:\d+ is already in use/);
    } finally {
      await first.close();
    }
  });
});

describe('the ingest counts', () => {
  it('requests by route pattern, events, failed starts and Temporal failures', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const recorder = recordingClient();
    const app = buildApp({
      client: recorder.client,
      examSystemToken: 'exam-system-token-0123456789',
      feishu: { verificationToken: 'v-token' },
      metrics: createIngestMetrics(registry),
    });
    try {
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect((await app.inject({ method: 'GET', url: '/no/such/route/secret-looking-path' })).statusCode).toBe(404);
      recorder.unreachable = true;
      const event = ecoExamCreatedEvent({ examId: '4242', token: 'v-token' });
      const webhook = await app.inject({
        method: 'POST',
        url: '/webhook/feishu',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(event),
      });
      expect(webhook.statusCode).toBe(503);
      const text = await registry.metrics();
      const exposition = parseExposition(text);
      const requests = (labels: Record<string, string>) => sampleValue(exposition, `${P}ingest_requests_total`, labels);
      expect(requests({ route: '/healthz', method: 'GET', status: '200' })).toBe(1);
      expect(requests({ route: 'unmatched', method: 'GET', status: '404' })).toBe(1);
      expect(requests({ route: '/webhook/feishu', method: 'POST', status: '503' })).toBe(1);
      expect(text).not.toContain('secret-looking-path');
      expect(sampleValue(exposition, `${P}ingest_webhook_events_total`, { kind: 'eco_exam_created' })).toBe(1);
      expect(sampleValue(exposition, `${P}ingest_workflow_starts_total`, { outcome: 'failed' })).toBe(1);
      expect(sampleValue(exposition, `${P}ingest_workflow_starts_total`, { outcome: 'started' })).toBe(0);
      expect(sampleValue(exposition, `${P}ingest_temporal_failures_total`, {})).toBe(1);
    } finally {
      await app.close();
    }
  });
});
