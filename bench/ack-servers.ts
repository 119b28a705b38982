/**
 * The two webhook servers of the ack section (bench/ack.ts): the product's ingest and, as the baseline, the official
 * SDK's `EventDispatcher` behind its node http adapter doing the same work; plus a probe of the SDK's signature check.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as lark from '@larksuiteoapi/node-sdk';
import type { Client } from '@temporalio/client';
import { startExam, type StartExamOptions } from '../src/client';
import { buildApp } from '../src/ingest/app';
import { ecoExamWorkflowId } from '../src/common/constants';
import { listen } from '../src/common/listen';
import type { EcoExamInput } from '../src/common/schemas';
import { ecoExamCreatedEvent, signedRequest } from '../sandbox/feishu-events';
import type { BenchContext } from './context';

export const WEBHOOK_PATH = '/webhook/feishu';

export interface Secrets {
  verificationToken: string;
  encryptKey: string;
}

export interface StartedServer {
  url: URL;
  close(): Promise<void>;
}

export async function withServer<T>(start: Promise<StartedServer>, fn: (url: URL) => Promise<T>): Promise<T> {
  const server = await start;
  try {
    return await fn(server.url);
  } finally {
    await server.close();
  }
}

/**
 * The product's ingest, in-process, on an ephemeral loopback port. Feishu delivers from many addresses, the bench from
 * one: the per-client connection cap (INGEST_MAX_CONNECTIONS_PER_CLIENT, a guard against one greedy client; lifted
 * behind a proxy too, docs/deployment.md#sizing) is off, or 200 events/s would hit it at 100 open requests.
 */
export async function productServer(client: Client, taskQueue: string, secrets: Secrets): Promise<StartedServer> {
  const app = buildApp({
    client,
    taskQueue,
    examSystemToken: randomBytes(24).toString('hex'),
    feishu: { verificationToken: secrets.verificationToken, encryptKey: secrets.encryptKey },
    http: { maxConnectionsPerClient: 0 },
  });
  const { url } = await listen(app, { host: '127.0.0.1', port: 0, portVariable: '(bench ingest)' });
  return { url: new URL(`${url}${WEBHOOK_PATH}`), close: () => app.close() };
}

/**
 * The baseline: what the official SDK's docs show — `EventDispatcher` registered for the event, served by
 * `adaptDefault` on a plain `http.createServer` — with a handler doing the product's work (startExam of the event's
 * exam, on its own queue; unlike the ingest, no 2 s deadline: the SDK has no such notion).
 *
 * The SDK's known weaknesses (docs/feishu.md#the-official-node-sdk), which this bench checks rather than works around:
 * - its signature check hashes `JSON.stringify(parsed body)`, not the raw bytes: a correctly signed body passes only
 *   when Feishu's bytes happen to equal the re-serialisation. The load's bodies are compact JSON (`{"encrypt":"…"}`),
 *   which re-serialises identically, so they pass; `probeSdkWhitespace` sends one correctly signed body with
 *   whitespace to show what happens otherwise;
 * - a failed check makes `invoke` return `undefined` and the adapter still answers 200 (an empty body): Feishu never
 *   redelivers, the event is silently lost. The lost count below catches that (200 but no workflow);
 * - the Verification Token is never checked for events; the signature is compared with `===`;
 * - `adaptDefault` awaits the handler before replying, and a throwing handler rejects the adapter's promise, which
 *   `http.createServer` ignores: an unhandled rejection that ends a default Node 20 process. The one line around the
 *   adapter below (answer 500 instead) is what any deployment must add; it is not a fix of the load.
 */
export async function sdkServer(client: Client, taskQueue: string, secrets: Secrets): Promise<StartedServer> {
  const dispatcher = new lark.EventDispatcher({
    encryptKey: secrets.encryptKey,
    verificationToken: secrets.verificationToken,
    // 'verification failed event' and friends would otherwise be printed once per request.
    loggerLevel: lark.LoggerLevel.error,
  }).register({
    'hire.eco_exam.created_v1': async (data) => {
      if (data.exam_id === undefined) return { msg: 'no exam_id' };
      const candidate = data.candidate_info;
      const exam: EcoExamInput = {
        examId: data.exam_id,
        ...(data.account_id !== undefined && { accountId: data.account_id }),
        ...(data.paper_id !== undefined && { paperId: data.paper_id }),
        ...(data.tenant_key !== undefined && { tenantKey: data.tenant_key }),
        ...(data.event_id !== undefined && { eventId: data.event_id }),
        ...(candidate !== undefined && {
          candidate: {
            ...(candidate.name !== undefined && { name: candidate.name }),
            ...(candidate.mobile !== undefined && { mobile: { ...candidate.mobile } }),
            ...(candidate.email !== undefined && { email: candidate.email }),
          },
        }),
      };
      const options: StartExamOptions = { taskQueue };
      await startExam(client, exam, options);
      return { msg: 'success' };
    },
  });
  const adapter = lark.adaptDefault(WEBHOOK_PATH, dispatcher, { autoChallenge: true });
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    adapter(req, res).catch(() => {
      if (!res.headersSent) res.statusCode = 500;
      res.end();
    });
  });
  const { url } = await listen(server, { host: '127.0.0.1', port: 0, portVariable: '(bench SDK server)' });
  return {
    url: new URL(`${url}${WEBHOOK_PATH}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Not part of the load: one correctly signed event whose body carries whitespace (legal JSON; the signature covers
 * the exact bytes) sent to the SDK. Its re-serialising signature check fails, the adapter still answers 200, and no
 * workflow exists: the silent loss described in docs/feishu.md#the-official-node-sdk. The finding is logged; the ingest accepts such
 * bodies (its tests cover it).
 */
export async function probeSdkWhitespace(
  ctx: BenchContext,
  client: Client,
  url: URL,
  secrets: Secrets,
  id: string,
): Promise<void> {
  const signed = signedRequest(ecoExamCreatedEvent({ token: secrets.verificationToken, examId: id }), {
    encryptKey: secrets.encryptKey,
    whitespace: true,
  });
  const response = await fetch(url, { method: 'POST', headers: signed.headers, body: signed.rawBody });
  const text = await response.text();
  let exists = true;
  try {
    await client.workflow.getHandle(ecoExamWorkflowId(id)).describe();
  } catch {
    exists = false;
  }
  ctx.log(
    `ack: official SDK, one correctly signed body with whitespace: HTTP ${response.status} ` +
      `body ${JSON.stringify(text)}, workflow ${exists ? 'started' : 'NOT started (silently lost)'}`,
  );
}
