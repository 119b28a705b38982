/** The workflowsPath target: every workflow of the product and its message definitions. */
export { ecoExamWorkflow } from './eco-exam-workflow';
export { arrangeExamUpdate, examArranged, examStatus, submitAttemptFailed } from './definitions';
export { feishuAppTicketWorkflow, appTicketReceived, currentAppTicket } from './app-ticket-workflow';
