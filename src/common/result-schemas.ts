import type { z } from 'zod';
import { resultSchemas } from './lazy-result-schemas';

/**
 * The result phase's zod schemas, built (src/common/lazy-result-schemas.ts holds their definitions): for the client
 * helpers, the Feishu client and the CLI. Workflow code uses the getters of src/common/lazy-result-schemas.ts instead.
 */
export { MAX_DETAILS, MAX_REPORTS, durationMs } from './lazy-result-schemas';

/** The body of POST /open-apis/hire/v1/eco_exams/:exam_id/update_result (回传笔试结果). */
export const examResultBodySchema = resultSchemas.examResultBody();
export type ExamResultBody = z.infer<typeof examResultBodySchema>;

/** What a run hands to the next when it continues as new (src/workflows/result-phase.ts). */
export const resultPhaseResumeSchema = resultSchemas.resultPhaseResume();
export type ResultPhaseResume = z.infer<typeof resultPhaseResumeSchema>;

/** The result phase's fields of the workflow input (spread into ecoExamInputSchema). */
export const resultPhaseInputFields = resultSchemas.phaseInputFields();
