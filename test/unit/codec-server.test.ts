import { connect, type AddressInfo } from 'node:net';
import { defaultPayloadConverter } from '@temporalio/common';
import { buildCodecApp } from '../../src/codec-server/app';
import { EncryptionCodec, generateKeyEntry, parseEncryptionKeys } from '../../src/codec';

const TOKEN = 'codec-token-0123456789abcdef';
const UI = 'http://localhost:8233';
const codec = new EncryptionCodec(parseEncryptionKeys(generateKeyEntry('k1')));
const app = buildCodecApp({ codec, token: TOKEN, allowedOrigins: [UI] });

async function encryptedBody() {
  const [encrypted] = await codec.encode([defaultPayloadConverter.toPayload({ password: 'only-through-the-codec' })]);
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  return {
    payloads: [
      {
        metadata: Object.fromEntries(Object.entries(encrypted!.metadata!).map(([k, v]) => [k, b64(v)])),
        data: b64(encrypted!.data!),
      },
    ],
  };
}

function decodedText(body: { payloads: Array<{ data: string }> }): string {
  return Buffer.from(body.payloads[0]!.data, 'base64').toString();
}

describe('codec server', () => {
  it('decodes for an authorised request from the UI origin, with CORS headers', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { authorization: `Bearer ${TOKEN}`, origin: UI, 'x-namespace': 'default' },
      payload: await encryptedBody(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(UI);
    expect(decodedText(res.json())).toBe('{"password":"only-through-the-codec"}');
  });

  it('accepts the token in the path, for a UI that sends no headers', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/codec/${TOKEN}/decode`,
      headers: { origin: UI },
      payload: await encryptedBody(),
    });
    expect(res.statusCode).toBe(200);
    expect(decodedText(res.json())).toContain('only-through-the-codec');
  });

  it.each([
    ['no token', '/codec/decode', {}],
    ['a wrong bearer', '/codec/decode', { authorization: 'Bearer wrong-token-0123456789' }],
    ['a wrong path token', '/codec/wrong-token-0123456789/decode', {}],
  ])('refuses a request with %s (401) and decodes nothing', async (_name, url, headers) => {
    const res = await app.inject({
      method: 'POST',
      url,
      headers: { origin: UI, ...headers },
      payload: await encryptedBody(),
    });
    expect(res.statusCode).toBe(401);
    expect(res.body).not.toContain(Buffer.from('only-through-the-codec').toString('base64'));
  });

  it('refuses a foreign origin even with the right token, and its preflight', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { authorization: `Bearer ${TOKEN}`, origin: 'https://evil.example' },
      payload: await encryptedBody(),
    });
    expect(res.statusCode).toBe(403);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/codec/decode',
      headers: { origin: 'https://evil.example' },
    });
    expect(preflight.statusCode).toBe(403);
  });

  it('answers the UI origin’s preflight with the headers the UI sends', async () => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/codec/decode',
      headers: { origin: UI, 'access-control-request-method': 'POST' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(UI);
    expect(res.headers['access-control-allow-headers']).toContain('x-namespace');
  });

  it('encodes, refuses a malformed body (400) and an oversized one (413)', async () => {
    const enc = await app.inject({
      method: 'POST',
      url: '/codec/encode',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: {
        payloads: [
          {
            metadata: { encoding: Buffer.from('json/plain').toString('base64') },
            data: Buffer.from('{}').toString('base64'),
          },
        ],
      },
    });
    expect(enc.statusCode).toBe(200);
    expect(
      Buffer.from(
        enc.json<{ payloads: Array<{ metadata: { encoding: string } }> }>().payloads[0]!.metadata.encoding,
        'base64',
      ).toString(),
    ).toBe('binary/encrypted');
    const bad = await app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { payloads: 'nope' },
    });
    expect(bad.statusCode).toBe(400);
    const small = buildCodecApp({ codec, token: TOKEN, allowedOrigins: [UI], bodyLimit: 100 });
    const big = await small.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: await encryptedBody(),
    });
    expect(big.statusCode).toBe(413);
  });
});

const b64 = (text: string) => Buffer.from(text).toString('base64');
const authorised = { authorization: `Bearer ${TOKEN}` };

describe('codec server: every protobuf-JSON form of Payloads (issue 10.5)', () => {
  it.each([
    ['{} (the CLI, for a query without arguments)', {}, []],
    ['{"payloads": []}', { payloads: [] }, []],
    ['{"payloads": null}', { payloads: null }, []],
    ['a payload without metadata or data', { payloads: [{}] }, [{ metadata: {}, data: '' }]],
    ['null metadata and data', { payloads: [{ metadata: null, data: null }] }, [{ metadata: {}, data: '' }]],
    [
      'unknown fields (ignored, as a newer UI may send some)',
      { payloads: [{ data: b64('x'), externalPayloads: [] }], somethingNew: true },
      [{ metadata: {}, data: b64('x') }],
    ],
    [
      'URL-safe base64 without padding',
      { payloads: [{ metadata: { encoding: 'anNvbi9wbGFpbg' }, data: '-_8' }] },
      [{ metadata: { encoding: b64('json/plain') }, data: Buffer.from([0xfb, 0xff]).toString('base64') }],
    ],
  ])('decodes %s', async (_name, payload, expected) => {
    const res = await app.inject({ method: 'POST', url: '/codec/decode', headers: authorised, payload });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ payloads: expected });
  });

  it.each([
    [{ payloads: [{ data: 'not base64!' }] }, 'payloads[0].data: not valid base64'],
    [{ payloads: [{}, { data: 'abc=d' }] }, 'payloads[1].data: not valid base64'],
    [{ payloads: [{ data: 'ab-/' }] }, 'payloads[0].data: not valid base64'],
    [{ payloads: [{ data: 'a' }] }, 'payloads[0].data: not valid base64'],
    [{ payloads: [{ metadata: { encoding: '%%' } }] }, 'payloads[0].metadata: not valid base64'],
    [{ payloads: [{ metadata: { encoding: 7 } }] }, 'payloads[0].metadata: every value must be a base64 string'],
    [{ payloads: [{ data: 7 }] }, 'payloads[0].data: must be a base64 string'],
    [{ payloads: 'x' }, 'payloads: must be an array'],
    [{ payloads: [null] }, 'payloads[0]: must be an object'],
    [{ payloads: [{ 'secret-looking-key': 1, data: '!' }] }, 'payloads[0].data: not valid base64'],
    [{ payloads: [{ metadata: { 'secret-looking-key': '!' } }] }, 'payloads[0].metadata: not valid base64'],
  ])('refuses %j with 400 naming the field', async (payload, message) => {
    const res = await app.inject({ method: 'POST', url: '/codec/decode', headers: authorised, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toContain(message);
    expect(res.body).not.toContain('secret-looking-key');
  });
});

describe('codec server: no echo, security headers, token before body (issue 11)', () => {
  const SECURITY = {
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'referrer-policy': 'no-referrer',
  };

  it('does not echo the Origin in a 403, nor the path in a 404, nor a key id in a 422', async () => {
    const origin = 'https://evil-origin-echo.example';
    const forbidden = await app.inject({ method: 'POST', url: '/codec/decode', headers: { origin }, payload: {} });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.body).not.toContain('evil-origin-echo');
    const missing = await app.inject({ method: 'GET', url: `/codec/${'echo-me-'.repeat(500)}` });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).not.toContain('echo-me');
    const unknownKey = await app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: authorised,
      payload: {
        payloads: [
          {
            metadata: { encoding: b64('binary/encrypted'), 'encryption-key-id': b64('key-id-echo-me') },
            data: b64('x'.repeat(40)),
          },
        ],
      },
    });
    expect(unknownKey.statusCode).toBe(422);
    expect(unknownKey.body).not.toContain('key-id-echo-me');
  });

  it('sets the security headers on every answer and keeps the CORS headers for the UI origin', async () => {
    const answers = await Promise.all([
      app.inject({ method: 'POST', url: '/codec/decode', headers: { ...authorised, origin: UI }, payload: {} }),
      app.inject({ method: 'POST', url: '/codec/decode', headers: { origin: UI }, payload: {} }),
      app.inject({ method: 'POST', url: '/codec/decode', headers: { origin: 'https://x.example' }, payload: {} }),
      app.inject({ method: 'OPTIONS', url: '/codec/decode', headers: { origin: UI } }),
      app.inject({ method: 'GET', url: '/nope' }),
      app.inject({
        method: 'POST',
        url: '/codec/decode',
        headers: { ...authorised, 'content-type': 'application/json' },
        payload: '{',
      }),
    ]);
    expect(answers.map((res) => res.statusCode)).toEqual([200, 401, 403, 204, 404, 400]);
    for (const res of answers) expect(res.headers).toMatchObject(SECURITY);
    for (const res of [answers[0], answers[1], answers[3]]) {
      expect(res.headers['access-control-allow-origin']).toBe(UI);
    }
  });

  it('accepts the bearer as RFC 6750 allows it, and nothing looser', async () => {
    const statuses = await Promise.all(
      [`bearer   ${TOKEN}`, `Bearer\u00a0${TOKEN}`, `Bearer\t${TOKEN}`, `Bearer ${TOKEN} x`].map(
        async (authorization) =>
          (await app.inject({ method: 'POST', url: '/codec/decode', headers: { authorization }, payload: {} }))
            .statusCode,
      ),
    );
    expect(statuses).toEqual([200, 401, 401, 401]);
  });

  it('answers 401 before reading the body of a request without the token, and closes the connection', async () => {
    const server = buildCodecApp({ codec, token: TOKEN, allowedOrigins: [UI] });
    await server.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.server.address() as AddressInfo;
    const socket = connect({ host: '127.0.0.1', port });
    try {
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write(
        'POST /codec/decode HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n',
      );
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        closed.then(() => 'closed'),
        new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), 3000))),
      ]);
      clearTimeout(timer);
      expect(outcome).toBe('closed');
      expect(data).toMatch(/^HTTP\/1\.1 401 /);
    } finally {
      socket.destroy();
      await server.close();
    }
  });
});
