import { ecoExamCreatedEvent, signedRequest, type EcoExamCreatedOptions } from './feishu-events';

/**
 * The sandbox's event pusher: sends `hire.eco_exam.created_v1` to an ingest exactly as Feishu would — encrypted with
 * the Encrypt Key and signed over the raw body (or plain when no key is set), with the same `event_id` on every
 * redelivery — and reports each delivery's status and ack time.
 */
export interface PushEventOptions extends Omit<EcoExamCreatedOptions, 'token'> {
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

export interface Delivery {
  status: number;
  ms: number;
  body: string;
}

export interface PushResult {
  examId: string;
  eventId: string;
  deliveries: Delivery[];
}

export async function pushExamCreated(options: PushEventOptions): Promise<PushResult> {
  const {
    webhookUrl,
    verificationToken,
    encryptKey,
    deliveries = 1,
    concurrent = 1,
    fetch: fetchFn = fetch,
    ...event
  } = options;
  const eventId = event.eventId ?? `sandbox-${Date.now().toString(16)}-${Math.random().toString(16).slice(2, 10)}`;
  const body = ecoExamCreatedEvent({ ...event, eventId, token: verificationToken });
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
  return { examId: event.examId, eventId, deliveries: results };
}
