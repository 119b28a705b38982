import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken } from '../common/bearer';
import { safeEqual } from '../common/safe-equal';
import { HttpProblem } from './http-errors';

/**
 * An `onRequest` hook requiring `Authorization: Bearer <secret>` (src/common/bearer.ts, constant-time comparison).
 * It runs before the body is read: a client without the secret is answered 401 at once and its connection closed,
 * instead of being allowed to trickle a body first.
 */
export function requireBearer(secret: string, variable: string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization;
    const token = bearerToken(header);
    if (token !== undefined && safeEqual(token, secret)) return;
    void reply.header('connection', 'close');
    throw new HttpProblem(
      'unauthorized',
      `missing or wrong bearer token (Authorization: Bearer <${variable}>)`,
      {},
      {
        warn: true,
        logReason:
          header === undefined
            ? 'no Authorization header'
            : token === undefined
              ? 'Authorization is not "Bearer <token68>"'
              : 'wrong bearer token',
      },
    );
  };
}
