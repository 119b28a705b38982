import type { FastifyInstance } from 'fastify';
import { ExamClosedError, ExamNotFoundError, InvalidArrangementError, arrangeExam, getExamStatus } from '../../client';
import { describeZodError, examIdSchema, type LoginInfoBody } from '../../shared/schemas';
import { HttpProblem } from '../http-errors';
import { requireBearer } from '../auth';
import type { ResolvedIngestDeps } from '../deps';
import { parseJsonBody, requireJsonContentType } from './body';

/**
 * The exam system's API: POST /exams/:examId/arrangement (→ signal examArranged) and GET /exams/:examId
 * (→ query examStatus), both behind `Authorization: Bearer <EXAM_SYSTEM_TOKEN>`, checked before the body is read (../auth.ts).
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
        return reply.code(202).send({ accepted: true, examId, workflowId: arranged.workflowId, runId: arranged.runId });
      } catch (err) {
        throw examProblem(err);
      }
    },
  );

  app.get<{ Params: { examId: string } }>('/exams/:examId', { onRequest: authenticate }, async (request) => {
    const examId = validExamId(request.params.examId);
    try {
      return await deps.temporal.withDeadline(() => getExamStatus(deps.client, examId));
    } catch (err) {
      throw examProblem(err);
    }
  });
}

function validExamId(raw: string): string {
  const parsed = examIdSchema.safeParse(raw);
  if (!parsed.success) throw new HttpProblem('invalid', `examId: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

function examProblem(err: unknown): unknown {
  if (err instanceof InvalidArrangementError) return new HttpProblem('invalid', err.message);
  if (err instanceof ExamNotFoundError) return new HttpProblem('not_found', err.message);
  if (err instanceof ExamClosedError) return new HttpProblem('conflict', err.message, { endedAs: err.endedAs });
  return err;
}
