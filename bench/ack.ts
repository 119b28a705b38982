/**
 * Bench section "webhook ack": how fast the ingest answers Feishu's 创建笔试 (`hire.eco_exam.created_v1`) webhook under
 * a steady open-loop load, beside the physical limit (a raw `client.workflow.start` loop at the same rate on the same
 * server) and the official SDK's `EventDispatcher` (bench/ack-servers.ts); and whether any event is lost once Feishu's
 * redelivery is modelled.
 *
 * Runs, in this order, each after a 2 s warm-up at its rate (JIT, sockets, the server's caches; not measured):
 *   raw start loop at 100/s, the ingest at 100/s, raw at 200/s, the ingest at 200/s, the SDK at 200/s,
 * each for `seconds` (60; quick: 10), each on its own task queue that no worker polls (this measures the start, not
 * the workflow; the run's dev server is thrown away afterwards).
 *
 * - Webhook load (bench/ack-load.ts): each event a distinct exam, signed and encrypted as Feishu does
 *   (`signedRequest(ecoExamCreatedEvent(…), { encryptKey })`), bodies built before the timed loop. Sent as Feishu
 *   sends: an attempt not answered 2xx within 3 s fails and the event is redelivered, four times at most, on a
 *   compressed schedule (1.5 / 3 / 6 / 12 s for Feishu's 15 s / 5 min / 1 h / 6 h).
 * - Latency: of first attempts, from the intended send time; an attempt cut at Feishu's 3 s counts as 3 s (then the
 *   percentile understates it, and the section says how many there were).
 * - Lost: an event whose workflow does not exist after all its redeliveries (visibility of the side's queue, given
 *   a bounded time to catch up). Duplicates: executions beyond one per event on the side's queue (an event that
 *   started two workflows). Undelivered: events Feishu would count failed (no 2xx in time on any attempt).
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { ecoExamWorkflowId } from '../src/common/constants';
import { ecoExamCreatedEvent, signedRequest } from '../sandbox/feishu-events';
import {
  connectPlainClient,
  deliverAsFeishu,
  FEISHU_DEADLINE_MS,
  rawStartLoop,
  REDELIVERY_DELAYS_MS,
  type Delivery,
  type PreparedEvent,
} from './ack-load';
import { probeSdkWhitespace, productServer, sdkServer, withServer, type Secrets } from './ack-servers';
import { connectClient, examId, percentile, round, sleep, uniqueId, type BenchContext } from './context';
import type { TableRow } from './table-row';

/** One webhook side at one rate. */
export interface AckSide {
  ratePerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  sent: number;
  /** First attempts not answered 2xx within 3 s. */
  firstAttemptFailed: number;
  /** Redeliveries sent in all. */
  redeliveries: number;
  /** Events Feishu would count failed after every attempt. */
  undelivered: number;
  lost: number;
  duplicates: number;
  /** First-attempt latencies (ms), for the plot; not written to the JSON. */
  values: number[];
}

export interface RawSide {
  ratePerSec: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
  values: number[];
}

export interface AckResult {
  seconds: number;
  /** The ingest at 200/s (with redelivery). */
  at200: AckSide;
  at100: AckSide;
  raw200: RawSide;
  raw100: RawSide;
  /** The official SDK at 200/s, same load and redelivery. */
  baseline: AckSide;
}

const RATES = [100, 200] as const;
const SECONDS = 60;
const QUICK_SECONDS = 10;
const WARMUP_SECONDS = 2;
/** Visibility catch-up: stop polling when every event is visible, or the count has not moved for this long… */
const VISIBILITY_STABLE_MS = 5_000;
/** …or after this long in all. */
const VISIBILITY_MAX_WAIT_MS = 60_000;
const VISIBILITY_POLL_MS = 500;

export async function runAckBench(ctx: BenchContext): Promise<AckResult> {
  const seconds = ctx.quick ? QUICK_SECONDS : SECONDS;
  const secrets: Secrets = {
    verificationToken: randomBytes(16).toString('hex'),
    encryptKey: randomBytes(24).toString('base64url'),
  };
  // Workflow ids are namespace-wide: every exam of every side must be distinct, or a duplicate would be "found".
  const used = new Set<string>();
  const product = await connectClient(ctx);
  const plain = await connectPlainClient(ctx);
  try {
    const raw: RawSide[] = [];
    const ours: AckSide[] = [];
    for (const rate of RATES) {
      raw.push(await measureRaw(ctx, plain.client, rate, seconds, used));
      const queue = uniqueId(`bench-ack-${rate}`);
      ours.push(
        await withServer(productServer(product.client, queue, secrets), (url) =>
          measureWebhook(ctx, `ingest ${rate}/s`, product.client, queue, url, rate, seconds, secrets, used),
        ),
      );
    }
    const baselineQueue = uniqueId('bench-ack-sdk');
    const baseline = await withServer(sdkServer(product.client, baselineQueue, secrets), async (url) => {
      const side = await measureWebhook(
        ctx,
        'official SDK 200/s',
        product.client,
        baselineQueue,
        url,
        200,
        seconds,
        secrets,
        used,
      );
      await probeSdkWhitespace(ctx, product.client, url, secrets, uniqueExamId(used));
      return side;
    });
    return { seconds, at100: ours[0]!, at200: ours[1]!, raw100: raw[0]!, raw200: raw[1]!, baseline };
  } finally {
    await product.close();
    await plain.close();
  }
}

// ---- the two measurements ----

async function measureRaw(
  ctx: BenchContext,
  client: Client,
  rate: number,
  seconds: number,
  used: Set<string>,
): Promise<RawSide> {
  const queue = uniqueId(`bench-ack-raw-${rate}`);
  const ids = (n: number) => Array.from({ length: n }, () => uniqueExamId(used));
  await rawStartLoop(client, queue, ids(rate * WARMUP_SECONDS), rate);
  const run = await rawStartLoop(client, queue, ids(rate * seconds), rate);
  const values = run.latencies.filter((ms) => !Number.isNaN(ms));
  const side: RawSide = {
    ratePerSec: rate,
    p50Ms: round(percentile(values, 50), 2),
    p99Ms: round(percentile(values, 99), 2),
    failed: run.failed,
    values,
  };
  ctx.log(
    `ack: raw start ${rate}/s: p50 ${side.p50Ms} / p99 ${side.p99Ms} ms, ${run.failed} failed` +
      `${run.firstError ? ` (e.g. ${run.firstError})` : ''}, sender lag max ${round(run.maxLagMs)} ms`,
  );
  return side;
}

async function measureWebhook(
  ctx: BenchContext,
  label: string,
  client: Client,
  taskQueue: string,
  url: URL,
  rate: number,
  seconds: number,
  secrets: Secrets,
  used: Set<string>,
): Promise<AckSide> {
  const warmup = prepareEvents(rate * WARMUP_SECONDS, secrets, used);
  const events = prepareEvents(rate * seconds, secrets, used);
  await deliverAsFeishu(url, warmup, rate);
  ctx.log(`ack: ${label}: ${events.length} events to ${url.href} (queue ${taskQueue})`);
  const run = await deliverAsFeishu(url, events, rate);
  const first = run.deliveries.map((d) => d.attempts[0]!);
  const values = first.map((a) => a.latencyMs);
  const firstAttemptFailed = first.filter(
    (a) => !(a.status >= 200 && a.status < 300 && a.latencyMs <= FEISHU_DEADLINE_MS),
  ).length;
  const redeliveries = run.deliveries.reduce((n, d) => n + d.attempts.length - 1, 0);
  const undelivered = run.deliveries.filter((d) => !d.delivered).length;
  ctx.log(
    `ack: ${label}: first attempts ${describeStatuses(run.deliveries)}; ${firstAttemptFailed} failed ` +
      `(no 2xx within ${FEISHU_DEADLINE_MS} ms), ${redeliveries} redeliveries, ${undelivered} never delivered; ` +
      `sender lag max ${round(run.maxLagMs)} ms`,
  );
  const odd = run.deliveries.flatMap((d) => d.attempts).find((a) => a.status !== 200);
  if (odd) ctx.log(`ack: ${label}: e.g. ${odd.status} ${odd.error ?? ''} ${odd.bodyStart ?? ''}`.trimEnd());
  const { lost, duplicates } = await countLost(ctx, label, client, taskQueue, [...warmup, ...events], events);
  return {
    ratePerSec: rate,
    p50Ms: round(percentile(values, 50), 2),
    p99Ms: round(percentile(values, 99), 2),
    maxMs: round(Math.max(...values), 2),
    sent: events.length,
    firstAttemptFailed,
    redeliveries,
    undelivered,
    lost,
    duplicates,
    values,
  };
}

function describeStatuses(deliveries: Delivery[]): string {
  const byStatus = new Map<string, number>();
  for (const d of deliveries) {
    const a = d.attempts[0]!;
    const key = a.status === 0 ? (a.error ?? 'no answer') : String(a.status);
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
  }
  return [...byStatus].map(([status, n]) => `${status}×${n}`).join(', ');
}

// ---- events ----

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

// ---- lost and duplicated ----

/**
 * Polls visibility (bounded) until every event of the queue (warm-up included) is counted or the count stops moving,
 * then lists the queue's executions: a timed event without one is lost, executions beyond one per event are
 * duplicates.
 */
async function countLost(
  ctx: BenchContext,
  label: string,
  client: Client,
  taskQueue: string,
  all: PreparedEvent[],
  timed: PreparedEvent[],
): Promise<{ lost: number; duplicates: number }> {
  const query = `TaskQueue = "${taskQueue}"`;
  const started = Date.now();
  let visible = -1;
  let changedAt = started;
  while (Date.now() - started < VISIBILITY_MAX_WAIT_MS) {
    const { count } = await client.workflow.count(query);
    if (count !== visible) changedAt = Date.now();
    visible = count;
    if (visible >= all.length || Date.now() - changedAt >= VISIBILITY_STABLE_MS) break;
    await sleep(VISIBILITY_POLL_MS);
  }
  const runs = new Map<string, number>();
  let listed = 0;
  for await (const workflow of client.workflow.list({ query })) {
    runs.set(workflow.workflowId, (runs.get(workflow.workflowId) ?? 0) + 1);
    if (++listed > all.length * 2) break; // bounded; the queue is this side's own
  }
  const lost = timed.filter((event) => !runs.has(ecoExamWorkflowId(event.examId))).length;
  const duplicates = listed - runs.size;
  ctx.log(
    `ack: ${label}: ${listed} executions of ${all.length} events (warm-up included) after ` +
      `${Date.now() - started} ms: ${lost} lost, ${duplicates} duplicates`,
  );
  return { lost, duplicates };
}

// ---- the table and the JSON ----

const ratio = (ours: number, raw: number) => round(ours / raw, 2);

export function ackRows(ack: AckResult): TableRow[] {
  const { at100, at200, raw100, raw200, baseline } = ack;
  const r200 = ratio(at200.p99Ms, raw200.p99Ms);
  const r100 = ratio(at100.p99Ms, raw100.p99Ms);
  return [
    {
      figure: `webhook ack p50 / p99, 100/s for ${ack.seconds} s`,
      measured: `${at100.p50Ms} / ${at100.p99Ms} ms`,
      target: '—',
    },
    {
      figure: 'raw client.workflow.start p50 / p99, 100/s',
      measured: `${raw100.p50Ms} / ${raw100.p99Ms} ms`,
      target: '—',
    },
    { figure: 'ack p99 / raw p99, 100/s', measured: String(r100), target: '≤ 1.2', met: r100 <= 1.2 },
    {
      figure: `webhook ack p50 / p99, 200/s for ${ack.seconds} s`,
      measured: `${at200.p50Ms} / ${at200.p99Ms} ms`,
      target: '—',
    },
    {
      figure: 'raw client.workflow.start p50 / p99, 200/s',
      measured: `${raw200.p50Ms} / ${raw200.p99Ms} ms`,
      target: '—',
    },
    { figure: 'ack p99 / raw p99, 200/s', measured: String(r200), target: '≤ 1.2', met: r200 <= 1.2 },
    {
      figure: `webhook lost, 200/s with redelivery (${REDELIVERY_DELAYS_MS.length}×)`,
      measured: `${at200.lost} of ${at200.sent} (${at200.redeliveries} redeliveries, ${at200.duplicates} duplicates)`,
      target: '0 (0 duplicates)',
      met: at200.lost === 0 && at200.duplicates === 0,
    },
    {
      figure: 'baseline (SDK EventDispatcher) 200/s: p50 / p99, lost',
      measured: `${baseline.p50Ms} / ${baseline.p99Ms} ms, ${baseline.lost} lost, ${baseline.undelivered} undelivered`,
      target: '—',
    },
  ];
}

/** The `ack` object of bench/results/latest.json (without the per-request values). */
export function ackJson(ack: AckResult) {
  const side = ({ values: _values, ...rest }: AckSide) => rest;
  return {
    ratePerSec: 200,
    seconds: ack.seconds,
    p50Ms: ack.at200.p50Ms,
    p99Ms: ack.at200.p99Ms,
    maxMs: ack.at200.maxMs,
    rawStartP50Ms: ack.raw200.p50Ms,
    rawStartP99Ms: ack.raw200.p99Ms,
    p99Ratio: ratio(ack.at200.p99Ms, ack.raw200.p99Ms),
    sent: ack.at200.sent,
    lost: ack.at200.lost,
    duplicates: ack.at200.duplicates,
    undelivered: ack.at200.undelivered,
    redeliveries: ack.at200.redeliveries,
    redeliveryDelaysMs: [...REDELIVERY_DELAYS_MS],
    at100: {
      ...side(ack.at100),
      rawStartP50Ms: ack.raw100.p50Ms,
      rawStartP99Ms: ack.raw100.p99Ms,
      p99Ratio: ratio(ack.at100.p99Ms, ack.raw100.p99Ms),
    },
    baseline: side(ack.baseline),
  };
}
