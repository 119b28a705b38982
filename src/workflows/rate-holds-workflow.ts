import {
  condition,
  defineQuery,
  defineSignal,
  log,
  makeContinueAsNewFunc,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';

/**
 * Feishu's 429s, shared by every worker process (issue 14; docs/performance.md#quota-design). When a worker gets a 429
 * for an API × tenant it signals the hold here (signalWithStart, one workflow per task queue); every worker reads the
 * active holds from this workflow's memo (DescribeWorkflowExecution: served by the Temporal server from the workflow's
 * state, no worker and no replay needed) at most once a second, and holds back that API × tenant until the hold ends.
 * Holds are absolute end times, so a worker that dies leaves only an entry that expires on its own.
 */

/** Calls of `api` for the tenant tagged `tenant` (a hash of its tenant_key, src/feishu/shared-holds.ts) wait until `untilMs`. */
export interface RateHold {
  api: string;
  tenant: string;
  /** Epoch milliseconds (the clock of the worker that got the 429). */
  untilMs: number;
}

export interface RateHoldsInput {
  holds?: RateHold[];
}

export const feishuRateLimited = defineSignal<[RateHold]>('feishuRateLimited');
/**
 * The holds (API, tenant tag, end time; nothing secret) as of the workflow's last task: one that has ended since is
 * pruned at the next signal — compare `untilMs` with the time (a query does not advance the workflow's clock).
 */
export const feishuRateHolds = defineQuery<RateHold[]>('feishuRateHolds');

/** The memo key under which the workflow keeps its active holds for the workers to read. */
export const RATE_HOLDS_MEMO_KEY = 'holds';

export function rateHoldsWorkflowId(taskQueue: string): string {
  return `feishu-rate-holds-${taskQueue}`;
}

/** Keeps the history short: continue-as-new after this many signals (or when the server suggests it). */
const SIGNALS_PER_RUN = 500;
/** At most this many holds are kept (the ones that end last): bounds the memo (~70 bytes a hold). */
export const MAX_RATE_HOLDS = 100;
/** A hold further ahead than this is refused: Feishu's resets are seconds, and the client clamps them to 10 min. */
const MAX_HOLD_AHEAD_MS = 15 * 60_000;

/** Whether `value` is a well-formed hold (short strings, a finite time); never throws. */
export function isRateHold(value: unknown): value is RateHold {
  if (typeof value !== 'object' || value === null) return false;
  const { api, tenant, untilMs } = value as Record<string, unknown>;
  return (
    typeof api === 'string' &&
    api.length > 0 &&
    api.length <= 64 &&
    typeof tenant === 'string' &&
    tenant.length <= 64 &&
    typeof untilMs === 'number' &&
    Number.isFinite(untilMs)
  );
}

/** The holds still running at `now`. */
export function activeHolds(holds: readonly RateHold[], now: number): RateHold[] {
  return holds.filter((hold) => hold.untilMs > now);
}

/** Adds `hold` (the later end wins per API × tenant), drops ended holds, keeps the MAX_RATE_HOLDS that end last. */
export function mergeHold(holds: readonly RateHold[], hold: RateHold, now: number): RateHold[] {
  const byKey = new Map<string, RateHold>();
  for (const held of activeHolds([...holds, hold], now)) {
    const key = `${held.api}\u0000${held.tenant}`;
    const known = byKey.get(key);
    if (!known || known.untilMs < held.untilMs) byKey.set(key, held);
  }
  return [...byKey.values()].sort((a, b) => b.untilMs - a.untilMs).slice(0, MAX_RATE_HOLDS);
}

export async function feishuRateHoldsWorkflow(input: RateHoldsInput = {}): Promise<never> {
  let holds: RateHold[] = [];
  for (const hold of input.holds ?? []) if (isRateHold(hold)) holds = mergeHold(holds, hold, Date.now());
  let received = 0;
  let changed = true;
  setHandler(feishuRateHolds, () => holds);
  setHandler(feishuRateLimited, (hold) => {
    received += 1;
    if (!isRateHold(hold) || hold.untilMs > Date.now() + MAX_HOLD_AHEAD_MS) {
      log.warn('feishuRateLimited: dropped a malformed hold (api, tenant ≤ 64 chars, untilMs within 15 min)');
      return;
    }
    holds = mergeHold(holds, hold, Date.now());
    changed = true;
  });
  const rollOver = () => received >= SIGNALS_PER_RUN || workflowInfo().continueAsNewSuggested;
  for (;;) {
    await condition(() => changed || rollOver());
    if (changed) {
      // One memo write per workflow task, however many signals it brought.
      upsertMemo({ [RATE_HOLDS_MEMO_KEY]: holds });
      changed = false;
    }
    if (rollOver()) break;
  }
  const carried = activeHolds(holds, Date.now());
  // The new run starts with the memo set, so readers never see it empty in between.
  const next = makeContinueAsNewFunc<typeof feishuRateHoldsWorkflow>({ memo: { [RATE_HOLDS_MEMO_KEY]: carried } });
  return next({ holds: carried });
}
