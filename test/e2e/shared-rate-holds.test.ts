/**
 * Issue 14: a 429 for one tenant holds back that tenant's calls of that API in EVERY worker process, and a worker that
 * dies holding leaves only a hold that ends on its own. On the real dev server, with the product's worker composition
 * (createWorkers) and Feishu client (createFeishuClient with shared holds, as src/worker.ts wires it) against the
 * sandbox: several worker sets, each with its own connection, client and gate (as separate processes have), a store
 * app with two tenants, and one 429 for tenant A's login_info. docs/performance.md#quota-design.
 */
import { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createWorkers, runWorkers } from '../../src/worker/compose';
import { workflowBundle } from '../../src/worker/bundle';
import { createFeishuClient, SharedRateHolds, tenantTag, type FetchLike } from '../../src/feishu';
import { TemporalAppTickets } from '../../src/client/app-tickets';
import { TemporalRateHolds } from '../../src/client/rate-holds';
import { arrangeExam, startExam } from '../../src/client';
import { ecoExamWorkflowId } from '../../src/common/constants';
import { productDataConverter } from '../../src/codec';
import type { ecoExamWorkflow } from '../../src/workflows/eco-exam-workflow';
import { FeishuSandbox, type RecordedRequest } from '../../sandbox/feishu-sandbox';
import { testEnv, testPayloadKeys, uniqueId } from '../support/temporal';
import { maxInWindow } from '../../sandbox/request-log';

/** Per tenant and API, all worker sets together (the server's per-fairness-key rate). */
const RATE = 4;
const WORKER_HEADER = 'x-test-worker-set';

let env: TestWorkflowEnvironment;
let sandbox: FeishuSandbox;
let bundle: Awaited<ReturnType<typeof workflowBundle>>;
const app = { appId: uniqueId('cli_holds'), appSecret: 'holds-secret' };
// One task queue for the file: the store app's ticket workflow lives on it (any set's main worker serves it).
const taskQueue = uniqueId('tq-holds');
const sharedErrors: string[] = [];

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  env = await testEnv();
  sandbox = await FeishuSandbox.start({ apps: [{ ...app, type: 'store' }] });
  bundle = await workflowBundle(new DefaultLogger('WARN'));
  const ticket = uniqueId('ticket');
  sandbox.provideAppTicket(app.appId, ticket);
  await new TemporalAppTickets(env.client, taskQueue).save(app.appId, ticket);
}, 180_000);
afterAll(async () => {
  await sandbox?.close();
  await env?.teardown();
});

interface WorkerSet {
  name: string;
  stop(): Promise<void>;
}

/** The product's workers and Feishu client as one worker process has them; its requests carry its name. */
async function startSet(name: string): Promise<WorkerSet> {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS! });
  const dataConverter = productDataConverter(testPayloadKeys());
  const namespace = env.namespace ?? 'default';
  const client = new Client({ connection, namespace, dataConverter });
  const tagged: FetchLike = (input, init) =>
    fetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), [WORKER_HEADER]: name } });
  const feishu = createFeishuClient({
    baseUrl: sandbox.url,
    ...app,
    appType: 'store',
    timeoutMs: 5000,
    // As the worker entry sets it (FEISHU_CALLS_PER_SECOND): spaces the calls a hold released in this process.
    callsPerSecond: RATE,
    fetch: tagged,
    appTickets: new TemporalAppTickets(client, taskQueue),
    sharedHolds: new SharedRateHolds(new TemporalRateHolds(client, taskQueue), {
      onError: (what, err) => sharedErrors.push(`${name} ${what}: ${(err as Error).message}`),
    }),
  });
  const workers = await createWorkers({
    connection,
    dataConverter,
    namespace,
    taskQueue,
    workflowBundle: bundle,
    activities: { feishu, settings: { resultTimeoutMs: 0 } },
    callsPerSecond: RATE,
    shutdownGraceTime: 500,
    identity: name,
  });
  const running = runWorkers(workers);
  return {
    name,
    async stop() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

async function arranged(tenantKey: string): Promise<string> {
  const examId = uniqueId(tenantKey);
  await startExam(env.client, { examId, tenantKey }, { taskQueue });
  await arrangeExam(env.client, examId, { exam_login_info: { exam_url: 'https://exam.example/holds' } });
  return examId;
}

async function until<T>(read: () => T | Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The 429 the sandbox answered for `examId`, once it has. */
async function the429(examId: string): Promise<RecordedRequest> {
  const [hit] = await until(
    () => sandbox.loginInfoRequests(examId).filter((r) => r.response.status === 429),
    (hits) => hits.length > 0,
  );
  return hit!;
}

/** Waits until every worker's next call will have read the hold (it is in the memo, and the read interval passed). */
async function holdVisibleToAll(tenantKey: string): Promise<void> {
  const store = new TemporalRateHolds(env.client, taskQueue);
  const never = new AbortController().signal;
  await until(
    () => store.read(never),
    (holds) => holds.some((hold) => hold.tenant === tenantTag(tenantKey) && hold.untilMs > Date.now()),
  );
  await new Promise((resolve) => setTimeout(resolve, 1100));
}

async function expectEachSubmittedOnce(examIds: string[]): Promise<void> {
  for (const examId of examIds) {
    const result = await env.client.workflow.getHandle<typeof ecoExamWorkflow>(ecoExamWorkflowId(examId)).result();
    expect(result).toMatchObject({ status: 'submitted' });
    expect(sandbox.acceptedLoginInfo(examId)).toHaveLength(1);
  }
}

const maxInSecond = (times: number[]): number => maxInWindow(times, 1000);

const loginInfoOf = (tenantKey: string) =>
  sandbox.loginInfoRequests().filter((request) => request.tenantKey === tenantKey);

it('a 429 for tenant A holds A’s login_info in every worker until the reset; tenant B goes on; each exam once', async () => {
  const sets = [await startSet('set-1'), await startSet('set-2'), await startSet('set-3')];
  try {
    const first = uniqueId('a');
    sandbox.injectFault({ kind: 'rate_limit', resetSeconds: 3 }, { examId: first, times: 1 });
    await startExam(env.client, { examId: first, tenantKey: 'tenant-a' }, { taskQueue });
    await arrangeExam(env.client, first, { exam_login_info: { exam_url: 'https://exam.example/holds' } });
    const hit = await the429(first);
    const holdEnds = hit.at + 3000;
    await holdVisibleToAll('tenant-a');

    const examsA: string[] = [];
    const examsB: string[] = [];
    for (let i = 0; i < 12; i++) {
      examsA.push(await arranged('tenant-a'));
      examsB.push(await arranged('tenant-b'));
    }
    await expectEachSubmittedOnce([first, ...examsA, ...examsB]);

    const aAfter = loginInfoOf('tenant-a').filter((request) => request.seq > hit.seq);
    const bDuring = loginInfoOf('tenant-b').filter((request) => request.at < holdEnds);
    // No tenant-A login_info reached Feishu before the reset, from any worker set…
    expect(aAfter.length).toBeGreaterThanOrEqual(13);
    expect(Math.min(...aAfter.map((request) => request.at))).toBeGreaterThanOrEqual(holdEnds);
    // …including sets that never got the 429 themselves (otherwise this would prove nothing).
    const receiver = hit.headers[WORKER_HEADER];
    expect(new Set(aAfter.map((request) => request.headers[WORKER_HEADER])).size).toBeGreaterThanOrEqual(2);
    expect(aAfter.some((request) => request.headers[WORKER_HEADER] !== receiver)).toBe(true);
    // The calls held in each worker leave at its pacer's rate when the hold ends, not all at once.
    expect(maxInSecond(aAfter.map((request) => request.at))).toBeLessThanOrEqual(sets.length * (RATE + 1));
    // Tenant B was not held: its calls went out while A waited.
    expect(bDuring.length).toBeGreaterThanOrEqual(1);
    expect(loginInfoOf('tenant-a').filter((r) => r.response.status === 429)).toHaveLength(1);
    expect(sharedErrors).toEqual([]);
  } finally {
    await Promise.all(sets.map((set) => set.stop()));
  }
}, 120_000);

it('a worker that dies holding leaves only a hold that ends: the others resume at its end', async () => {
  const sets = new Map<string, WorkerSet>();
  for (const name of ['set-4', 'set-5']) sets.set(name, await startSet(name));
  try {
    const first = uniqueId('a');
    sandbox.injectFault({ kind: 'rate_limit', resetSeconds: 2 }, { examId: first, times: 1 });
    await startExam(env.client, { examId: first, tenantKey: 'tenant-a' }, { taskQueue });
    await arrangeExam(env.client, first, { exam_login_info: { exam_url: 'https://exam.example/holds' } });
    const hit = await the429(first);
    const holdEnds = hit.at + 2000;
    // The set that got the 429 dies at once (its attempt of `first` is cancelled and retried elsewhere).
    const dying = hit.headers[WORKER_HEADER]!;
    await sets.get(dying)!.stop();
    sets.delete(dying);
    const [survivor] = [...sets.keys()];
    await holdVisibleToAll('tenant-a');

    const examsA: string[] = [];
    for (let i = 0; i < 3; i++) examsA.push(await arranged('tenant-a'));
    await expectEachSubmittedOnce([first, ...examsA]);

    const aAfter = loginInfoOf('tenant-a').filter((request) => request.seq > hit.seq);
    expect(aAfter.every((request) => request.headers[WORKER_HEADER] === survivor)).toBe(true);
    const resumedAt = Math.min(...aAfter.map((request) => request.at));
    expect(resumedAt).toBeGreaterThanOrEqual(holdEnds);
    // The survivor resumed at the hold's end (a worker that died holds no budget beyond it).
    expect(resumedAt - holdEnds).toBeLessThan(1500);
    const store = new TemporalRateHolds(env.client, taskQueue);
    const left = await store.read(new AbortController().signal);
    expect(left.filter((hold) => hold.untilMs > Date.now())).toEqual([]);
  } finally {
    await Promise.all([...sets.values()].map((set) => set.stop()));
  }
}, 120_000);
