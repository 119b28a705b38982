import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  makeContinueAsNewFunc,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities } from '../activities';
import { ACCOUNT_REFUSAL, examPapersTaskQueue } from '../common/constants';
import { NON_RETRYABLE_FAILURE_TYPES } from '../common/failure-types';
import { accountSchemas } from '../common/lazy-account-schemas';
import type { BoundAccount, EcoAccountInput, Paper } from '../common/account-schemas';
import type { AccountStatusView, SyncView } from '../common/account-types';
import { describeZodError } from '../common/lazy-schemas';
import { ExamAccountIdKey, FeishuTenantKeyKey } from '../common/search-attributes';
import {
  accountBound,
  accountStatus,
  examPapersUpdated,
  publishExamPapers,
  syncAttemptFailed,
} from './account-definitions';
import { createListSync, refusal } from './list-sync';
import type { NewestWinsSnapshot } from './newest-wins';
import { examErrorFromFailure } from './activity-errors';

/** The wait before the newest list is re-sent after a request of unknown outcome: ≫ the request and activity timeouts. */
export const DEFAULT_PAPERS_SETTLE_DELAY = '2 minutes';
/** Paper sends per run before the workflow continues as new (≈ 12 history events each; accounts live for months). */
export const DEFAULT_PAPER_SENDS_PER_RUN = 50;
/** How long Temporal keeps retrying one syncExamPapers before the sync becomes `failed`. */
export const DEFAULT_PAPERS_SYNC_TIMEOUT = '1 day';

/** What a continued run carries (besides the input's account). */
interface AccountResume {
  view: Omit<AccountStatusView, 'papers'>;
  papers: { sender: NewestWinsSnapshot<Paper[]>; view: SyncView };
  /** The event id whose `account.bound` the exam system has received. */
  notifiedEventId?: string;
}

/**
 * One bound vendor account (docs/accounts.md): started by the account-bound event (scope 2), or by the first paper
 * update for an account bound before the bridge was deployed. Holds the account (the customer's custom-field values
 * only in its encrypted input and state), tells the exam system (`account.bound`), and keeps the account's paper list
 * in sync with Feishu: newest wins, one send at a time (./newest-wins.ts). Runs for the account's lifetime,
 * continuing as new every DEFAULT_PAPER_SENDS_PER_RUN sends, when Temporal suggests it, or when the account-bound
 * event reaches a run started by papers (so the input always holds the account: GET /accounts/:accountId reads it).
 */
export async function ecoAccountWorkflow(rawInput: EcoAccountInput): Promise<void> {
  const parsed = accountSchemas.ecoAccountInput().safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.create({
      type: 'InvalidAccountInput',
      message: `invalid workflow input: ${describeZodError(parsed.error)}`,
      nonRetryable: true,
    });
  }
  const input = parsed.data;
  const resume = input.resume as AccountResume | undefined;
  const account = input.account;
  const view: Omit<AccountStatusView, 'papers'> = {
    ...(resume?.view ?? { accountId: input.accountId, bound: false, customFieldKeys: [] }),
    ...accountFields(input.tenantKey, account),
  };
  let notifiedEventId = resume?.notifiedEventId;
  /** The account-bound event reached this run (started by papers, or a new event): continue as new with it. */
  let rebound: { account: BoundAccount; tenantKey?: string; notifyExamSystem?: boolean } | undefined;

  const { syncExamPapers } = proxyActivities<Activities>({
    taskQueue: examPapersTaskQueue(workflowInfo().taskQueue),
    ...(input.tenantKey && { priority: { fairnessKey: input.tenantKey.slice(0, 64) } }),
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: '20 seconds',
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    scheduleToCloseTimeout: DEFAULT_PAPERS_SYNC_TIMEOUT,
    summary: 'POST eco_exam_papers to Feishu',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '5 minutes',
      nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
    },
  });
  const sendsPerRun = input.sendsPerRun ?? DEFAULT_PAPER_SENDS_PER_RUN;
  let sends = 0;
  const papers = createListSync<Paper[]>({
    resume: resume?.papers,
    count: (list) => list.length,
    send: (item) => {
      sends += 1;
      return syncExamPapers({
        accountId: input.accountId,
        tenantKey: input.tenantKey,
        paperList: item.body,
        seq: item.seq,
      });
    },
    settleMs: msToNumber(input.settleDelay ?? DEFAULT_PAPERS_SETTLE_DELAY),
    logMeta: { accountId: input.accountId },
    onChange: (sync) => showDetails(view, sync),
  });
  const status = (): AccountStatusView => ({
    ...view,
    customFieldKeys: [...view.customFieldKeys],
    papers: { ...papers.view, lastError: papers.view.lastError && { ...papers.view.lastError } },
  });
  const parseOrRefuse = (payload: unknown): Paper[] => {
    const list = accountSchemas.examPapers().safeParse(payload);
    if (list.success) return list.data.paper_list;
    throw refusal(ACCOUNT_REFUSAL.invalidPapers, `invalid paper list: ${describeZodError(list.error)}`);
  };

  setHandler(accountStatus, status, {
    description: 'The account: name, scope, usage, custom-field keys, paper sync. Never the custom-field values.',
  });
  setHandler(
    examPapersUpdated,
    (payload) => {
      const list = accountSchemas.examPapers().safeParse(payload);
      if (!list.success) {
        papers.recordInvalid(ACCOUNT_REFUSAL.invalidPapers, `invalid paper list: ${describeZodError(list.error)}`);
        log.warn('examPapersUpdated rejected: invalid payload', { accountId: input.accountId });
        return;
      }
      papers.take(list.data.paper_list);
    },
    { description: "The account's full paper list; the newest is sent to Feishu." },
  );
  setHandler(publishExamPapers, (payload) => ({ accepted: true, seq: papers.take(parseOrRefuse(payload)) }), {
    description: 'As examPapersUpdated, answered; an invalid list is refused up front (field and reason).',
    validator: (payload) => void parseOrRefuse(payload),
  });
  setHandler(accountBound, (payload) => {
    const known = rebound?.account ?? account;
    if (known && known.eventId !== undefined && known.eventId === payload.account.eventId) return; // a redelivery
    rebound = payload;
  });
  setHandler(syncAttemptFailed, (report) => papers.attemptFailed(report));

  setAccountSearchAttributes(input.accountId, input.tenantKey);
  const notification =
    account && input.notifyExamSystem && account.eventId !== notifiedEventId
      ? notifyAccountBound(input, account, view).then((notified) => {
          if (notified) notifiedEventId = account.eventId;
        })
      : undefined;

  const stop = () => rebound !== undefined || sends >= sendsPerRun || workflowInfo().continueAsNewSuggested;
  showDetails(view, papers.view);
  await papers.run(stop);
  await notification;
  await condition(allHandlersFinished);
  const next: AccountResume = {
    view,
    papers: { sender: papers.snapshot(), view: papers.view },
    ...(notifiedEventId !== undefined && { notifiedEventId }),
  };
  await makeContinueAsNewFunc<typeof ecoAccountWorkflow>()({
    ...input,
    ...(rebound && {
      account: rebound.account,
      tenantKey: input.tenantKey ?? rebound.tenantKey,
      notifyExamSystem: input.notifyExamSystem || rebound.notifyExamSystem,
    }),
    resume: next,
  });
}

/** The view's account fields: ids, name, scope, usage and the custom-field KEYS (never their values). */
function accountFields(tenantKey: string | undefined, account: BoundAccount | undefined): Partial<AccountStatusView> {
  if (!account) return { bound: false, ...(tenantKey && { tenantKey }) };
  return {
    bound: true,
    ...(tenantKey && { tenantKey }),
    scope: account.scope,
    ...(account.name !== undefined && { name: account.name }),
    ...(account.usage && { usage: [...account.usage] }),
    customFieldKeys: (account.customFields ?? []).map((field) => field.key),
  };
}

/** `account.bound` to the exam system (signed like `exam.created`); its failure is recorded, never fatal. */
async function notifyAccountBound(
  input: EcoAccountInput,
  account: BoundAccount,
  view: Omit<AccountStatusView, 'papers'>,
): Promise<boolean> {
  const { notifyExamSystem } = proxyActivities<Activities>({
    // The delivery header is `<workflow id>/<activity id>`: one per event, stable across retries and runs.
    ...(account.eventId && account.eventId.length <= 128 && { activityId: `account-bound-${account.eventId}` }),
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: '1 hour',
    summary: 'notify the exam system of the bound account',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_TYPES,
    },
  });
  try {
    await notifyExamSystem({
      type: 'account.bound',
      accountId: input.accountId,
      workflowId: workflowInfo().workflowId,
      ...(account.name !== undefined && { name: account.name }),
      ...(account.usage && { usage: account.usage }),
      customFields: account.customFields ?? [],
      ...(input.tenantKey && { tenantKey: input.tenantKey }),
      ...(account.eventId && { eventId: account.eventId }),
    });
    view.examSystemNotified = true;
    return true;
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const error = examErrorFromFailure(err);
    view.examSystemNotified = false;
    log.warn('could not notify the exam system', { accountId: input.accountId, type: error.type });
    return false;
  }
}

function setAccountSearchAttributes(accountId: string, tenantKey: string | undefined): void {
  const current = workflowInfo().typedSearchAttributes;
  const wanted: SearchAttributePair[] = [
    { key: ExamAccountIdKey, value: accountId },
    ...(tenantKey ? [{ key: FeishuTenantKeyKey, value: tenantKey }] : []),
  ];
  const changed = wanted.filter((pair) => current.get(pair.key) !== pair.value);
  if (changed.length > 0) upsertSearchAttributes(changed);
}

/** The live line of the Temporal UI: ids, counts and Feishu's code only. */
function showDetails(view: Omit<AccountStatusView, 'papers'>, papers: SyncView): void {
  const lines = [
    `**account ${view.accountId}** · papers ${papers.status}${papers.count !== undefined ? ` (${papers.count})` : ''}`,
  ];
  if (papers.lastError) {
    const { type, code } = papers.lastError;
    lines.push(`last error: ${type}${code !== undefined ? ` (code ${code})` : ''}`);
  }
  setCurrentDetails(lines.join('\n\n'));
}
