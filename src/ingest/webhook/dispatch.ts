import { startExam } from '../../client';
import { bindAccountFromEvent } from './account-event';
import type { ResolvedIngestDeps } from '../deps';
import type { WebhookEvent } from './pipeline';

/**
 * Hands a verified webhook event off durably (src/ingest/webhook/pipeline.ts decided it is one): a 创建笔试 starts the
 * exam's workflow, an app_ticket is kept for store apps, anything else is logged. Resolves to Feishu's acknowledgement
 * once the hand-off is durable; throws (→ 503/500, Feishu redelivers) when it is not.
 */
export async function dispatchEvent(event: WebhookEvent, deps: ResolvedIngestDeps): Promise<{ msg: 'success' }> {
  deps.metrics.webhookEvent(event.kind);
  try {
    return await dispatch(event, deps);
  } catch (err) {
    if (event.kind === 'eco_exam_created') deps.metrics.workflowStart('failed');
    throw err;
  }
}

async function dispatch(event: WebhookEvent, deps: ResolvedIngestDeps): Promise<{ msg: 'success' }> {
  const { logger } = deps;
  switch (event.kind) {
    case 'eco_exam_created': {
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
      deps.metrics.workflowStart(started.alreadyEnded ? 'duplicate' : 'started');
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
      return bindAccountFromEvent(event, deps);
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

async function saveAppTicket(
  event: Extract<WebhookEvent, { kind: 'app_ticket' }>,
  deps: ResolvedIngestDeps,
): Promise<{ msg: 'success' }> {
  const { logger, appTickets } = deps;
  if (deps.feishu.appType !== 'store') {
    logger.info('app_ticket ignored: FEISHU_APP_TYPE is not store', { eventId: event.eventId });
    return { msg: 'success' };
  }
  if (deps.feishu.appId !== undefined && event.appId !== deps.feishu.appId) {
    logger.warn('app_ticket for another app ignored', { eventId: event.eventId, appId: event.appId });
    return { msg: 'success' };
  }
  if (!appTickets) throw new Error('store app without an app ticket store');
  await deps.temporal.withDeadline(() => appTickets.save(event.appId, event.appTicket));
  logger.info('app_ticket saved', { eventId: event.eventId, appId: event.appId });
  return { msg: 'success' };
}
