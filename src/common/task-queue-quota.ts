import { temporal } from '@temporalio/proto';

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
