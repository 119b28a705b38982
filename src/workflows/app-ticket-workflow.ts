import { condition, continueAsNew, defineQuery, defineSignal, setHandler, workflowInfo } from '@temporalio/workflow';

/**
 * Store apps (商店应用): Feishu pushes an `app_ticket` every hour; the app needs the latest one to obtain an
 * app_access_token. The ingest signals each ticket here (signalWithStart, one workflow per app); workers query it.
 * Temporal keeps it durably, so no extra database is needed; the payloads go through the product's codec.
 */
export interface AppTicketState {
  appTicket?: string;
  /** ISO time the ticket arrived. */
  receivedAt?: string;
}

export const appTicketReceived = defineSignal<[{ appTicket: string }]>('appTicketReceived');
export const currentAppTicket = defineQuery<AppTicketState>('currentAppTicket');

export function appTicketWorkflowId(appId: string): string {
  return `feishu-app-ticket-${appId}`;
}

/** Keeps history short: a ticket an hour, continue-as-new after this many. */
const TICKETS_PER_RUN = 200;

export async function feishuAppTicketWorkflow(initial: AppTicketState = {}): Promise<never> {
  let state: AppTicketState = initial;
  let received = 0;
  setHandler(currentAppTicket, () => state);
  setHandler(appTicketReceived, ({ appTicket }) => {
    state = { appTicket, receivedAt: new Date().toISOString() };
    received += 1;
  });
  await condition(() => received >= TICKETS_PER_RUN || workflowInfo().continueAsNewSuggested);
  return continueAsNew<typeof feishuAppTicketWorkflow>(state);
}
