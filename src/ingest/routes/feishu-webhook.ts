import type { FastifyInstance, FastifyRequest } from 'fastify';
import { startExam } from '../../client';
import { EventDecryptError, checkTimestamp, decryptEvent, safeEqual, verifySignature } from '../../feishu/event-crypto';
import { classifyEventBody, type ClassifiedEvent } from '../../feishu/events';
import { HttpProblem } from '../http-errors';
import type { ResolvedIngestDeps } from '../app';
import { parseJsonBody, rawBody, requireJsonContentType } from './body';

/** Where store-app tickets are kept, durably, for the workers' token provider. */
export interface AppTicketSink {
  save(appId: string, ticket: string): Promise<void>;
}

/**
 * POST /webhook/feishu — Feishu's event request URL (reference/feishu-api.md §1, §7):
 * raw body → signature over the raw bytes (constant time) → decrypt → verification token → classify → hand off
 * durably (start the exam's workflow) → 200. Failures answer from the status table in ../http-errors.ts.
 */
export function registerWebhookRoute(app: FastifyInstance, deps: ResolvedIngestDeps): void {
  app.post('/webhook/feishu', async (request) => {
    requireJsonContentType(request);
    const { body, signed } = openEnvelope(request, deps);
    const event = classifyEventBody(body);
    if (event.kind === 'invalid') throw new HttpProblem('malformed', `invalid event: ${event.reason}`);
    if (event.token === undefined || !safeEqual(event.token, deps.feishu.verificationToken)) {
      throw new HttpProblem('unauthorized', 'verification token mismatch');
    }
    // URL verification carries no signature headers even with an Encrypt Key (§1.2): the token check is its proof.
    if (event.kind === 'url_verification') return { challenge: event.challenge };
    if (deps.feishu.encryptKey !== undefined && !signed) {
      throw new HttpProblem('unauthorized', 'missing X-Lark-Signature headers');
    }
    checkFreshness(request, deps);
    return dispatch(event, deps);
  });
}

interface OpenedBody {
  body: unknown;
  /** Whether the signature headers were present and verified. */
  signed: boolean;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Verifies (when signed) and decrypts the body; without an Encrypt Key the body is the event itself. */
function openEnvelope(request: FastifyRequest, deps: ResolvedIngestDeps): OpenedBody {
  const outer = parseJsonBody(request);
  const encrypted = isRecord(outer) && 'encrypt' in outer ? outer.encrypt : undefined;
  const key = deps.feishu.encryptKey;
  if (key === undefined) {
    if (encrypted !== undefined) {
      throw new HttpProblem('malformed', 'the event is encrypted but FEISHU_ENCRYPT_KEY is not set');
    }
    return { body: outer, signed: false };
  }
  if (typeof encrypted !== 'string') {
    throw new HttpProblem(
      'malformed',
      'encrypt: expected an encrypted event ({"encrypt": "..."}) since FEISHU_ENCRYPT_KEY is set',
    );
  }
  const headers = {
    timestamp: header(request, 'x-lark-request-timestamp'),
    nonce: header(request, 'x-lark-request-nonce'),
    signature: header(request, 'x-lark-signature'),
  };
  const signed = headers.timestamp !== undefined || headers.nonce !== undefined || headers.signature !== undefined;
  if (signed) {
    const verdict = verifySignature(headers, key, rawBody(request));
    if (!verdict.ok) throw new HttpProblem('unauthorized', `bad signature: ${verdict.reason}`);
  }
  let plaintext: string;
  try {
    plaintext = decryptEvent(encrypted, key);
  } catch (err) {
    if (err instanceof EventDecryptError)
      throw new HttpProblem('malformed', `encrypt: cannot decrypt (${err.message})`);
    throw err;
  }
  try {
    return { body: JSON.parse(plaintext) as unknown, signed };
  } catch {
    throw new HttpProblem('malformed', 'encrypt: the decrypted event is not valid JSON');
  }
}

function checkFreshness(request: FastifyRequest, deps: ResolvedIngestDeps): void {
  const tolerance = deps.feishu.timestampToleranceSeconds;
  if (tolerance === undefined) return;
  const timestamp = header(request, 'x-lark-request-timestamp');
  if (timestamp === undefined) throw new HttpProblem('unauthorized', 'missing X-Lark-Request-Timestamp');
  const verdict = checkTimestamp(timestamp, tolerance, deps.now());
  if (!verdict.ok) throw new HttpProblem('unauthorized', `stale request: ${verdict.reason}`);
}

async function dispatch(
  event: Exclude<ClassifiedEvent, { kind: 'invalid' | 'url_verification' }>,
  deps: ResolvedIngestDeps,
) {
  const { logger } = deps;
  switch (event.kind) {
    case 'eco_exam_created': {
      if (deps.feishu.appType === 'store' && event.tenantKey === undefined) {
        throw new HttpProblem('malformed', 'header.tenant_key: is required for a store app');
      }
      const started = await deps.temporal.withDeadline(() =>
        startExam(
          deps.client,
          {
            ...event.exam,
            eventId: event.eventId,
            ...(event.tenantKey !== undefined && { tenantKey: event.tenantKey }),
          },
          {
            taskQueue: deps.taskQueue,
            arrangementTimeout: deps.arrangementTimeoutMs,
            notifyExamSystem: deps.notifyExamSystem,
          },
        ),
      );
      logger.info(
        started.alreadyEnded ? 'exam event for an ended exam: nothing started' : 'exam workflow started or found',
        {
          examId: event.exam.examId,
          eventId: event.eventId,
          tenantKey: event.tenantKey,
          workflowId: started.workflowId,
          runId: started.runId,
        },
      );
      return { msg: 'success' };
    }
    case 'eco_account_created':
      logger.info('eco account created (acknowledged)', {
        eventId: event.eventId,
        tenantKey: event.tenantKey,
        accountId: event.account.accountId,
        scope: event.account.scope,
      });
      return { msg: 'success' };
    case 'app_ticket':
      return saveAppTicket(event, deps);
    case 'other':
      logger.info('event type not handled: acknowledged and ignored', {
        eventType: event.eventType,
        eventId: event.eventId,
      });
      return { msg: 'success' };
  }
}

async function saveAppTicket(event: Extract<ClassifiedEvent, { kind: 'app_ticket' }>, deps: ResolvedIngestDeps) {
  const { logger } = deps;
  if (deps.feishu.appType !== 'store') {
    logger.info('app_ticket ignored: FEISHU_APP_TYPE is not store', { eventId: event.eventId });
    return { msg: 'success' };
  }
  if (deps.feishu.appId !== undefined && event.appId !== deps.feishu.appId) {
    logger.warn('app_ticket for another app ignored', { eventId: event.eventId, appId: event.appId });
    return { msg: 'success' };
  }
  if (!deps.appTickets) throw new Error('store app without an app ticket store');
  await deps.temporal.withDeadline(() => deps.appTickets!.save(event.appId, event.appTicket));
  logger.info('app_ticket saved', { eventId: event.eventId, appId: event.appId });
  return { msg: 'success' };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
