import type { FastifyInstance } from 'fastify';
import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import {
  AccountNotFoundError,
  CustomFieldRemovalError,
  InvalidCustomFieldListError,
  InvalidPaperListError,
  TenantKeyRequiredError,
  getAccount,
  publishPapers,
  registerCustomFields,
} from '../../client';
import { accountIdSchema, type PublishPapersBody, type RegisterCustomFieldsBody } from '../../common/account-schemas';
import { describeZodError } from '../../common/schemas';
import { HttpProblem } from '../http-errors';
import { requireBearer } from '../auth';
import type { ResolvedIngestDeps } from '../deps';
import { parseJsonBody, requireJsonContentType } from './body';

/**
 * The exam system's account API (docs/accounts.md), behind `Authorization: Bearer <EXAM_SYSTEM_TOKEN>`:
 * PUT /accounts/:accountId/papers (→ update publishExamPapers, update-with-start for an unseen account),
 * GET /accounts/:accountId (→ query accountStatus + the custom-field values from the encrypted input), and
 * PUT /account-custom-fields (→ update registerAccountCustomFields). 202 once the workflow took the list (the newest
 * is sent to Feishu), 400 with the field and why, 404 for an unknown account, 409 when custom-field keys would be
 * dropped unconfirmed, 503 when no worker took the update in time (nothing was taken: retry).
 */
export function registerAccountRoutes(app: FastifyInstance, deps: ResolvedIngestDeps): void {
  const authenticate = requireBearer(deps.examSystemToken, 'EXAM_SYSTEM_TOKEN');
  const options = { taskQueue: deps.taskQueue };

  app.put<{ Params: { accountId: string } }>(
    '/accounts/:accountId/papers',
    { onRequest: authenticate },
    async (request, reply) => {
      const accountId = validAccountId(request.params.accountId);
      requireJsonContentType(request);
      const body = parseJsonBody(request) as PublishPapersBody;
      try {
        const published = await deps.temporal.withDeadline(() =>
          publishPapers(deps.client, accountId, body, { ...options, storeApp: deps.feishu.appType === 'store' }),
        );
        deps.logger.info('paper list accepted', { accountId, workflowId: published.workflowId, seq: published.seq });
        return reply.code(202).send(published);
      } catch (err) {
        throw accountProblem(err);
      }
    },
  );

  app.get<{ Params: { accountId: string } }>('/accounts/:accountId', { onRequest: authenticate }, async (request) => {
    const accountId = validAccountId(request.params.accountId);
    try {
      return await deps.temporal.withDeadline(() => getAccount(deps.client, accountId));
    } catch (err) {
      throw accountProblem(err);
    }
  });

  app.put('/account-custom-fields', { onRequest: authenticate }, async (request, reply) => {
    requireJsonContentType(request);
    const body = parseJsonBody(request) as RegisterCustomFieldsBody;
    try {
      const registered = await deps.temporal.withDeadline(() =>
        registerCustomFields(deps.client, body, { ...options, storeApp: deps.feishu.appType === 'store' }),
      );
      deps.logger.info('custom-field list accepted', { workflowId: registered.workflowId, seq: registered.seq });
      return reply.code(202).send(registered);
    } catch (err) {
      throw accountProblem(err);
    }
  });
}

function validAccountId(raw: string): string {
  const parsed = accountIdSchema.safeParse(raw);
  if (!parsed.success) throw new HttpProblem('invalid', `accountId: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

function accountProblem(err: unknown): unknown {
  if (
    err instanceof InvalidPaperListError ||
    err instanceof InvalidCustomFieldListError ||
    err instanceof TenantKeyRequiredError
  ) {
    return new HttpProblem('invalid', err.message);
  }
  if (err instanceof AccountNotFoundError) return new HttpProblem('not_found', err.message);
  if (err instanceof CustomFieldRemovalError) return new HttpProblem('conflict', err.message, { keys: err.keys });
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new HttpProblem(
      'temporal_unavailable',
      'no worker took the list in time; nothing was taken: try again later',
    );
  }
  return err;
}
