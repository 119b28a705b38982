import { temporal } from '@temporalio/proto';
import { FEISHU_QUOTA_PER_MINUTE } from './constants';

/**
 * Feishu's quota is per API × app × tenant. Each Feishu API has its own activity task queue, and every activity on it
 * carries `priority.fairnessKey` = the tenant key (custom apps: none, one key). The Temporal server enforces a rate per
 * fairness key on a queue for ALL workers together (`UpdateTaskQueueConfig`, fairness enabled on the server:
 * `matching.enableFairness=true`), so N worker processes together start at most `perKeyPerSecond` calls of one API
 * for one tenant, and one tenant's backlog does not hold back another's. See docs/performance.md#quota-design.
 */

type WorkflowService = temporal.api.workflowservice.v1.WorkflowService;

export interface QueueQuota {
  namespace: string;
  identity: string;
  /** An activity task queue of one Feishu API. */
  taskQueue: string;
  /** Per fairness key (tenant), all workers together. */
  perKeyPerSecond: number;
  /** Queue-wide, all tenants together; undefined removes any set limit (no queue-wide cap). */
  queuePerSecond?: number;
}

export async function applyQueueQuota(service: WorkflowService, quota: QueueQuota): Promise<void> {
  await service.updateTaskQueueConfig({
    namespace: quota.namespace,
    identity: quota.identity,
    taskQueue: quota.taskQueue,
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    updateQueueRateLimit: {
      ...(quota.queuePerSecond !== undefined && { rateLimit: { requestsPerSecond: quota.queuePerSecond } }),
      reason: 'feishu-exam-bridge: Feishu quota, all tenants',
    },
    updateFairnessKeyRateLimitDefault: {
      rateLimit: { requestsPerSecond: quota.perKeyPerSecond },
      reason: 'feishu-exam-bridge: Feishu quota per API × tenant',
    },
  });
}

/**
 * The queue-wide limit of each Feishu API's queue, all tenants together: a guard for the Temporal server and the
 * workers, not Feishu's quota (that is per tenant, above). 1000 starts/s ≈ 60 tenants at 16.5/s.
 */
export const QUEUE_WIDE_CALLS_PER_SECOND = 1000;

/** The per-key bucket's start: about one second of the rate, plus a few calls. */
const KEY_BURST_SECONDS = 1;
const KEY_BURST_EXTRA_CALLS = 8;
/** Head room under the quota for what the measurement did not see. */
const MARGIN_CALLS = 10;

/**
 * The per-tenant (fairness-key) rate to set for a wanted `callsPerSecond`, so that a tenant's first minute stays in
 * Feishu's 1000/min too. The server's per-key token bucket starts full: a fresh (or long idle) key gets about one
 * second of its rate plus a few calls on top of the steady rate (measured: ≈ 8 extra at 5/s, ≈ 18 at 16.5/s with two
 * workers; docs/performance.md#quota-design), so its first 60 s window holds up to 61 × rate + 8 calls. At the default
 * 16.5/s that is ≈ 1014 > 1000; the rate is lowered to what keeps the window under the quota with a margin of 10 calls, since the
 * burst is a measured figure, not a documented bound (16.09/s ≈ 965/min).
 * A custom app does not need it: its queue-wide limit (the same rate) starts with no such burst (drain: ≤ 992 in 60 s).
 */
export function perKeyCallsPerSecond(callsPerSecond: number): number {
  const firstWindowCap = (FEISHU_QUOTA_PER_MINUTE - KEY_BURST_EXTRA_CALLS - MARGIN_CALLS) / (60 + KEY_BURST_SECONDS);
  return Math.min(callsPerSecond, Math.floor(firstWindowCap * 100) / 100);
}
