import type { FastifyInstance } from 'fastify';
import { reportExamResult } from '../../client';
import type { ExamResultBody } from '../../common/result-schemas';
import { requireBearer } from '../auth';
import type { ResolvedIngestDeps } from '../deps';
import { parseJsonBody, requireJsonContentType } from './body';
import { examProblem, validExamId } from './exam-requests';

/**
 * The exam system's result: POST /exams/:examId/result with the update_result body (docs/result-phase.md), behind
 * `Authorization: Bearer <EXAM_SYSTEM_TOKEN>` like the other exam routes, delivered through the `reportExamResult`
 * update so the workflow itself answers: 202 once it took the result (the newest is sent; one that arrives before the
 * login info is accepted waits for it), 400 with the field and why (validated here first with the signal's schema:
 * nothing is sent to the workflow), 404 for an unknown exam, 409 with the `reason` (src/common/result-refusal.ts)
 * when the exam takes no result, 503 when no worker took it within INGEST_TEMPORAL_DEADLINE_MS (nothing was taken:
 * retry; the newest result wins, so a retry is harmless).
 */
export function registerResultRoutes(app: FastifyInstance, deps: ResolvedIngestDeps): void {
  const authenticate = requireBearer(deps.examSystemToken, 'EXAM_SYSTEM_TOKEN');

  app.post<{ Params: { examId: string } }>(
    '/exams/:examId/result',
    { onRequest: authenticate },
    async (request, reply) => {
      const examId = validExamId(request.params.examId);
      requireJsonContentType(request);
      const body = parseJsonBody(request) as ExamResultBody;
      try {
        const taken = await deps.temporal.withDeadline(() => reportExamResult(deps.client, examId, body));
        deps.logger.info('result accepted', { examId, workflowId: taken.workflowId });
        return reply.code(202).send({
          accepted: true,
          examId,
          workflowId: taken.workflowId,
          runId: taken.runId,
          ...(taken.resultStatus !== undefined && { resultStatus: taken.resultStatus }),
        });
      } catch (err) {
        throw examProblem(err, 'result');
      }
    },
  );
}
