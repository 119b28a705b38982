import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Client } from '@temporalio/client';
import { TASK_QUEUE } from '../shared/constants';
import { HttpProblem, PROBLEM_STATUS, isTemporalUnavailable } from './http-errors';
import { silentLogger, type IngestLogger } from './logger';
import { registerExamRoutes } from './routes/exams';
import { registerHealthRoutes } from './routes/health';
import { registerWebhookRoute, type AppTicketSink } from './routes/feishu-webhook';

/**
 * The ingest's HTTP app: routes only, no listen (src/ingest/server.ts listens). Built on fastify for raw-body access
 * (Feishu signs the exact bytes), the in-process `inject` used by tests, and its speed.
 */
export interface IngestDeps {
  client: Client;
  taskQueue?: string;
  /** Bearer secret of the exam system's API. */
  examSystemToken: string;
  feishu: {
    verificationToken: string;
    encryptKey?: string;
    /** Reject events whose X-Lark-Request-Timestamp is further off than this; off when undefined. */
    timestampToleranceSeconds?: number;
    appType?: 'custom' | 'store';
    /** When set, app_ticket events for other apps are refused. */
    appId?: string;
  };
  /** The ingest's ARRANGEMENT_TIMEOUT in ms, when set: written into every started exam's input (it then wins over the worker's). */
  arrangementTimeoutMs?: number;
  /** Start exams with notifyExamSystem (EXAM_SYSTEM_WEBHOOK_URL is set). */
  notifyExamSystem?: boolean;
  /** Store-app tickets go here (durably); required for FEISHU_APP_TYPE=store. */
  appTickets?: AppTicketSink;
  logger?: IngestLogger;
  bodyLimit?: number;
  /** Budget for each Temporal call made while a client waits; Feishu gives the whole webhook 3 s. */
  temporalDeadlineMs?: number;
  now?: () => number;
}

export type ResolvedIngestDeps = Required<Pick<IngestDeps, 'taskQueue' | 'logger' | 'temporalDeadlineMs' | 'now'>> &
  IngestDeps & {
    temporal: { withDeadline<T>(fn: () => Promise<T>): Promise<T> };
  };

/** Longest path parameter the router passes to a route (an exam id is at most 128 characters, 3× when encoded). */
const MAX_PATH_PARAM_LENGTH = 512;

export function buildApp(input: IngestDeps): FastifyInstance {
  const deps: ResolvedIngestDeps = {
    ...input,
    taskQueue: input.taskQueue ?? TASK_QUEUE,
    logger: input.logger ?? silentLogger,
    temporalDeadlineMs: input.temporalDeadlineMs ?? 2000,
    now: input.now ?? Date.now,
    temporal: {
      withDeadline: (fn) => input.client.connection.withDeadline(Date.now() + (input.temporalDeadlineMs ?? 2000), fn),
    },
  };
  const app = Fastify({
    logger: false,
    bodyLimit: input.bodyLimit ?? 1024 * 1024,
    return503OnClosing: true,
    // Exam ids may have 128 characters (examIdSchema), more once percent-encoded: the route decides, not the router.
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    // The router's own refusals (a bad percent-escape, an over-long parameter) answer from the status table too.
    frameworkErrors: (error, _request, reply) => {
      const problem = new HttpProblem('malformed', `the request URL is malformed (${error.code})`);
      void (reply as unknown as FastifyReply)
        .code(problem.status)
        .send({ error: problem.kind, message: problem.message });
    },
  });

  // Every body reaches the routes as raw bytes: the webhook's signature covers them exactly; routes parse JSON.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((error: FastifyError | HttpProblem | Error, request, reply) => {
    const problem = toProblem(error);
    const meta = {
      method: request.method,
      path: request.routeOptions.url ?? 'unmatched',
      status: problem.status,
      error: problem.kind,
      reason: problem.message,
    };
    if (problem.status >= 500) deps.logger.error('request failed', meta);
    else deps.logger.debug('request refused', meta);
    return reply.code(problem.status).send({ error: problem.kind, message: problem.message, ...problem.details });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );

  registerWebhookRoute(app, deps);
  registerExamRoutes(app, deps);
  registerHealthRoutes(app, deps);
  return app;
}

/** Maps anything thrown in a route to the status table (src/ingest/http-errors.ts). */
function toProblem(error: FastifyError | HttpProblem | Error): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (isTemporalUnavailable(error)) {
    return new HttpProblem('temporal_unavailable', 'Temporal is not reachable; try again later');
  }
  const status = (error as FastifyError).statusCode;
  if (status === PROBLEM_STATUS.too_large) return new HttpProblem('too_large', 'the request body is too large');
  if (status === PROBLEM_STATUS.unsupported_media_type) {
    return new HttpProblem('unsupported_media_type', 'unsupported Content-Type');
  }
  if (status !== undefined && status >= 400 && status < 500) return new HttpProblem('malformed', error.message);
  return new HttpProblem('internal', 'internal error');
}
