import type { FastifyInstance } from 'fastify';
import { buildApp, type IngestDeps } from '../../src/ingest/app';
import { computeSignature, encryptEvent } from '../../src/feishu/event-crypto';
import {
  appTicketEvent,
  ecoAccountCreatedEvent,
  ecoExamCreatedEvent,
  encryptBody,
  signedRequest,
  urlVerification,
} from '../support/feishu-events';
import { recordingClient, type RecordingClient } from '../support/fake-temporal';

/**
 * The webhook and the exam-system API in-process (fastify inject), with a recording Temporal client so every
 * refused request can prove that nothing was started or signalled.
 */
const TOKEN = 'verification-token-123';
const KEY = 'encrypt-key-abc';
const BEARER = 'exam-system-bearer-secret-0123456789';

let recorder: RecordingClient;
let tickets: Array<{ appId: string; ticket: string }>;

function app(overrides: Partial<IngestDeps> = {}, feishu: Partial<IngestDeps['feishu']> = {}): FastifyInstance {
  recorder = recordingClient();
  tickets = [];
  return buildApp({
    client: recorder.client,
    examSystemToken: BEARER,
    feishu: { verificationToken: TOKEN, encryptKey: KEY, ...feishu },
    appTickets: { save: async (appId, ticket) => void tickets.push({ appId, ticket }) },
    ...overrides,
  });
}

const post = (a: FastifyInstance, url: string, payload: string | Buffer, headers: Record<string, string>) =>
  a.inject({ method: 'POST', url, payload, headers });

const examEvent = (extra: Parameters<typeof ecoExamCreatedEvent>[0] | object = {}) =>
  ecoExamCreatedEvent({
    examId: '7147998241542539527',
    token: TOKEN,
    tenantKey: 'tenant-1',
    eventId: 'ev-1',
    ...extra,
  });

describe('POST /webhook/feishu', () => {
  it('accepts a signed encrypted event whose raw body has extra whitespace, and starts the exam', async () => {
    const a = app();
    const { rawBody, headers } = signedRequest(examEvent(), { encryptKey: KEY, whitespace: true });
    expect(rawBody).toContain('\n');
    const res = await post(a, '/webhook/feishu', rawBody, headers);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ msg: 'success' });
    const starts = recorder.calls.filter((c) => c.op === 'start');
    expect(starts).toHaveLength(1);
    const [, options] = starts[0]!.args as [string, { workflowId: string; args: unknown[] }];
    expect(options.workflowId).toBe('eco-exam-7147998241542539527');
    expect(options.args[0]).toMatchObject({
      examId: '7147998241542539527',
      accountId: '7147998241542539527',
      paperId: 'paper001',
      tenantKey: 'tenant-1',
      eventId: 'ev-1',
      candidate: { name: '王二', mobile: { code: '86', number: '18900001111' }, email: 'xxx@abc.vom' },
    });
  });

  it('answers an encrypted url_verification without signature headers, in plaintext', async () => {
    const a = app();
    const body = JSON.stringify(encryptBody(urlVerification({ token: TOKEN, challenge: 'ajls384kdjx' }), KEY));
    const res = await post(a, '/webhook/feishu', body, { 'content-type': 'application/json; charset=utf-8' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ challenge: 'ajls384kdjx' });
    expect(recorder.calls).toHaveLength(0);
  });

  it('answers a plain url_verification when no Encrypt Key is configured', async () => {
    const a = app({}, { encryptKey: undefined });
    const body = JSON.stringify(urlVerification({ token: TOKEN, challenge: 'c-1' }));
    const res = await post(a, '/webhook/feishu', body, { 'content-type': 'application/json' });
    expect(res.json()).toEqual({ challenge: 'c-1' });
  });

  it('answers a plain url_verification with the right token while an Encrypt Key is set (issue 10.4)', async () => {
    // Feishu's console may save the request URL before the Encrypt Key is set; the token is the proof, as in the SDK.
    const a = app();
    const body = JSON.stringify(urlVerification({ token: TOKEN, challenge: 'plain-c' }));
    const res = await post(a, '/webhook/feishu', body, { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ challenge: 'plain-c' });
    expect(recorder.calls).toHaveLength(0);
  });

  it('still refuses, while an Encrypt Key is set, a plain url_verification with a wrong token and a plain event', async () => {
    const a = app();
    const wrong = JSON.stringify(urlVerification({ token: 'not-the-token', challenge: 'c' }));
    expect((await post(a, '/webhook/feishu', wrong, { 'content-type': 'application/json' })).statusCode).toBe(401);
    const event = JSON.stringify(examEvent());
    const res = await post(a, '/webhook/feishu', event, { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'malformed', message: expect.stringContaining('encrypt') });
    expect(recorder.calls).toHaveLength(0);
  });

  it('starts the exam from a plain event when no Encrypt Key is configured (token checked)', async () => {
    const a = app({}, { encryptKey: undefined });
    const res = await post(a, '/webhook/feishu', JSON.stringify(examEvent()), { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(200);
    expect(recorder.calls.filter((c) => c.op === 'start')).toHaveLength(1);
  });

  it('acknowledges a scope-1 hire.eco_account.created_v1 and unknown event types with 200, starting nothing', async () => {
    const a = app();
    for (const event of [
      ecoAccountCreatedEvent({ token: TOKEN, scope: 1 }),
      {
        schema: '2.0',
        header: { event_id: 'e9', token: TOKEN, create_time: '1', event_type: 'contact.user.created_v3' },
        event: {},
      },
    ]) {
      const { rawBody, headers } = signedRequest(event, { encryptKey: KEY });
      const res = await post(a, '/webhook/feishu', rawBody, headers);
      expect(res.statusCode).toBe(200);
    }
    expect(recorder.calls).toHaveLength(0);
  });

  it('keeps app_ticket for a store app and ignores it for a custom app', async () => {
    const store = app({}, { appType: 'store', appId: 'cli_store' });
    const event = appTicketEvent({ appId: 'cli_store', ticket: 'ticket-1', token: TOKEN });
    const signed = signedRequest(event, { encryptKey: KEY });
    expect((await post(store, '/webhook/feishu', signed.rawBody, signed.headers)).statusCode).toBe(200);
    expect(tickets).toEqual([{ appId: 'cli_store', ticket: 'ticket-1' }]);

    const custom = app({}, { appType: 'custom' });
    const again = signedRequest(event, { encryptKey: KEY });
    expect((await post(custom, '/webhook/feishu', again.rawBody, again.headers)).statusCode).toBe(200);
    expect(tickets).toEqual([]);
  });

  it('answers 503 when Temporal is unreachable, so Feishu redelivers', async () => {
    const a = app();
    recorder.unreachable = true;
    const { rawBody, headers } = signedRequest(examEvent(), { encryptKey: KEY });
    const res = await post(a, '/webhook/feishu', rawBody, headers);
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: 'temporal_unavailable' });
  });

  it('checks the timestamp only when a tolerance is configured', async () => {
    const old = String(Math.floor(Date.now() / 1000) - 3600);
    const loose = app();
    const a = signedRequest(examEvent(), { encryptKey: KEY, timestamp: old });
    expect((await post(loose, '/webhook/feishu', a.rawBody, a.headers)).statusCode).toBe(200);
    const strict = app({}, { timestampToleranceSeconds: 300 });
    const b = signedRequest(examEvent(), { encryptKey: KEY, timestamp: old });
    const res = await post(strict, '/webhook/feishu', b.rawBody, b.headers);
    expect(res.statusCode).toBe(401);
    expect(recorder.calls).toHaveLength(0);
  });
});

/** Bad requests: each with its status, and nothing started or signalled. */
describe('refused requests start and signal nothing', () => {
  const json = { 'content-type': 'application/json; charset=utf-8' };
  const signedExam = () => signedRequest(examEvent(), { encryptKey: KEY });
  const resign = (rawBody: string, ts = '1700000000', nonce = 'n1') => ({
    rawBody,
    headers: {
      ...json,
      'x-lark-request-timestamp': ts,
      'x-lark-request-nonce': nonce,
      'x-lark-signature': computeSignature(ts, nonce, KEY, rawBody),
    },
  });
  const encryptedSigned = (plain: unknown) =>
    resign(JSON.stringify({ encrypt: encryptEvent(JSON.stringify(plain), KEY) }));
  const bearer = { authorization: `Bearer ${BEARER}` };
  const arrangement = { exam_login_info: { exam_url: 'https://exam.example/x', password: 'pw' } };

  type Case = {
    name: string;
    status: number;
    method?: 'POST' | 'GET' | 'PUT';
    url?: string;
    body?: () => { rawBody: string | Buffer; headers: Record<string, string> };
    feishu?: Partial<IngestDeps['feishu']>;
  };
  const cases: Case[] = [
    // --- webhook: content type, size, syntax
    {
      name: 'webhook: text/plain content type',
      status: 415,
      body: () => ({
        rawBody: signedExam().rawBody,
        headers: { ...signedExam().headers, 'content-type': 'text/plain' },
      }),
    },
    { name: 'webhook: no content type', status: 415, body: () => ({ rawBody: '{}', headers: {} }) },
    {
      name: 'webhook: form content type',
      status: 415,
      body: () => ({ rawBody: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    },
    {
      name: 'webhook: body over the limit',
      status: 413,
      body: () => ({ rawBody: `{"encrypt":"${'A'.repeat(1024 * 1024 + 10)}"}`, headers: json }),
    },
    { name: 'webhook: empty body', status: 400, body: () => ({ rawBody: '', headers: json }) },
    { name: 'webhook: not JSON', status: 400, body: () => ({ rawBody: '{"encrypt":', headers: json }) },
    { name: 'webhook: JSON array', status: 400, body: () => resign('[1,2,3]') },
    {
      name: 'webhook: plaintext event while an Encrypt Key is set',
      status: 400,
      body: () => resign(JSON.stringify(examEvent())),
    },
    { name: 'webhook: encrypt is a number', status: 400, body: () => resign('{"encrypt":42}') },
    // --- webhook: signature
    {
      name: 'webhook: event without signature headers',
      status: 401,
      body: () => ({ rawBody: signedExam().rawBody, headers: json }),
    },
    {
      name: 'webhook: signature of another body',
      status: 401,
      body: () => ({ rawBody: signedExam().rawBody, headers: signedExam().headers }),
    },
    {
      name: 'webhook: signature with the wrong key',
      status: 401,
      body: () => {
        const s = signedExam();
        return {
          rawBody: s.rawBody,
          headers: {
            ...s.headers,
            'x-lark-signature': computeSignature(
              s.headers['x-lark-request-timestamp']!,
              s.headers['x-lark-request-nonce']!,
              'wrong',
              s.rawBody,
            ),
          },
        };
      },
    },
    {
      name: 'webhook: signature not hex',
      status: 401,
      body: () => {
        const s = signedExam();
        return { rawBody: s.rawBody, headers: { ...s.headers, 'x-lark-signature': 'zz' } };
      },
    },
    {
      name: 'webhook: nonce changed',
      status: 401,
      body: () => {
        const s = signedExam();
        return { rawBody: s.rawBody, headers: { ...s.headers, 'x-lark-request-nonce': 'other' } };
      },
    },
    {
      name: 'webhook: timestamp header missing',
      status: 401,
      body: () => {
        const s = signedExam();
        const { ['x-lark-request-timestamp']: _t, ...rest } = s.headers;
        return { rawBody: s.rawBody, headers: rest };
      },
    },
    {
      name: 'webhook: body re-serialised after signing',
      status: 401,
      body: () => {
        const s = signedRequest(examEvent(), { encryptKey: KEY, whitespace: true });
        return { rawBody: JSON.stringify(JSON.parse(s.rawBody)), headers: s.headers };
      },
    },
    // --- webhook: decryption (every failure from decryption on is the one NOT_VERIFIED 401: no padding oracle)
    { name: 'webhook: encrypt not base64', status: 401, body: () => resign('{"encrypt":"%%%not-base64%%%"}') },
    { name: 'webhook: encrypt too short', status: 401, body: () => resign('{"encrypt":"AAAA"}') },
    {
      name: 'webhook: encrypted with another key',
      status: 401,
      body: () => resign(JSON.stringify({ encrypt: encryptEvent(JSON.stringify(examEvent()), 'another key') })),
    },
    {
      name: 'webhook: decrypts to non-JSON',
      status: 401,
      body: () => resign(JSON.stringify({ encrypt: encryptEvent('hello world', KEY) })),
    },
    // --- webhook: token and fields
    {
      name: 'webhook: wrong verification token',
      status: 401,
      body: () => encryptedSigned(ecoExamCreatedEvent({ examId: '1', token: 'wrong' })),
    },
    {
      name: 'webhook: url_verification with a wrong token',
      status: 401,
      body: () => ({
        rawBody: JSON.stringify(encryptBody(urlVerification({ token: 'nope', challenge: 'c' }), KEY)),
        headers: json,
      }),
    },
    {
      name: 'webhook: exam event without exam_id',
      status: 400,
      body: () => {
        const e = examEvent() as { event: Record<string, unknown> };
        delete e.event.exam_id;
        return encryptedSigned(e);
      },
    },
    {
      name: 'webhook: exam_id with a slash',
      status: 400,
      body: () => encryptedSigned(ecoExamCreatedEvent({ examId: '../etc', token: TOKEN })),
    },
    {
      name: 'webhook: exam_id a number',
      status: 400,
      body: () => encryptedSigned(ecoExamCreatedEvent({ examId: '1', token: TOKEN, extraEvent: { exam_id: 7 } })),
    },
    {
      name: 'webhook: header without event_id',
      status: 400,
      body: () => {
        const e = examEvent() as { header: Record<string, unknown> };
        delete e.header.event_id;
        return encryptedSigned(e);
      },
    },
    {
      name: 'webhook: header without token',
      status: 400,
      body: () => {
        const e = examEvent() as { header: Record<string, unknown> };
        delete e.header.token;
        return encryptedSigned(e);
      },
    },
    {
      name: 'webhook: account_id of 300 characters',
      status: 400,
      body: () => encryptedSigned(ecoExamCreatedEvent({ examId: '1', token: TOKEN, accountId: 'a'.repeat(300) })),
    },
    {
      name: 'webhook: store app event without tenant_key',
      status: 400,
      feishu: { appType: 'store' },
      body: () => encryptedSigned(ecoExamCreatedEvent({ examId: '1', token: TOKEN })),
    },
    {
      name: 'webhook: encrypted body while no Encrypt Key is set',
      status: 400,
      feishu: { encryptKey: undefined },
      body: () => ({ rawBody: JSON.stringify(encryptBody(examEvent(), KEY)), headers: json }),
    },
    { name: 'webhook: GET instead of POST', status: 404, method: 'GET', body: () => ({ rawBody: '', headers: {} }) },
    // --- exam-system API
    {
      name: 'arrangement: no Authorization',
      status: 401,
      url: '/exams/e1/arrangement',
      body: () => ({ rawBody: JSON.stringify(arrangement), headers: json }),
    },
    {
      name: 'arrangement: wrong bearer',
      status: 401,
      url: '/exams/e1/arrangement',
      body: () => ({ rawBody: JSON.stringify(arrangement), headers: { ...json, authorization: 'Bearer nope' } }),
    },
    {
      name: 'arrangement: Basic auth',
      status: 401,
      url: '/exams/e1/arrangement',
      body: () => ({ rawBody: JSON.stringify(arrangement), headers: { ...json, authorization: `Basic ${BEARER}` } }),
    },
    {
      name: 'arrangement: text/plain',
      status: 415,
      url: '/exams/e1/arrangement',
      body: () => ({ rawBody: JSON.stringify(arrangement), headers: { ...bearer, 'content-type': 'text/plain' } }),
    },
    {
      name: 'arrangement: not JSON',
      status: 400,
      url: '/exams/e1/arrangement',
      body: () => ({ rawBody: '{', headers: { ...json, ...bearer } }),
    },
    {
      name: 'arrangement: missing exam_login_info',
      status: 400,
      url: '/exams/e1/arrangement',
      body: () => ({ rawBody: '{"result":0}', headers: { ...json, ...bearer } }),
    },
    {
      name: 'arrangement: relative exam_url',
      status: 400,
      url: '/exams/e1/arrangement',
      body: () => ({ rawBody: '{"exam_login_info":{"exam_url":"/x"}}', headers: { ...json, ...bearer } }),
    },
    {
      name: 'arrangement: result not an integer',
      status: 400,
      url: '/exams/e1/arrangement',
      body: () => ({
        rawBody: '{"result":"0","exam_login_info":{"exam_url":"https://a.b/c"}}',
        headers: { ...json, ...bearer },
      }),
    },
    {
      name: 'arrangement: unknown field (typo)',
      status: 400,
      url: '/exams/e1/arrangement',
      body: () => ({ rawBody: '{"exam_login_info":{"examUrl":"https://a.b/c"}}', headers: { ...json, ...bearer } }),
    },
    {
      name: 'arrangement: bad examId in path',
      status: 400,
      url: '/exams/a%20b/arrangement',
      body: () => ({ rawBody: JSON.stringify(arrangement), headers: { ...json, ...bearer } }),
    },
    {
      name: 'status: no Authorization',
      status: 401,
      method: 'GET',
      url: '/exams/e1',
      body: () => ({ rawBody: '', headers: {} }),
    },
    {
      name: 'status: bad examId',
      status: 400,
      method: 'GET',
      url: '/exams/%2e%2e%2f',
      body: () => ({ rawBody: '', headers: bearer }),
    },
    { name: 'unknown route', status: 404, method: 'PUT', url: '/exams', body: () => ({ rawBody: '', headers: {} }) },
  ];

  it('has a corpus of at least 30 bad requests', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  it.each(cases)('$name → $status', async ({ status, method = 'POST', url = '/webhook/feishu', body, feishu }) => {
    const a = app({}, feishu ?? {});
    const { rawBody, headers } = body!();
    const res = await a.inject({ method, url, payload: method === 'GET' ? undefined : rawBody, headers });
    expect(res.statusCode).toBe(status);
    const answer = res.json<{ error: string; message: string }>();
    expect(answer.message.length).toBeGreaterThan(0);
    expect(res.body).not.toContain(BEARER);
    expect(res.body).not.toContain(KEY);
    expect(recorder.calls).toEqual([]);
  });
});
