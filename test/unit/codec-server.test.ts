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
      payload: { nope: 1 },
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
