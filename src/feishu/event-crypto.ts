/**
 * Crypto of the Feishu event webhook, free of any transport (encryption and signature as documented at
 * https://open.feishu.cn/document/ukTMukTMukTM/uYDNxYjL2QTM24iN0EjN/event-subscription-configure-/request-url-configuration-case).
 * The webhook pipeline (src/ingest/webhook/pipeline.ts) hands in the raw body bytes and header values; nothing here
 * parses JSON or logs.
 *
 * - Encryption: body `{"encrypt": base64(iv ‖ AES-256-CBC(PKCS7(json)))}` with key = sha256(Encrypt Key).
 * - Signature: `X-Lark-Signature` = hex(sha256(utf8(timestamp + nonce + Encrypt Key) ‖ raw body bytes)).
 * - Freshness: Feishu documents no timestamp tolerance; `checkTimestamp` applies the product's own, if any.
 *
 * Errors and reasons name what is wrong, never the Encrypt Key, a token or the body.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const ALGORITHM = 'aes-256-cbc';
const BLOCK_BYTES = 16;
const SIGNATURE_HEX = /^[0-9a-fA-F]{64}$/;
/** Canonical base64 (standard alphabet, padded), as Feishu sends it; Buffer.from(…, 'base64') alone skips bad characters. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UNIX_SECONDS = /^\d{1,12}$/;

/** The `encrypt` field could not be turned into plaintext. The message says why; it never contains the key. */
export class EventDecryptError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventDecryptError';
  }
}

export type CheckResult = { ok: true } | { ok: false; reason: string };

/** The `X-Lark-*` header values, as the HTTP layer read them (absent → undefined). */
export interface SignatureHeaders {
  timestamp?: string;
  nonce?: string;
  signature?: string;
}

function aesKey(encryptKey: string): Buffer {
  return createHash('sha256').update(encryptKey, 'utf8').digest();
}

function decodeEncrypted(encrypt: string): Buffer {
  if (encrypt.length === 0 || !BASE64.test(encrypt)) {
    throw new EventDecryptError('encrypt is not base64');
  }
  const bytes = Buffer.from(encrypt, 'base64');
  if (bytes.length < 2 * BLOCK_BYTES) {
    throw new EventDecryptError(
      `encrypt is too short: ${bytes.length} bytes, need a 16-byte IV and at least one block`,
    );
  }
  if (bytes.length % BLOCK_BYTES !== 0) {
    throw new EventDecryptError(`encrypt ciphertext is not a multiple of ${BLOCK_BYTES} bytes`);
  }
  return bytes;
}

function decodeUtf8(plain: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch (cause) {
    throw new EventDecryptError('decrypted event is not valid UTF-8 (wrong Encrypt Key?)', { cause });
  }
}

/** Decrypt: base64 → IV = bytes [0,16), AES-256-CBC over the rest, PKCS7 stripped, UTF-8. */
export function decryptEvent(encrypt: string, encryptKey: string): string {
  const bytes = decodeEncrypted(encrypt);
  const decipher = createDecipheriv(ALGORITHM, aesKey(encryptKey), bytes.subarray(0, BLOCK_BYTES));
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(bytes.subarray(BLOCK_BYTES)), decipher.final()]);
  } catch (cause) {
    throw new EventDecryptError('bad padding after decryption (wrong Encrypt Key or tampered ciphertext)', { cause });
  }
  return decodeUtf8(plain);
}

/** Encrypt, the inverse of `decryptEvent`: for tests and the sandbox's event pusher. Random IV by default. */
export function encryptEvent(plaintext: string, encryptKey: string, iv: Buffer = randomBytes(BLOCK_BYTES)): string {
  if (iv.length !== BLOCK_BYTES) {
    throw new RangeError(`iv must be ${BLOCK_BYTES} bytes, got ${iv.length}`);
  }
  const cipher = createCipheriv(ALGORITHM, aesKey(encryptKey), iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/** The signature: lowercase hex sha256 of utf8(timestamp + nonce + encryptKey) followed by the raw body bytes, unchanged. */
export function computeSignature(
  timestamp: string,
  nonce: string,
  encryptKey: string,
  rawBody: Buffer | string,
): string {
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return createHash('sha256')
    .update(timestamp + nonce + encryptKey, 'utf8')
    .update(body)
    .digest('hex');
}

function missingHeader(headers: SignatureHeaders): string | undefined {
  if (!headers.timestamp) return 'missing X-Lark-Request-Timestamp header';
  if (!headers.nonce) return 'missing X-Lark-Request-Nonce header';
  if (!headers.signature) return 'missing X-Lark-Signature header';
  return undefined;
}

/** Checks `X-Lark-Signature` over the raw body in constant time. Never throws on bad input. */
export function verifySignature(headers: SignatureHeaders, encryptKey: string, rawBody: Buffer): CheckResult {
  const missing = missingHeader(headers);
  if (missing !== undefined) return { ok: false, reason: missing };
  const { timestamp = '', nonce = '', signature = '' } = headers;
  if (!SIGNATURE_HEX.test(signature)) {
    return { ok: false, reason: 'malformed X-Lark-Signature header: expected 64 hex characters' };
  }
  const expected = Buffer.from(computeSignature(timestamp, nonce, encryptKey, rawBody), 'hex');
  const received = Buffer.from(signature, 'hex');
  return timingSafeEqual(expected, received) ? { ok: true } : { ok: false, reason: 'signature mismatch' };
}

/**
 * The product's freshness window (Feishu documents none). `timestamp` is `X-Lark-Request-Timestamp` in unix
 * seconds; `toleranceSeconds` undefined disables the check.
 */
export function checkTimestamp(timestamp: string, toleranceSeconds: number | undefined, nowMs: number): CheckResult {
  if (toleranceSeconds === undefined) return { ok: true };
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new RangeError('toleranceSeconds must be a non-negative number');
  }
  if (!UNIX_SECONDS.test(timestamp)) {
    return { ok: false, reason: 'X-Lark-Request-Timestamp is not unix seconds' };
  }
  const skewSeconds = Math.abs(nowMs / 1000 - Number(timestamp));
  if (skewSeconds > toleranceSeconds) {
    return {
      ok: false,
      reason: `X-Lark-Request-Timestamp is ${Math.round(skewSeconds)} s away from now (tolerance ${toleranceSeconds} s)`,
    };
  }
  return { ok: true };
}
