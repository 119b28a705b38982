import type { FastifyRequest } from 'fastify';
import { HttpProblem } from '../http-errors';
import { isJsonContentType, parseJsonBytes } from '../json-body';

/** Requests reach the routes with the raw body as a Buffer (see app.ts); these helpers check and parse it. */

export function requireJsonContentType(request: FastifyRequest): void {
  if (!isJsonContentType(request.headers['content-type'])) {
    throw new HttpProblem('unsupported_media_type', 'Content-Type must be application/json');
  }
}

export function rawBody(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

export function parseJsonBody(request: FastifyRequest): unknown {
  return parseJsonBytes(rawBody(request));
}
