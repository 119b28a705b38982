import { createServer, type AddressInfo, type Server } from 'node:net';
import { ConfigError } from './config-error';

/**
 * THE way a server of the project starts listening (ingest, codec server, Feishu sandbox, the bench's and the local
 * stack's servers): a taken port becomes a ConfigError naming the variable that sets it, and the answer is the URL
 * a client on this machine reaches it at (a wildcard host is reached through loopback; port 0 is resolved).
 */

/** A Fastify instance (its `listen` runs the plugins' ready hooks) or a plain node server. */
export type Listenable = Server | { listen(options: { host: string; port: number }): Promise<unknown>; server: Server };

export interface ListenOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The environment variable that sets the port, named in the error when it is taken. */
  portVariable: string;
}

export interface Listening {
  /** `http://host:port`, host as a client reaches it. */
  url: string;
  port: number;
}

export async function listen(target: Listenable, options: ListenOptions): Promise<Listening> {
  const { host, port, portVariable } = options;
  const server = 'server' in target ? target.server : target;
  try {
    if ('server' in target) await target.listen({ host, port });
    else await listenNode(target, host, port);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new ConfigError([
        `${portVariable}: ${host}:${port} is already in use (stop what uses it or set another ${portVariable})`,
      ]);
    }
    if (code === 'EACCES') throw new ConfigError([`${portVariable}: not allowed to listen on ${host}:${port}`]);
    if (code === 'EADDRNOTAVAIL') throw new ConfigError([`${portVariable}: ${host} is not an address of this machine`]);
    throw err;
  }
  const bound = (server.address() as AddressInfo | null)?.port ?? port;
  return { url: httpOrigin(host, bound), port: bound };
}

function listenNode(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The host a client on this machine connects to for a listen host: wildcards through loopback, IPv6 in brackets. */
export function reachableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** `http://<reachable host>:<port>`. */
export function httpOrigin(host: string, port: number): string {
  return `http://${reachableHost(host)}:${port}`;
}

/** A port that was free a moment ago on `host` (listen on 0, read it, close). */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  const { port } = await listen(server, { host, port: 0, portVariable: '(free port)' });
  await new Promise((resolve) => server.close(resolve));
  return port;
}
