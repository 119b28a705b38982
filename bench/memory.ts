/**
 * Bench section "worker memory": the resident memory of the worker as production runs it (`node dist/worker.js`, with
 * the pre-built workflow bundle; bench/prebuilt.ts builds the package first when `dist/` is missing or stale) in its
 * own process, with 1 000 and then 10 000 exams (quick: 1 000 and 2 000) waiting for arrangement, in the same process.
 *
 * 1. Start the worker on a unique task queue (Feishu never called: no exam is arranged), wait until it polls, read its
 *    idle RSS.
 * 2. For each step: start exams with `startExam` (50 at a time) up to the step's count, wait until the worker has run
 *    every exam's first workflow task (the one that reaches the wait for `examArranged`): the task queue's workflow
 *    backlog (`DescribeTaskQueue` with `reportStats`) reads 0 a few seconds in a row, and a sample of the last exams
 *    started have their first workflow task completed in history. Settle 5 s, read VmRSS from /proc/<pid>/status a
 *    few times, keep the largest.
 * 3. Stop the worker with SIGTERM.
 *
 * The worker runs with the heap flags of docs/deployment.md (WORKER_NODE_OPTIONS below) and the default sticky cache.
 *
 * `growthMb` = RSS at the last step − RSS at 1 000: what waiting exams cost once the sticky cache
 * (WORKER_MAX_CACHED_WORKFLOWS) is full; it must stay near 0 (an evicted exam costs nothing in the worker until its
 * next task). RSS is the whole process: the main thread, the workflow thread's V8 isolate holding the cache, and the
 * Rust core. Linux only (/proc). `npx tsx bench/memory-profile.ts` measures the same for other settings
 * (docs/performance.md#worker-memory).
 */
import { readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { temporal } from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import { startExam } from '../src/client';
import { ecoExamWorkflowId } from '../src/common/constants';
import { describeExit, spawnEntry } from '../scripts/support/child-process';
import { connectClient, examId, round, sleep, uniqueId, type BenchContext } from './context';
import { BUILT_WORKER, ensureBuiltPackage } from './prebuilt';
import type { TableRow } from './table-row';

export interface MemoryResult {
  /** Exams waiting at the last step (10 000; quick 2 000). */
  exams: number;
  /** RSS with `exams` waiting. */
  rssMb: number;
  /** RSS with 1 000 waiting (same process, earlier step). */
  rssMbAt1000: number;
  /** rssMb − rssMbAt1000. */
  growthMb: number;
  /** RSS polling, no exam yet. */
  idleRssMb: number;
  /** VmHWM at the end: the largest RSS the process ever had. */
  peakRssMb: number;
  /** Where the workflow code came from: the pre-built bundle (dist/) or webpack at start. */
  bundle: 'pre-built' | 'webpack at start';
}

/** One worker configuration to measure (the bench's is the product's default; bench/memory-profile.ts varies it). */
export interface MemoryProbe {
  /** 'dist': `node dist/worker.js` (pre-built bundle); 'tsx': `src/worker.ts` through tsx (webpack at start). */
  entry: 'dist' | 'tsx';
  /** Extra environment of the worker (e.g. WORKER_MAX_CACHED_WORKFLOWS, NODE_OPTIONS). */
  env?: Record<string, string>;
  /** Exams waiting at each reading, ascending. */
  steps: number[];
}

export interface MemoryReadings {
  idleRssMb: number;
  /** RSS (MB) per step, in the order of `steps`. */
  rssMb: number[];
  peakRssMb: number;
}

/**
 * The worker's V8 heap flags as docs/deployment.md runs it (`NODE_OPTIONS` or `node <flags> dist/worker.js`): old space
 * 256 MB per isolate (the main thread's and the workflow thread's: V8 flags are process-wide) and 1 MB semi-spaces,
 * so garbage is collected instead of accumulating up to V8's default limits (≈ 4 GB here).
 */
export const WORKER_NODE_OPTIONS = '--max-old-space-size=256 --max-semi-space-size=1';

const STEPS = [1_000, 10_000];
const QUICK_STEPS = [1_000, 2_000];
const START_CONCURRENCY = 50;
const READY_TIMEOUT_MS = 120_000;
/** Backlog must read 0 this many times in a row, POLL_MS apart. */
const BACKLOG_ZERO_READINGS = 4;
const POLL_MS = 1_000;
const STEP_TIMEOUT_MS = 10 * 60_000;
const PROGRESS_LOG_MS = 15_000;
const SETTLE_MS = 5_000;
const RSS_SAMPLES = 5;
const RSS_SAMPLE_GAP_MS = 1_000;
const SAMPLE_EXAMS = 50;
const STOP_TIMEOUT_MS = 20_000;
/** Safety: a worker above this RSS is killed (a setting under test may not fit this machine). */
const RSS_CAP_MB = Math.min(8192, (totalmem() / 1024 / 1024) * 0.4);
const RSS_WATCH_MS = 1_000;

export async function runMemoryBench(ctx: BenchContext): Promise<MemoryResult> {
  const steps = ctx.quick ? QUICK_STEPS : STEPS;
  ctx.log(`memory: package ${ensureBuiltPackage((line) => ctx.log(line))}`);
  const readings = await measureMemory(ctx, { entry: 'dist', env: { NODE_OPTIONS: WORKER_NODE_OPTIONS }, steps });
  const rssMb = readings.rssMb[readings.rssMb.length - 1]!;
  const rssMbAt1000 = readings.rssMb[0]!;
  return {
    exams: steps[steps.length - 1]!,
    rssMb,
    rssMbAt1000,
    growthMb: round(rssMb - rssMbAt1000),
    idleRssMb: readings.idleRssMb,
    peakRssMb: readings.peakRssMb,
    bundle: 'pre-built',
  };
}

/** One worker process under `probe`: its idle RSS, its RSS at each step, its peak. */
export async function measureMemory(ctx: BenchContext, probe: MemoryProbe): Promise<MemoryReadings> {
  const connected = await connectClient(ctx);
  const client = connected.client;
  const taskQueue = uniqueId('bench-memory');
  const label = `memory (${probe.entry}${probe.env ? ` ${JSON.stringify(probe.env)}` : ''})`;
  const worker = startWorker(ctx, taskQueue, probe);
  try {
    await waitForPoller(client, ctx.namespace, taskQueue, worker);
    await sleep(SETTLE_MS);
    const idleRssMb = round(await readRssMb(worker.pid));
    ctx.log(`${label}: worker pid ${worker.pid} polling ${taskQueue}, RSS ${idleRssMb} MB idle`);
    const rssMb: number[] = [];
    let started = 0;
    for (const step of probe.steps) {
      const stepStarted = Date.now();
      const ids = await startExams(client, taskQueue, step - started);
      started = step;
      await waitForBacklogDrained(ctx, label, client, taskQueue, worker, STEP_TIMEOUT_MS);
      await checkFirstTasksDone(client, ids);
      await sleep(SETTLE_MS);
      let rss = 0;
      for (let i = 0; i < RSS_SAMPLES; i++) {
        if (i > 0) await sleep(RSS_SAMPLE_GAP_MS);
        rss = Math.max(rss, await readRssMb(worker.pid));
      }
      rssMb.push(round(rss));
      ctx.log(`${label}: RSS ${round(rss)} MB with ${step} waiting exams (step took ${Date.now() - stepStarted} ms)`);
    }
    const peakRssMb = round(await readStatusMb(worker.pid, 'VmHWM'));
    ctx.log(`${label}: peak (VmHWM) ${peakRssMb} MB`);
    return { idleRssMb, rssMb, peakRssMb };
  } finally {
    await worker.stop();
    await connected.close();
  }
}

// ---- the worker process ----

interface WorkerProcess {
  pid: number;
  output(): string;
  exitedEarly(): string | undefined;
  stop(): Promise<void>;
}

/** The real entry (scripts/support/child-process.ts), under an RSS cap. */
function startWorker(ctx: BenchContext, taskQueue: string, probe: MemoryProbe): WorkerProcess {
  const child = spawnEntry(probe.entry === 'dist' ? BUILT_WORKER : 'src/worker.ts', {
    name: 'bench worker',
    keepOutput: 8000,
    typescript: probe.entry === 'tsx',
    env: {
      TEMPORAL_ADDRESS: ctx.address,
      TEMPORAL_NAMESPACE: ctx.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      PAYLOAD_ENCRYPTION_KEYS: ctx.payloadKeys,
      FEISHU_APP_ID: 'cli_bench_memory',
      FEISHU_APP_SECRET: 'bench-memory-secret',
      // Never called: no exam is arranged.
      FEISHU_BASE_URL: 'http://127.0.0.1:9',
      WORKER_SHUTDOWN_GRACE: '5s',
      LOG_LEVEL: 'WARN',
      ...probe.env,
    },
  });
  let exit: string | undefined;
  let capped: string | undefined;
  const watch = setInterval(() => {
    readRssMb(child.pid).then(
      (rss) => {
        if (rss <= RSS_CAP_MB || capped !== undefined) return;
        capped = `killed by the bench: RSS ${round(rss)} MB above its cap of ${round(RSS_CAP_MB)} MB`;
        child.process.kill('SIGKILL');
      },
      () => undefined, // gone: the exit handler reports it
    );
  }, RSS_WATCH_MS);
  void child.exited.then((info) => {
    clearInterval(watch);
    exit = capped ?? describeExit(info);
  });
  return {
    pid: child.pid,
    output: () => child.output(),
    exitedEarly: () => exit,
    async stop() {
      await child.stop('SIGTERM', STOP_TIMEOUT_MS);
    },
  };
}

function assertRunning(worker: WorkerProcess): void {
  const exit = worker.exitedEarly();
  if (exit !== undefined) throw new Error(`the worker exited (${exit}):\n${worker.output()}`);
}

/**
 * Ready = polling this (unique) task queue. With LOG_LEVEL=WARN its INFO 'worker started' line is not printed; a
 * poller on the queue is the stronger proof anyway.
 */
async function waitForPoller(client: Client, namespace: string, taskQueue: string, worker: WorkerProcess) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    assertRunning(worker);
    const response = await client.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    if ((response.pollers ?? []).length > 0) return;
    await sleep(250);
  }
  throw new Error(`the worker did not poll ${taskQueue} within ${READY_TIMEOUT_MS} ms:\n${worker.output()}`);
}

async function startExams(client: Client, taskQueue: string, count: number): Promise<string[]> {
  const used = new Set<string>();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    let id = examId();
    for (let attempt = 0; used.has(id) && attempt < 100; attempt++) id = examId();
    if (used.has(id)) throw new Error('could not draw a fresh exam id');
    used.add(id);
    ids.push(id);
  }
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++]!;
      const started = await startExam(
        client,
        { examId: id, accountId: '7147998241542539527', paperId: 'paper001', eventId: `bench-${id}` },
        { taskQueue },
      );
      if (started.alreadyEnded) throw new Error(`exam ${id} already existed`);
    }
  };
  await Promise.all(Array.from({ length: START_CONCURRENCY }, lane));
  return ids;
}

async function waitForBacklogDrained(
  ctx: BenchContext,
  label: string,
  client: Client,
  taskQueue: string,
  worker: WorkerProcess,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let zeros = 0;
  let loggedAt = Date.now();
  while (Date.now() < deadline) {
    assertRunning(worker);
    const response = await client.workflowService.describeTaskQueue({
      namespace: ctx.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      reportStats: true,
    });
    const stats = response.stats;
    if (!stats) throw new Error('DescribeTaskQueue returned no stats: this server does not support reportStats');
    const backlog = Number(stats.approximateBacklogCount ?? 0);
    zeros = backlog === 0 ? zeros + 1 : 0;
    if (Date.now() - loggedAt >= PROGRESS_LOG_MS) {
      loggedAt = Date.now();
      const rss = await readRssMb(worker.pid);
      ctx.log(`${label}: backlog ${backlog}, RSS ${round(rss)} MB`);
    }
    if (zeros >= BACKLOG_ZERO_READINGS) return;
    await sleep(POLL_MS);
  }
  throw new Error(`the workflow backlog of ${taskQueue} did not drain within ${timeoutMs} ms`);
}

/**
 * A sample (the last exams started, the most likely to lag) must be past the first workflow task: started (1),
 * task scheduled (2), started (3), completed (4), then the arrangement timer. Waits a little for stragglers still
 * running on the worker when the backlog read 0.
 */
async function checkFirstTasksDone(client: Client, ids: string[]): Promise<void> {
  const sample = ids.slice(-SAMPLE_EXAMS);
  const deadline = Date.now() + 60_000;
  for (const id of sample) {
    for (;;) {
      const description = await client.workflow.getHandle(ecoExamWorkflowId(id)).describe();
      if ((description.historyLength ?? 0) >= 4) break;
      if (Date.now() > deadline)
        throw new Error(`exam ${id}: first workflow task not done (history ${description.historyLength})`);
      await sleep(250);
    }
  }
}

// ---- /proc ----

async function readStatusMb(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
  if (!match?.[1]) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

function readRssMb(pid: number): Promise<number> {
  return readStatusMb(pid, 'VmRSS');
}

// ---- the table ----

export function memoryRows(memory: MemoryResult): TableRow[] {
  return [
    {
      figure: `worker RSS, ${memory.exams} exams waiting (${memory.bundle} bundle)`,
      measured: `${memory.rssMb} MB (idle ${memory.idleRssMb}, peak ${memory.peakRssMb})`,
      target: '≤ 400 MB',
      met: memory.rssMb <= 400,
    },
    {
      figure: `worker RSS growth, 1000 → ${memory.exams} waiting`,
      measured: `${memory.growthMb} MB (${memory.rssMbAt1000} → ${memory.rssMb})`,
      target: '≤ 50 MB',
      met: memory.growthMb <= 50,
    },
  ];
}
