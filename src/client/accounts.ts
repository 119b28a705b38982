import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WithStartWorkflowOperation,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import {
  ACCOUNT_REFUSAL,
  ACCOUNT_WORKFLOW_TYPE,
  CUSTOM_FIELDS_WORKFLOW_TYPE,
  TASK_QUEUE,
  ecoAccountCustomFieldsWorkflowId,
  ecoAccountWorkflowId,
} from '../common/constants';
import {
  accountIdSchema,
  publishPapersBodySchema,
  registerCustomFieldsBodySchema,
  type BoundAccount,
  type EcoAccountInput,
  type PublishPapersBody,
  type RegisterCustomFieldsBody,
} from '../common/account-schemas';
import type { AccountView, CustomFieldsStatusView, ListAccepted } from '../common/account-types';
import { describeZodError } from '../common/schemas';
import { ExamAccountIdKey, FeishuTenantKeyKey } from '../common/search-attributes';
import {
  accountBound,
  accountCustomFieldsStatus,
  accountStatus,
  publishExamPapers,
  registerAccountCustomFields,
} from '../workflows/account-definitions';
import {
  AccountNotFoundError,
  CustomFieldRemovalError,
  InvalidCustomFieldListError,
  InvalidPaperListError,
  TenantKeyRequiredError,
} from './account-errors';

/**
 * Typed helpers for the account side (docs/accounts.md): the ingest, the CLI, the exam system's own code and the tests
 * use them. They validate with the workflows' own schemas, so a bad list fails here, before Temporal is called.
 */

export interface AccountOptions {
  taskQueue?: string;
}

function accountSearchAttributes(accountId: string, tenantKey: string | undefined) {
  return [
    { key: ExamAccountIdKey, value: accountId },
    ...(tenantKey ? [{ key: FeishuTenantKeyKey, value: tenantKey }] : []),
  ];
}

export interface BoundAccountStarted {
  workflowId: string;
  /** True when the account's workflow had ended (terminated by an operator): nothing was started. */
  alreadyEnded: boolean;
}

/**
 * The account-bound event (scope 2) → the account's workflow, idempotently: signal-with-start of `accountBound`, so a
 * running workflow (started by papers, or by an earlier delivery) takes the account, and an ended one is never started
 * again (reuse policy REJECT_DUPLICATE). A redelivery (same event id) changes nothing.
 */
export async function bindAccount(
  client: Client,
  bound: { accountId: string; tenantKey?: string; account: BoundAccount },
  options: AccountOptions & { notifyExamSystem?: boolean } = {},
): Promise<BoundAccountStarted> {
  const workflowId = ecoAccountWorkflowId(bound.accountId);
  const input: EcoAccountInput = {
    accountId: bound.accountId,
    ...(bound.tenantKey !== undefined && { tenantKey: bound.tenantKey }),
    account: bound.account,
    ...(options.notifyExamSystem && { notifyExamSystem: true }),
  };
  try {
    await client.workflow.signalWithStart(ACCOUNT_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: options.taskQueue ?? TASK_QUEUE,
      args: [input],
      signal: accountBound,
      signalArgs: [
        {
          account: bound.account,
          ...(bound.tenantKey !== undefined && { tenantKey: bound.tenantKey }),
          ...(options.notifyExamSystem && { notifyExamSystem: true }),
        },
      ],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: accountSearchAttributes(bound.accountId, bound.tenantKey),
      staticSummary: accountSummary(bound.accountId, bound.tenantKey),
    });
    return { workflowId, alreadyEnded: false };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, alreadyEnded: true };
    throw err;
  }
}

function accountSummary(accountId: string, tenantKey: string | undefined): string {
  return [`Account ${accountId}`, tenantKey && `tenant ${tenantKey}`].filter(Boolean).join(' · ');
}

export interface PublishedPapers extends ListAccepted {
  accountId: string;
  workflowId: string;
}

/**
 * The account's full paper list → the `publishExamPapers` update (update-with-start for an account not seen yet:
 * accounts bound before the bridge was deployed). Resolves once the workflow took the list; the newest is sent.
 * `storeApp`: an unseen account then needs `tenant_key` (TenantKeyRequiredError). An existing account keeps its tenant.
 */
export async function publishPapers(
  client: Client,
  accountId: string,
  body: PublishPapersBody,
  options: AccountOptions & { storeApp?: boolean } = {},
): Promise<PublishedPapers> {
  const id = accountIdSchema.safeParse(accountId);
  if (!id.success) throw new InvalidPaperListError(`accountId: ${describeZodError(id.error)}`);
  const parsed = publishPapersBodySchema.safeParse(body);
  if (!parsed.success) throw new InvalidPaperListError(describeZodError(parsed.error));
  const { tenant_key: tenantKey, ...papers } = parsed.data;
  const workflowId = ecoAccountWorkflowId(id.data);
  try {
    let accepted: ListAccepted;
    if (options.storeApp && tenantKey === undefined) {
      try {
        accepted = await client.workflow.getHandle(workflowId).executeUpdate(publishExamPapers, { args: [papers] });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new TenantKeyRequiredError();
        throw err;
      }
    } else {
      const input: EcoAccountInput = { accountId: id.data, ...(tenantKey !== undefined && { tenantKey }) };
      accepted = await client.workflow.executeUpdateWithStart(publishExamPapers, {
        args: [papers],
        startWorkflowOperation: new WithStartWorkflowOperation(ACCOUNT_WORKFLOW_TYPE, {
          workflowId,
          taskQueue: options.taskQueue ?? TASK_QUEUE,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
          typedSearchAttributes: accountSearchAttributes(id.data, tenantKey),
          staticSummary: accountSummary(id.data, tenantKey),
        }),
      });
    }
    return { accountId: id.data, workflowId, ...accepted };
  } catch (err) {
    throw refusalOf(err);
  }
}

/**
 * The account: the `accountStatus` query plus the customer's custom-field values, read from the current run's
 * (encrypted) start input through the client's data converter — never from a query.
 */
export async function getAccount(client: Client, accountId: string): Promise<AccountView> {
  const workflowId = ecoAccountWorkflowId(accountId);
  const handle = client.workflow.getHandle(workflowId);
  let runId: string;
  try {
    runId = (await handle.describe()).runId;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new AccountNotFoundError(accountId);
    throw err;
  }
  const [status, input] = await Promise.all([
    client.workflow.getHandle(workflowId, runId).query(accountStatus),
    startInput(client, workflowId, runId),
  ]);
  return { ...status, customFields: input?.account?.customFields ?? [] };
}

async function startInput(client: Client, workflowId: string, runId: string): Promise<EcoAccountInput | undefined> {
  const page = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  const payloads = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
  return decodeFromPayloadsAtIndex<EcoAccountInput>(client.workflow.options.loadedDataConverter, 0, payloads);
}

export interface RegisteredCustomFields extends ListAccepted {
  workflowId: string;
}

/**
 * The vendor's full custom-field list for scope 2 → `registerAccountCustomFields` (update-with-start of the tenant's
 * custom-fields workflow). Throws InvalidCustomFieldListError, or CustomFieldRemovalError (which keys) when the list
 * drops keys Feishu may hold and `confirm_removal` is not true. `storeApp`: `tenant_key` is required
 * (TenantKeyRequiredError): each tenant has its own list.
 */
export async function registerCustomFields(
  client: Client,
  body: RegisterCustomFieldsBody,
  options: AccountOptions & { storeApp?: boolean } = {},
): Promise<RegisteredCustomFields> {
  const parsed = registerCustomFieldsBodySchema.safeParse(body);
  if (!parsed.success) throw new InvalidCustomFieldListError(describeZodError(parsed.error));
  const { tenant_key: tenantKey, ...fields } = parsed.data;
  if (options.storeApp && tenantKey === undefined) throw new TenantKeyRequiredError('the custom fields of a store app');
  const workflowId = ecoAccountCustomFieldsWorkflowId(tenantKey);
  try {
    const accepted = await client.workflow.executeUpdateWithStart(registerAccountCustomFields, {
      args: [fields],
      startWorkflowOperation: new WithStartWorkflowOperation(CUSTOM_FIELDS_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: options.taskQueue ?? TASK_QUEUE,
        args: [{ ...(tenantKey !== undefined && { tenantKey }) }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        ...(tenantKey !== undefined && { typedSearchAttributes: [{ key: FeishuTenantKeyKey, value: tenantKey }] }),
        staticSummary: `Custom fields · ${tenantKey ? `tenant ${tenantKey}` : 'app'}`,
      }),
    });
    return { workflowId, ...accepted };
  } catch (err) {
    throw refusalOf(err);
  }
}

/** The custom-field workflow's state (keys only). */
export async function getCustomFieldsStatus(client: Client, tenantKey?: string): Promise<CustomFieldsStatusView> {
  return client.workflow.getHandle(ecoAccountCustomFieldsWorkflowId(tenantKey)).query(accountCustomFieldsStatus);
}

/** The typed error for a refused update; anything else (Temporal unreachable…) is returned as is. */
function refusalOf(err: unknown): unknown {
  if (!(err instanceof WorkflowUpdateFailedError) || !(err.cause instanceof ApplicationFailure)) return err;
  const failure = err.cause;
  if (failure.type === ACCOUNT_REFUSAL.invalidPapers) return new InvalidPaperListError(failure.message);
  if (failure.type === ACCOUNT_REFUSAL.invalidCustomFields) return new InvalidCustomFieldListError(failure.message);
  if (failure.type === ACCOUNT_REFUSAL.customFieldsRemoval) {
    const keys = Array.isArray(failure.details?.[0]) ? (failure.details[0] as string[]) : [];
    return new CustomFieldRemovalError(failure.message, keys);
  }
  return err;
}
