import { bindAccount } from '../../client';
import { accountIdSchema } from '../../common/account-schemas';
import { EXAM_ACCOUNT_SCOPE } from '../../common/constants';
import { describeZodError } from '../../common/schemas';
import { HttpProblem } from '../http-errors';
import type { ResolvedIngestDeps } from '../deps';
import type { WebhookEvent } from './pipeline';

/**
 * 账号绑定 (hire.eco_account.created_v1): scope 2 (exams) starts or reaches the account's workflow, idempotently
 * (src/client/accounts.ts bindAccount); scope 1 (background checks) is not this product's: acknowledged, nothing
 * started. The custom-field values go into the workflow's encrypted input only: never into a log line. An account id
 * that cannot name a workflow (over 255 characters, blank, control characters) is answered 400.
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
  // The account id names the workflow and a search attribute: refused (400, never echoed) when it cannot.
  const accountId = accountIdSchema.safeParse(account.accountId);
  if (!accountId.success) {
    throw new HttpProblem(
      'invalid',
      `event.account_id: ${describeZodError(accountId.error).replace(/^\(body\): /, '')}`,
    );
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
