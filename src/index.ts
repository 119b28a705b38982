/** The package's public API: client helpers, message definitions, contract names and types. */
export * from './client';
export * from './common/constants';
export * from './common/schemas';
export * from './common/result-schemas';
export { resultRefusal } from './common/result-refusal';
export * from './common/search-attributes';
export * from './common/types';
export { FAILURE_TYPES, NON_RETRYABLE_FAILURE_TYPES } from './common/failure-types';
export { arrangeExamUpdate, examArranged, examResultReported, examStatus } from './workflows/definitions';
/** The update's definition; `reportExamResult` is the client helper (src/client/results.ts) that sends it. */
export { reportExamResult as reportExamResultUpdate } from './workflows/definitions';
export { createActivities, type Activities } from './activities';
export * from './common/account-schemas';
export * from './common/account-types';
export {
  examPapersUpdated,
  publishExamPapers,
  accountStatus,
  registerAccountCustomFields,
  accountCustomFieldsStatus,
} from './workflows/account-definitions';
