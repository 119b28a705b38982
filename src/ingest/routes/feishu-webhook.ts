import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ResolvedIngestDeps } from '../deps';
import { HttpProblem } from '../http-errors';
import { dispatchEvent } from '../webhook/dispatch';
import { FailureDelay } from '../webhook/failure-delay';
import { processWebhook } from '../webhook/pipeline';
import { rawBody } from './body';

/**
 * POST /webhook/feishu — Feishu's event request URL. The pure pipeline (../webhook/pipeline.ts) judges the raw body
 * and headers; this route maps its verdict to HTTP (the status table, ../http-errors.ts) and dispatches events
 * (../webhook/dispatch.ts). Every refusal is logged at WARN with its precise reason; the client gets the message only.
 * The webhook carries no credential in a header, so it relies on the body limit and the request timeout (app.ts).
 */
export function registerWebhookRoute(app: FastifyInstance, deps: ResolvedIngestDeps): void {
  const failures = deps.webhookFailureDelay && new FailureDelay(deps.webhookFailureDelay, deps.now);
  app.post('/webhook/feishu', async (request) => {
    const verdict = processWebhook(
      {
        body: rawBody(request),
        headers: {
          contentType: header(request, 'content-type'),
          timestamp: header(request, 'x-lark-request-timestamp'),
          nonce: header(request, 'x-lark-request-nonce'),
          signature: header(request, 'x-lark-signature'),
        },
      },
      deps.feishu,
      deps.now(),
    );
    switch (verdict.kind) {
      case 'challenge':
        return { challenge: verdict.challenge };
      case 'event':
        return dispatchEvent(verdict.event, deps);
      case 'refusal': {
        // A client that keeps failing waits longer for the same answer (never another one).
        const delayMs = failures?.failed(request.ip) ?? 0;
        if (delayMs > 0) await sleep(delayMs);
        throw new HttpProblem(verdict.problem, verdict.message, {}, { logReason: verdict.logReason, warn: true });
      }
    }
  });
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
