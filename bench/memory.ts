/**
 * Bench section "worker memory": the resident memory of the real worker entry (`src/worker.ts`, as `npm run worker`
 * runs it, in its own process) with 10 000 exams (quick: 2 000) waiting for arrangement.
 *
 * 1. Start the worker on a unique task queue (Feishu never called: no exam is arranged) and wait until it polls.
 * 2. Start the exams with `startExam`, 50 at a time.
 * 3. Wait until the worker has run every exam's first workflow task (the one that reaches the wait for
 *    `examArranged`). The `ExamStatus` search attribute cannot tell (it is set at start), so the task queue's workflow
 *    backlog is polled (`DescribeTaskQueue` with `reportStats`, `stats.approximateBacklogCount`) until it is 0 for a few
 *    seconds in a row; then a sample of exams (the last ones started among them) is described to check each history
 *    went past its first workflow task.
 * 4. Settle 5 s, read VmRSS from /proc/<pid>/status a few times, report the largest; stop the worker with SIGTERM.
 *
 * RSS is the whole process: the main thread (with the workflow bundle webpack built at start), the workflow thread(s)
 * holding the sticky cache, and the Rust core. Measured with the default sticky cache (WORKER_MAX_CACHED_WORKFLOWS
 * 100, which is what bounds memory: ≈ 1.3 MB per cached exam, in line with the SDK's "about 1 MB per cached
 * Workflow"). Opt-in (BENCH_MEMORY_CACHE_ALL=1, full runs only): again with a cache holding every exam
 * (`rssMbCacheAll`), on a 5-minute budget; it is left out, with the reason logged, when that worker dies, passes a
 * safety cap on RSS or runs out of time. Not on by default because on a 2-CPU, 24 GB machine it cannot finish: the
 * workflow thread's V8 heap (Node's default limit, ≈ 4 GB) fills at ≈ 4 500 cached exams (RSS ≈ 5.4 GB), workflow
 * tasks slow to ~20 s under GC, and the thread dies with ERR_WORKER_OUT_OF_MEMORY.
 * `heapUsedMb` is left out: the workflows' heap lives in the worker's workflow thread, which no outside reading (nor the
 * main thread's `process.memoryUsage()`) reports; RSS covers it. Linux only (/proc).
 */
import { readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { temporal } from '@temporalio/proto';
import type { Client } from '@temporalio/client';
import { startExam } from '../src/client';
import { ecoExamWorkflowId } from '../src/common/constants';
import { describeExit, spawnEntry } from '../scripts/support/child-process';
import { connectClient, examId, round, sleep, uniqueId, type BenchContext } from './context';

export interface MemoryResult {
  rssMb: number;
  exams: number;
  heapUsedMb?: number;
  /** RSS with WORKER_MAX_CACHED_WORKFLOWS = exams (every exam cached); full runs only. */
  rssMbCacheAll?: number;
}

const EXAMS = 10_000;
const QUICK_EXAMS = 2_000;
/** The worker's default sticky cache (src/config/worker.ts). */
const DEFAULT_CACHE = 100;
const START_CONCURRENCY = 50;
const READY_TIMEOUT_MS = 120_000;
/** Backlog must read 0 this many times in a row, POLL_MS apart. */
const BACKLOG_ZERO_READINGS = 4;
const POLL_MS = 1_000;
const PROCESS_TIMEOUT_MS = 15 * 60_000;
/** Opt-in: the run with a cache of every exam (`rssMbCacheAll`), and its shorter budget (see the header). */
const CACHE_ALL_ENV = 'BENCH_MEMORY_CACHE_ALL';
const CACHE_ALL_PROCESS_TIMEOUT_MS = 5 * 60_000;
const PROGRESS_LOG_MS = 15_000;
const SETTLE_MS = 5_000;
const RSS_SAMPLES = 5;
const RSS_SAMPLE_GAP_MS = 1_000;
const SAMPLE_EXAMS = 50;
const STOP_TIMEOUT_MS = 20_000;
/** Safety: a worker above this RSS is killed (a cache of every exam may not fit this machine). */
const RSS_CAP_MB = Math.min(8192, (totalmem() / 1024 / 1024) * 0.4);
const RSS_WATCH_MS = 1_000;

export async function runMemoryBench(ctx: BenchContext): Promise<MemoryResult> {
  const exams = ctx.quick ? QUICK_EXAMS : EXAMS;
  const connected = await connectClient(ctx);
  const client = connected.client;
  try {
    const rssMb = await measureWorker(ctx, client, exams, undefined, PROCESS_TIMEOUT_MS);
    const result: MemoryResult = { rssMb, exams };
    // With no more exams than the default cache holds, "cache all" is the same run.
    if (exams <= DEFAULT_CACHE) return result;
    if (process.env[CACHE_ALL_ENV] !== '1') {
      ctx.log(
        `memory: the run with a cache of every exam is skipped (${CACHE_ALL_ENV}=1 runs it; slow, see memory.ts)`,
      );
      return result;
    }
    try {
      result.rssMbCacheAll = await measureWorker(ctx, client, exams, exams, CACHE_ALL_PROCESS_TIMEOUT_MS);
    } catch (err) {
      // A finding, not a failure of the section: the default run stands.
      const lines = (err instanceof Error ? err.message : String(err)).split('\n').filter(Boolean);
      ctx.log(`memory (cache ${exams}): no result: ${[lines[0], ...lines.slice(1).slice(-4)].join(' | ')}`);
    }
    return result;
  } finally {
    await connected.close();
  }
}

/** One worker process, `exams` waiting exams, its largest RSS sample (MB). */
async function measureWorker(
  ctx: BenchContext,
  client: Client,
  exams: number,
  maxCachedWorkflows: number | undefined,
  processTimeoutMs: number,
): Promise<number> {
  const taskQueue = uniqueId('bench-memory');
  const label = `memory (cache ${maxCachedWorkflows ?? `default ${DEFAULT_CACHE}`})`;
  const worker = startWorker(ctx, taskQueue, maxCachedWorkflows);
  try {
    await waitForPoller(client, ctx.namespace, taskQueue, worker);
    const idleRss = await readRssMb(worker.pid);
    ctx.log(`${label}: worker pid ${worker.pid} polling ${taskQueue}, RSS ${round(idleRss)} MB idle`);

    const startedAt = Date.now();
    const ids = await startExams(client, taskQueue, exams);
    ctx.log(`${label}: ${exams} exams started in ${Date.now() - startedAt} ms`);
    await waitForBacklogDrained(ctx, label, client, taskQueue, worker, processTimeoutMs);
    await checkFirstTasksDone(client, ids);
    ctx.log(`${label}: every first workflow task done ${Date.now() - startedAt} ms after the first start`);

    await sleep(SETTLE_MS);
    let rss = 0;
    for (let i = 0; i < RSS_SAMPLES; i++) {
      if (i > 0) await sleep(RSS_SAMPLE_GAP_MS);
      rss = Math.max(rss, await readRssMb(worker.pid));
    }
    const peak = await readStatusMb(worker.pid, 'VmHWM');
    ctx.log(`${label}: RSS ${round(rss)} MB with ${exams} waiting exams (peak VmHWM ${round(peak)} MB)`);
    return round(rss);
  } finally {
    await worker.stop();
  }
}

// ---- the worker process ----

interface WorkerProcess {
  pid: number;
  output(): string;
  exitedEarly(): string | undefined;
  stop(): Promise<void>;
}

/** The real entry, as scripts/local-stack.ts starts it (scripts/support/child-process.ts), under an RSS cap. */
function startWorker(ctx: BenchContext, taskQueue: string, maxCachedWorkflows: number | undefined): WorkerProcess {
  const child = spawnEntry('src/worker.ts', {
    name: 'bench worker',
    keepOutput: 8000,
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
      ...(maxCachedWorkflows !== undefined && { WORKER_MAX_CACHED_WORKFLOWS: String(maxCachedWorkflows) }),
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
