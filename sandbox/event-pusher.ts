import {
  DOCS_ACCOUNT_ID,
  DOCS_BOUND_ACCOUNT_ID,
  ecoAccountCreatedEvent,
  ecoExamCreatedEvent,
  signedRequest,
  type EcoAccountCreatedOptions,
  type EcoExamCreatedOptions,
} from './feishu-events';
import { PaperNotPublishedError, publishedPaperId } from './published-papers';

/**
 * The sandbox's event pusher: sends Feishu's events to an ingest exactly as Feishu would — encrypted with the
 * Encrypt Key and signed over the raw body (or plain when no key is set), with the same `event_id` on every
 * redelivery — and reports each delivery's status and ack time:
 *   pushExamCreated     hire.eco_exam.created_v1 (创建笔试), with a paper published for its account
 *   pushAccountCreated  hire.eco_account.created_v1 (a customer bound the vendor's account)
 */
export interface DeliveryOptions {
  /** The ingest's webhook URL, e.g. http://127.0.0.1:3000/webhook/feishu. */
  webhookUrl: string;
  verificationToken: string;
  encryptKey?: string;
  /** How many times to deliver the same event (Feishu redelivers; duplicates must leave one run). Default 1. */
  deliveries?: number;
  /** How many of those go out at once (the rest follow one by one). Default 1. */
  concurrent?: number;
  fetch?: typeof fetch;
}

export interface PushEventOptions extends Omit<EcoExamCreatedOptions, 'token'>, DeliveryOptions {
  /**
   * A running sandbox (its origin): the exam then uses a paper published there for its account (`accountId`, default
   * the docs' example) — `paperId` if it is one of them, else the first — and without one the push is refused
   * (PaperNotPublishedError), as Feishu would not let the customer create the exam. An `accountId` needs it unless
   * `paperId` is given too.
   */
  sandboxUrl?: string;
}

export type PushAccountEventOptions = Omit<EcoAccountCreatedOptions, 'token'> & DeliveryOptions;

export interface Delivery {
  status: number;
  ms: number;
  body: string;
}

export interface PushResult {
  examId: string;
  /** The paper the event names (undefined: the docs' example `paper001`). */
  paperId?: string;
  eventId: string;
  deliveries: Delivery[];
}

export interface AccountPushResult {
  accountId: string;
  eventId: string;
  deliveries: Delivery[];
}

export async function pushExamCreated(options: PushEventOptions): Promise<PushResult> {
  const { delivery, rest } = splitDelivery(options);
  const { sandboxUrl, ...event } = rest;
  const paperId = await paperOf(event, sandboxUrl, delivery.fetch);
  const eventId = event.eventId ?? freshEventId();
  const body = ecoExamCreatedEvent({ ...event, paperId, eventId, token: delivery.verificationToken });
  return { examId: event.examId, paperId, eventId, deliveries: await deliverEvent(body, delivery) };
}

export async function pushAccountCreated(options: PushAccountEventOptions): Promise<AccountPushResult> {
  const { delivery, rest: event } = splitDelivery(options);
  const eventId = event.eventId ?? freshEventId();
  const accountId = event.accountId ?? DOCS_BOUND_ACCOUNT_ID;
  const body = ecoAccountCreatedEvent({ ...event, accountId, eventId, token: delivery.verificationToken });
  return { accountId, eventId, deliveries: await deliverEvent(body, delivery) };
}

async function paperOf(
  event: Omit<EcoExamCreatedOptions, 'token'>,
  sandboxUrl: string | undefined,
  fetchFn: typeof fetch | undefined,
): Promise<string | undefined> {
  if (sandboxUrl !== undefined) {
    return publishedPaperId({
      sandboxUrl,
      accountId: event.accountId ?? DOCS_ACCOUNT_ID,
      paperId: event.paperId,
      tenantKey: event.tenantKey,
      fetch: fetchFn,
    });
  }
  if (event.accountId !== undefined && event.paperId === undefined) {
    throw new PaperNotPublishedError(
      `an exam for account ${event.accountId} needs a paper published for it: give the sandbox's URL to pick one ` +
        '(or an explicit paper id)',
    );
  }
  return event.paperId;
}

function splitDelivery<T extends DeliveryOptions>(
  options: T,
): { delivery: DeliveryOptions; rest: Omit<T, keyof DeliveryOptions> } {
  const { webhookUrl, verificationToken, encryptKey, deliveries, concurrent, fetch: fetchFn, ...rest } = options;
  return { delivery: { webhookUrl, verificationToken, encryptKey, deliveries, concurrent, fetch: fetchFn }, rest };
}

function freshEventId(): string {
  return `sandbox-${Date.now().toString(16)}-${Math.random().toString(16).slice(2, 10)}`;
}

/** Sends the same body `deliveries` times, `concurrent` of them at once, each signed and encrypted afresh. */
async function deliverEvent(body: Record<string, unknown>, options: DeliveryOptions): Promise<Delivery[]> {
  const { webhookUrl, encryptKey, deliveries = 1, concurrent = 1, fetch: fetchFn = fetch } = options;
  const deliver = async (): Promise<Delivery> => {
    const request = encryptKey
      ? signedRequest(body, { encryptKey })
      : { rawBody: JSON.stringify(body), headers: { 'content-type': 'application/json; charset=utf-8' } };
    const started = performance.now();
    const res = await fetchFn(webhookUrl, { method: 'POST', body: request.rawBody, headers: request.headers });
    const text = await res.text();
    return { status: res.status, ms: performance.now() - started, body: text };
  };
  const burst = Math.max(1, Math.min(concurrent, deliveries));
  const results = await Promise.all(Array.from({ length: burst }, deliver));
  for (let i = burst; i < deliveries; i++) results.push(await deliver());
  return results;
}
