/**
 * Bench section "webhook ack": how fast the ingest answers Feishu's 创建笔试 (`hire.eco_exam.created_v1`) webhook under a
 * steady open-loop load, and whether any event is lost — side by side with the official SDK's `EventDispatcher` behind
 * its node http adapter (`lark.adaptDefault`) doing the same work on the same load.
 *
 * - Load: `ratePerSec` (200) events/s for `seconds` (60; quick: 10), each a distinct exam, signed and encrypted exactly as
 *   Feishu does (`signedRequest(ecoExamCreatedEvent(…), { encryptKey })`). Bodies are built before the timed loop, so
 *   signing and encryption cost nothing during it. Sends follow a fixed timetable (open loop: never waiting for an answer
 *   before the next send) over a keep-alive `node:http` Agent with enough sockets. Each side first gets a 2 s warm-up at
 *   the same rate (JIT, sockets, the dev server's caches; not measured), so neither side pays for going first.
 * - Latency: intended send time → full response. Measuring from the timetable (not the actual send) keeps coordinated
 *   omission out: a stalled event loop (sender and server share this process) shows up as latency, not as fewer sends.
 *   Percentiles are over every request that got an HTTP answer, whatever its status. Answers later than Feishu's 3 s
 *   (a failed delivery for Feishu, redelivered) are logged per side: the ingest bounds its Temporal call at 2 s and
 *   answers 503, the SDK has no bound and answers 200 whenever startExam returns.
 * - Lost: an event whose answer was not 200, plus an event answered 200 whose workflow does not exist in Temporal
 *   (visibility, on the section's own task queue, given a bounded time to catch up).
 * - Each side starts workflows on its own unique task queue that no worker polls: this measures the ingest, not the
 *   workflow. The started workflows are left running; the run's dev server is thrown away afterwards.
 */
import { randomBytes } from 'node:crypto';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import * as lark from '@larksuiteoapi/node-sdk';
import type { Client } from '@temporalio/client';
import { startExam, type StartExamOptions } from '../src/client';
import { buildApp } from '../src/ingest/app';
import { ecoExamWorkflowId } from '../src/common/constants';
import { listen } from '../src/common/listen';
import type { EcoExamInput } from '../src/common/schemas';
import { ecoExamCreatedEvent, signedRequest } from '../sandbox/feishu-events';
import { connectClient, examId, percentile, round, sleep, uniqueId, type BenchContext } from './context';

export interface AckResult {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  sent: number;
  lost: number;
  ratePerSec: number;
  seconds: number;
  baseline: { p50Ms: number; p99Ms: number; maxMs: number; sent: number; lost: number };
}

const RATE_PER_SEC = 200;
const SECONDS = 60;
const QUICK_SECONDS = 10;
/** Warm-up before each side's timed load (same rate, answers discarded): JIT, connections, the server's caches. */
const WARMUP_SECONDS = 2;
/** Feishu's deadline for an answer (docs/feishu.md#deadline-and-redelivery): later counts as a failed delivery there. */
const FEISHU_DEADLINE_MS = 3_000;
const WEBHOOK_PATH = '/webhook/feishu';
/** Per-request bound; far above Feishu's 3 s, so a slow answer is measured rather than cut off. */
const REQUEST_TIMEOUT_MS = 30_000;
/** After the last send, how long unanswered requests are waited for before they count as lost. */
const DRAIN_TIMEOUT_MS = REQUEST_TIMEOUT_MS + 5_000;
/** Visibility catch-up: stop polling when every event is visible, or the count has not moved for this long… */
const VISIBILITY_STABLE_MS = 5_000;
/** …or after this long in all. */
const VISIBILITY_MAX_WAIT_MS = 60_000;
const VISIBILITY_POLL_MS = 500;

/** One prepared webhook POST: the exact bytes and headers Feishu would send. */
interface PreparedEvent {
  examId: string;
  body: Buffer;
  headers: Record<string, string>;
}

/** A side's events: the warm-up's (not measured) and the timed load's. */
interface Load {
  warmup: PreparedEvent[];
  timed: PreparedEvent[];
}

/** What happened to one request: HTTP status (0 = no answer: connection error or timeout) and its latency. */
interface Shot {
  status: number;
  latencyMs: number;
  error?: string;
  /** First bytes of the answer, for the report on unexpected answers. */
  bodyStart?: string;
}

interface SideResult {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  sent: number;
  lost: number;
}

interface Secrets {
  verificationToken: string;
  encryptKey: string;
}

export async function runAckBench(ctx: BenchContext): Promise<AckResult> {
  const seconds = ctx.quick ? QUICK_SECONDS : SECONDS;
  const count = RATE_PER_SEC * seconds;
  const secrets: Secrets = {
    verificationToken: randomBytes(16).toString('hex'),
    encryptKey: randomBytes(24).toString('base64url'),
  };
  // Workflow ids are namespace-wide: every exam of both sides must be distinct, or a duplicate would be "found".
  const usedExamIds = new Set<string>();
  const prepare = (timed: number): Load => ({
    warmup: prepareEvents(RATE_PER_SEC * WARMUP_SECONDS, secrets, usedExamIds),
    timed: prepareEvents(timed, secrets, usedExamIds),
  });
  const connected = await connectClient(ctx);
  const client = connected.client;
  try {
    const productQueue = uniqueId('bench-ack');
    const product = await withServer(productServer(client, productQueue, secrets), (url) =>
      measureSide(ctx, 'ingest (fastify)', client, productQueue, url, prepare(count)),
    );

    const baselineQueue = uniqueId('bench-ack-sdk');
    const baseline = await withServer(sdkServer(client, baselineQueue, secrets), async (url) => {
      const side = await measureSide(
        ctx,
        'official SDK (EventDispatcher + adaptDefault)',
        client,
        baselineQueue,
        url,
        prepare(count),
      );
      await probeSdkWhitespace(ctx, client, url, secrets, usedExamIds);
      return side;
    });

    return { ...product, ratePerSec: RATE_PER_SEC, seconds, baseline };
  } finally {
    await connected.close();
  }
}

// ---- the two servers under test ----

interface StartedServer {
  url: URL;
  close(): Promise<void>;
}

async function withServer<T>(start: Promise<StartedServer>, fn: (url: URL) => Promise<T>): Promise<T> {
  const server = await start;
  try {
    return await fn(server.url);
  } finally {
    await server.close();
  }
}

/** The product's ingest, in-process, on an ephemeral loopback port. */
async function productServer(client: Client, taskQueue: string, secrets: Secrets): Promise<StartedServer> {
  const app = buildApp({
    client,
    taskQueue,
    examSystemToken: randomBytes(24).toString('hex'),
    feishu: { verificationToken: secrets.verificationToken, encryptKey: secrets.encryptKey },
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
async function sdkServer(client: Client, taskQueue: string, secrets: Secrets): Promise<StartedServer> {
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

// ---- load ----

function uniqueExamId(used: Set<string>): string {
  for (let attempt = 0; attempt < 100; attempt++) {
    const id = examId();
    if (!used.has(id)) {
      used.add(id);
      return id;
    }
  }
  throw new Error('could not draw a fresh exam id in 100 attempts');
}

function prepareEvents(count: number, secrets: Secrets, used: Set<string>): PreparedEvent[] {
  const events: PreparedEvent[] = [];
  for (let i = 0; i < count; i++) {
    const id = uniqueExamId(used);
    const signed = signedRequest(ecoExamCreatedEvent({ token: secrets.verificationToken, examId: id }), {
      encryptKey: secrets.encryptKey,
    });
    const body = Buffer.from(signed.rawBody, 'utf8');
    events.push({ examId: id, body, headers: { ...signed.headers, 'content-length': String(body.length) } });
  }
  return events;
}

async function measureSide(
  ctx: BenchContext,
  label: string,
  client: Client,
  taskQueue: string,
  url: URL,
  load: Load,
): Promise<SideResult> {
  ctx.log(`ack: ${label}: warm-up, ${load.warmup.length} events at ${RATE_PER_SEC}/s (queue ${taskQueue})`);
  await fireOpenLoop(url, load.warmup, RATE_PER_SEC);
  const events = load.timed;
  ctx.log(`ack: ${label}: ${events.length} events at ${RATE_PER_SEC}/s to ${url.href}`);
  const { shots, maxLagMs } = await fireOpenLoop(url, events, RATE_PER_SEC);
  const answered = shots.filter((shot) => shot.status !== 0).map((shot) => shot.latencyMs);
  const byStatus = new Map<number, number>();
  for (const shot of shots) byStatus.set(shot.status, (byStatus.get(shot.status) ?? 0) + 1);
  const statuses = [...byStatus].map(([status, n]) => `${status === 0 ? 'no answer' : status}×${n}`).join(', ');
  const late = answered.filter((ms) => ms > FEISHU_DEADLINE_MS).length;
  const inTime = shots.filter((shot) => shot.status === 200 && shot.latencyMs <= FEISHU_DEADLINE_MS).length;
  ctx.log(
    `ack: ${label}: answers ${statuses}; ${late} after Feishu's ${FEISHU_DEADLINE_MS} ms; ` +
      `200 in time (what Feishu counts as delivered) ${inTime}; ` +
      `sender lag max ${round(maxLagMs)} ms`,
  );
  const odd = shots.find((shot) => shot.status !== 200);
  if (odd) ctx.log(`ack: ${label}: e.g. ${odd.status} ${odd.error ?? ''} ${odd.bodyStart ?? ''}`.trimEnd());
  const lost = await countLost(ctx, label, client, taskQueue, load, shots);
  return {
    p50Ms: round(percentile(answered, 50), 2),
    p99Ms: round(percentile(answered, 99), 2),
    maxMs: round(answered.length ? answered.reduce((max, ms) => Math.max(max, ms)) : Number.NaN, 2),
    sent: events.length,
    lost,
  };
}

/**
 * Sends `events[i]` at `start + i / rate` without waiting for answers. Resolves when every request has an outcome
 * (bounded: unanswered requests time out). `maxLagMs`: how late the sender was against its timetable.
 */
async function fireOpenLoop(
  url: URL,
  events: PreparedEvent[],
  ratePerSec: number,
): Promise<{ shots: Shot[]; maxLagMs: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1024, maxFreeSockets: 1024 });
  const shots: Shot[] = new Array<Shot>(events.length);
  const intervalMs = 1000 / ratePerSec;
  let done = 0;
  let maxLagMs = 0;
  let allDone: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (allDone = resolve));

  const record = (index: number, shot: Shot): void => {
    if (shots[index] !== undefined) return;
    shots[index] = shot;
    if (++done === events.length) allDone();
  };

  const send = (index: number, intendedAt: number): void => {
    const event = events[index]!;
    const req = request(url, { method: 'POST', agent, headers: event.headers });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('timeout')));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < 512) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => {
        const shot: Shot = { status: res.statusCode ?? 0, latencyMs: performance.now() - intendedAt };
        if (shot.status !== 200) shot.bodyStart = Buffer.concat(chunks).toString('utf8').slice(0, 200);
        record(index, shot);
      });
      res.on('error', (err) => record(index, { status: 0, latencyMs: Number.NaN, error: err.message }));
    });
    req.on('error', (err) => record(index, { status: 0, latencyMs: Number.NaN, error: err.message }));
    req.end(event.body);
  };

  const start = performance.now() + 20;
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = (): void => {
      const now = performance.now();
      while (next < events.length && start + next * intervalMs <= now) {
        const intendedAt = start + next * intervalMs;
        maxLagMs = Math.max(maxLagMs, now - intendedAt);
        send(next, intendedAt);
        next++;
      }
      if (next >= events.length) return resolve();
      setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
    };
    tick();
  });

  let drainTimer: NodeJS.Timeout | undefined;
  await Promise.race([finished, new Promise<void>((resolve) => (drainTimer = setTimeout(resolve, DRAIN_TIMEOUT_MS)))]);
  clearTimeout(drainTimer);
  for (let i = 0; i < events.length; i++) record(i, { status: 0, latencyMs: Number.NaN, error: 'no answer in time' });
  agent.destroy();
  return { shots, maxLagMs };
}

/**
 * Lost = a timed event answered other than 200, or answered 200 with no workflow. Visibility is polled (bounded)
 * until every event's workflow (warm-up included: same queue) is counted or the count stops moving; unless every
 * event was answered 200 and is counted, the ids are listed to tell which are missing (and which refused events
 * started all the same, e.g. a 503 after the ingest's 2 s deadline while the start went through).
 */
async function countLost(
  ctx: BenchContext,
  label: string,
  client: Client,
  taskQueue: string,
  load: Load,
  shots: Shot[],
): Promise<number> {
  const events = load.timed;
  const expected = load.warmup.length + events.length;
  const query = `TaskQueue = "${taskQueue}"`;
  const started = Date.now();
  let visible = -1;
  let changedAt = started;
  while (Date.now() - started < VISIBILITY_MAX_WAIT_MS) {
    const { count } = await client.workflow.count(query);
    if (count !== visible) changedAt = Date.now();
    visible = count;
    if (visible >= expected || Date.now() - changedAt >= VISIBILITY_STABLE_MS) break;
    await sleep(VISIBILITY_POLL_MS);
  }
  const notOk = shots.filter((shot) => shot.status !== 200).length;
  ctx.log(
    `ack: ${label}: ${visible} of ${expected} workflows (warm-up included) visible after ${Date.now() - started} ms`,
  );
  if (visible >= expected && notOk === 0) return 0;

  const existing = new Set<string>();
  let listed = 0;
  for await (const workflow of client.workflow.list({ query })) {
    existing.add(workflow.workflowId);
    if (++listed > expected * 2) break; // bounded; the queue is this side's own
  }
  let lost = 0;
  let silentlyLost = 0;
  let refusedYetStarted = 0;
  events.forEach((event, i) => {
    const ok = shots[i]?.status === 200;
    const exists = existing.has(ecoExamWorkflowId(event.examId));
    if (!ok || !exists) lost++;
    if (ok && !exists) silentlyLost++;
    if (!ok && exists) refusedYetStarted++;
  });
  ctx.log(
    `ack: ${label}: lost ${lost}: ${silentlyLost} answered 200 without a workflow, ${lost - silentlyLost} not ` +
      `answered 200 (of which ${refusedYetStarted} started all the same: a redelivery would find them)`,
  );
  return lost;
}

/**
 * Not part of the load: one correctly signed event whose body carries whitespace (legal JSON; the signature covers
 * the exact bytes) sent to the SDK. Its re-serialising signature check fails, the adapter still answers 200, and no
 * workflow exists: the silent loss described in docs/feishu.md#the-official-node-sdk. The finding is logged; the ingest accepts such
 * bodies (its tests cover it).
 */
async function probeSdkWhitespace(
  ctx: BenchContext,
  client: Client,
  url: URL,
  secrets: Secrets,
  used: Set<string>,
): Promise<void> {
  const id = uniqueExamId(used);
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
