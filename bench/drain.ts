/**
 * Drain: a backlog of arranged exams (a campus-recruiting wave) submitted to a Feishu sandbox that enforces the
 * documented quota (50/s and 1000/min per API × app × tenant). The product's workers drain it through the
 * rate-limited login-info task queue; the baseline calls the official SDK's `hire.ecoExam.loginInfo` in a plain
 * concurrent loop against a fresh sandbox. Both are measured from the sandbox's own request log.
 */
import * as lark from '@larksuiteoapi/node-sdk';
import { DefaultLogger } from '@temporalio/worker';
import { startExam } from '../src/client';
import { ecoExamWorkflowId } from '../src/common/constants';
import { examArranged } from '../src/workflows/definitions';
import { productDataConverter } from '../src/codec';
import { createFeishuClient } from '../src/feishu';
import { FeishuSandbox, type RecordedRequest } from '../sandbox/feishu-sandbox';
import { createWorkers, runWorkers } from '../src/worker/compose';
import { workflowBundle } from '../src/worker/bundle';
import { loadWorkerConfig } from '../src/config';
import type { WorkerSettingsDeps } from '../src/activities';
import { callFigures, perSecond } from './calls';
import { connectClient, connectNative, examId, inBatches, sleep, uniqueId, type BenchContext } from './context';

export interface DrainSide {
  exams: number;
  accepted: number;
  throttled: number;
  seconds: number;
  ratePerMin: number;
  max1s: number;
  max60s: number;
}
export interface DrainResult extends DrainSide {
  callsPerSecond: number;
  /** Calls per second over the drain (for the plot). */
  perSecond: number[];
  baseline: DrainSide & { perSecond: number[]; concurrency: number };
}

const APP = { appId: 'cli_bench', appSecret: 'bench-secret' };
const body = (id: string) => ({
  result: 0,
  msg: 'success',
  exam_login_info: { exam_url: `https://exam.example/t/${id}`, username: `u-${id}`, password: `p-${id}` },
});

/**
 * The product's workers, configured as production is (defaults of src/config/worker.ts), against `feishuUrl`.
 * `settings` are the worker's result settings; by default none (RESULT_TIMEOUT=0): the login-info benchmarks'
 * exams end at `submitted`, without a result phase.
 */
export async function startProductWorkers(
  ctx: BenchContext,
  taskQueue: string,
  feishuUrl: string,
  settings: WorkerSettingsDeps = { resultTimeoutMs: 0 },
) {
  const defaults = loadWorkerConfig({
    FEISHU_APP_ID: APP.appId,
    FEISHU_APP_SECRET: APP.appSecret,
    PAYLOAD_ENCRYPTION_KEYS: ctx.payloadKeys,
  });
  const connection = await connectNative(ctx);
  const workers = await createWorkers({
    connection,
    namespace: ctx.namespace,
    taskQueue,
    workflowBundle: await workflowBundle(new DefaultLogger('ERROR')),
    activities: {
      feishu: createFeishuClient({
        baseUrl: feishuUrl,
        ...APP,
        appType: 'custom',
        timeoutMs: defaults.FEISHU_REQUEST_TIMEOUT_MS,
        callsPerSecond: defaults.FEISHU_CALLS_PER_SECOND,
      }),
      settings,
    },
    callsPerSecond: defaults.FEISHU_CALLS_PER_SECOND,
    // A custom app, as src/worker.ts configures one: one tenant, so the queue-wide limit is the tenant's.
    queueCallsPerSecond: defaults.FEISHU_CALLS_PER_SECOND,
    maxCachedWorkflows: defaults.WORKER_MAX_CACHED_WORKFLOWS,
    dataConverter: productDataConverter(ctx.payloadKeys),
    shutdownGraceTime: 2000,
  });
  const running = runWorkers(workers);
  return {
    callsPerSecond: defaults.FEISHU_CALLS_PER_SECOND,
    async stop() {
      for (const worker of workers) worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

function summarise(requests: RecordedRequest[], exams: number): DrainSide & { perSecond: number[] } {
  const figures = callFigures(requests);
  return {
    exams,
    accepted: figures.accepted,
    throttled: figures.throttled,
    seconds: figures.seconds,
    ratePerMin: figures.ratePerMin,
    max1s: figures.max1s,
    max60s: figures.max60s,
    perSecond: perSecond(requests),
  };
}

export async function runDrainBench(ctx: BenchContext): Promise<DrainResult> {
  const exams = ctx.quick ? 1200 : 3000;
  const ids = Array.from({ length: exams }, () => examId());

  // --- the product
  const sandbox = await FeishuSandbox.start({ apps: [{ ...APP, type: 'custom' }] });
  const { client, close } = await connectClient(ctx);
  const taskQueue = uniqueId('drain');
  ctx.log(`drain: starting and arranging ${exams} exams (no worker yet: a backlog)…`);
  await inBatches(ids, 50, async (id) => {
    await startExam(client, { examId: id, tenantKey: 'tenant-bench' }, { taskQueue });
    // The signal, not the arrangeExam update: an update needs a live worker, and the backlog has none yet.
    await client.workflow.getHandle(ecoExamWorkflowId(id)).signal(examArranged, body(id));
  });
  ctx.log('drain: backlog ready; starting the workers');
  const workers = await startProductWorkers(ctx, taskQueue, sandbox.url);
  const deadline = Date.now() + (exams / 10) * 1000 + 120_000;
  while (sandbox.acceptedLoginInfo().length < exams && Date.now() < deadline) await sleep(500);
  await workers.stop();
  const ours = summarise(sandbox.loginInfoRequests(), exams);
  await sandbox.close();
  await close();
  ctx.log(
    `drain: ${ours.accepted}/${exams} accepted in ${ours.seconds}s, ${ours.ratePerMin}/min, ${ours.throttled} throttled`,
  );
  ctx.log(`drain: calls per second ${ours.perSecond.join(' ')}`);

  // --- the baseline: the official SDK in a plain concurrent loop
  const concurrency = 20;
  const baselineSandbox = await FeishuSandbox.start({ apps: [{ ...APP, type: 'custom' }] });
  const quiet = {
    error: () => undefined,
    warn: () => undefined,
    info: () => undefined,
    debug: () => undefined,
    trace: () => undefined,
  };
  const sdk = new lark.Client({ ...APP, domain: baselineSandbox.url, logger: quiet });
  const queue = [...ids];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        try {
          await sdk.hire.ecoExam.loginInfo({ path: { exam_id: id }, data: body(id) });
        } catch {
          // A 429 (or any error) throws an AxiosError: the plain loop moves on; the sandbox counted it.
        }
      }
    }),
  );
  const baseline = summarise(baselineSandbox.loginInfoRequests(), exams);
  await baselineSandbox.close();
  ctx.log(`drain baseline: ${baseline.accepted}/${exams} accepted, ${baseline.throttled} throttled`);
  return { ...ours, callsPerSecond: workers.callsPerSecond, baseline: { ...baseline, concurrency } };
}
