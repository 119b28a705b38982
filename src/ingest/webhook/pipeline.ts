/**
 * The Feishu event webhook as a pure function: raw body + headers + clock + settings → a verdict (challenge, event to
 * dispatch, or refusal). It knows nothing of HTTP servers; src/ingest/routes/feishu-webhook.ts maps the verdict to an
 * answer and dispatches events. Steps (see the README's "What the webhook does, in order"):
 *
 *   Content-Type → JSON → [Encrypt Key set] signature over the raw bytes → decrypt → classify → Verification Token
 *   → timestamp window → store-app rules → event.
 *
 * Against a padding oracle (an unsigned `{"encrypt": …}` is decrypted, to recognise a url_verification): whatever
 * happens once decryption starts — bad base64, too short, bad padding, bad UTF-8, bad JSON, not an object, wrong
 * token, or an unsigned body that is not a url_verification — the refusal is the one `NOT_VERIFIED` answer, byte for
 * byte. The precise reason goes to `logReason`, for the operator's log only.
 */
import { EventDecryptError, checkTimestamp, decryptEvent, verifySignature } from '../../feishu/event-crypto';
import { classifyEventBody, type ClassifiedEvent } from '../../feishu/events';
import { safeEqual } from '../../common/safe-equal';
import type { FeishuWebhookSettings } from '../deps';
import { HttpProblem, type ProblemKind } from '../http-errors';
import { isJsonContentType, parseJsonBytes } from '../json-body';

/** The request as the pipeline sees it: raw bytes and header values (first value of a repeated header). */
export interface WebhookRequest {
  body: Buffer;
  headers: {
    contentType?: string;
    timestamp?: string;
    nonce?: string;
    signature?: string;
  };
}

/** An event the ingest acts on (url_verification is answered by the pipeline itself; invalid ones are refused). */
export type WebhookEvent = Exclude<ClassifiedEvent, { kind: 'invalid' | 'url_verification' }>;

export interface WebhookRefusal {
  kind: 'refusal';
  problem: ProblemKind;
  /** What the client is told: fixed words and field names, never a value it sent. */
  message: string;
  /** What the operator's log is told (never a body or a secret). */
  logReason: string;
}

export type WebhookVerdict =
  { kind: 'challenge'; challenge: string } | { kind: 'event'; event: WebhookEvent } | WebhookRefusal;

/** The one answer to every failure from decryption on, and to a wrong Verification Token. */
export const NOT_VERIFIED = {
  problem: 'unauthorized',
  message:
    'the event could not be verified: it must be signed (X-Lark-Signature) or be a url_verification, ' +
    'decrypt under FEISHU_ENCRYPT_KEY and carry FEISHU_VERIFICATION_TOKEN',
} as const satisfies Pick<WebhookRefusal, 'problem' | 'message'>;

/** Thrown inside the pipeline, turned into a verdict at its edge. */
class Refused extends Error {
  constructor(readonly refusal: WebhookRefusal) {
    super(refusal.logReason);
  }
}

function refuse(problem: ProblemKind, message: string, logReason = message): never {
  throw new Refused({ kind: 'refusal', problem, message, logReason });
}

function notVerified(logReason: string): never {
  throw new Refused({ kind: 'refusal', ...NOT_VERIFIED, logReason });
}

export function processWebhook(
  request: WebhookRequest,
  settings: FeishuWebhookSettings,
  nowMs: number,
): WebhookVerdict {
  try {
    return run(request, settings, nowMs);
  } catch (err) {
    if (err instanceof Refused) return err.refusal;
    if (err instanceof HttpProblem)
      return { kind: 'refusal', problem: err.kind, message: err.message, logReason: err.message };
    throw err;
  }
}

function run(request: WebhookRequest, settings: FeishuWebhookSettings, nowMs: number): WebhookVerdict {
  if (!isJsonContentType(request.headers.contentType)) {
    refuse('unsupported_media_type', 'Content-Type must be application/json');
  }
  const outer = parseJsonBytes(request.body);
  const encrypted = isRecord(outer) && 'encrypt' in outer;
  const key = settings.encryptKey;

  if (key === undefined) {
    if (encrypted) refuse('malformed', 'the event is encrypted but FEISHU_ENCRYPT_KEY is not set');
    return judgeEvent(classifyEventBody(outer), request, settings, nowMs);
  }

  if (!encrypted) {
    // Feishu's console may save the request URL before the Encrypt Key is set: a plain url_verification is answered
    // on the strength of its token (as the official SDK does). Plain events are refused in this mode.
    const plain = classifyEventBody(outer);
    if (plain.kind === 'url_verification') return answerChallenge(plain, settings);
    refuse('malformed', 'encrypt: expected an encrypted event ({"encrypt": "..."}) since FEISHU_ENCRYPT_KEY is set');
  }
  if (typeof outer.encrypt !== 'string') refuse('malformed', 'encrypt: must be a string');

  const { timestamp, nonce, signature } = request.headers;
  const signed = timestamp !== undefined || nonce !== undefined || signature !== undefined;
  if (signed) {
    const verdict = verifySignature({ timestamp, nonce, signature }, key, request.body);
    if (!verdict.ok) refuse('unauthorized', `bad signature: ${verdict.reason}`);
  }

  const event = classifyEventBody(open(outer.encrypt, key));
  if (!signed) {
    // Only a url_verification comes unsigned: Feishu signs events, not the challenge.
    if (event.kind === 'url_verification') return answerChallenge(event, settings);
    notVerified(event.kind === 'invalid' ? `unsigned body: ${event.reason}` : 'unsigned event (no X-Lark-* headers)');
  }
  return judgeEvent(event, request, settings, nowMs);
}

/** Decrypts and parses the encrypted event; any failure is the one NOT_VERIFIED answer. */
function open(encrypt: string, key: string): Record<string, unknown> {
  let plaintext: string;
  try {
    plaintext = decryptEvent(encrypt, key);
  } catch (err) {
    if (err instanceof EventDecryptError) notVerified(`encrypt: ${err.message}`);
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext);
  } catch {
    notVerified('encrypt: the decrypted event is not valid JSON');
  }
  if (!isRecord(parsed)) notVerified('encrypt: the decrypted event is not a JSON object');
  return parsed;
}

/** An unsigned url_verification: its Verification Token is its only proof. */
function answerChallenge(
  event: Extract<ClassifiedEvent, { kind: 'url_verification' }>,
  settings: FeishuWebhookSettings,
): WebhookVerdict {
  if (!safeEqual(event.token, settings.verificationToken)) {
    notVerified('url_verification: verification token mismatch');
  }
  return { kind: 'challenge', challenge: event.challenge };
}

/** A decrypted (or plain) event that is authentic as far as transport goes: fields, token, window, app rules. */
function judgeEvent(
  event: ClassifiedEvent,
  request: WebhookRequest,
  settings: FeishuWebhookSettings,
  nowMs: number,
): WebhookVerdict {
  if (event.kind === 'invalid') refuse('malformed', `invalid event: ${event.reason}`);
  if (event.token === undefined || !safeEqual(event.token, settings.verificationToken)) {
    notVerified(`${event.kind}: verification token mismatch`);
  }
  if (event.kind === 'url_verification') return { kind: 'challenge', challenge: event.challenge };
  checkFreshness(request, settings, nowMs);
  if (event.kind === 'eco_exam_created' && settings.appType === 'store' && event.tenantKey === undefined) {
    refuse('malformed', 'header.tenant_key: is required for a store app');
  }
  return { kind: 'event', event };
}

function checkFreshness(request: WebhookRequest, settings: FeishuWebhookSettings, nowMs: number): void {
  const tolerance = settings.timestampToleranceSeconds;
  if (tolerance === undefined) return;
  const { timestamp } = request.headers;
  if (timestamp === undefined) refuse('unauthorized', 'missing X-Lark-Request-Timestamp');
  const verdict = checkTimestamp(timestamp, tolerance, nowMs);
  if (!verdict.ok) refuse('unauthorized', `stale request: ${verdict.reason}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
