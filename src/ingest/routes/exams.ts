import type { FastifyInstance } from 'fastify';
import { arrangeExam, getExamStatus } from '../../client';
import type { LoginInfoBody } from '../../common/schemas';
import { requireBearer } from '../auth';
import type { ResolvedIngestDeps } from '../deps';
import { parseJsonBody, requireJsonContentType } from './body';
import { examProblem, validExamId } from './exam-requests';

/**
 * The exam system's API: POST /exams/:examId/arrangement (→ update arrangeExam) and GET /exams/:examId
 * (→ query examStatus: the exam's status and, once login info is accepted, its result's status, attempts and last
 * error — never the score or its details); POST /exams/:examId/result is ./results.ts. All behind
 * `Authorization: Bearer <EXAM_SYSTEM_TOKEN>`, checked in constant time before the body is read (../auth.ts).
 *
 * The arrangement is answered by the workflow itself: 202 when it accepted it (the first valid one wins), 400 with
 * the field and why, 404 for an unknown exam, 409 when the exam is already arranged or has ended (saying its status).
 * An update needs a live worker: when none accepts it within INGEST_TEMPORAL_DEADLINE_MS, the answer is 503
 * `temporal_unavailable` and nothing was accepted — the exam system retries (a retry after a worker accepted it late
 * answers 409 already arranged; GET /exams/:examId shows `arrangedAt`).
 */
export function registerExamRoutes(app: FastifyInstance, deps: ResolvedIngestDeps): void {
  const authenticate = requireBearer(deps.examSystemToken, 'EXAM_SYSTEM_TOKEN');

  app.post<{ Params: { examId: string } }>(
    '/exams/:examId/arrangement',
    { onRequest: authenticate },
    async (request, reply) => {
      const examId = validExamId(request.params.examId);
      requireJsonContentType(request);
      const body = parseJsonBody(request) as LoginInfoBody;
      try {
        const arranged = await deps.temporal.withDeadline(() => arrangeExam(deps.client, examId, body));
        deps.logger.info('arrangement accepted', { examId, workflowId: arranged.workflowId });
        return reply.code(202).send({
          accepted: true,
          examId,
          workflowId: arranged.workflowId,
          runId: arranged.runId,
          arrangedAt: arranged.arrangedAt,
        });
      } catch (err) {
        throw examProblem(err, 'arrangement');
      }
    },
  );

  app.get<{ Params: { examId: string } }>('/exams/:examId', { onRequest: authenticate }, async (request) => {
    const examId = validExamId(request.params.examId);
    try {
      return await deps.temporal.withDeadline(() => getExamStatus(deps.client, examId));
    } catch (err) {
      throw examProblem(err, 'arrangement');
    }
  });
}
