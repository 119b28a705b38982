/**
 * zod schemas of the (decrypted) bodies Feishu POSTs to the event webhook, and `classifyEventBody`, which turns one into
 * a discriminated union the HTTP layer can act on (docs/feishu.md: #url-verification, #envelopes,
 * #exam-created-event, #account-bound-event, #store-apps (app_ticket), #webhook-handling).
 *
 * Choices where the docs are silent:
 * - every object is loose (unknown keys allowed) so new Feishu fields never break delivery; the SDK-only `talent_id` and
 *   `application_id` of §2.1 are accepted that way and ignored;
 * - `null` in an optional field counts as absent; `header.create_time` (and v1.0 `ts`) is opaque: a string or a number,
 *   optional, returned as a string;
 * - `invalid` reasons name the field and the rule (`event.exam_id: is required`), never a value.
 */
import { z } from 'zod';
import { describeZodError, ecoExamInputSchema, examIdSchema, type EcoExamInput } from '../common/schemas';

export const EVENT_TYPE_ECO_EXAM_CREATED = 'hire.eco_exam.created_v1';
export const EVENT_TYPE_ECO_ACCOUNT_CREATED = 'hire.eco_account.created_v1';
export const EVENT_TYPE_APP_TICKET = 'app_ticket';

// ---- schema building blocks: messages read `is required` / `must be a string`, and never echo the input ----

const mustBe =
  (what: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? 'is required' : `must be ${what}`;

const str = () => z.string({ error: mustBe('a string') });
const nonEmpty = () => str().min(1, 'must not be empty');
const int = () => z.int({ error: mustBe('an integer') });
const obj = <T extends z.core.$ZodLooseShape>(shape: T) => z.looseObject(shape, { error: mustBe('an object') });
const list = <T extends z.ZodType>(item: T) => z.array(item, { error: mustBe('an array') });
const literal = <T extends string>(value: T) => z.literal(value, { error: mustBe(`"${value}"`) });
/** An opaque time stamp: Feishu documents a string; a number is accepted too (§1.7, §8 item 3). */
const opaqueTime = () => z.union([z.string(), z.number()], { error: mustBe('a string') });

// ---- §1.2 url_verification ----

export const urlVerificationSchema = obj({
  type: literal('url_verification'),
  challenge: str(),
  token: str(),
});

// ---- §1.7 schema 2.0 envelope ----

export const eventHeaderSchema = obj({
  event_id: nonEmpty(),
  token: str(),
  create_time: opaqueTime().nullish(),
  event_type: nonEmpty(),
  tenant_key: str().nullish(),
  app_id: str().nullish(),
});

export const eventEnvelopeV2Schema = obj({
  schema: literal('2.0'),
  header: eventHeaderSchema,
  /** Checked per event type; only its presence here. */
  event: z.unknown().refine((value) => value !== undefined, 'is required'),
});
export type EventEnvelopeV2 = z.infer<typeof eventEnvelopeV2Schema>;

// ---- §2.1 hire.eco_exam.created_v1 ----

const candidateInfoSchema = obj({
  name: str().nullish(),
  mobile: obj({ code: str().nullish(), number: str().nullish() }).nullish(),
  email: str().nullish(),
});

/** The `event` of 创建笔试. `exam_id` must also pass `examIdSchema`: it becomes the workflow id. */
export const ecoExamCreatedEventSchema = obj({
  exam_id: nonEmpty().pipe(examIdSchema),
  account_id: str().nullish(),
  paper_id: str().nullish(),
  candidate_info: candidateInfoSchema.nullish(),
});
export type EcoExamCreatedEvent = z.infer<typeof ecoExamCreatedEventSchema>;

export const ecoExamCreatedEnvelopeSchema = eventEnvelopeV2Schema.extend({ event: ecoExamCreatedEventSchema });

// ---- §2.2 hire.eco_account.created_v1 ----

export const ecoAccountCreatedEventSchema = obj({
  scope: int(),
  account_id: nonEmpty(),
  account_name: str().nullish(),
  usage_list: list(int()).nullish(),
  custom_field_list: list(obj({ key: str(), value: str().nullish() })).nullish(),
});
export type EcoAccountCreatedEvent = z.infer<typeof ecoAccountCreatedEventSchema>;

export const ecoAccountCreatedEnvelopeSchema = eventEnvelopeV2Schema.extend({ event: ecoAccountCreatedEventSchema });

// ---- §4.3 v1.0 envelope (app_ticket) ----

export const eventCallbackV1Schema = obj({
  ts: opaqueTime().nullish(),
  uuid: nonEmpty(),
  token: str(),
  type: literal('event_callback'),
  event: obj({ type: nonEmpty() }),
});

export const appTicketEnvelopeSchema = eventCallbackV1Schema.extend({
  event: obj({ app_id: nonEmpty(), app_ticket: nonEmpty(), type: literal(EVENT_TYPE_APP_TICKET) }),
});

// ---- the classifier's result ----

/** The 创建笔试 event camelCased as in `EcoExamInput`; `eventId`/`tenantKey` live on the classified event. */
export type EcoExamCreated = Pick<EcoExamInput, 'examId' | 'accountId' | 'paperId' | 'candidate'>;

export interface EcoAccountCreated {
  scope: number;
  accountId: string;
  accountName?: string;
  usageList?: number[];
  customFields?: Array<{ key: string; value?: string }>;
}

interface EnvelopeFields {
  eventId: string;
  token: string;
  tenantKey?: string;
  appId?: string;
  createTime?: string;
}

export interface UrlVerificationEvent {
  kind: 'url_verification';
  token: string;
  challenge: string;
}
export interface EcoExamCreatedClassified extends EnvelopeFields {
  kind: 'eco_exam_created';
  exam: EcoExamCreated;
}
export interface EcoAccountCreatedClassified extends EnvelopeFields {
  kind: 'eco_account_created';
  account: EcoAccountCreated;
}
export interface AppTicketEvent {
  kind: 'app_ticket';
  /** The v1.0 `uuid`: the de-duplication key (§1.6). */
  eventId: string;
  token: string;
  appId: string;
  appTicket: string;
}
/** A well-formed event of a type the product ignores: acknowledge with 200 so Feishu stops redelivering (§7 step 6). */
export interface OtherEvent {
  kind: 'other';
  eventId?: string;
  token?: string;
  eventType: string;
}
/** Not a body Feishu should send: answer 400. `reason` names fields and rules, never values. */
export interface InvalidEvent {
  kind: 'invalid';
  reason: string;
}

export type ClassifiedEvent =
  | UrlVerificationEvent
  | EcoExamCreatedClassified
  | EcoAccountCreatedClassified
  | AppTicketEvent
  | OtherEvent
  | InvalidEvent;

// ---- mapping helpers ----

type Compact<T> = { [K in keyof T]?: Exclude<T[K], null | undefined> };

/** Drops null and undefined entries, so absent fields are absent keys (not `undefined` values) in workflow input. */
function compact<T extends Record<string, unknown>>(fields: T): Compact<T> {
  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== null && value !== undefined),
  ) as Compact<T>;
}

function invalid(reason: string): InvalidEvent {
  return { kind: 'invalid', reason };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function envelopeFields(header: z.infer<typeof eventHeaderSchema>): EnvelopeFields {
  return {
    eventId: header.event_id,
    token: header.token,
    ...compact({ tenantKey: header.tenant_key, appId: header.app_id, createTime: header.create_time?.toString() }),
  };
}

function toCandidate(
  info: NonNullable<EcoExamCreatedEvent['candidate_info']>,
): NonNullable<EcoExamCreated['candidate']> {
  const mobile = info.mobile ? compact({ code: info.mobile.code, number: info.mobile.number }) : undefined;
  return compact({ name: info.name, mobile, email: info.email });
}

function toExam(event: EcoExamCreatedEvent): EcoExamCreated {
  const candidate = event.candidate_info ? toCandidate(event.candidate_info) : undefined;
  return { examId: event.exam_id, ...compact({ accountId: event.account_id, paperId: event.paper_id, candidate }) };
}

function toAccount(event: EcoAccountCreatedEvent): EcoAccountCreated {
  const customFields = event.custom_field_list?.map((field) => ({
    key: field.key,
    ...compact({ value: field.value }),
  }));
  return {
    scope: event.scope,
    accountId: event.account_id,
    ...compact({ accountName: event.account_name, usageList: event.usage_list, customFields }),
  };
}

/** Where each `EcoExamInput` field came from in the Feishu body, to report workflow-input problems in Feishu's terms. */
const SOURCE_PATHS: Record<string, readonly string[]> = {
  examId: ['event', 'exam_id'],
  accountId: ['event', 'account_id'],
  paperId: ['event', 'paper_id'],
  candidate: ['event', 'candidate_info'],
  eventId: ['header', 'event_id'],
  tenantKey: ['header', 'tenant_key'],
};

function toSourcePath(path: PropertyKey[]): PropertyKey[] {
  const [head, ...rest] = path;
  const source = typeof head === 'string' ? SOURCE_PATHS[head] : undefined;
  return source ? [...source, ...rest] : path;
}

/** The classified exam must also be a valid workflow input (length limits of `ecoExamInputSchema`). */
function workflowInputProblem(classified: EcoExamCreatedClassified): string | undefined {
  const input = { ...classified.exam, ...compact({ eventId: classified.eventId, tenantKey: classified.tenantKey }) };
  const result = ecoExamInputSchema.safeParse(input);
  if (result.success) return undefined;
  const issues = result.error.issues.map((issue) => ({ ...issue, path: toSourcePath(issue.path) }));
  return describeZodError(new z.ZodError(issues));
}

// ---- classification ----

function classifyEcoExam(body: Record<string, unknown>): ClassifiedEvent {
  const parsed = ecoExamCreatedEnvelopeSchema.safeParse(body);
  if (!parsed.success) return invalid(describeZodError(parsed.error));
  const classified: EcoExamCreatedClassified = {
    kind: 'eco_exam_created',
    ...envelopeFields(parsed.data.header),
    exam: toExam(parsed.data.event),
  };
  const problem = workflowInputProblem(classified);
  return problem === undefined ? classified : invalid(problem);
}

function classifyEcoAccount(body: Record<string, unknown>): ClassifiedEvent {
  const parsed = ecoAccountCreatedEnvelopeSchema.safeParse(body);
  if (!parsed.success) return invalid(describeZodError(parsed.error));
  return { kind: 'eco_account_created', ...envelopeFields(parsed.data.header), account: toAccount(parsed.data.event) };
}

function classifyV2(body: Record<string, unknown>): ClassifiedEvent {
  const envelope = eventEnvelopeV2Schema.safeParse(body);
  if (!envelope.success) return invalid(describeZodError(envelope.error));
  const { header } = envelope.data;
  switch (header.event_type) {
    case EVENT_TYPE_ECO_EXAM_CREATED:
      return classifyEcoExam(body);
    case EVENT_TYPE_ECO_ACCOUNT_CREATED:
      return classifyEcoAccount(body);
    default:
      return { kind: 'other', eventId: header.event_id, token: header.token, eventType: header.event_type };
  }
}

function classifyAppTicket(body: Record<string, unknown>): ClassifiedEvent {
  const parsed = appTicketEnvelopeSchema.safeParse(body);
  if (!parsed.success) return invalid(describeZodError(parsed.error));
  const { uuid, token, event } = parsed.data;
  return { kind: 'app_ticket', eventId: uuid, token, appId: event.app_id, appTicket: event.app_ticket };
}

function classifyV1(body: Record<string, unknown>): ClassifiedEvent {
  const envelope = eventCallbackV1Schema.safeParse(body);
  if (!envelope.success) return invalid(describeZodError(envelope.error));
  const { uuid, token, event } = envelope.data;
  if (event.type === EVENT_TYPE_APP_TICKET) return classifyAppTicket(body);
  return { kind: 'other', eventId: uuid, token, eventType: event.type };
}

function classifyUrlVerification(body: Record<string, unknown>): ClassifiedEvent {
  const parsed = urlVerificationSchema.safeParse(body);
  if (!parsed.success) return invalid(describeZodError(parsed.error));
  return { kind: 'url_verification', token: parsed.data.token, challenge: parsed.data.challenge };
}

/**
 * Classifies a decrypted, JSON-parsed webhook body. Schema 2.0 events are told apart by `header.event_type`, v1.0 ones
 * by `event.type`; `url_verification` by its top-level `type`. Never throws.
 */
export function classifyEventBody(plain: unknown): ClassifiedEvent {
  if (!isRecord(plain)) return invalid('(body): must be a JSON object');
  if ('encrypt' in plain) return invalid('(body): still encrypted: decrypt the encrypt field first');
  if ('schema' in plain) return classifyV2(plain);
  if (plain.type === 'url_verification') return classifyUrlVerification(plain);
  if (plain.type === 'event_callback') return classifyV1(plain);
  return invalid('(body): not a Feishu event: expected schema "2.0", type "url_verification" or type "event_callback"');
}
