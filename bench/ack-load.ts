/**
 * The load of the webhook-ack section (bench/ack.ts): webhook POSTs sent as Feishu sends them — on a fixed timetable
 * (open loop), each answered within Feishu's 3 s or counted failed and redelivered on a compressed copy of Feishu's
 * schedule — and the raw `client.workflow.start` loop that measures the Temporal server alone at the same rate.
 *
 * Latency is measured from the intended send time (the timetable), not the actual send: a stalled event loop (sender
 * and server share this process) shows up as latency rather than as fewer sends (no coordinated omission).
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import { ecoExamWorkflowId } from '../src/common/constants';
import type { BenchContext } from './context';

/** Feishu's deadline: HTTP 200 within 3 s (docs/feishu.md#deadline-and-redelivery); later is a failed delivery. */
export const FEISHU_DEADLINE_MS = 3_000;

/**
 * Feishu redelivers a failed event after 15 s, 5 min, 1 h and 6 h (four redeliveries). Compressed here to 1.5 s, 3 s,
 * 6 s and 12 s — the first ÷ 10, then doubling — so that the redeliveries land while the load still runs (the hard
 * case: they add to it) and a run ends about 25 s after its last event. Each delay counts from the failed attempt's
 * end (its answer, or the 3 s deadline).
 */
export const REDELIVERY_DELAYS_MS = [1_500, 3_000, 6_000, 12_000] as const;

/** One prepared webhook POST: the exact bytes and headers Feishu would send. */
export interface PreparedEvent {
  examId: string;
  body: Buffer;
  headers: Record<string, string>;
}

/** One delivery attempt: HTTP status (0 = no answer: connection error or Feishu's deadline passed) and latency. */
export interface Attempt {
  status: number;
  /** From the intended send time to the full answer; the deadline itself when none came in time. */
  latencyMs: number;
  error?: string;
  bodyStart?: string;
}

export interface Delivery {
  /** Attempts in order: the first is the timetabled one, the others redeliveries. */
  attempts: Attempt[];
  /** Some attempt was answered 2xx within the deadline: Feishu counts the event delivered. */
  delivered: boolean;
}

export interface DeliveryRun {
  deliveries: Delivery[];
  /** How late the sender was against its timetable (ms). */
  maxLagMs: number;
}

const ok = (status: number) => status >= 200 && status < 300;

/** One POST with Feishu's deadline; resolves with its outcome. `intendedAt`: performance.now() of its timetable slot. */
function post(agent: Agent, url: URL, event: PreparedEvent, intendedAt: number): Promise<Attempt> {
  return new Promise<Attempt>((resolve) => {
    let settled = false;
    const finish = (attempt: Attempt) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(attempt);
    };
    const req = request(url, { method: 'POST', agent, headers: event.headers });
    const deadline = setTimeout(() => {
      finish({ status: 0, latencyMs: performance.now() - intendedAt, error: 'deadline' });
      req.destroy();
    }, FEISHU_DEADLINE_MS);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < 512) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => {
        const attempt: Attempt = { status: res.statusCode ?? 0, latencyMs: performance.now() - intendedAt };
        if (!ok(attempt.status)) attempt.bodyStart = Buffer.concat(chunks).toString('utf8').slice(0, 200);
        finish(attempt);
      });
      res.on('error', (err) => finish({ status: 0, latencyMs: performance.now() - intendedAt, error: err.message }));
    });
    req.on('error', (err) => finish({ status: 0, latencyMs: performance.now() - intendedAt, error: err.message }));
    req.end(event.body);
  });
}

/** Calls `fire(i, intendedAt)` for i = 0…count−1 at `start + i / rate`, never waiting for earlier calls. */
async function timetable(
  count: number,
  ratePerSec: number,
  fire: (index: number, intendedAt: number) => void,
): Promise<number> {
  const intervalMs = 1000 / ratePerSec;
  const start = performance.now() + 20;
  let maxLagMs = 0;
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = (): void => {
      const now = performance.now();
      while (next < count && start + next * intervalMs <= now) {
        const intendedAt = start + next * intervalMs;
        maxLagMs = Math.max(maxLagMs, now - intendedAt);
        fire(next, intendedAt);
        next++;
      }
      if (next >= count) return resolve();
      setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
    };
    tick();
  });
  return maxLagMs;
}

/**
 * Sends every event at its slot (`ratePerSec`), as Feishu does: an attempt not answered 2xx within the deadline is
 * sent again after the next of `redeliveryDelaysMs` (none: no redelivery). Resolves when every event is delivered or
 * out of attempts.
 */
export async function deliverAsFeishu(
  url: URL,
  events: PreparedEvent[],
  ratePerSec: number,
  redeliveryDelaysMs: readonly number[] = REDELIVERY_DELAYS_MS,
): Promise<DeliveryRun> {
  const agent = new Agent({ keepAlive: true, maxSockets: 2048, maxFreeSockets: 1024 });
  const deliveries: Delivery[] = events.map(() => ({ attempts: [], delivered: false }));
  const pending: Promise<void>[] = [];
  const deliver = async (index: number, firstIntendedAt: number): Promise<void> => {
    const delivery = deliveries[index]!;
    let intendedAt = firstIntendedAt;
    for (let attempt = 0; ; attempt++) {
      const outcome = await post(agent, url, events[index]!, intendedAt);
      delivery.attempts.push(outcome);
      if (ok(outcome.status) && outcome.latencyMs <= FEISHU_DEADLINE_MS) {
        delivery.delivered = true;
        return;
      }
      const delay = redeliveryDelaysMs[attempt];
      if (delay === undefined) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
      intendedAt = performance.now();
    }
  };
  try {
    const maxLagMs = await timetable(events.length, ratePerSec, (index, intendedAt) => {
      pending.push(deliver(index, intendedAt));
    });
    await Promise.all(pending);
    return { deliveries, maxLagMs };
  } finally {
    agent.destroy();
  }
}

export interface RawStartRun {
  /** Latency of each start (ms) from its slot; NaN for a failed start. */
  latencies: number[];
  failed: number;
  firstError?: string;
  maxLagMs: number;
}

/**
 * The physical limit: `client.workflow.start` of the product's workflow type with the minimum of options (id, task
 * queue, the exam id as input), open loop at `ratePerSec`, on a client with the default data converter.
 */
export async function rawStartLoop(
  client: Client,
  taskQueue: string,
  examIds: string[],
  ratePerSec: number,
): Promise<RawStartRun> {
  const latencies: number[] = new Array<number>(examIds.length).fill(Number.NaN);
  const pending: Promise<void>[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const maxLagMs = await timetable(examIds.length, ratePerSec, (index, intendedAt) => {
    const examId = examIds[index]!;
    pending.push(
      client.workflow
        .start('ecoExamWorkflow', { workflowId: ecoExamWorkflowId(examId), taskQueue, args: [{ examId }] })
        .then(
          () => {
            latencies[index] = performance.now() - intendedAt;
          },
          (err: unknown) => {
            failed++;
            firstError ??= err instanceof Error ? err.message : String(err);
          },
        ),
    );
  });
  await Promise.all(pending);
  return { latencies, failed, ...(firstError !== undefined && { firstError }), maxLagMs };
}

/** A client of the run's server with the default data converter (no codec): the raw loop's. */
export async function connectPlainClient(ctx: BenchContext): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: ctx.address });
  return { client: new Client({ connection, namespace: ctx.namespace }), close: () => connection.close() };
}
