import type { Server, Socket } from 'node:net';
import type { ServerOptions } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * What every HTTP server of the product (ingest, codec server) does against browsers and slow or greedy clients:
 * security headers on every answer, timeouts on receiving a request, and a bound on open connections per client IP.
 */

/** Sent on every answer: nothing is sniffed, cached, framed, or told where it came from. They are APIs, not pages. */
export const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
} as const;

/** Adds SECURITY_HEADERS to every answer of `app` (routes, 404s, errors), leaving other headers (CORS) alone. */
export function addSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request, reply, payload) => {
    void reply.headers(SECURITY_HEADERS);
    return payload;
  });
}

export interface TimeoutSettings {
  /** Time to receive a whole request (headers and body); a client still sending after it gets 408 and is closed. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  keepAliveTimeoutMs: number;
  /** The longest a handler may legitimately keep a connection silent while it works (e.g. a Temporal deadline). */
  handlerBudgetMs?: number;
}

/**
 * Fastify (and Node http) options for `settings`. Node checks request deadlines every `connectionsCheckingInterval`
 * (30 s by default, far too coarse for a 10 s deadline): it is set to a quarter of the request timeout, ≤ 1 s.
 */
export function timeoutOptions(settings: TimeoutSettings): {
  requestTimeout: number;
  connectionTimeout: number;
  keepAliveTimeout: number;
  http: ServerOptions;
} {
  const { requestTimeoutMs, keepAliveTimeoutMs } = settings;
  return {
    requestTimeout: requestTimeoutMs,
    // An idle socket (no byte either way) longer than receiving a request plus the handler's own budget is dead.
    connectionTimeout: requestTimeoutMs + keepAliveTimeoutMs + (settings.handlerBudgetMs ?? 0),
    keepAliveTimeout: keepAliveTimeoutMs,
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(requestTimeoutMs / 4))),
    },
  };
}

/**
 * Closes every connection beyond `max` open at once from one remote address (0 turns the bound off). Behind a
 * reverse proxy every connection comes from the proxy: raise the bound there, or let the proxy enforce it.
 */
export function limitConnectionsPerClient(
  server: Server,
  max: number,
  onRefused?: (remoteAddress: string) => void,
): void {
  if (max <= 0) return;
  const open = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const count = (open.get(address) ?? 0) + 1;
    if (count > max) {
      onRefused?.(address);
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left <= 0) open.delete(address);
      else open.set(address, left);
    });
  });
}

/** Limits against slow or greedy clients (src/common/http-hardening.ts); defaults below. */
export interface IngestHttpLimits {
  /** INGEST_REQUEST_TIMEOUT_MS: time to receive a whole request. */
  requestTimeoutMs?: number;
  /** INGEST_KEEPALIVE_TIMEOUT_MS: idle keep-alive connections are closed after it. */
  keepAliveTimeoutMs?: number;
  /** INGEST_MAX_CONNECTIONS_PER_CLIENT: open connections per remote address; 0 = no bound. */
  maxConnectionsPerClient?: number;
}

/**
 * Their defaults (also the defaults of the INGEST_* variables, src/config/ingest.ts). Keep-alive as fastify's own default,
 * longer than the idle timeout of common proxies and load balancers (60 s), so a proxy never reuses a socket the ingest
 * is closing.
 */
export const DEFAULT_HTTP_LIMITS: Required<IngestHttpLimits> = {
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 72_000,
  maxConnectionsPerClient: 100,
};
