import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import { TASK_QUEUE } from '../common/constants';
import {
  SECURITY_HEADERS,
  addSecurityHeaders,
  limitConnectionsPerClient,
  timeoutOptions,
} from '../common/http-hardening';
import { DEFAULT_HTTP_LIMITS, type IngestDeps, type ResolvedIngestDeps } from './deps';
import { HttpProblem, PROBLEM_STATUS, isTemporalUnavailable } from './http-errors';
import { silentLogger } from '../common/log';
import { noopIngestMetrics } from '../common/metrics';
import { registerExamRoutes } from './routes/exams';
import { registerAccountRoutes } from './routes/accounts';
import { registerHealthRoutes } from './routes/health';
import { registerResultRoutes } from './routes/results';
import { registerWebhookRoute } from './routes/feishu-webhook';

export { DEFAULT_HTTP_LIMITS, type AppTicketSink, type IngestDeps, type ResolvedIngestDeps } from './deps';

/**
 * The ingest's HTTP app: routes only, no listen (src/ingest/server.ts listens). Built on fastify for raw-body access
 * (Feishu signs the exact bytes), the in-process `inject` used by tests, and its speed. Its dependencies are typed in
 * ./deps.ts.
 */

/** Longest path parameter the router passes to a route (an exam id is at most 128 characters, 3× when encoded). */
const MAX_PATH_PARAM_LENGTH = 512;

export function buildApp(input: IngestDeps): FastifyInstance {
  const metrics = input.metrics ?? noopIngestMetrics;
  const deps: ResolvedIngestDeps = {
    ...input,
    taskQueue: input.taskQueue ?? TASK_QUEUE,
    logger: input.logger ?? silentLogger,
    temporalDeadlineMs: input.temporalDeadlineMs ?? 2000,
    now: input.now ?? Date.now,
    metrics,
    temporal: {
      withDeadline: async (fn) => {
        try {
          return await input.client.connection.withDeadline(Date.now() + (input.temporalDeadlineMs ?? 2000), fn);
        } catch (err) {
          if (isTemporalUnavailable(err)) metrics.temporalFailure();
          throw err;
        }
      },
    },
  };
  const limits = { ...DEFAULT_HTTP_LIMITS, ...input.http };
  const app = Fastify({
    logger: false,
    bodyLimit: input.bodyLimit ?? 1024 * 1024,
    // A client must send its whole request within requestTimeoutMs (then 408 and closed); see http-hardening.ts.
    ...timeoutOptions({ ...limits, handlerBudgetMs: deps.temporalDeadlineMs }),
    return503OnClosing: true,
    // Exam ids may have 128 characters (examIdSchema), more once percent-encoded: the route decides, not the router.
    routerOptions: { maxParamLength: MAX_PATH_PARAM_LENGTH },
    // The router's own refusals (a bad percent-escape, an over-long parameter) answer from the status table too.
    frameworkErrors: (error, _request, reply) => {
      const problem = new HttpProblem('malformed', `the request URL is malformed (${error.code})`);
      // These answers skip the hooks, so the security headers are set here.
      void (reply as unknown as FastifyReply)
        .headers(SECURITY_HEADERS)
        .code(problem.status)
        .send({ error: problem.kind, message: problem.message });
    },
  });
  addSecurityHeaders(app);
  // Every answered request, by route pattern (never the raw path: it could carry anything) and status.
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.request(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
  });
  limitConnectionsPerClient(app.server, limits.maxConnectionsPerClient, (remoteAddress) =>
    deps.logger.warn('connection refused: too many open connections from one client', {
      remoteAddress,
      limit: limits.maxConnectionsPerClient,
    }),
  );

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
      reason: problem.logging.logReason ?? problem.message,
    };
    if (problem.status >= 500) deps.logger.error('request failed', meta);
    else if (problem.logging.warn) deps.logger.warn('request refused', meta);
    else deps.logger.debug('request refused', meta);
    return reply.code(problem.status).send({ error: problem.kind, message: problem.message, ...problem.details });
  });
  // Nothing of the request is echoed (its path could carry anything, up to the header size limit).
  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: 'not_found', message: 'no such route (see the README for the routes)' }),
  );

  registerWebhookRoute(app, deps);
  registerExamRoutes(app, deps);
  registerResultRoutes(app, deps);
  registerAccountRoutes(app, deps);
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
