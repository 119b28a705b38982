import { ApplicationFailure, log } from '@temporalio/workflow';
import type { SyncView } from '../common/account-types';
import type { SyncStatus } from '../common/constants';
import { finalStatusForFailure } from '../common/failure-types';
import type { ResultAttemptFailedReport } from '../common/types';
import { examErrorFromFailure } from './activity-errors';
import { NewestWins, type NewestWinsSnapshot, type Numbered } from './newest-wins';

/**
 * A list kept in sync with Feishu by one workflow (an account's papers, a tenant's custom fields): NewestWins
 * (./newest-wins.ts) plus the visible state (SyncView) each send updates. The list itself never enters the view.
 */
export interface ListSync<T> {
  readonly view: SyncView;
  take(body: T): number;
  newest(): T | undefined;
  accepted(): T | undefined;
  /** Invalid body delivered by signal: counted and shown (the update refuses them up front). */
  recordInvalid(type: string, message: string): void;
  attemptFailed(report: ResultAttemptFailedReport): void;
  /** Sends until `stop()` holds. */
  run(stop: () => boolean): Promise<void>;
  snapshot(): NewestWinsSnapshot<T>;
}

export function createListSync<T>(options: {
  resume?: { sender: NewestWinsSnapshot<T>; view: SyncView };
  /** Items in a body (the view's `count`). */
  count: (body: T) => number;
  send: (item: Numbered<T>) => Promise<{ attempt: number }>;
  settleMs: number;
  /** Ids for log lines (never the list). */
  logMeta: Record<string, unknown>;
  /** Called after each change of the view's status (e.g. to refresh the UI's current details). */
  onChange?: (view: SyncView) => void;
}): ListSync<T> {
  const sender = new NewestWins<T>(options.resume?.sender);
  const view: SyncView = options.resume?.view ?? {
    status: 'none',
    attempts: 0,
    pending: false,
    updates: 0,
    invalidUpdates: 0,
  };
  const setStatus = (status: SyncStatus) => {
    view.status = status;
    options.onChange?.(view);
  };

  return {
    view,
    take(body) {
      const seq = sender.take(body);
      view.pending = true;
      if (view.status !== 'syncing') setStatus('pending');
      return seq;
    },
    newest: () => sender.newest(),
    accepted: () => sender.accepted(),
    recordInvalid(type, message) {
      view.invalidUpdates += 1;
      view.lastError = { type, message };
    },
    attemptFailed(report) {
      if (!sender.attemptFailed(report.seq)) return; // a late report of an earlier send
      view.attempts = Math.max(view.attempts, report.attempt);
      view.lastError = report.error;
    },
    async run(stop) {
      for (;;) {
        const next = await sender.next(options.settleMs, stop);
        if (!next) return;
        view.pending = sender.hasPending();
        view.attempts = 0;
        setStatus('syncing');
        const outcome = await sender.send(next.item, next.resend, () => options.send(next.item));
        view.pending = sender.hasPending();
        if (outcome.kind === 'replaced') {
          log.info('a retrying list was replaced by a newer one', options.logMeta);
          continue;
        }
        if (outcome.kind === 'accepted') {
          view.attempts = outcome.attempt;
          view.syncedAt = new Date().toISOString();
          view.count = options.count(next.item.body);
          view.lastError = undefined;
          if (!next.resend) view.updates += 1;
          setStatus(view.pending ? 'pending' : 'synced');
          continue;
        }
        const error = examErrorFromFailure(outcome.failure);
        const cause = outcome.failure.cause instanceof ApplicationFailure ? outcome.failure.cause : undefined;
        view.attempts = error.attempt ?? view.attempts;
        view.lastError = error;
        const status = finalStatusForFailure(cause?.type, cause?.nonRetryable);
        log.warn('list not accepted by Feishu', { ...options.logMeta, status, type: error.type, code: error.code });
        setStatus(view.pending ? 'pending' : status);
      }
    },
    snapshot: () => sender.snapshot(),
  };
}

/** The update validators' refusal: type, message (field and reason), never the value. */
export function refusal(type: string, message: string, details?: unknown[]): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true, ...(details && { details }) });
}
