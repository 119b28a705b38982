/** Webhook crypto against Feishu's documented test vector (encryption) and signature over the raw body. */
import { safeEqual } from '../../src/common/safe-equal';
import {
  EventDecryptError,
  checkTimestamp,
  computeSignature,
  decryptEvent,
  encryptEvent,
  verifySignature,
} from '../../src/feishu/event-crypto';
import { ecoExamCreatedEvent, signedRequest } from '../support/feishu-events';

const DOCS_KEY = 'test key';
const DOCS_ENCRYPT = 'P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=';
const ENCRYPT_KEY = 'kl9Xw2-encrypt-key';
const TOKEN = 'verification-token';

function headersOf(request: { headers: Record<string, string> }) {
  return {
    timestamp: request.headers['x-lark-request-timestamp'],
    nonce: request.headers['x-lark-request-nonce'],
    signature: request.headers['x-lark-signature'],
  };
}

function decryptError(run: () => unknown): EventDecryptError {
  try {
    run();
  } catch (error) {
    if (error instanceof EventDecryptError) return error;
    throw error;
  }
  throw new Error('expected an EventDecryptError');
}

describe('decryptEvent / encryptEvent', () => {
  it('decrypts the docs test vector to "hello world"', () => {
    expect(decryptEvent(DOCS_ENCRYPT, DOCS_KEY)).toBe('hello world');
  });

  it('round-trips UTF-8 JSON with a random IV, and reproduces the docs vector with its IV', () => {
    const plaintext = JSON.stringify({ candidate: '王二', blocks: 'x'.repeat(40) });
    const first = encryptEvent(plaintext, ENCRYPT_KEY);
    const second = encryptEvent(plaintext, ENCRYPT_KEY);
    expect(first).not.toBe(second);
    expect(decryptEvent(first, ENCRYPT_KEY)).toBe(plaintext);

    const docsIv = Buffer.from(DOCS_ENCRYPT, 'base64').subarray(0, 16);
    expect(encryptEvent('hello world', DOCS_KEY, docsIv)).toBe(DOCS_ENCRYPT);
  });

  it('rejects an IV that is not 16 bytes', () => {
    expect(() => encryptEvent('x', DOCS_KEY, Buffer.alloc(8))).toThrow(RangeError);
  });

  it('fails on tampered ciphertext, a tampered IV padding byte, or the wrong key, without echoing the key', () => {
    const bytes = Buffer.from(DOCS_ENCRYPT, 'base64');
    const tamperedCipher = Buffer.from(bytes);
    tamperedCipher[20] = (tamperedCipher[20] ?? 0) ^ 0x01;
    const tamperedIv = Buffer.from(bytes);
    tamperedIv[15] = (tamperedIv[15] ?? 0) ^ 0xff;

    for (const [encrypt, key] of [
      [tamperedCipher.toString('base64'), DOCS_KEY],
      [tamperedIv.toString('base64'), DOCS_KEY],
      [DOCS_ENCRYPT, 'wrong key'],
    ] as const) {
      const error = decryptError(() => decryptEvent(encrypt, key));
      expect(error.name).toBe('EventDecryptError');
      expect(error.message).toMatch(/padding|UTF-8/);
      expect(error.message).not.toContain(key);
    }
  });

  it.each([
    ['not base64', 'not base64!!', /not base64/],
    ['empty', '', /not base64/],
    ['unpadded base64', DOCS_ENCRYPT.slice(0, -1), /not base64/],
    ['shorter than IV + one block', Buffer.alloc(16).toString('base64'), /too short/],
    ['ciphertext not a multiple of 16', Buffer.alloc(40).toString('base64'), /multiple of 16/],
  ])('rejects %s', (_label, encrypt, message) => {
    const error = decryptError(() => decryptEvent(encrypt, DOCS_KEY));
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(DOCS_KEY);
  });
});

describe('computeSignature / verifySignature', () => {
  const body = ecoExamCreatedEvent({ examId: '7147998241542539527', token: TOKEN });

  it('matches the §1.4 formula: hex sha256 over timestamp + nonce + key, then the raw bytes', () => {
    const signature = computeSignature('1700000000', 'nonce', ENCRYPT_KEY, '{"a":1}');
    expect(signature).toMatch(/^[0-9a-f]{64}$/);
    expect(computeSignature('1700000000', 'nonce', ENCRYPT_KEY, Buffer.from('{"a":1}'))).toBe(signature);
    expect(computeSignature('1700000000nonce', '', ENCRYPT_KEY, '{"a":1}')).toBe(signature);
  });

  it('verifies a raw body with extra whitespace, but not the same object re-serialised compactly', () => {
    const request = signedRequest(body, { encryptKey: ENCRYPT_KEY, whitespace: true });
    expect(request.rawBody).toContain('\n  ');
    expect(verifySignature(headersOf(request), ENCRYPT_KEY, Buffer.from(request.rawBody))).toEqual({ ok: true });

    const reserialised = JSON.stringify(JSON.parse(request.rawBody));
    expect(reserialised).not.toBe(request.rawBody);
    expect(verifySignature(headersOf(request), ENCRYPT_KEY, Buffer.from(reserialised))).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
  });

  it('verifies plaintext (unencrypted) bodies signed as given', () => {
    const request = signedRequest(body, { encryptKey: ENCRYPT_KEY, encrypt: false });
    expect(JSON.parse(request.rawBody)).toEqual(body);
    expect(verifySignature(headersOf(request), ENCRYPT_KEY, Buffer.from(request.rawBody))).toEqual({ ok: true });
  });

  it('fails with a wrong key, nonce, timestamp or body', () => {
    const request = signedRequest(body, { encryptKey: ENCRYPT_KEY, timestamp: '1700000000', nonce: 'abc' });
    const raw = Buffer.from(request.rawBody);
    const headers = headersOf(request);
    const mismatch = { ok: false, reason: 'signature mismatch' };
    expect(verifySignature(headers, 'another key', raw)).toEqual(mismatch);
    expect(verifySignature({ ...headers, nonce: 'abd' }, ENCRYPT_KEY, raw)).toEqual(mismatch);
    expect(verifySignature({ ...headers, timestamp: '1700000001' }, ENCRYPT_KEY, raw)).toEqual(mismatch);
    expect(verifySignature(headers, ENCRYPT_KEY, Buffer.from(request.rawBody + ' '))).toEqual(mismatch);
  });

  it('accepts an upper-case hex signature (same bytes)', () => {
    const request = signedRequest(body, { encryptKey: ENCRYPT_KEY });
    const headers = headersOf(request);
    const upper = { ...headers, signature: headers.signature?.toUpperCase() };
    expect(verifySignature(upper, ENCRYPT_KEY, Buffer.from(request.rawBody))).toEqual({ ok: true });
  });

  it.each([
    ['not hex', 'z'.repeat(64)],
    ['too short', 'ab'.repeat(31)],
    ['too long', 'ab'.repeat(33)],
    ['odd length', 'a'.repeat(63)],
  ])('fails without throwing on a signature that is %s', (_label, signature) => {
    const request = signedRequest(body, { encryptKey: ENCRYPT_KEY });
    const result = verifySignature({ ...headersOf(request), signature }, ENCRYPT_KEY, Buffer.from(request.rawBody));
    expect(result).toEqual({ ok: false, reason: 'malformed X-Lark-Signature header: expected 64 hex characters' });
  });

  it.each([
    ['timestamp', 'missing X-Lark-Request-Timestamp header'],
    ['nonce', 'missing X-Lark-Request-Nonce header'],
    ['signature', 'missing X-Lark-Signature header'],
  ] as const)('names the missing %s header', (field, reason) => {
    const request = signedRequest(body, { encryptKey: ENCRYPT_KEY });
    const raw = Buffer.from(request.rawBody);
    expect(verifySignature({ ...headersOf(request), [field]: undefined }, ENCRYPT_KEY, raw)).toEqual({
      ok: false,
      reason,
    });
    expect(verifySignature({ ...headersOf(request), [field]: '' }, ENCRYPT_KEY, raw)).toEqual({ ok: false, reason });
  });
});

describe('checkTimestamp', () => {
  const now = 1_700_000_000_000;

  it('always passes without a tolerance', () => {
    expect(checkTimestamp('1', undefined, now)).toEqual({ ok: true });
    expect(checkTimestamp('garbage', undefined, now)).toEqual({ ok: true });
  });

  it('passes inside the window, either side of now', () => {
    expect(checkTimestamp('1700000000', 300, now)).toEqual({ ok: true });
    expect(checkTimestamp('1699999700', 300, now)).toEqual({ ok: true });
    expect(checkTimestamp('1700000300', 300, now)).toEqual({ ok: true });
  });

  it('fails outside the window', () => {
    const old = checkTimestamp('1699999699', 300, now);
    expect(old.ok).toBe(false);
    expect(!old.ok && old.reason).toMatch(/301 s away from now \(tolerance 300 s\)/);
    expect(checkTimestamp('1700000301', 300, now).ok).toBe(false);
  });

  it.each(['', 'abc', '1700000000000000000', '-5', '1.5'])('fails on a non-seconds timestamp %p', (timestamp) => {
    expect(checkTimestamp(timestamp, 300, now)).toEqual({
      ok: false,
      reason: 'X-Lark-Request-Timestamp is not unix seconds',
    });
  });

  it('rejects a negative tolerance as a programming error', () => {
    expect(() => checkTimestamp('1700000000', -1, now)).toThrow(RangeError);
  });
});

describe('safeEqual', () => {
  it('compares strings of any length in constant time', () => {
    expect(safeEqual(TOKEN, TOKEN)).toBe(true);
    expect(safeEqual(TOKEN, `${TOKEN}x`)).toBe(false);
    expect(safeEqual(TOKEN, 'Verification-token')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
    expect(safeEqual('', 'a')).toBe(false);
    expect(safeEqual('王二', '王二')).toBe(true);
  });
});
