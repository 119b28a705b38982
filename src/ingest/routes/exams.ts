import type { FastifyInstance } from 'fastify';
import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import {
  ExamAlreadyArrangedError,
  ExamClosedError,
  ExamNotFoundError,
  InvalidArrangementError,
  arrangeExam,
  getExamStatus,
} from '../../client';
import { describeZodError, examIdSchema, type LoginInfoBody } from '../../shared/schemas';
import { HttpProblem } from '../http-errors';
import { requireBearer } from '../auth';
import type { ResolvedIngestDeps } from '../deps';
import { parseJsonBody, requireJsonContentType } from './body';

/**
 * The exam system's API: POST /exams/:examId/arrangement (→ update arrangeExam) and GET /exams/:examId
 * (→ query examStatus), both behind `Authorization: Bearer <EXAM_SYSTEM_TOKEN>`, checked in constant time before the
 * body is read (../auth.ts).
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
  if (err instanceof ExamAlreadyArrangedError) return new HttpProblem('conflict', err.message, { status: err.status });
  if (err instanceof ExamClosedError) return new HttpProblem('conflict', err.message, { endedAs: err.endedAs });
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new HttpProblem(
      'temporal_unavailable',
      'no worker accepted the arrangement in time; nothing was recorded: try again later',
    );
  }
  return err;
}
