import { connect, type Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { generateKeyEntry } from '../../src/codec';
import { ConfigError, loadIngestConfig } from '../../src/config';
import { buildApp, type IngestDeps } from '../../src/ingest/app';
import { recordingClient } from '../support/fake-temporal';

/**
 * Issue 11 findings 4, 5 and 7 on the ingest, over real sockets on 127.0.0.1: security headers and no echo on every
 * answer; slow clients closed by the request timeout; the bearer checked before the body; a bound on connections
 * per client; the bearer parsed exactly as RFC 6750 says.
 */
const BEARER = 'hardening-exam-system-bearer-0123456789';
let recorder = recordingClient();

/** A fresh app (and recording Temporal client) with these limits. */
function ingest(http: IngestDeps['http'] = {}): FastifyInstance {
  recorder = recordingClient();
  return buildApp({
    client: recorder.client,
    examSystemToken: BEARER,
    feishu: { verificationToken: 'hardening-verification-token' },
    http,
  });
}

async function listen(app: FastifyInstance): Promise<number> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no address');
  return address.port;
}

interface Conn {
  socket: Socket;
  data(): string;
  closed: Promise<number>;
}

/** A raw TCP connection: what it received, and when (ms after opening) the server closed it. */
async function open(port: number): Promise<Conn> {
  const started = Date.now();
  const socket = connect({ host: '127.0.0.1', port });
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, data: () => data, closed };
}

/** Resolves with the value, or with 'timeout' after `ms` (bounded waits only). */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms))),
  ]).finally(() => clearTimeout(timer));
}

async function waitForData(conn: Conn, pattern: RegExp, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (pattern.test(conn.data())) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return pattern.test(conn.data());
}

const EXPECTED_SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

describe('ingest: security headers and no echo', () => {
  const app = ingest();
  afterAll(() => app.close());

  it.each([
    ['a 200', 'GET', '/healthz', {}, 200],
    ['a 404 (unknown route)', 'GET', '/<script>alert(1)</script>', {}, 404],
    ['a 401 (no bearer)', 'GET', '/exams/e1', {}, 401],
    ['a 400 (malformed URL)', 'GET', '/exams/%zz', { authorization: `Bearer ${BEARER}` }, 400],
    ['a 415 (webhook)', 'POST', '/webhook/feishu', { 'content-type': 'text/plain' }, 415],
  ] as const)('sets the security headers on %s', async (_name, method, url, headers, status) => {
    const res = await app.inject({ method, url, headers, payload: method === 'POST' ? 'x' : undefined });
    expect(res.statusCode).toBe(status);
    expect(res.headers).toMatchObject(EXPECTED_SECURITY_HEADERS);
  });

  it('does not echo the request path in a 404', async () => {
    const path = `/${'echo-me-'.repeat(1000)}`;
    const res = await app.inject({ method: 'GET', url: path });
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toContain('echo-me');
    expect(res.json()).toMatchObject({ error: 'not_found' });
  });
});

describe('ingest: Authorization is parsed as RFC 6750 says', () => {
  const app = ingest();
  afterAll(() => app.close());

  it.each([
    [`Bearer ${BEARER}`, 200],
    [`bearer ${BEARER}`, 200],
    [`BEARER   ${BEARER}`, 200],
    [`Bearer ${BEARER}  `, 200],
    [`Bearer\u00a0${BEARER}`, 401],
    [`Bearer\t${BEARER}`, 401],
    [`Bearer${BEARER}`, 401],
    [`Bearer ${BEARER} x`, 401],
    [`Bearer "${BEARER}"`, 401],
    [`Basic ${BEARER}`, 401],
  ])('%j → %i', async (authorization, status) => {
    const res = await app.inject({ method: 'GET', url: '/exams/e1', headers: { authorization } });
    expect(res.statusCode).toBe(status);
  });
});

describe('ingest: slow and greedy clients', () => {
  it('closes clients that trickle a body slower than INGEST_REQUEST_TIMEOUT_MS', async () => {
    const app = ingest({ requestTimeoutMs: 600, keepAliveTimeoutMs: 500, maxConnectionsPerClient: 0 });
    const port = await listen(app);
    try {
      const conns = await Promise.all(Array.from({ length: 20 }, () => open(port)));
      const trickle = setInterval(() => {
        for (const conn of conns) if (!conn.socket.destroyed) conn.socket.write('{');
      }, 100);
      for (const conn of conns) {
        conn.socket.write(
          'POST /webhook/feishu HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n',
        );
      }
      const closedAfter = await within(Promise.all(conns.map((conn) => conn.closed)), 5000);
      clearInterval(trickle);
      for (const conn of conns) conn.socket.destroy();
      expect(closedAfter).not.toBe('timeout');
      for (const ms of closedAfter as number[]) expect(ms).toBeLessThan(3000);
      expect(recorder.calls).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('answers 401 to a request without the bearer before its body is sent, and closes the connection', async () => {
    const app = ingest({ requestTimeoutMs: 30_000, maxConnectionsPerClient: 0 });
    const port = await listen(app);
    try {
      const conn = await open(port);
      conn.socket.write(
        'POST /exams/e1/arrangement HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n',
      );
      expect(await waitForData(conn, /^HTTP\/1\.1 401 /, 3000)).toBe(true);
      expect(await within(conn.closed, 3000)).not.toBe('timeout');
      expect(conn.data()).toMatch(/x-content-type-options: nosniff/i);
      expect(recorder.calls).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('closes connections beyond INGEST_MAX_CONNECTIONS_PER_CLIENT from one address, and accepts again later', async () => {
    const app = ingest({ requestTimeoutMs: 5000, keepAliveTimeoutMs: 5000, maxConnectionsPerClient: 3 });
    const port = await listen(app);
    const health = 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n';
    try {
      const kept: Conn[] = [];
      for (let i = 0; i < 3; i++) {
        const conn = await open(port);
        conn.socket.write(health);
        expect(await waitForData(conn, /^HTTP\/1\.1 200 /, 3000)).toBe(true);
        kept.push(conn);
      }
      const extra = await open(port);
      extra.socket.write(health);
      expect(await within(extra.closed, 3000)).not.toBe('timeout');
      expect(extra.data()).toBe('');

      kept[0]!.socket.destroy();
      await kept[0]!.closed;
      await new Promise((resolve) => setTimeout(resolve, 100));
      const again = await open(port);
      again.socket.write(health);
      expect(await waitForData(again, /^HTTP\/1\.1 200 /, 3000)).toBe(true);
      for (const conn of [...kept, again]) conn.socket.destroy();
    } finally {
      await app.close();
    }
  });
});

describe('ingest config: the limits and the bearer secret', () => {
  const base = {
    FEISHU_VERIFICATION_TOKEN: 'v',
    EXAM_SYSTEM_TOKEN: 'exam-system-token-0123456789',
    PAYLOAD_ENCRYPTION_KEYS: generateKeyEntry('k'),
  };

  it('defaults INGEST_REQUEST_TIMEOUT_MS, INGEST_KEEPALIVE_TIMEOUT_MS, INGEST_MAX_CONNECTIONS_PER_CLIENT, and reads them', () => {
    expect(loadIngestConfig(base)).toMatchObject({
      INGEST_REQUEST_TIMEOUT_MS: 10_000,
      INGEST_KEEPALIVE_TIMEOUT_MS: 72_000,
      INGEST_MAX_CONNECTIONS_PER_CLIENT: 100,
    });
    const set = {
      INGEST_REQUEST_TIMEOUT_MS: '3000',
      INGEST_KEEPALIVE_TIMEOUT_MS: '1000',
      INGEST_MAX_CONNECTIONS_PER_CLIENT: '0',
    };
    expect(loadIngestConfig({ ...base, ...set })).toMatchObject({
      INGEST_REQUEST_TIMEOUT_MS: 3000,
      INGEST_KEEPALIVE_TIMEOUT_MS: 1000,
      INGEST_MAX_CONNECTIONS_PER_CLIENT: 0,
    });
    expect(() => loadIngestConfig({ ...base, INGEST_REQUEST_TIMEOUT_MS: '-1' })).toThrow(/INGEST_REQUEST_TIMEOUT_MS/);
  });

  it('refuses an EXAM_SYSTEM_TOKEN no client could send as a bearer token, without echoing it', () => {
    const secret = 'has spaces and ! in it 0123456789';
    let error: unknown;
    try {
      loadIngestConfig({ ...base, EXAM_SYSTEM_TOKEN: secret });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/EXAM_SYSTEM_TOKEN may contain only/);
    expect((error as Error).message).not.toContain(secret);
  });
});
