/** The workflowsPath target: every workflow of the product and its message definitions. */
export { ecoExamWorkflow } from './eco-exam-workflow';
export {
  arrangeExamUpdate,
  examArranged,
  examResultReported,
  examStatus,
  reportExamResult,
  submitAttemptFailed,
} from './definitions';
export { feishuAppTicketWorkflow, appTicketReceived, currentAppTicket } from './app-ticket-workflow';
export { feishuRateHoldsWorkflow, feishuRateLimited, feishuRateHolds } from './rate-holds-workflow';
export { ecoAccountWorkflow } from './eco-account-workflow';
export { ecoAccountCustomFieldsWorkflow } from './account-custom-fields-workflow';
export * from './account-definitions';
