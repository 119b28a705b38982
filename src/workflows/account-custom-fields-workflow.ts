import {
  ActivityCancellationType,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  makeContinueAsNewFunc,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities } from '../activities';
import { ACCOUNT_REFUSAL, customFieldsTaskQueue } from '../common/constants';
import { NON_RETRYABLE_FAILURE_TYPES } from '../common/failure-types';
import { accountSchemas } from '../common/lazy-account-schemas';
import type { CustomField, CustomFields, CustomFieldsInput } from '../common/account-schemas';
import type { CustomFieldsStatusView, SyncView } from '../common/account-types';
import { describeZodError } from '../common/lazy-schemas';
import { accountCustomFieldsStatus, registerAccountCustomFields, syncAttemptFailed } from './account-definitions';
import { createListSync, refusal } from './list-sync';
import type { NewestWinsSnapshot } from './newest-wins';
import {
  DEFAULT_PAPERS_SETTLE_DELAY,
  DEFAULT_PAPERS_SYNC_TIMEOUT,
  DEFAULT_PAPER_SENDS_PER_RUN,
} from './eco-account-workflow';

interface CustomFieldsResume {
  sync: { sender: NewestWinsSnapshot<CustomField[]>; view: SyncView };
  /** Every key Feishu may hold: of lists it accepted or that were sent (deleted keys are never reusable). */
  heldKeys: string[];
}

/**
 * The vendor's custom fields for scope 2 (exams), one workflow per tenant (`eco-account-custom-fields-<tenant_key>`,
 * `…-app` for a custom app): the `registerAccountCustomFields` update takes the full list, newest wins, and
 * syncAccountCustomFields posts it (Feishu's create is a full replacement). Because Feishu never lets a deleted key be
 * used again, a list that drops a key Feishu may hold is refused unless it says `confirm_removal: true`.
 */
export async function ecoAccountCustomFieldsWorkflow(rawInput: CustomFieldsInput): Promise<void> {
  const parsed = accountSchemas.customFieldsInput().safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.create({
      type: 'InvalidCustomFieldsInput',
      message: `invalid workflow input: ${describeZodError(parsed.error)}`,
      nonRetryable: true,
    });
  }
  const input = parsed.data;
  const resume = input.resume as CustomFieldsResume | undefined;
  const heldKeys = new Set(resume?.heldKeys ?? []);
  const sendsPerRun = input.sendsPerRun ?? DEFAULT_PAPER_SENDS_PER_RUN;
  let sends = 0;

  const { syncAccountCustomFields } = proxyActivities<Activities>({
    taskQueue: customFieldsTaskQueue(workflowInfo().taskQueue),
    ...(input.tenantKey && { priority: { fairnessKey: input.tenantKey.slice(0, 64) } }),
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '20 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    scheduleToCloseTimeout: DEFAULT_PAPERS_SYNC_TIMEOUT,
    summary: 'POST eco_account_custom_fields to Feishu',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '5 minutes',
      nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
    },
  });
  const fields = createListSync<CustomField[]>({
    resume: resume?.sync,
    count: (list) => list.length,
    send: (item) => {
      sends += 1;
      for (const field of item.body) heldKeys.add(field.key);
      return syncAccountCustomFields({ tenantKey: input.tenantKey, customFieldList: item.body, seq: item.seq });
    },
    settleMs: msToNumber(input.settleDelay ?? DEFAULT_PAPERS_SETTLE_DELAY),
    logMeta: { tenantKey: input.tenantKey },
  });

  const keysOf = (list: CustomField[] | undefined) => (list ?? []).map((field) => field.key);
  const parseOrRefuse = (payload: unknown): CustomFields => {
    const list = accountSchemas.customFields().safeParse(payload);
    if (!list.success) {
      throw refusal(ACCOUNT_REFUSAL.invalidCustomFields, `invalid custom-field list: ${describeZodError(list.error)}`);
    }
    if (list.data.confirm_removal === true) return list.data;
    const kept = new Set(keysOf(list.data.custom_field_list));
    const dropped = [...new Set([...heldKeys, ...keysOf(fields.newest())])].filter((key) => !kept.has(key)).sort();
    if (dropped.length > 0) {
      throw refusal(
        ACCOUNT_REFUSAL.customFieldsRemoval,
        `the list drops custom field key(s) Feishu holds: ${dropped.join(', ')}. Feishu never lets a deleted key be ` +
          'used again; send "confirm_removal": true to drop them',
        [dropped],
      );
    }
    return list.data;
  };

  setHandler(accountCustomFieldsStatus, (): CustomFieldsStatusView => ({
    ...(input.tenantKey && { tenantKey: input.tenantKey }),
    syncedKeys: keysOf(fields.accepted()),
    keys: keysOf(fields.newest()),
    sync: { ...fields.view, lastError: fields.view.lastError && { ...fields.view.lastError } },
  }));
  setHandler(
    registerAccountCustomFields,
    (payload) => ({ accepted: true, seq: fields.take(parseOrRefuse(payload).custom_field_list) }),
    {
      description: "The vendor's full custom-field list (scope 2); dropping held keys needs confirm_removal.",
      validator: (payload) => void parseOrRefuse(payload),
    },
  );
  setHandler(syncAttemptFailed, (report) => fields.attemptFailed(report));

  await fields.run(() => sends >= sendsPerRun || workflowInfo().continueAsNewSuggested);
  await condition(allHandlersFinished);
  const next: CustomFieldsResume = {
    sync: { sender: fields.snapshot(), view: fields.view },
    heldKeys: [...heldKeys],
  };
  await makeContinueAsNewFunc<typeof ecoAccountCustomFieldsWorkflow>()({ ...input, resume: next });
}
