/** The package's public API: client helpers, message definitions, contract names and types. */
export * from './client';
export * from './shared/constants';
export * from './shared/schemas';
export * from './shared/result-schemas';
export { resultRefusal } from './shared/result-refusal';
export * from './shared/search-attributes';
export * from './shared/types';
export { FAILURE_TYPES, NON_RETRYABLE_FAILURE_TYPES } from './shared/failure-types';
export { arrangeExamUpdate, examArranged, examResultReported, examStatus } from './workflows/definitions';
/** The update's definition; `reportExamResult` is the client helper (src/client/results.ts) that sends it. */
export { reportExamResult as reportExamResultUpdate } from './workflows/definitions';
export { createActivities, type Activities } from './activities';
