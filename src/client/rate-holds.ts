import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { TASK_QUEUE } from '../common/constants';
import {
  feishuRateLimited,
  isRateHold,
  rateHoldsWorkflowId,
  RATE_HOLDS_MEMO_KEY,
  type feishuRateHoldsWorkflow,
  type RateHold,
} from '../workflows/rate-holds-workflow';

/**
 * Feishu's 429 holds, kept in Temporal for every worker (the store of src/feishu/shared-holds.ts): a hold is
 * signalled to the workflow `feishu-rate-holds-<task queue>` (started on first use), and read from that workflow's
 * memo through DescribeWorkflowExecution, which the server answers from the workflow's state — no worker, no replay.
 */
export class TemporalRateHolds {
  private readonly workflowId: string;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string = TASK_QUEUE,
  ) {
    this.workflowId = rateHoldsWorkflowId(taskQueue);
  }

  async publish(hold: RateHold, signal: AbortSignal): Promise<void> {
    await this.client.withAbortSignal(signal, () =>
      this.client.workflow.signalWithStart<typeof feishuRateHoldsWorkflow, [RateHold]>('feishuRateHoldsWorkflow', {
        workflowId: this.workflowId,
        taskQueue: this.taskQueue,
        args: [{}],
        signal: feishuRateLimited,
        signalArgs: [hold],
        // Readable at once when this call starts the workflow (before its first task runs).
        memo: { [RATE_HOLDS_MEMO_KEY]: [hold] },
        staticSummary: 'Feishu 429 holds shared by the workers (API × tenant tag → until)',
      }),
    );
  }

  async read(signal: AbortSignal): Promise<RateHold[]> {
    try {
      const description = await this.client.withAbortSignal(signal, () =>
        this.client.workflow.getHandle(this.workflowId).describe(),
      );
      const holds = description.memo?.[RATE_HOLDS_MEMO_KEY];
      return Array.isArray(holds) ? holds.filter(isRateHold) : [];
    } catch (err) {
      // No 429 yet: no workflow, no holds.
      if (err instanceof WorkflowNotFoundError) return [];
      throw err;
    }
  }
}
