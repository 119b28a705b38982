import type { z } from 'zod';
import { examSchemas } from './lazy-schemas';

/**
 * The exam's zod schemas, built (src/common/lazy-schemas.ts holds their definitions and the limits): for the client
 * helpers, the ingest, the Feishu client and the CLI. Workflow code uses the getters of src/common/lazy-schemas.ts
 * instead, so that an exam builds only the schemas it parses, once per worker thread.
 */
export { FIELD_LIMITS, describeZodError } from './lazy-schemas';

/** Feishu exam ids: short and printable (workflow ids, search attributes, a path segment of Feishu's URLs). */
export const examIdSchema = examSchemas.examId();

/** An absolute http(s) URL in canonical form, without credentials: forwarded to Feishu exactly as given. */
export const examUrlSchema = examSchemas.examUrl();

/** The body of POST /open-apis/hire/v1/eco_exams/:exam_id/login_info, and the `examArranged` payload. */
export const loginInfoBodySchema = examSchemas.loginInfoBody();
export type LoginInfoBody = z.infer<typeof loginInfoBodySchema>;

/** The workflow input: the 创建笔试 event, camelCased (docs/contract.md), plus the optional waits. */
export const ecoExamInputSchema = examSchemas.ecoExamInput();
export type EcoExamInput = z.infer<typeof ecoExamInputSchema>;
