/**
 * Property-based fuzzing (fast-check) of Feishu's event webhook, `POST /webhook/feishu`, in-process through
 * `app.inject` with the recording Temporal client (test/support/fake-temporal.ts), and of its pure pieces
 * (src/feishu/event-crypto.ts, src/feishu/events.ts). Issue: "never a 5xx, never a crash, never a started or
 * signalled workflow from an invalid request".
 *
 *  0. The corpus (FINDINGS): the requests of issues 10.4 and 11.1 (plain url_verification with an Encrypt Key; padding
 *     probes and other malformed unsigned ciphertexts), checked exactly and replayed first by property 1.
 *  1. Arbitrary bodies (bytes, strings, JSON values, objects, `{"encrypt": …}`, deep nesting, oversized) with arbitrary
 *     header maps → only 200/400/401/413/415; a 200 only for a genuinely valid event (checked by an oracle written
 *     here, independently of the product's crypto); refusals are `{error, message}` and touch nothing; an unsigned
 *     `{"encrypt": string}` is refused with the one NOT_VERIFIED answer whatever it decrypts to (no padding oracle).
 *  2. Every mutation of a valid signed, encrypted 创建笔试 (raw bytes, one x-lark-* header, re-serialisation,
 *     re-encryption) → 400/401 and nothing started; the unmutated request → 200 and exactly one start.
 *  3. Correctly encrypted and signed, but arbitrary or near-valid plaintext → a start only for a valid 创建笔试 with
 *     the right token, and then exactly one, with workflow id `eco-exam-<exam_id>`.
 *  5. `decryptEvent`, `verifySignature`, `classifyEventBody` directly: no unexpected throw, ok only for the real
 *     signature, no echo of values in `invalid` reasons.
 * (Property 4, the exam-system API, is in arrangement.fuzz.test.ts.)
 *
 * Seeds are random; on failure fast-check prints `seed` and `path`: replay with FUZZ_SEED=<seed> [FUZZ_PATH=<path>].
 * FUZZ_SCALE=<factor> multiplies every run count (e.g. 10 for a nightly job).
 */
import { createCipheriv, createDecipheriv, createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import {
  EventDecryptError,
  computeSignature,
  decryptEvent,
  encryptEvent,
  verifySignature,
} from '../../src/feishu/event-crypto';
import {
  EVENT_TYPE_ECO_ACCOUNT_CREATED,
  EVENT_TYPE_ECO_EXAM_CREATED,
  classifyEventBody,
  type ClassifiedEvent,
} from '../../src/feishu/events';
import { ecoAccountWorkflowId } from '../../src/common/constants';
import { buildApp } from '../../src/ingest/app';
import { NOT_VERIFIED } from '../../src/ingest/webhook/pipeline';
import { examIdSchema } from '../../src/common/schemas';
import {
  appTicketEvent,
  ecoAccountCreatedEvent,
  ecoExamCreatedEvent,
  eventEnvelope,
  signedRequest,
  urlVerification,
} from '../support/feishu-events';
import {
  BEARER,
  KEY,
  KINDS,
  PROPERTY_TIMEOUT_MS,
  SECRETS,
  TOKEN,
  echoCheck,
  isJsonMediaType,
  isRecord,
  params,
  parseJson,
  truncate,
} from '../support/fuzz';
import { recordingClient, type RecordingClient } from '../support/fake-temporal';

// ---------------------------------------------------------------------------------------------------------------
// fast-check parameters

/** Runs per property; the file's total is in the thousands and stays well under a minute on 2 cores. */
const RUNS = {
  arbitraryRequests: 3000,
  mutations: 2000,
  signedPlaintexts: 3000,
  decrypt: 2000,
  verifySignature: 2000,
  classify: 3000,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// the ingest under test

const APP_ID = 'cli_test_app';
/** The apps' clock, so the store app's timestamp window is deterministic. */
const NOW_MS = Date.UTC(2026, 0, 15, 8, 0, 0);
const NOW_SECONDS = String(Math.floor(NOW_MS / 1000));
const STORE_BODY_LIMIT = 4096;

interface Harness extends fc.WithToStringMethod {
  name: string;
  app: FastifyInstance;
  recorder: RecordingClient;
  tickets: Array<{ appId: string; ticket: string }>;
  encrypted: boolean;
  store: boolean;
  toleranceSeconds: number | undefined;
}

function harness(
  name: string,
  options: { encrypted: boolean; store: boolean; toleranceSeconds?: number; bodyLimit?: number },
): Harness {
  const recorder = recordingClient();
  const tickets: Harness['tickets'] = [];
  const app = buildApp({
    client: recorder.client,
    examSystemToken: BEARER,
    feishu: {
      verificationToken: TOKEN,
      ...(options.encrypted && { encryptKey: KEY }),
      ...(options.store && { appType: 'store' as const, appId: APP_ID }),
      ...(options.toleranceSeconds !== undefined && { timestampToleranceSeconds: options.toleranceSeconds }),
    },
    appTickets: { save: async (appId, ticket) => void tickets.push({ appId, ticket }) },
    ...(options.bodyLimit !== undefined && { bodyLimit: options.bodyLimit }),
    now: () => NOW_MS,
  });
  return {
    [fc.toStringMethod]: () => `<${name}>`,
    name,
    app,
    recorder,
    tickets,
    encrypted: options.encrypted,
    store: options.store,
    toleranceSeconds: options.toleranceSeconds,
  };
}

/** Encrypt Key set, custom app, 1 MiB body limit: the production default. */
const ENCRYPTED = harness('encrypted custom app', { encrypted: true, store: false });
/** No Encrypt Key: plaintext events, token check only. */
const PLAIN = harness('plaintext custom app', { encrypted: false, store: false });
/** Store app (tenant_key required, app_ticket kept), a 300 s timestamp window and a 4 KiB body limit (413 reachable). */
const STORE = harness('encrypted store app, 300 s window, 4 KiB limit', {
  encrypted: true,
  store: true,
  toleranceSeconds: 300,
  bodyLimit: STORE_BODY_LIMIT,
});
const HARNESSES = [ENCRYPTED, PLAIN, STORE];
const ENCRYPTED_HARNESSES = [ENCRYPTED, STORE];

afterAll(async () => {
  await Promise.all(HARNESSES.map((h) => h.app.close()));
});

interface FuzzRequest {
  /** What the generator built, for failure messages. */
  label: string;
  raw: Buffer;
  headers: Record<string, string>;
}

async function send(h: Harness, request: FuzzRequest): Promise<LightMyRequestResponse> {
  h.recorder.calls.length = 0;
  h.tickets.length = 0;
  return h.app.inject({ method: 'POST', url: '/webhook/feishu', payload: request.raw, headers: request.headers });
}

// ---------------------------------------------------------------------------------------------------------------
// the oracle: what a 200 requires, what a refusal must look like (crypto re-implemented here, not the product's)

const WEBHOOK_REFUSALS = new Set([400, 401, 413, 415]);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function ownDecrypt(encrypt: string): string | undefined {
  if (encrypt.length === 0 || !BASE64.test(encrypt)) return undefined;
  const bytes = Buffer.from(encrypt, 'base64');
  if (bytes.length < 32 || bytes.length % 16 !== 0) return undefined;
  try {
    const key = createHash('sha256').update(KEY, 'utf8').digest();
    const decipher = createDecipheriv('aes-256-cbc', key, bytes.subarray(0, 16));
    const plain = Buffer.concat([decipher.update(bytes.subarray(16)), decipher.final()]);
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    return undefined;
  }
}

function ownSignature(timestamp: string, nonce: string, key: string, raw: Buffer): string {
  return createHash('sha256')
    .update(Buffer.from(timestamp + nonce + key, 'utf8'))
    .update(raw)
    .digest('hex');
}

function ownSignatureValid(request: FuzzRequest): boolean {
  const timestamp = request.headers['x-lark-request-timestamp'];
  const nonce = request.headers['x-lark-request-nonce'];
  const signature = request.headers['x-lark-signature'];
  if (!timestamp || !nonce || !signature) return false;
  return signature.toLowerCase() === ownSignature(timestamp, nonce, KEY, request.raw);
}

/** Why this 200 should not have happened, or undefined when it is a genuinely valid event. */
function acceptanceProblem(h: Harness, request: FuzzRequest, res: LightMyRequestResponse): string | undefined {
  if (!isJsonMediaType(request.headers['content-type'])) return 'accepted a Content-Type other than application/json';
  const outer = parseJson(request.raw.toString('utf8'));
  if (!outer.ok) return 'accepted a body that is not JSON';
  let event: unknown = outer.value;
  const plainChallenge =
    isRecord(outer.value) && !('encrypt' in outer.value) && outer.value.type === 'url_verification';
  // With an Encrypt Key, a plain url_verification is still answered on its token (issue 10.4); plain events are not.
  if (h.encrypted && !plainChallenge) {
    if (!isRecord(outer.value) || typeof outer.value.encrypt !== 'string') {
      return 'accepted a body without a string "encrypt" while an Encrypt Key is set';
    }
    const plaintext = ownDecrypt(outer.value.encrypt);
    if (plaintext === undefined) return 'accepted an "encrypt" that does not decrypt under the Encrypt Key';
    const inner = parseJson(plaintext);
    if (!inner.ok) return 'accepted an encrypted plaintext that is not JSON';
    event = inner.value;
  } else if (isRecord(outer.value) && 'encrypt' in outer.value) {
    return 'accepted an encrypted body although no Encrypt Key is set';
  }
  if (!isRecord(event)) return 'accepted an event that is not a JSON object';
  const answer = parseJson(res.body);
  const { calls } = h.recorder;

  if (event.type === 'url_verification' && !('schema' in event)) {
    if (event.token !== TOKEN) return 'accepted a url_verification without the right verification token';
    if (typeof event.challenge !== 'string') return 'accepted a url_verification without a string challenge';
    if (!answer.ok || !isDeepStrictEqual(answer.value, { challenge: event.challenge })) {
      return 'answered a url_verification with something else than {"challenge": <its challenge>}';
    }
    return calls.length > 0 || h.tickets.length > 0 ? 'a url_verification touched Temporal' : undefined;
  }

  if (h.encrypted && !ownSignatureValid(request)) {
    return 'accepted an event without a valid X-Lark-Signature over the raw body';
  }
  if (h.toleranceSeconds !== undefined) {
    const timestamp = Number(request.headers['x-lark-request-timestamp']);
    if (!(Math.abs(timestamp - NOW_MS / 1000) <= h.toleranceSeconds)) {
      return 'accepted an event outside the timestamp window';
    }
  }
  if (!answer.ok || !isDeepStrictEqual(answer.value, { msg: 'success' })) {
    return 'acknowledged an event with something else than {"msg":"success"}';
  }

  if (event.schema === '2.0') {
    const { header } = event;
    if (!isRecord(header)) return 'accepted a schema 2.0 event without a header object';
    if (header.token !== TOKEN) return 'accepted a schema 2.0 event without the right header.token';
    if (typeof header.event_id !== 'string' || header.event_id === '') {
      return 'accepted a schema 2.0 event without a header.event_id';
    }
    if (header.event_type === EVENT_TYPE_ECO_ACCOUNT_CREATED) return accountBindProblem(h, event.event);
    if (header.event_type !== EVENT_TYPE_ECO_EXAM_CREATED) {
      return calls.length > 0 || h.tickets.length > 0 ? 'an event that is not 创建笔试 touched Temporal' : undefined;
    }
    if (!isRecord(event.event)) return 'accepted a 创建笔试 without an event object';
    const examId = event.event.exam_id;
    if (typeof examId !== 'string' || !examIdSchema.safeParse(examId).success) {
      return 'accepted a 创建笔试 whose exam_id is not a valid exam id (examIdSchema)';
    }
    if (h.store && typeof header.tenant_key !== 'string') return 'a store app accepted a 创建笔试 without tenant_key';
    return startProblem(h, examId, header.event_id);
  }

  if (event.type === 'event_callback') {
    if (event.token !== TOKEN) return 'accepted a v1.0 event without the right token';
    if (calls.length > 0) return 'a v1.0 event touched the Temporal client';
    const inner = event.event;
    const keeps = h.store && isRecord(inner) && inner.type === 'app_ticket' && inner.app_id === APP_ID;
    const expected = keeps ? [{ appId: APP_ID, ticket: inner.app_ticket }] : [];
    return isDeepStrictEqual(h.tickets, expected)
      ? undefined
      : `app tickets kept: ${JSON.stringify(h.tickets)}, expected ${JSON.stringify(expected)}`;
  }
  return 'accepted a body that is not a Feishu event (no schema "2.0", no type url_verification/event_callback)';
}

/** Exactly one `start` of `eco-exam-<examId>` carrying the exam id and event id. */
function startProblem(h: Harness, examId: string, eventId: string): string | undefined {
  const { calls } = h.recorder;
  const [call] = calls;
  if (calls.length !== 1 || call?.op !== 'start') {
    return `expected exactly one start, Temporal saw: ${calls.map((c) => c.op).join(', ') || 'nothing'}`;
  }
  const options = call.args[1];
  const input = isRecord(options) && Array.isArray(options.args) ? (options.args[0] as unknown) : undefined;
  if (!isRecord(options) || options.workflowId !== `eco-exam-${examId}`) {
    return `started workflow ${JSON.stringify(isRecord(options) ? options.workflowId : options)}, expected eco-exam-${examId}`;
  }
  if (!isRecord(input) || input.examId !== examId || input.eventId !== eventId) {
    return 'the started workflow input does not carry the event exam_id and event_id';
  }
  return h.tickets.length > 0 ? 'a 创建笔试 kept an app ticket' : undefined;
}

/** Why this refusal is wrong: status, shape, side effects, echoes. */
/** 账号绑定: scope 2 signal-with-starts `eco-account-<account_id>` once; any other scope touches nothing. */
function accountBindProblem(h: Harness, body: unknown): string | undefined {
  const { calls } = h.recorder;
  if (h.tickets.length > 0) return 'an account event touched the app tickets';
  if (!isRecord(body) || body.scope !== 2) {
    return calls.length > 0 ? 'an account event of another scope touched Temporal' : undefined;
  }
  if (calls.length !== 1 || calls[0]!.op !== 'signalWithStart') {
    return `a scope-2 account event made ${calls.map((c) => c.op).join(', ') || 'no'} Temporal calls, not one signalWithStart`;
  }
  const options = calls[0]!.args[1] as { workflowId?: unknown } | undefined;
  return options?.workflowId === ecoAccountWorkflowId(String(body.account_id))
    ? undefined
    : 'a scope-2 account event reached another workflow';
}

function refusalProblem(
  h: Harness,
  res: LightMyRequestResponse,
  echoCandidates: readonly string[],
): string | undefined {
  if (!WEBHOOK_REFUSALS.has(res.statusCode)) return `status ${res.statusCode}, expected 200, 400, 401, 413 or 415`;
  if (h.recorder.calls.length > 0) {
    return `refused with ${res.statusCode} but Temporal saw: ${h.recorder.calls.map((c) => c.op).join(', ')}`;
  }
  if (h.tickets.length > 0) return `refused with ${res.statusCode} but an app ticket was kept`;
  return problemBodyProblem(res, echoCandidates);
}

/** A 4xx answers `{error: <kind of the status table>, message}` as JSON, without secrets or body values. */
function problemBodyProblem(res: LightMyRequestResponse, echoCandidates: readonly string[]): string | undefined {
  if (!String(res.headers['content-type']).startsWith('application/json')) {
    return `a ${res.statusCode} answered Content-Type ${String(res.headers['content-type'])}, not JSON`;
  }
  const answer = parseJson(res.body);
  if (!answer.ok || !isRecord(answer.value)) return `a ${res.statusCode} answered a body that is not a JSON object`;
  const { error, message } = answer.value;
  if (typeof error !== 'string' || typeof message !== 'string' || message.length === 0) {
    return `a ${res.statusCode} answered without string "error" and non-empty "message"`;
  }
  if (KINDS.get(error) !== res.statusCode) {
    return `error kind "${error}" is not the status table's kind for ${res.statusCode}`;
  }
  const secret = SECRETS.find((s) => res.body.includes(s));
  if (secret !== undefined) return 'the answer contains a configured secret';
  const echoed = echoCandidates.find((value) => echoes(message, value));
  if (echoed !== undefined) return `the answer echoes a request value: ${JSON.stringify(echoed.slice(0, 80))}`;
  return undefined;
}

/**
 * Field names, literals and rule texts of the messages: a value that is one of these words (e.g. an event.type
 * "app_ticket" next to a reason naming `event.app_ticket`) is the vocabulary, not an echo.
 */
const VOCABULARY = [
  'url_verification event_callback app_ticket app_id uuid challenge token encrypt schema header event',
  'hire.eco_exam.created_v1 hire.eco_account.created_v1 event_id event_type tenant_key create_time',
  'exam_id account_id paper_id candidate_info account_name usage_list custom_field_list scope mobile number email',
  'is required must be a string must not be empty must be an integer must be an object must be an array',
  'exam_id may contain only letters, digits and _ . : - exam_id is longer than 128 characters',
  'invalid event: (body): must be a JSON object still encrypted: decrypt the encrypt field first',
  'not a Feishu event: expected schema "2.0", type "url_verification" or type "event_callback"',
  'Content-Type must be application/json unsupported Content-Type the request body is not valid JSON',
].join(' ');
const echoes = echoCheck(VOCABULARY);

/** Every string value (not key) of a JSON-like value, depth-first. */
function stringValues(value: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 64) return out;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) stringValues(item, out, depth + 1);
  else if (isRecord(value)) for (const item of Object.values(value)) stringValues(item, out, depth + 1);
  return out;
}

/** The request's JSON string values (outer body, and the decrypted event when it decrypts), for the echo check. */
function requestValues(request: FuzzRequest, plaintext?: unknown): string[] {
  const values: string[] = [];
  const outer = parseJson(request.raw.toString('utf8'));
  if (outer.ok) {
    stringValues(outer.value, values);
    if (isRecord(outer.value) && typeof outer.value.encrypt === 'string') {
      const inner = ownDecrypt(outer.value.encrypt);
      const parsed = inner === undefined ? undefined : parseJson(inner);
      if (parsed?.ok) stringValues(parsed.value, values);
    }
  }
  if (plaintext !== undefined) stringValues(plaintext, values);
  return values;
}

function describeRequest(request: FuzzRequest): string {
  return [
    `request (${request.label}): headers ${JSON.stringify(request.headers)}`,
    `body (${request.raw.length} bytes): ${JSON.stringify(truncate(request.raw.toString('utf8')))}`,
  ].join('\n  ');
}

/** fast-check prints counterexamples; a 1 MiB Buffer is better shown truncated. */
function printable<T extends object>(value: T, describe: (value: T) => string): T {
  return Object.assign(value, { [fc.toStringMethod]: () => describe(value) });
}

/** The one refusal of every unsigned `{"encrypt": string}` that is not a genuine url_verification (issue 11, finding 1). */
const NOT_VERIFIED_BODY = JSON.stringify({ error: NOT_VERIFIED.problem, message: NOT_VERIFIED.message });

/**
 * No padding oracle: an unsigned `{"encrypt": "<string>"}` to an app with an Encrypt Key is decrypted, so whatever its
 * refusal depends on (base64, length, padding, UTF-8, JSON, token) must not show: always 401 with the same body.
 */
function oracleProblem(h: Harness, request: FuzzRequest, res: LightMyRequestResponse): string | undefined {
  if (!h.encrypted || res.statusCode === 200 || res.statusCode === 413) return undefined;
  if (!isJsonMediaType(request.headers['content-type'])) return undefined;
  if (LARK_HEADERS.some((name) => request.headers[name] !== undefined)) return undefined;
  const outer = parseJson(request.raw.toString('utf8'));
  if (!outer.ok || !isRecord(outer.value) || typeof outer.value.encrypt !== 'string') return undefined;
  if (res.statusCode === 401 && res.body === NOT_VERIFIED_BODY) return undefined;
  return `an unsigned encrypted body was refused with ${res.statusCode} ${truncate(res.body)}, not the one NOT_VERIFIED answer`;
}

/** Checks one webhook answer against the oracle; throws with everything needed to understand a failure. */
function judgeWebhook(h: Harness, request: FuzzRequest, res: LightMyRequestResponse, plaintext?: unknown): void {
  const problem =
    oracleProblem(h, request, res) ??
    (res.statusCode === 200
      ? acceptanceProblem(h, request, res)
      : refusalProblem(h, res, requestValues(request, plaintext)));
  if (problem !== undefined) {
    throw new Error(
      [
        problem,
        `app: ${h.name}`,
        describeRequest(request),
        `response: ${res.statusCode} ${truncate(res.body)}`,
        `Temporal calls: ${h.recorder.calls.map((c) => c.op).join(', ') || 'none'}`,
      ].join('\n  '),
    );
  }
}

/** Counts answers per status, to prove after a property that the generators reached every branch. */
class StatusCounter {
  readonly counts = new Map<number, number>();
  add(status: number): void {
    this.counts.set(status, (this.counts.get(status) ?? 0) + 1);
  }
  expectSeen(statuses: number[]): void {
    const missing = statuses.filter((s) => !this.counts.has(s));
    if (missing.length > 0) {
      throw new Error(
        `the generators never produced status ${missing.join(', ')} (seen: ${JSON.stringify([...this.counts])})`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// arbitraries

const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const iv16 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => Buffer.from(bytes));
const validExamId = fc
  .oneof(
    { weight: 3, arbitrary: fc.stringMatching(/^\d{19}$/) },
    { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/) },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.:-]{120,128}$/) },
  )
  .filter((id) => id !== '.' && id !== '..'); // dot segments are refused (they would change Feishu's URL)
const LARK_HEADERS = ['x-lark-request-timestamp', 'x-lark-request-nonce', 'x-lark-signature'] as const;
type LarkHeader = (typeof LARK_HEADERS)[number];

const JSON_CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8',
  'Application/JSON',
  'application/json ; charset=utf-8',
  'application/json; charset=iso-8859-1',
];
const OTHER_CONTENT_TYPES = [
  '',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonp',
  'application/json-patch+json',
  'application/vnd.api+json',
  'application/*',
  '*/*',
  'application/json, text/plain',
  ';application/json',
];
const contentType = fc.option(
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...JSON_CONTENT_TYPES) },
    { weight: 1, arbitrary: fc.constantFrom(...OTHER_CONTENT_TYPES) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }) },
  ),
  { nil: undefined },
);
/** Header values, including what a real HTTP parser would refuse (light-my-request passes them through). */
const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  hex(64),
  hex(64).map((s) => s.toUpperCase()),
  fc.integer({ min: -1, max: 2 ** 40 }).map(String),
  fc.constant(NOW_SECONDS),
  fc.constant(''),
);
const headerName = fc.oneof(
  fc.constantFrom(
    ...LARK_HEADERS,
    'content-type',
    'content-length',
    'content-encoding',
    'transfer-encoding',
    'expect',
    'authorization',
    'accept',
    'x-forwarded-for',
    'x-lark-request-id',
  ),
  fc.stringMatching(/^x-lark-[a-z0-9-]{1,16}$/),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/),
);
const noiseHeaders = fc.oneof(
  { weight: 2, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.dictionary(headerName, headerValue, { maxKeys: 4, noNullPrototype: true }) },
);

/** Any header map: content type (or none), x-lark-* (each or none), and random others that may override them. */
const anyHeaders: fc.Arbitrary<Record<string, string>> = fc
  .record({
    contentType,
    lark: fc.record({
      'x-lark-request-timestamp': fc.option(headerValue, { nil: undefined }),
      'x-lark-request-nonce': fc.option(headerValue, { nil: undefined }),
      'x-lark-signature': fc.option(headerValue, { nil: undefined }),
    }),
    noise: noiseHeaders,
  })
  .map(({ contentType: type, lark, noise }) => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(lark)) if (value !== undefined) headers[name] = value;
    if (type !== undefined) headers['content-type'] = type;
    return { ...headers, ...noise };
  });

/** PKCS7-padded AES-256-CBC of any bytes under KEY: valid padding, any plaintext (bad UTF-8, not JSON…). */
function encryptBytes(plaintext: Buffer, iv: Buffer): string {
  const cipher = createCipheriv('aes-256-cbc', createHash('sha256').update(KEY, 'utf8').digest(), iv);
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final()]).toString('base64');
}

/**
 * What a padding-oracle attacker sends (issue 11, finding 1): a genuine encrypted event with one byte of the block
 * before the last (or of the IV) set to a guess; some guesses decrypt with a valid padding, most do not.
 */
function probeCiphertext(plain: string, iv: Buffer, fromEnd: number, value: number): string {
  const bytes = Buffer.from(encryptEvent(plain, KEY, iv), 'base64');
  bytes[Math.max(0, bytes.length - fromEnd)] = value;
  return bytes.toString('base64');
}
const paddingProbe = fc
  .record({ plain: fc.jsonValue(), iv: iv16, fromEnd: fc.integer({ min: 17, max: 32 }), value: fc.nat(255) })
  .map(({ plain, iv, fromEnd, value }) => probeCiphertext(JSON.stringify(plain), iv, fromEnd, value));

/** Bodies of every shape, as exact bytes. */
const anyBody: fc.Arbitrary<{ label: string; raw: Buffer }> = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }).map((bytes) => ({ label: 'random bytes', raw: Buffer.from(bytes) })),
  fc.string({ unit: 'binary', maxLength: 512 }).map((s) => ({ label: 'unicode string', raw: Buffer.from(s) })),
  fc.string({ maxLength: 1024 }).map((s) => ({ label: 'ascii string', raw: Buffer.from(s) })),
  fc.jsonValue().map((v) => ({ label: 'JSON value', raw: Buffer.from(JSON.stringify(v)) })),
  fc
    .jsonValue({ stringUnit: 'binary' })
    .map((v) => ({ label: 'unicode JSON value', raw: Buffer.from(JSON.stringify(v)) })),
  fc.object().map((o) => ({ label: 'object', raw: Buffer.from(JSON.stringify(o)) })),
  fc
    .oneof(
      fc.string(),
      fc.base64String({ maxLength: 256 }),
      fc.uint8Array({ maxLength: 96 }).map((b) => Buffer.from(b).toString('base64')),
      fc
        .record({ plain: fc.jsonValue(), iv: iv16 })
        .map(({ plain, iv }) => encryptEvent(JSON.stringify(plain), KEY, iv)),
      fc.record({ plain: fc.string(), iv: iv16 }).map(({ plain, iv }) => encryptEvent(plain, 'another key', iv)),
      paddingProbe,
      fc
        .record({ plain: fc.uint8Array({ maxLength: 80 }), iv: iv16 })
        .map(({ plain, iv }) => encryptBytes(Buffer.from(plain), iv)),
    )
    .map((encrypt) => ({ label: '{"encrypt": string}', raw: Buffer.from(JSON.stringify({ encrypt })) })),
  fc.jsonValue().map((encrypt) => ({ label: '{"encrypt": JSON}', raw: Buffer.from(JSON.stringify({ encrypt })) })),
  fc
    .record({ depth: fc.integer({ min: 1, max: 50_000 }), open: fc.constantFrom('[', '{"encrypt":', '{"a":[') })
    .map(({ depth, open }) => {
      const close = open === '[' ? ']' : open === '{"a":[' ? ']}' : '}';
      return { label: `nesting ${depth} deep`, raw: Buffer.from(open.repeat(depth) + '1' + close.repeat(depth)) };
    }),
  fc
    .integer({ min: STORE_BODY_LIMIT - 64, max: 1024 * 1024 + 64 })
    .map((size) => ({ label: `{"encrypt": ${size} × A}`, raw: Buffer.from(`{"encrypt":"${'A'.repeat(size)}"}`) })),
);

interface EnvelopeIds {
  eventId: string;
  tenantKey: string;
  iv: Buffer;
  nonce: string;
  whitespace: boolean;
}
const envelopeIds: fc.Arbitrary<EnvelopeIds> = fc.record({
  eventId: hex(32),
  tenantKey: fc.stringMatching(/^[0-9a-f]{16}$/),
  iv: iv16,
  nonce: hex(16),
  whitespace: fc.boolean(),
});

/** A plaintext body encrypted (IV from the generator, so replays are exact) and signed as Feishu does. */
function signedEncrypted(plaintext: unknown, ids: Pick<EnvelopeIds, 'iv' | 'nonce' | 'whitespace'>): FuzzRequest {
  const serialised = typeof plaintext === 'string' ? plaintext : JSON.stringify(plaintext);
  const { rawBody, headers } = signedRequest(
    { encrypt: encryptEvent(serialised, KEY, ids.iv) },
    { encryptKey: KEY, encrypt: false, timestamp: NOW_SECONDS, nonce: ids.nonce, whitespace: ids.whitespace },
  );
  return { label: 'signed encrypted', raw: Buffer.from(rawBody), headers };
}

/** A valid event (or challenge) for a harness, as Feishu would send it, before any noise. */
const validEventKind = fc.constantFrom('eco_exam', 'eco_account', 'url_verification', 'app_ticket', 'other');
type ValidEventKind = 'eco_exam' | 'eco_account' | 'url_verification' | 'app_ticket' | 'other';

function validEvent(kind: ValidEventKind, examId: string, ids: EnvelopeIds): Record<string, unknown> {
  const envelope = { token: TOKEN, eventId: ids.eventId, tenantKey: ids.tenantKey, createTime: '1764000000000' };
  switch (kind) {
    case 'eco_exam':
      return ecoExamCreatedEvent({ examId, ...envelope });
    case 'eco_account':
      return ecoAccountCreatedEvent(envelope);
    case 'url_verification':
      return urlVerification({ token: TOKEN, challenge: ids.nonce });
    case 'app_ticket':
      return { ...appTicketEvent({ appId: APP_ID, ticket: ids.nonce, token: TOKEN, uuid: ids.eventId }), ts: '1' };
    case 'other':
      return eventEnvelope('contact.user.created_v3', {}, envelope);
  }
}

function validRequest(h: Harness, kind: ValidEventKind, examId: string, ids: EnvelopeIds): FuzzRequest {
  const event = validEvent(kind, examId, ids);
  if (h.encrypted) return { ...signedEncrypted(event, ids), label: `valid signed ${kind}` };
  return {
    label: `valid plain ${kind}`,
    raw: Buffer.from(JSON.stringify(event)),
    headers: { 'content-type': 'application/json; charset=utf-8' },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 1. arbitrary requests

/**
 * The corpus: requests of issues 10 and 11 that the webhook once answered wrongly, replayed first by property 1 and
 * checked exactly here. `expect` is the status, and for refusals of unsigned encrypted bodies the one answer.
 */
interface Finding {
  name: string;
  h: Harness;
  request: FuzzRequest;
  status: number;
}
const json = { 'content-type': 'application/json' };
const probeEvent = JSON.stringify(ecoExamCreatedEvent({ examId: 'probe-1', token: TOKEN, eventId: 'probe-event' }));
const unsigned = (name: string, encrypt: string): Finding => ({
  name,
  h: ENCRYPTED,
  request: { label: name, raw: Buffer.from(JSON.stringify({ encrypt })), headers: json },
  status: 401,
});
const FINDINGS: Finding[] = [
  {
    name: '10.4: a plain url_verification with the right token while an Encrypt Key is set',
    h: ENCRYPTED,
    request: {
      label: 'plain url_verification',
      raw: Buffer.from(JSON.stringify(urlVerification({ token: TOKEN, challenge: 'plain-challenge' }))),
      headers: json,
    },
    status: 200,
  },
  ...Array.from({ length: 256 }, (_, value) =>
    unsigned(`11.1: padding probe ${value}`, probeCiphertext(probeEvent, Buffer.alloc(16, 7), 17, value)),
  ),
  unsigned('11.1: valid padding, bad UTF-8', encryptBytes(Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.alloc(16, 1))),
  unsigned('11.1: valid padding, not JSON', encryptBytes(Buffer.from('not json at all'), Buffer.alloc(16, 2))),
  unsigned('11.1: valid padding, JSON but not an object', encryptBytes(Buffer.from('[1,2,3]'), Buffer.alloc(16, 3))),
  unsigned('11.1: a genuine event, unsigned', encryptEvent(probeEvent, KEY, Buffer.alloc(16, 4))),
  unsigned(
    '11.1: url_verification with a wrong token',
    encryptEvent(JSON.stringify(urlVerification({ token: 'wrong', challenge: 'c' })), KEY, Buffer.alloc(16, 5)),
  ),
  unsigned('11.1: not base64', '%%%not-base64%%%'),
  unsigned('11.1: too short', 'AAAAAAAA'),
];

describe('fuzz corpus: the findings of issues 10 and 11, exactly', () => {
  it('answers each as fixed, and every unsigned encrypted refusal with the same bytes', async () => {
    const refusals = new Set<string>();
    for (const finding of FINDINGS) {
      const res = await send(finding.h, finding.request);
      judgeWebhook(finding.h, finding.request, res);
      expect({ name: finding.name, status: res.statusCode }).toEqual({ name: finding.name, status: finding.status });
      if (res.statusCode !== 200)
        refusals.add(`${res.statusCode} ${JSON.stringify(res.headers['content-type'])} ${res.body}`);
    }
    expect(refusals.size).toBe(1);
  });
});

describe('fuzz: POST /webhook/feishu with arbitrary bodies and headers', () => {
  it(
    'answers 200/400/401/413/415 only, 200 only for a valid event, and refusals start nothing',
    async () => {
      const statuses = new StatusCounter();
      const arbitraryRequest = fc.record({ body: anyBody, headers: anyHeaders }).map(({ body, headers }) => ({
        kind: 'arbitrary' as const,
        request: printable<FuzzRequest>({ ...body, headers }, describeRequest),
      }));
      /** Valid requests under random header noise (content type, x-lark-*, others): the 200 branch is exercised. */
      const noisyValidRequest = fc.record({
        kind: fc.constant('noisy valid' as const),
        event: validEventKind,
        examId: validExamId,
        ids: envelopeIds,
        contentType: fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...JSON_CONTENT_TYPES) },
          { weight: 1, arbitrary: contentType },
        ),
        noise: noiseHeaders,
      });
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...HARNESSES),
          fc.oneof({ weight: 4, arbitrary: arbitraryRequest }, { weight: 1, arbitrary: noisyValidRequest }),
          async (h, spec) => {
            let request: FuzzRequest;
            if (spec.kind === 'arbitrary') {
              request = spec.request;
            } else {
              const valid = validRequest(h, spec.event, spec.examId, spec.ids);
              const headers = { ...valid.headers, ...spec.noise };
              if (spec.contentType === undefined) delete headers['content-type'];
              else headers['content-type'] = spec.contentType;
              request = { ...valid, label: `${valid.label} + header noise`, headers };
            }
            const res = await send(h, request);
            statuses.add(res.statusCode);
            judgeWebhook(h, request, res);
          },
        ),
        {
          ...params(RUNS.arbitraryRequests),
          examples: FINDINGS.map(({ h, request }): [Harness, { kind: 'arbitrary'; request: FuzzRequest }] => [
            h,
            { kind: 'arbitrary', request },
          ]),
        },
      );
      statuses.expectSeen([200, 400, 401, 413, 415]);
    },
    PROPERTY_TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------------------------------------------
// 2. mutations of a valid signed, encrypted event

type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'bytes'; flips: Array<{ at: number; mask: number }> }
  | { kind: 'header'; name: LarkHeader; value: string | undefined }
  | { kind: 'header-edit'; name: LarkHeader; at: number; char: string }
  | { kind: 'reserialise'; style: 'compact' | 'indent' | 'escape-slashes' | 'reorder' | 'extra-field' | 'bom' }
  | { kind: 'reencrypt'; iv: Buffer };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({
    kind: fc.constant('bytes' as const),
    flips: fc.array(fc.record({ at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }), {
      minLength: 2,
      maxLength: 6,
    }),
  }),
  fc.record({
    kind: fc.constant('header' as const),
    name: fc.constantFrom(...LARK_HEADERS),
    value: fc.option(fc.oneof(headerValue, hex(64), fc.constant(NOW_SECONDS)), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('header-edit' as const),
    name: fc.constantFrom(...LARK_HEADERS),
    at: fc.nat(),
    char: fc.string({ minLength: 1, maxLength: 1 }),
  }),
  fc.record({
    kind: fc.constant('reserialise' as const),
    style: fc.constantFrom('compact', 'indent', 'escape-slashes', 'reorder', 'extra-field', 'bom'),
  }),
  fc.record({ kind: fc.constant('reencrypt' as const), iv: iv16 }),
);

function mutate(base: FuzzRequest, m: Mutation): FuzzRequest {
  const raw = base.raw;
  const headers = { ...base.headers };
  const at = (n: number, span = raw.length) => (span === 0 ? 0 : n % span);
  const label = `mutated: ${m.kind}`;
  switch (m.kind) {
    case 'flip': {
      const out = Buffer.from(raw);
      const i = at(m.at);
      out[i] = (out[i] ?? 0) ^ m.mask;
      return { label, raw: out, headers };
    }
    case 'bytes': {
      const out = Buffer.from(raw);
      for (const flip of m.flips) {
        const i = at(flip.at);
        out[i] = (out[i] ?? 0) ^ flip.mask;
      }
      return { label, raw: out, headers };
    }
    case 'insert': {
      const i = at(m.at, raw.length + 1);
      return { label, raw: Buffer.concat([raw.subarray(0, i), Buffer.from(m.bytes), raw.subarray(i)]), headers };
    }
    case 'delete': {
      const i = at(m.at);
      return { label, raw: Buffer.concat([raw.subarray(0, i), raw.subarray(i + m.count)]), headers };
    }
    case 'truncate':
      return { label, raw: raw.subarray(0, at(m.keep)), headers };
    case 'header':
      if (m.value === undefined) delete headers[m.name];
      else headers[m.name] = m.value;
      return { label: `${label} ${m.name}`, raw, headers };
    case 'header-edit': {
      const value = headers[m.name] ?? '';
      const i = at(m.at, value.length + 1);
      headers[m.name] = value.slice(0, i) + m.char + value.slice(i + 1);
      return { label: `${label} ${m.name}`, raw, headers };
    }
    case 'reserialise': {
      const parsed = JSON.parse(raw.toString('utf8')) as { encrypt: string };
      const text = {
        compact: () => JSON.stringify(parsed),
        indent: () => JSON.stringify(parsed, null, 4),
        'escape-slashes': () => JSON.stringify(parsed).replace(/\//g, '\\/'),
        reorder: () => `{ "encrypt" : ${JSON.stringify(parsed.encrypt)} }\n`,
        'extra-field': () => JSON.stringify({ ...parsed, schema: '2.0' }),
        bom: () => `\uFEFF${raw.toString('utf8')}`,
      }[m.style]();
      return { label: `${label} ${m.style}`, raw: Buffer.from(text), headers };
    }
    case 'reencrypt': {
      const parsed = JSON.parse(raw.toString('utf8')) as { encrypt: string };
      const plaintext = decryptEvent(parsed.encrypt, KEY);
      return { label, raw: Buffer.from(JSON.stringify({ encrypt: encryptEvent(plaintext, KEY, m.iv) })), headers };
    }
  }
}

/** Same bytes and same header values (a signature in another letter case is the same signature). */
function sameRequest(a: FuzzRequest, b: FuzzRequest): boolean {
  const norm = (headers: Record<string, string>) => ({
    ...headers,
    ...(headers['x-lark-signature'] !== undefined && { 'x-lark-signature': headers['x-lark-signature'].toLowerCase() }),
  });
  return a.raw.equals(b.raw) && isDeepStrictEqual(norm(a.headers), norm(b.headers));
}

describe('fuzz: mutations of a valid signed, encrypted 创建笔试', () => {
  it(
    'accepts the original (one start) and refuses every mutation with 400/401, starting nothing',
    async () => {
      const statuses = new StatusCounter();
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ENCRYPTED_HARNESSES),
          validExamId,
          envelopeIds,
          mutation,
          async (h, examId, ids, m) => {
            const original = validRequest(h, 'eco_exam', examId, ids);
            const mutated = mutate(original, m);
            fc.pre(!sameRequest(original, mutated));

            const accepted = await send(h, original);
            judgeWebhook(h, original, accepted);
            if (accepted.statusCode !== 200) {
              throw new Error(`the unmutated event was refused: ${accepted.statusCode} ${accepted.body}`);
            }

            const res = await send(h, mutated);
            statuses.add(res.statusCode);
            judgeWebhook(h, mutated, res);
            if (res.statusCode !== 400 && res.statusCode !== 401) {
              throw new Error(
                [
                  `a mutated event was answered ${res.statusCode}, expected 400 or 401`,
                  describeRequest(mutated),
                  `original headers ${JSON.stringify(original.headers)}`,
                  `response: ${truncate(res.body)}`,
                ].join('\n  '),
              );
            }
          },
        ),
        params(RUNS.mutations),
      );
      statuses.expectSeen([400, 401]);
    },
    PROPERTY_TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------------------------------------------
// 3. valid signatures over invalid or near-valid plaintext

const DELETE = Symbol('delete');
type Replacement = unknown;

const hugeString = fc
  .record({ size: fc.integer({ min: 129, max: 200_000 }), char: fc.constantFrom('x', '7', '王', ' ') })
  .map(({ size, char }) => char.repeat(size));
/** Values a field can be replaced by: other types, odd strings, boundary lengths, huge strings. */
const weirdValue: fc.Arbitrary<Replacement> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(''),
  fc.constant(DELETE),
  fc.jsonValue({ maxDepth: 2 }),
  fc.integer({ min: 120, max: 300 }).map((n) => 'a'.repeat(n)),
  hugeString,
);
const examIdValue: fc.Arbitrary<Replacement> = fc.oneof(
  { weight: 4, arbitrary: validExamId },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z0-9_.:-]{129,140}$/) },
  { weight: 1, arbitrary: validExamId.map((id) => `${id}/../x`) },
  { weight: 1, arbitrary: validExamId.map((id) => ` ${id}`) },
  { weight: 1, arbitrary: validExamId.map((id) => `${id}\n`) },
  { weight: 1, arbitrary: validExamId.map((id) => `王${id}`) },
  { weight: 1, arbitrary: fc.constantFrom('.', '..') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 3, arbitrary: weirdValue },
);
const tokenValue: fc.Arbitrary<Replacement> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(TOKEN) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      TOKEN.toUpperCase(),
      `${TOKEN} `,
      ` ${TOKEN}`,
      TOKEN.slice(0, -1),
      `${TOKEN}\u0000`,
      `${TOKEN}x`,
      '',
      'null',
      KEY,
      BEARER,
    ),
  },
  { weight: 2, arbitrary: weirdValue },
);
const HEADER_FIELDS = ['event_id', 'token', 'create_time', 'event_type', 'tenant_key', 'app_id'] as const;
const EXAM_EVENT_FIELDS = ['account_id', 'paper_id', 'candidate_info', 'talent_id', 'application_id'] as const;
const fieldEdits = <K extends string>(keys: readonly K[]) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant<Partial<Record<K, Replacement>>>({}) },
    {
      weight: 2,
      arbitrary: fc.dictionary(fc.constantFrom(...keys), weirdValue, { maxKeys: 3, noNullPrototype: true }),
    },
  );
const candidateValue: fc.Arbitrary<Replacement> = fc.oneof(
  fc.record({ name: weirdValue, mobile: fc.oneof(weirdValue, fc.record({ code: weirdValue, number: weirdValue })) }),
  weirdValue,
);

/** `undefined` (no change) except once in `oneIn` runs. */
function rarely<T>(arbitrary: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
}

function apply(target: Record<string, unknown>, edits: Record<string, Replacement>): void {
  for (const [key, value] of Object.entries(edits)) {
    if (value === DELETE) delete target[key];
    else target[key] = value;
  }
}

/** The plaintexts of property 3, each with whether it is left untouched (then a 200 is required). */
interface Plaintext {
  label: string;
  body: unknown;
  untouched: boolean;
  /** The exam id it carries when untouched and a 创建笔试. */
  examId?: string;
}

const examPlaintext: fc.Arbitrary<Plaintext> = fc
  .record({
    examId: examIdValue,
    token: tokenValue,
    ids: envelopeIds,
    schema: fc.oneof(
      { weight: 8, arbitrary: fc.constant<unknown>('2.0') },
      fc.constantFrom<unknown>('2', 2, null, DELETE),
    ),
    eventType: fc.oneof(
      { weight: 8, arbitrary: fc.constant<unknown>(EVENT_TYPE_ECO_EXAM_CREATED) },
      fc.constantFrom<unknown>(
        'HIRE.ECO_EXAM.CREATED_V1',
        'hire.eco_exam.created_v2',
        ` ${EVENT_TYPE_ECO_EXAM_CREATED}`,
      ),
      weirdValue,
    ),
    header: fieldEdits(HEADER_FIELDS),
    event: fieldEdits(EXAM_EVENT_FIELDS),
    candidate: rarely(candidateValue, 4),
    wholeEvent: rarely(weirdValue, 12),
    topLevel: rarely(
      fc.dictionary(fc.constantFrom('type', 'token', 'challenge', 'encrypt', 'uuid', 'ts'), weirdValue, {
        maxKeys: 2,
        noNullPrototype: true,
      }),
      8,
    ),
  })
  .map((spec) => {
    const body = ecoExamCreatedEvent({
      examId: 'placeholder',
      token: TOKEN,
      eventId: spec.ids.eventId,
      tenantKey: spec.ids.tenantKey,
      createTime: '1764000000000',
    }) as { header: Record<string, unknown>; event: Record<string, unknown> } & Record<string, unknown>;
    apply(body.event, { exam_id: spec.examId });
    apply(body.header, { token: spec.token, event_type: spec.eventType });
    apply(body, { schema: spec.schema });
    apply(body.header, spec.header);
    apply(body.event, spec.event);
    if (spec.candidate !== undefined) apply(body.event, { candidate_info: spec.candidate });
    if (spec.wholeEvent !== undefined) apply(body, { event: spec.wholeEvent });
    if (spec.topLevel !== undefined) apply(body, spec.topLevel);
    const untouched =
      typeof spec.examId === 'string' &&
      examIdSchema.safeParse(spec.examId).success &&
      spec.token === TOKEN &&
      spec.schema === '2.0' &&
      spec.eventType === EVENT_TYPE_ECO_EXAM_CREATED &&
      Object.keys(spec.header).length === 0 &&
      Object.keys(spec.event).length === 0 &&
      spec.candidate === undefined &&
      spec.wholeEvent === undefined &&
      spec.topLevel === undefined;
    return printable<Plaintext>(
      {
        label: untouched ? 'valid 创建笔试' : 'near-valid 创建笔试',
        body,
        untouched,
        ...(untouched && { examId: spec.examId as string }),
      },
      describePlaintext,
    );
  });

function describePlaintext(plain: Plaintext): string {
  return `${plain.label}: ${truncate(JSON.stringify(plain.body) ?? String(plain.body), 2000)}`;
}

const otherPlaintext: fc.Arbitrary<Plaintext> = fc.oneof(
  fc
    .record({
      token: tokenValue,
      challenge: fc.oneof(fc.string(), weirdValue),
      extra: fieldEdits(['schema', 'encrypt']),
    })
    .map(({ token, challenge, extra }) => {
      const body = urlVerification({ token: 'placeholder', challenge: 'placeholder' });
      apply(body, { token, challenge });
      apply(body, extra);
      return { label: 'near-valid url_verification', body, untouched: false };
    }),
  fc
    .record({
      token: tokenValue,
      ids: envelopeIds,
      event: fieldEdits(['scope', 'account_id', 'usage_list', 'custom_field_list']),
    })
    .map(({ token, ids, event }) => {
      const body = ecoAccountCreatedEvent({ token: TOKEN, eventId: ids.eventId, createTime: '1' }) as {
        header: Record<string, unknown>;
        event: Record<string, unknown>;
      };
      apply(body.header, { token });
      apply(body.event, event);
      return { label: 'near-valid eco_account', body, untouched: false };
    }),
  fc
    .record({
      token: tokenValue,
      ids: envelopeIds,
      appId: fc.oneof(fc.constant<unknown>(APP_ID), weirdValue),
      event: fieldEdits(['app_ticket', 'type']),
      top: fieldEdits(['uuid', 'type', 'ts']),
    })
    .map(({ token, ids, appId, event, top }) => {
      const body = appTicketEvent({ appId: APP_ID, ticket: ids.nonce, token: TOKEN, uuid: ids.eventId }) as {
        event: Record<string, unknown>;
      } & Record<string, unknown>;
      apply(body, { token, ts: '1' });
      apply(body.event, { app_id: appId });
      apply(body.event, event);
      apply(body, top);
      return { label: 'near-valid app_ticket', body, untouched: false };
    }),
  fc.jsonValue().map((body) => ({ label: 'JSON value', body, untouched: false })),
  fc.object().map((body) => ({ label: 'object', body, untouched: false })),
  fc.string({ maxLength: 200 }).map((text) => ({ label: 'non-JSON plaintext', body: text, untouched: false })),
);

const plaintext: fc.Arbitrary<Plaintext> = fc.oneof(
  { weight: 3, arbitrary: examPlaintext },
  { weight: 1, arbitrary: otherPlaintext.map((plain) => printable(plain, describePlaintext)) },
);

describe('fuzz: correctly signed and encrypted, arbitrary or near-valid plaintext', () => {
  it(
    'starts exactly one eco-exam-<exam_id> for a valid 创建笔试 with the right token, and nothing otherwise',
    async () => {
      const statuses = new StatusCounter();
      let starts = 0;
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...ENCRYPTED_HARNESSES), plaintext, envelopeIds, async (h, plain, ids) => {
          const request = { ...signedEncrypted(plain.body, ids), label: plain.label };
          const res = await send(h, request);
          statuses.add(res.statusCode);
          judgeWebhook(h, request, res, plain.body);
          const withinLimit = h !== STORE || request.raw.length <= STORE_BODY_LIMIT;
          if (plain.untouched && withinLimit && (res.statusCode !== 200 || h.recorder.calls.length !== 1)) {
            throw new Error(
              [
                `a valid 创建笔试 (exam_id ${JSON.stringify(plain.examId)}) was answered ${res.statusCode}`,
                `app: ${h.name}`,
                `response: ${truncate(res.body)}`,
              ].join('\n  '),
            );
          }
          if (h.recorder.calls.some((c) => c.op === 'start')) starts++;
        }),
        params(RUNS.signedPlaintexts),
      );
      statuses.expectSeen([200, 400, 401]);
      expect(starts).toBeGreaterThan(0);
    },
    PROPERTY_TIMEOUT_MS,
  );
});

// ---------------------------------------------------------------------------------------------------------------
// 5. the pure pieces

describe('fuzz: event-crypto and the event classifier, directly', () => {
  it(
    'decryptEvent throws nothing but EventDecryptError (never naming the key) and round-trips real ciphertexts',
    () => {
      const encryptInput = fc.oneof(
        fc.string().map((s) => ({ encrypt: s, expected: undefined })),
        fc.string({ unit: 'binary', maxLength: 100 }).map((s) => ({ encrypt: s, expected: undefined })),
        fc.base64String({ maxLength: 200 }).map((s) => ({ encrypt: s, expected: undefined })),
        fc
          .uint8Array({ maxLength: 128 })
          .map((b) => ({ encrypt: Buffer.from(b).toString('base64'), expected: undefined })),
        fc
          .integer({ min: 2, max: 8 })
          .chain((blocks) => fc.uint8Array({ minLength: blocks * 16, maxLength: blocks * 16 }))
          .map((b) => ({ encrypt: Buffer.from(b).toString('base64'), expected: undefined })),
        fc
          .record({ plain: fc.string({ unit: 'grapheme', maxLength: 100 }), iv: iv16 })
          .map(({ plain, iv }) => ({ encrypt: encryptEvent(plain, KEY, iv), expected: plain })),
        fc
          .record({
            plain: fc.string({ maxLength: 100 }),
            iv: iv16,
            at: fc.nat(),
            mask: fc.integer({ min: 1, max: 255 }),
          })
          .map(({ plain, iv, at, mask }) => {
            const bytes = Buffer.from(encryptEvent(plain, KEY, iv), 'base64');
            bytes[at % bytes.length] = (bytes[at % bytes.length] ?? 0) ^ mask;
            return { encrypt: bytes.toString('base64'), expected: undefined };
          }),
      );
      const key = fc.oneof({ weight: 3, arbitrary: fc.constant(KEY) }, fc.string(), fc.string({ unit: 'binary' }));
      fc.assert(
        fc.property(encryptInput, key, ({ encrypt, expected }, k) => {
          let plain: string;
          try {
            plain = decryptEvent(encrypt, k);
          } catch (err) {
            if (!(err instanceof EventDecryptError)) {
              throw new Error(`decryptEvent threw ${String(err)} for ${JSON.stringify(truncate(encrypt, 120))}`);
            }
            if (k === KEY && err.message.includes(KEY)) throw new Error('an EventDecryptError names the Encrypt Key');
            if (expected !== undefined && k === KEY) {
              throw new Error(`a real ciphertext did not decrypt: ${err.message}`);
            }
            return;
          }
          if (typeof plain !== 'string') throw new Error('decryptEvent returned a non-string');
          if (expected !== undefined && k === KEY && plain !== expected) {
            throw new Error(`round trip changed ${JSON.stringify(expected)} into ${JSON.stringify(plain)}`);
          }
        }),
        params(RUNS.decrypt),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'verifySignature never throws and is ok exactly for the real signature (any hex case) with all headers present',
    () => {
      const header = fc.option(
        fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 30 }), fc.stringMatching(/^\d{1,12}$/)),
        { nil: undefined, freq: 8 },
      );
      type SignatureSpec =
        | { kind: 'real' | 'real-upper' | 'real-padded' | 'real-truncated' | 'absent' }
        | { kind: 'edit'; at: number; char: string }
        | { kind: 'value'; value: string };
      const signatureSpec: fc.Arbitrary<SignatureSpec> = fc.oneof(
        {
          weight: 3,
          arbitrary: fc
            .constantFrom('real', 'real-upper', 'real-padded', 'real-truncated', 'absent')
            .map((kind) => ({ kind })),
        },
        fc.record({
          kind: fc.constant('edit' as const),
          at: fc.nat(63),
          char: fc.string({ minLength: 1, maxLength: 1 }),
        }),
        fc.record({ kind: fc.constant('value' as const), value: fc.oneof(fc.string(), hex(64), hex(63), hex(65)) }),
      );
      const key = fc.oneof({ weight: 3, arbitrary: fc.constant(KEY) }, fc.string(), fc.string({ unit: 'binary' }));
      fc.assert(
        fc.property(
          header,
          header,
          fc.uint8Array({ maxLength: 512 }),
          key,
          signatureSpec,
          (timestamp, nonce, bodyBytes, k, spec) => {
            const body = Buffer.from(bodyBytes);
            const real = ownSignature(timestamp ?? '', nonce ?? '', k, body);
            const signature = {
              real: () => real,
              'real-upper': () => real.toUpperCase(),
              'real-padded': () => ` ${real}`,
              'real-truncated': () => real.slice(0, 63),
              absent: () => undefined,
              edit: () => (spec.kind === 'edit' ? real.slice(0, spec.at) + spec.char + real.slice(spec.at + 1) : real),
              value: () => (spec.kind === 'value' ? spec.value : real),
            }[spec.kind]();
            const headers = { timestamp, nonce, signature };
            const verdict = verifySignature(headers, k, body);
            const genuine =
              !!timestamp &&
              !!nonce &&
              signature !== undefined &&
              /^[0-9a-fA-F]{64}$/.test(signature) &&
              signature.toLowerCase() === real;
            if (verdict.ok !== genuine) {
              throw new Error(
                `verifySignature said ok=${verdict.ok}, expected ${genuine} for ${JSON.stringify(headers)} (real ${real})`,
              );
            }
            if (!verdict.ok) {
              if (typeof verdict.reason !== 'string' || verdict.reason.length === 0) throw new Error('no reason given');
              if (k === KEY && verdict.reason.includes(KEY)) throw new Error('a reason names the Encrypt Key');
            }
            if (computeSignature(timestamp ?? '', nonce ?? '', k, body) !== real) {
              throw new Error('computeSignature differs from sha256(timestamp + nonce + key ‖ raw body)');
            }
          },
        ),
        params(RUNS.verifySignature),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'classifyEventBody never throws, and its invalid reasons never echo a string value longer than 8 characters',
    () => {
      const KINDS_OF_EVENT = new Set([
        'url_verification',
        'eco_exam_created',
        'eco_account_created',
        'app_ticket',
        'other',
        'invalid',
      ]);
      const body = fc.oneof(
        fc.jsonValue(),
        fc.jsonValue({ stringUnit: 'binary' }),
        fc.object(),
        fc.object({ withBoxedValues: true, withNullPrototype: true, withSparseArray: true }),
        plaintext.map((p) => p.body),
      );
      fc.assert(
        fc.property(body, (input) => {
          let classified: ClassifiedEvent;
          try {
            classified = classifyEventBody(input);
          } catch (err) {
            throw new Error(`classifyEventBody threw ${String(err)}`);
          }
          if (!KINDS_OF_EVENT.has(classified.kind)) throw new Error(`unknown kind ${classified.kind}`);
          if (classified.kind === 'invalid') {
            if (classified.reason.length === 0) throw new Error('an invalid event without a reason');
            const echoed = stringValues(input).find((value) => echoes(classified.reason, value));
            if (echoed !== undefined) {
              throw new Error(`the reason "${truncate(classified.reason)}" echoes the value ${JSON.stringify(echoed)}`);
            }
          }
          if (classified.kind === 'eco_exam_created') {
            const source = isRecord(input) && isRecord(input.event) ? input.event.exam_id : undefined;
            if (!examIdSchema.safeParse(classified.exam.examId).success || classified.exam.examId !== source) {
              throw new Error(
                `classified exam id ${JSON.stringify(classified.exam.examId)} is not the event's valid exam_id`,
              );
            }
          }
        }),
        params(RUNS.classify),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
