import type { FastifyRequest } from 'fastify';
import { HttpProblem } from '../http-errors';

/** Requests reach the routes with the raw body as a Buffer (see app.ts); these helpers check and parse it. */

export function requireJsonContentType(request: FastifyRequest): void {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpProblem('unsupported_media_type', 'Content-Type must be application/json');
  }
}

export function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

export function parseJsonBody(request: FastifyRequest): unknown {
  const raw = rawBody(request);
  if (raw.length === 0) throw new HttpProblem('malformed', 'the request body is empty');
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    throw new HttpProblem('malformed', 'the request body is not valid JSON');
  }
}
