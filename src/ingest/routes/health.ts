import type { FastifyInstance } from 'fastify';
import type { ResolvedIngestDeps } from '../deps';

/** GET /healthz: the process is up. GET /readyz: Temporal answers (getSystemInfo within the deadline). */
export function registerHealthRoutes(app: FastifyInstance, deps: ResolvedIngestDeps): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await deps.temporal.withDeadline(() => deps.client.workflowService.getSystemInfo({}));
      return { status: 'ready', temporal: 'reachable' };
    } catch (err) {
      deps.logger.warn('readiness check failed: Temporal not reachable', { reason: (err as Error).message });
      return reply.code(503).send({ status: 'not_ready', temporal: 'unreachable' });
    }
  });
}
