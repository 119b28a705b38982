import { bindAccount } from '../../client';
import { EXAM_ACCOUNT_SCOPE } from '../../shared/constants';
import type { ResolvedIngestDeps } from '../deps';
import type { WebhookEvent } from './pipeline';

/**
 * 账号绑定 (hire.eco_account.created_v1): scope 2 (exams) starts or reaches the account's workflow, idempotently
 * (src/client/accounts.ts bindAccount); scope 1 (background checks) is not this product's: acknowledged, nothing
 * started. The custom-field values go into the workflow's encrypted input only: never into a log line.
 */
export async function bindAccountFromEvent(
  event: Extract<WebhookEvent, { kind: 'eco_account_created' }>,
  deps: ResolvedIngestDeps,
): Promise<{ msg: 'success' }> {
  const { logger } = deps;
  const { account } = event;
  const meta = {
    eventId: event.eventId,
    tenantKey: event.tenantKey,
    accountId: account.accountId,
    scope: account.scope,
  };
  if (account.scope !== EXAM_ACCOUNT_SCOPE) {
    logger.info('eco account event for another scope (background checks): acknowledged, nothing started', meta);
    return { msg: 'success' };
  }
  const bound = await deps.temporal.withDeadline(() =>
    bindAccount(
      deps.client,
      {
        accountId: account.accountId,
        ...(event.tenantKey !== undefined && { tenantKey: event.tenantKey }),
        account: {
          scope: account.scope,
          ...(account.accountName !== undefined && { name: account.accountName }),
          ...(account.usageList !== undefined && { usage: account.usageList }),
          ...(account.customFields !== undefined && { customFields: account.customFields }),
          eventId: event.eventId,
          boundAt: new Date(deps.now()).toISOString(),
        },
      },
      { taskQueue: deps.taskQueue, notifyExamSystem: deps.notifyExamSystem },
    ),
  );
  logger.info(
    bound.alreadyEnded
      ? 'account event for an ended account workflow: nothing started'
      : 'account workflow started or found',
    { ...meta, workflowId: bound.workflowId },
  );
  return { msg: 'success' };
}
