import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { TASK_QUEUE } from '../common/constants';
import {
  appTicketReceived,
  appTicketWorkflowId,
  currentAppTicket,
  type feishuAppTicketWorkflow,
} from '../workflows/app-ticket-workflow';

/** The store-app ticket, kept in Temporal: the ingest saves, the workers' token provider reads. */
export class TemporalAppTickets {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string = TASK_QUEUE,
  ) {}

  async save(appId: string, appTicket: string): Promise<void> {
    await this.client.workflow.signalWithStart<typeof feishuAppTicketWorkflow, [{ appTicket: string }]>(
      'feishuAppTicketWorkflow',
      {
        workflowId: appTicketWorkflowId(appId),
        taskQueue: this.taskQueue,
        args: [{}],
        signal: appTicketReceived,
        signalArgs: [{ appTicket }],
        staticSummary: `Feishu app_ticket of ${appId}`,
      },
    );
  }

  async get(appId: string): Promise<string | undefined> {
    try {
      const state = await this.client.workflow.getHandle(appTicketWorkflowId(appId)).query(currentAppTicket);
      return state.appTicket;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }
}
