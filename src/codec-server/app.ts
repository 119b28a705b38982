import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { safeEqual } from '../feishu/event-crypto';
import { silentLogger, type Logger as IngestLogger } from '../shared/log';

/**
 * The codec server the Temporal Web UI (and `temporal --codec-endpoint`) calls to show encrypted payloads to an
 * operator: POST /codec/encode and /codec/decode with `{ payloads: [{ metadata: {k: base64}, data: base64 }] }`.
 * Whoever reaches it can decrypt, so it requires the bearer `CODEC_SERVER_TOKEN` — in the Authorization header, or in
 * the path (`/codec/<token>/decode`) for a UI that cannot send headers — and answers browsers only from the configured
 * UI origins.
 */
export interface CodecServerDeps {
  codec: PayloadCodec;
  token: string;
  /** Browser origins allowed to call (the Temporal UI's), e.g. http://localhost:8233. */
  allowedOrigins: string[];
  bodyLimit?: number;
  logger?: IngestLogger;
}

const jsonPayloadSchema = z.object({
  metadata: z.record(z.string(), z.string()).optional().nullable(),
  data: z.string().optional().nullable(),
});
const bodySchema = z.object({ payloads: z.array(jsonPayloadSchema).max(10_000) });
type JsonPayload = z.infer<typeof jsonPayloadSchema>;

const ALLOWED_HEADERS = 'authorization, content-type, x-namespace';

export function buildCodecApp(deps: CodecServerDeps): FastifyInstance {
  const logger = deps.logger ?? silentLogger;
  const origins = new Set(deps.allowedOrigins.map((o) => o.replace(/\/+$/, '')));
  const app = Fastify({ logger: false, bodyLimit: deps.bodyLimit ?? 4 * 1024 * 1024 });

  /** CORS for allowed origins only; a foreign browser origin is refused outright (403), before any auth or decoding. */
  function checkOrigin(request: FastifyRequest, reply: FastifyReply): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return true; // not a browser (CLI, server-to-server)
    if (!origins.has(origin)) {
      void reply.code(403).send({ error: 'forbidden_origin', message: `origin ${origin} is not allowed` });
      return false;
    }
    void reply
      .header('access-control-allow-origin', origin)
      .header('access-control-allow-credentials', 'true')
      .header('vary', 'Origin');
    return true;
  }

  function authorised(request: FastifyRequest, pathToken?: string): boolean {
    if (pathToken !== undefined) return safeEqual(pathToken, deps.token);
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    return match?.[1] !== undefined && safeEqual(match[1], deps.token);
  }

  const preflight = async (request: FastifyRequest, reply: FastifyReply) => {
    if (!checkOrigin(request, reply)) return reply;
    return reply
      .code(204)
      .header('access-control-allow-methods', 'POST, OPTIONS')
      .header('access-control-allow-headers', ALLOWED_HEADERS)
      .header('access-control-max-age', '600')
      .send();
  };

  const handler =
    (op: 'encode' | 'decode') =>
    async (request: FastifyRequest<{ Params: { token?: string } }>, reply: FastifyReply) => {
      if (!checkOrigin(request, reply)) return reply;
      if (!authorised(request, request.params.token)) {
        logger.warn('codec request refused: not authorised', { op });
        return reply.code(401).send({ error: 'unauthorized', message: 'missing or wrong codec server token' });
      }
      const parsed = bodySchema.safeParse(request.body);
      if (!parsed.success) {
        return reply
          .code(400)
          .send({ error: 'invalid', message: 'expected {"payloads": [{"metadata": {...}, "data": "..."}]}' });
      }
      try {
        const payloads = parsed.data.payloads.map(fromJson);
        const result = op === 'encode' ? await deps.codec.encode(payloads) : await deps.codec.decode(payloads);
        logger.info('codec request served', {
          op,
          payloads: payloads.length,
          namespace: request.headers['x-namespace'],
        });
        return { payloads: result.map(toJson) };
      } catch (err) {
        logger.warn('codec request failed', { op, reason: (err as Error).message });
        return reply.code(422).send({ error: 'codec_failed', message: (err as Error).message });
      }
    };

  for (const prefix of ['/codec', '/codec/:token']) {
    app.options(`${prefix}/encode`, preflight);
    app.options(`${prefix}/decode`, preflight);
    app.post(`${prefix}/encode`, handler('encode'));
    app.post(`${prefix}/decode`, handler('decode'));
  }
  app.get('/healthz', async () => ({ status: 'ok' }));
  return app;
}

function fromJson(payload: JsonPayload): Payload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64')]),
    ),
    data: Buffer.from(payload.data ?? '', 'base64'),
  };
}

function toJson(payload: Payload): JsonPayload {
  return {
    metadata: Object.fromEntries(
      Object.entries(payload.metadata ?? {}).map(([key, value]) => [key, Buffer.from(value ?? []).toString('base64')]),
    ),
    data: Buffer.from(payload.data ?? []).toString('base64'),
  };
}
