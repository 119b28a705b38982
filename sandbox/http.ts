/**
 * The sandbox's HTTP plumbing on node:http: a server that tracks its sockets and timers so close() ends everything
 * (hung requests, idle keep-alive connections), body reading with a size limit, and the JSON / plain-text answers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listen } from '../src/common/listen';

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';
export const HTML_CONTENT_TYPE = 'text/html; charset=utf-8';

export type JsonBody = Record<string, unknown>;

export interface JsonReply {
  kind: 'json';
  status: number;
  body: JsonBody;
  headers?: Record<string, string>;
}

/** An answer: JSON, plain text, a dropped connection, or none at all (a request that hangs until close()). */
export type Reply =
  | JsonReply
  | { kind: 'text'; status: number; text: string; contentType: string; headers?: Record<string, string> }
  | { kind: 'drop' }
  | { kind: 'never' };

export interface ReceivedBody {
  text: string;
  tooLarge: boolean;
}

/** Reads the whole body; past `limit` bytes it keeps draining but discards, so the client still gets an answer. */
export function readBody(req: IncomingMessage, limit: number): Promise<ReceivedBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) chunks.length = 0;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge: size > limit }));
    req.on('error', reject);
  });
}

export function lowercaseHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** `Application/JSON ; Charset=UTF-8` → `application/json;charset=utf-8`. */
export function normaliseContentType(value: string | undefined): string {
  return (value ?? '')
    .split(';')
    .map((part) => part.trim().toLowerCase())
    .join(';');
}

export function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** Writes a JSON or text reply with its headers and `x-tt-logid`; `drop` and `never` write nothing. */
export function writeReply(res: ServerResponse, reply: Reply, logId: string): void {
  if (reply.kind !== 'json' && reply.kind !== 'text') return;
  const payload = reply.kind === 'json' ? JSON.stringify(reply.body) : reply.text;
  res.writeHead(reply.status, {
    ...reply.headers,
    'content-type': reply.kind === 'json' ? JSON_CONTENT_TYPE : reply.contentType,
    'content-length': Buffer.byteLength(payload),
    'x-tt-logid': logId,
  });
  res.end(payload);
}

/** A node:http server whose close() destroys every socket and cancels every wait(). */
export class TrackedServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closing: Promise<void> | undefined;

  constructor(onRequest: (req: IncomingMessage, res: ServerResponse) => void) {
    this.server = createServer(onRequest);
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** Listens (through the product's one listen helper) and returns the origin, e.g. `http://127.0.0.1:54321`. */
  async listen(host: string, port: number): Promise<string> {
    return (await listen(this.server, { host, port, portVariable: 'SANDBOX_PORT' })).url;
  }

  /** A delay that close() cuts short (the promise then never settles: its request is destroyed with its socket). */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  /** Stops listening and destroys every socket, including hung requests and idle keep-alive connections. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      for (const timer of this.timers) clearTimeout(timer);
      this.timers.clear();
      this.server.close((error) => (error ? reject(error) : resolve()));
      for (const socket of this.sockets) socket.destroy();
    });
    return this.closing;
  }
}
