/**
 * Feishu webhook bodies and requests as Feishu sends them (url_verification, encryption and signature, the schema 2.0
 * envelope, the eco-exam and eco-account event bodies with the docs' examples, the store apps' app_ticket). Plain
 * objects in, the exact raw body string and its `x-lark-*` headers out. Used by the event pusher, the bench and the
 * tests.
 */
import { randomBytes } from 'node:crypto';
import { computeSignature, encryptEvent } from '../src/feishu/event-crypto';
import {
  EVENT_TYPE_APP_TICKET,
  EVENT_TYPE_ECO_ACCOUNT_CREATED,
  EVENT_TYPE_ECO_EXAM_CREATED,
} from '../src/feishu/events';

/** The candidate of the docs' example event (hire.eco_exam.created_v1). */
export const DOCS_CANDIDATE = { name: '王二', mobile: { code: '86', number: '18900001111' }, email: 'xxx@abc.vom' };

/** The account id of the docs' example 创建笔试 event. */
export const DOCS_ACCOUNT_ID = '7147998241542539527';
/** The account id of the docs' example hire.eco_account.created_v1 event. */
export const DOCS_BOUND_ACCOUNT_ID = '6931286400470354183';

export interface FeishuCandidateInfo {
  name?: string;
  mobile?: { code?: string; number?: string };
  email?: string;
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

interface EnvelopeOptions {
  token: string;
  eventId?: string;
  tenantKey?: string;
  appId?: string;
  createTime?: string;
}

/** A schema 2.0 envelope; `tenant_key` only when given. */
export function eventEnvelope(eventType: string, event: unknown, options: EnvelopeOptions): Record<string, unknown> {
  const header: Record<string, string> = {
    event_id: options.eventId ?? randomHex(16),
    token: options.token,
    create_time: options.createTime ?? String(Date.now()),
    event_type: eventType,
  };
  if (options.tenantKey !== undefined) header.tenant_key = options.tenantKey;
  header.app_id = options.appId ?? 'cli_test_app';
  return { schema: '2.0', header, event };
}

export interface EcoExamCreatedOptions extends EnvelopeOptions {
  examId: string;
  /** Default the docs' example `"7147998241542539527"`. */
  accountId?: string;
  /** Default the docs' example `"paper001"`. */
  paperId?: string;
  /** Default the docs' example candidate 王二; `null` leaves `candidate_info` out. */
  candidate?: FeishuCandidateInfo | null;
  /** Merged into `event` last: extra or overriding fields (e.g. `talent_id`). */
  extraEvent?: Record<string, unknown>;
}

/** `hire.eco_exam.created_v1`, shaped like the docs' example. */
export function ecoExamCreatedEvent(options: EcoExamCreatedOptions): Record<string, unknown> {
  const event: Record<string, unknown> = {
    exam_id: options.examId,
    account_id: options.accountId ?? DOCS_ACCOUNT_ID,
    paper_id: options.paperId ?? 'paper001',
  };
  if (options.candidate !== null) event.candidate_info = options.candidate ?? DOCS_CANDIDATE;
  return eventEnvelope(EVENT_TYPE_ECO_EXAM_CREATED, { ...event, ...options.extraEvent }, options);
}

export interface EcoAccountCustomFieldValue {
  key: string;
  /** What the customer filled in: customer data, never logged or printed. */
  value: string;
}

export interface EcoAccountCreatedOptions extends EnvelopeOptions {
  /** Default the docs' example `"6931286400470354183"`. */
  accountId?: string;
  /** Default the docs' example `"背调账号 001"`. */
  accountName?: string;
  /** 1 背调, 2 笔试; default 2. */
  scope?: number;
  /** 1 社招, 2 校招; default `[1]`, as in the docs. */
  usageList?: number[];
  /** The values of the account custom fields; default the docs' `[{key: "ord_id", value: "7233333"}]`. */
  customFields?: EcoAccountCustomFieldValue[];
}

/** `hire.eco_account.created_v1`, the docs' example with `scope` 2 (exam) by default. */
export function ecoAccountCreatedEvent(options: EcoAccountCreatedOptions): Record<string, unknown> {
  const event = {
    scope: options.scope ?? 2,
    account_id: options.accountId ?? DOCS_BOUND_ACCOUNT_ID,
    account_name: options.accountName ?? '背调账号 001',
    usage_list: options.usageList ?? [1],
    custom_field_list: (options.customFields ?? [{ key: 'ord_id', value: '7233333' }]).map(({ key, value }) => ({
      key,
      value,
    })),
  };
  return eventEnvelope(EVENT_TYPE_ECO_ACCOUNT_CREATED, event, options);
}

/** The challenge Feishu posts when the request URL is saved. */
export function urlVerification(options: { token: string; challenge: string }): Record<string, unknown> {
  return { challenge: options.challenge, token: options.token, type: 'url_verification' };
}

/** The hourly v1.0 `app_ticket` push to store apps. */
export function appTicketEvent(options: {
  appId: string;
  ticket: string;
  token: string;
  uuid?: string;
}): Record<string, unknown> {
  return {
    ts: String(Math.floor(Date.now() / 1000)),
    uuid: options.uuid ?? randomHex(16),
    token: options.token,
    type: 'event_callback',
    event: { app_id: options.appId, app_ticket: options.ticket, type: EVENT_TYPE_APP_TICKET },
  };
}

/** The encrypted body `{"encrypt": …}` (AES-256-CBC, key SHA-256 of the Encrypt Key). A string is encrypted as is, anything else as compact JSON. */
export function encryptBody(body: unknown, encryptKey: string): { encrypt: string } {
  const plaintext = typeof body === 'string' ? body : JSON.stringify(body);
  return { encrypt: encryptEvent(plaintext, encryptKey) };
}

export interface SignedRequestOptions {
  encryptKey: string;
  /** Unix seconds; default now. */
  timestamp?: string;
  /** Default random hex. */
  nonce?: string;
  /** Wrap the body as `{"encrypt": …}` first, as Feishu does once an Encrypt Key is set. Default true. */
  encrypt?: boolean;
  /** Serialise with indentation and a trailing newline, so re-serialising the parsed object changes the bytes. */
  whitespace?: boolean;
}

export interface SignedRequest {
  rawBody: string;
  headers: Record<string, string>;
}

function serialise(body: unknown, whitespace: boolean): string {
  if (typeof body === 'string') return body;
  return whitespace ? `${JSON.stringify(body, null, 2)}\n` : JSON.stringify(body);
}

/**
 * A webhook POST as Feishu sends it with an Encrypt Key: the exact raw body string and lower-case headers, the
 * signature computed over those exact bytes. A string body is sent (or encrypted) as is.
 */
export function signedRequest(body: unknown, options: SignedRequestOptions): SignedRequest {
  const wrapped = options.encrypt === false ? body : encryptBody(body, options.encryptKey);
  const rawBody = serialise(wrapped, options.whitespace ?? false);
  const timestamp = options.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = options.nonce ?? randomHex(8);
  return {
    rawBody,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-lark-request-timestamp': timestamp,
      'x-lark-request-nonce': nonce,
      'x-lark-signature': computeSignature(timestamp, nonce, options.encryptKey, rawBody),
    },
  };
}
