import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { PayloadCodec } from '@temporalio/common';
import { bearerToken } from '../common/bearer';
import { addSecurityHeaders, limitConnectionsPerClient, timeoutOptions } from '../common/http-hardening';
import { safeEqual } from '../common/safe-equal';
import { silentLogger, type Logger } from '../common/log';
import { parsePayloadsJson, toPayloadJson } from './payloads-json';

/**
 * The codec server the Temporal Web UI (and `temporal --codec-endpoint`) calls to show encrypted payloads to an
 * operator: POST /codec/encode and /codec/decode with protobuf-JSON `Payloads` (./payloads-json.ts).
 * Whoever reaches it can decrypt, so it requires the bearer `CODEC_SERVER_TOKEN` — in the Authorization header, or in
 * the path (`/codec/<token>/decode`) for a UI that cannot send headers — and answers browsers only from the configured
 * UI origins. Origin and token are checked when the request's headers arrive, before its body is read.
 */
export interface CodecServerDeps {
  codec: PayloadCodec;
  token: string;
  /** Browser origins allowed to call (the Temporal UI's), e.g. http://localhost:8233. */
  allowedOrigins: string[];
  bodyLimit?: number;
  /** Time to receive a whole request (default 10 s); open connections per client IP (default 100, 0 = no bound). */
  requestTimeoutMs?: number;
  maxConnectionsPerClient?: number;
  logger?: Logger;
}

const ALLOWED_HEADERS = 'authorization, content-type, x-namespace';

/** The codec server's answers by kind. Messages are fixed texts and field names: nothing the client sent. */
const STATUS = {
  invalid: 400,
  unauthorized: 401,
  forbidden_origin: 403,
  not_found: 404,
  too_large: 413,
  unsupported_media_type: 415,
  codec_failed: 422,
  internal: 500,
} as const;
type Kind = keyof typeof STATUS;

class CodecProblem extends Error {
  constructor(
    readonly kind: Kind,
    message: string,
  ) {
    super(message);
    this.name = 'CodecProblem';
  }
}

export function buildCodecApp(deps: CodecServerDeps): FastifyInstance {
  const logger = deps.logger ?? silentLogger;
  const origins = new Set(deps.allowedOrigins.map((o) => o.replace(/\/+$/, '')));
  const app = Fastify({
    logger: false,
    bodyLimit: deps.bodyLimit ?? 4 * 1024 * 1024,
    ...timeoutOptions({ requestTimeoutMs: deps.requestTimeoutMs ?? 10_000, keepAliveTimeoutMs: 5_000 }),
  });
  addSecurityHeaders(app);
  limitConnectionsPerClient(app.server, deps.maxConnectionsPerClient ?? 100, (remoteAddress) =>
    logger.warn('codec connection refused: too many open connections from one client', { remoteAddress }),
  );

  /** CORS for allowed origins only; a foreign browser origin is refused outright (403), before auth or the body. */
  const checkOrigin = async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (origin === undefined) return; // not a browser (CLI, server-to-server)
    if (!origins.has(origin)) {
      logger.warn('codec request refused: origin not allowed', { url: request.routeOptions.url });
      throw new CodecProblem('forbidden_origin', 'this browser origin is not allowed (CODEC_CORS_ORIGINS)');
    }
    void reply
      .header('access-control-allow-origin', origin)
      .header('access-control-allow-credentials', 'true')
      .header('vary', 'Origin');
  };

  const authenticate = async (request: FastifyRequest, reply: FastifyReply) => {
    const pathToken = (request.params as { token?: string } | undefined)?.token;
    const presented = pathToken ?? bearerToken(request.headers.authorization);
    if (presented !== undefined && safeEqual(presented, deps.token)) return;
    logger.warn('codec request refused: not authorised', { url: request.routeOptions.url });
    void reply.header('connection', 'close');
    throw new CodecProblem('unauthorized', 'missing or wrong codec server token');
  };

  const preflight = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(204)
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', ALLOWED_HEADERS)
      .header('access-control-max-age', '600')
      .send();

  const handler = (op: 'encode' | 'decode') => async (request: FastifyRequest) => {
    const parsed = parsePayloadsJson(request.body);
    if (!parsed.ok) throw new CodecProblem('invalid', parsed.message);
    let result;
    try {
      result = op === 'encode' ? await deps.codec.encode(parsed.payloads) : await deps.codec.decode(parsed.payloads);
    } catch (err) {
      logger.warn('codec request failed', { op, reason: (err as Error).message });
      throw new CodecProblem('codec_failed', `the payloads could not be ${op}d (see the codec server's log)`);
    }
    logger.info('codec request served', {
      op,
      payloads: parsed.payloads.length,
      namespace: request.headers['x-namespace'],
    });
    return { payloads: result.map(toPayloadJson) };
  };

  for (const prefix of ['/codec', '/codec/:token']) {
    for (const op of ['encode', 'decode'] as const) {
      app.options(`${prefix}/${op}`, { onRequest: checkOrigin }, preflight);
      app.post(`${prefix}/${op}`, { onRequest: [checkOrigin, authenticate] }, handler(op));
    }
  }
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.setNotFoundHandler(async () => {
    throw new CodecProblem('not_found', 'no such route (POST /codec/encode, POST /codec/decode)');
  });
  app.setErrorHandler((error: FastifyError | Error, _request, reply) => {
    const problem = toProblem(error);
    if (problem.kind === 'internal') logger.error('codec request failed', { reason: error.message });
    return reply.code(STATUS[problem.kind]).send({ error: problem.kind, message: problem.message });
  });
  return app;
}

/** Fastify's own refusals (body limit, content type, bad JSON) with fixed messages: theirs may quote the request. */
function toProblem(error: FastifyError | Error): CodecProblem {
  if (error instanceof CodecProblem) return error;
  const status = (error as FastifyError).statusCode;
  if (status === STATUS.too_large) return new CodecProblem('too_large', 'the request body is too large');
  if (status === STATUS.unsupported_media_type) {
    return new CodecProblem('unsupported_media_type', 'Content-Type must be application/json');
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new CodecProblem('invalid', 'the request body is not valid JSON');
  }
  return new CodecProblem('internal', 'internal error');
}
