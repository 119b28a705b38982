import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { listen } from '../common/listen';

/**
 * The product's own metrics endpoint: `GET /metrics` in Prometheus' text format on a port of its own (never the
 * ingest's public port), anything else 404. It serves counters and histograms only: no request data is read.
 */
export interface MetricsServer {
  url: string;
  close(): Promise<void>;
}

export async function serveMetrics(
  registry: Registry,
  options: { host: string; port: number; portVariable: string },
): Promise<MetricsServer> {
  const server = createServer((request, response) => void answer(registry, request, response));
  const { url } = await listen(server, options);
  return {
    url: `${url}/metrics`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(registry: Registry, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '').split('?')[0];
  if (path !== '/metrics') return reply(response, 404, 'text/plain; charset=utf-8', 'not found: GET /metrics\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    return reply(response, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
  }
  try {
    reply(response, 200, registry.contentType, await registry.metrics());
  } catch {
    reply(response, 500, 'text/plain; charset=utf-8', 'could not collect the metrics\n');
  }
}

function reply(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
  response.end(response.req.method === 'HEAD' ? undefined : body);
}
