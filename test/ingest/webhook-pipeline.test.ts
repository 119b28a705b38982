import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { encryptEvent } from '../../src/feishu/event-crypto';
import type { FeishuWebhookSettings } from '../../src/ingest/deps';
import { NOT_VERIFIED, processWebhook, type WebhookRequest } from '../../src/ingest/webhook/pipeline';
import {
  appTicketEvent,
  ecoExamCreatedEvent,
  encryptBody,
  signedRequest,
  urlVerification,
  type SignedRequest,
} from '../support/feishu-events';

/**
 * The webhook pipeline alone (src/ingest/webhook/pipeline.ts): raw body + headers + clock + settings → verdict,
 * without fastify. The HTTP mapping is covered by webhook.test.ts and padding-oracle.test.ts.
 */
const TOKEN = 'pipeline-verification-token';
const KEY = 'pipeline-encrypt-key';
const NOW = Date.UTC(2026, 0, 15, 8, 0, 0);
const encrypted: FeishuWebhookSettings = { verificationToken: TOKEN, encryptKey: KEY };
const plain: FeishuWebhookSettings = { verificationToken: TOKEN };

const json = (body: unknown, headers: WebhookRequest['headers'] = {}): WebhookRequest => ({
  body: Buffer.from(JSON.stringify(body)),
  headers: { contentType: 'application/json', ...headers },
});

function fromSigned(request: SignedRequest): WebhookRequest {
  return {
    body: Buffer.from(request.rawBody),
    headers: {
      contentType: request.headers['content-type'],
      timestamp: request.headers['x-lark-request-timestamp'],
      nonce: request.headers['x-lark-request-nonce'],
      signature: request.headers['x-lark-signature'],
    },
  };
}

const signed = (event: unknown, timestamp = String(Math.floor(NOW / 1000))) =>
  fromSigned(signedRequest(event, { encryptKey: KEY, timestamp }));

/** AES-256-CBC of arbitrary bytes under KEY with PKCS7 padding: valid padding, any plaintext (even bad UTF-8). */
function encryptBytes(plaintext: Buffer, iv = randomBytes(16)): string {
  const cipher = createCipheriv('aes-256-cbc', createHash('sha256').update(KEY).digest(), iv);
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final()]).toString('base64');
}

const exam = (extra: object = {}) =>
  ecoExamCreatedEvent({ examId: 'exam-1', token: TOKEN, eventId: 'ev-1', tenantKey: 't-1', ...extra });

describe('processWebhook', () => {
  it('answers url_verification: plain without a key, encrypted unsigned, and plain while a key is set (10.4)', () => {
    const challenge = { kind: 'challenge', challenge: 'c-1' };
    const verification = urlVerification({ token: TOKEN, challenge: 'c-1' });
    expect(processWebhook(json(verification), plain, NOW)).toEqual(challenge);
    expect(processWebhook(json(encryptBody(verification, KEY)), encrypted, NOW)).toEqual(challenge);
    expect(processWebhook(json(verification), encrypted, NOW)).toEqual(challenge);
  });

  it('returns a signed, encrypted 创建笔试 as an event to dispatch', () => {
    const verdict = processWebhook(signed(exam()), encrypted, NOW);
    expect(verdict).toMatchObject({ kind: 'event', event: { kind: 'eco_exam_created', exam: { examId: 'exam-1' } } });
  });

  it('refuses a plain event while an Encrypt Key is set, naming the encrypt field', () => {
    expect(processWebhook(json(exam()), encrypted, NOW)).toMatchObject({
      kind: 'refusal',
      problem: 'malformed',
      message: expect.stringContaining('encrypt'),
    });
  });

  it('refuses with the status table kinds: content type, JSON, signature, window, store tenant', () => {
    const kinds = (request: WebhookRequest, settings = encrypted) => {
      const verdict = processWebhook(request, settings, NOW);
      return verdict.kind === 'refusal' ? verdict.problem : verdict.kind;
    };
    expect(kinds({ ...json(exam()), headers: { contentType: 'text/plain' } })).toBe('unsupported_media_type');
    expect(kinds({ body: Buffer.from('{'), headers: { contentType: 'application/json' } })).toBe('malformed');
    const tampered = signed(exam());
    expect(kinds({ ...tampered, headers: { ...tampered.headers, nonce: 'other' } })).toBe('unauthorized');
    const old = signed(exam(), String(Math.floor(NOW / 1000) - 3600));
    expect(kinds(old, { ...encrypted, timestampToleranceSeconds: 300 })).toBe('unauthorized');
    expect(kinds(old)).toBe('event');
    const noTenant = signed(ecoExamCreatedEvent({ examId: 'e', token: TOKEN }));
    expect(kinds(noTenant, { ...encrypted, appType: 'store' })).toBe('malformed');
    expect(kinds(signed(appTicketEvent({ appId: 'a', ticket: 't', token: TOKEN })))).toBe('event');
  });

  it('gives every failure from decryption on the one NOT_VERIFIED refusal, with the reason for the log only', () => {
    const real = encryptEvent(JSON.stringify(exam()), KEY);
    const flipped = Buffer.from(real, 'base64');
    flipped[flipped.length - 17] = (flipped[flipped.length - 17] ?? 0) ^ 1;
    const cases: Record<string, WebhookRequest> = {
      'not base64': json({ encrypt: '%%%' }),
      'too short': json({ encrypt: 'AAAA' }),
      'not whole blocks': json({ encrypt: randomBytes(40).toString('base64') }),
      'random blocks (bad padding)': json({ encrypt: randomBytes(64).toString('base64') }),
      'a flipped bit': json({ encrypt: flipped.toString('base64') }),
      'another key': json(encryptBody(exam(), 'another key')),
      'valid padding, bad UTF-8': json({ encrypt: encryptBytes(Buffer.from([0xff, 0xfe, 0xfd])) }),
      'valid padding, not JSON': json({ encrypt: encryptBytes(Buffer.from('hello')) }),
      'JSON, not an object': json({ encrypt: encryptBytes(Buffer.from('[1,2]')) }),
      'an object, not an event': json({ encrypt: encryptBytes(Buffer.from('{"a":1}')) }),
      'url_verification, wrong token': json(encryptBody(urlVerification({ token: 'nope', challenge: 'c' }), KEY)),
      'a valid event, unsigned': json(encryptBody(exam(), KEY)),
      'a signed event, wrong token': signed(exam({ token: 'wrong' })),
      'signed, not decryptable': fromSigned(
        signedRequest({ encrypt: randomBytes(64).toString('base64') }, { encryptKey: KEY, encrypt: false }),
      ),
    };
    const reasons = new Set<string>();
    for (const [name, request] of Object.entries(cases)) {
      const verdict = processWebhook(request, encrypted, NOW);
      expect({ name, verdict: { ...verdict, logReason: undefined } }).toEqual({
        name,
        verdict: { kind: 'refusal', ...NOT_VERIFIED, logReason: undefined },
      });
      if (verdict.kind === 'refusal') reasons.add(verdict.logReason);
    }
    // The log tells the operator what happened (several distinct reasons), without the key or a token.
    expect(reasons.size).toBeGreaterThanOrEqual(6);
    for (const reason of reasons) expect(reason).not.toMatch(new RegExp(`${KEY}|${TOKEN}`));
  });
});
