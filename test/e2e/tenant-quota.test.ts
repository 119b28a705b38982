/**
 * Issue 14: Feishu's quota is per API × app × tenant, for all worker processes together. On the real dev server
 * (fairness on, one partition: scripts/dev-server.ts) with the product's worker composition (createWorkers sets the
 * per-tenant rate on the login-info queue) and a fake Feishu client that records each call: each tenant is held to
 * its rate by the two workers together, and one tenant's backlog does not slow another's.
 * docs/performance.md#quota-design (a 429 held in every worker: test/e2e/shared-rate-holds.test.ts).
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createWorkers, runWorkers } from '../../src/worker/compose';
import { workflowBundle } from '../../src/worker/bundle';
import { loginInfoTaskQueue } from '../../src/common/constants';
import { productDataConverter } from '../../src/codec';
import { testEnv, testPayloadKeys, uniqueId } from '../support/temporal';
import { maxInWindow } from '../../sandbox/request-log';

const RATE = 4;

interface Call {
  tenant: string;
  at: number;
  worker: string;
}

let env: TestWorkflowEnvironment;
let bundle: Awaited<ReturnType<typeof workflowBundle>>;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  env = await testEnv();
  bundle = await workflowBundle(new DefaultLogger('WARN'));
}, 180_000);
afterAll(async () => {
  await env?.teardown();
});

/** The product's workers on `taskQueue`, with a Feishu client that records calls. */
async function startWorkers(taskQueue: string, name: string, calls: Call[]): Promise<{ stop(): Promise<void> }> {
  const feishu = {
    submitLoginInfo: async (_examId: string, _body: unknown, options: { tenantKey?: string } = {}) => {
      calls.push({ tenant: options.tenantKey ?? '', at: Date.now(), worker: name });
      return { logId: `log-${calls.length}`, refreshedToken: false };
    },
    updateResult: async () => ({ logId: 'unused', refreshedToken: false }),
  };
  // Its own connection, as a separate worker process has.
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS! });
  const workers = await createWorkers({
    connection,
    dataConverter: productDataConverter(testPayloadKeys()),
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: bundle,
    activities: { feishu, reportAttempts: false },
    callsPerSecond: RATE,
    shutdownGraceTime: 1000,
    identity: name,
  });
  const running = runWorkers(workers);
  return {
    async stop() {
      for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** Runs the driver workflow (test/fixtures/quota-driver-workflow.ts) until its activities are all done. */
async function drive(
  taskQueue: string,
  tenants: Array<{ tenantKey: string; count: number }>,
  driverQueue = `${taskQueue}-driver`,
): Promise<void> {
  const driver = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: driverQueue,
    dataConverter: productDataConverter(testPayloadKeys()),
    workflowsPath: require.resolve('../fixtures/quota-driver-workflow'),
  });
  await driver.runUntil(
    env.client.workflow.execute('quotaDriverWorkflow', {
      taskQueue: driverQueue,
      workflowId: uniqueId('quota-driver'),
      args: [{ taskQueue: loginInfoTaskQueue(taskQueue), tenants }],
      workflowExecutionTimeout: '2 minutes',
    }),
  );
}

const maxInSecond = (times: number[]): number => maxInWindow(times, 1000);

const timesOf = (calls: Call[], tenant: string) => calls.filter((c) => c.tenant === tenant).map((c) => c.at);

it('holds each tenant to its rate across two workers, and one tenant’s backlog does not slow another', async () => {
  const taskQueue = uniqueId('tq-quota');
  const calls: Call[] = [];
  const one = await startWorkers(taskQueue, 'worker-1', calls);
  const two = await startWorkers(taskQueue, 'worker-2', calls);
  try {
    await drive(taskQueue, [
      { tenantKey: 'tenant-a', count: 20 },
      { tenantKey: 'tenant-b', count: 6 },
    ]);
  } finally {
    await Promise.all([one.stop(), two.stop()]);
  }
  const a = timesOf(calls, 'tenant-a');
  const b = timesOf(calls, 'tenant-b');
  expect(a).toHaveLength(20);
  expect(b).toHaveLength(6);
  // Both workers took calls: the limit held for the two together.
  expect(new Set(calls.map((c) => c.worker)).size).toBe(2);
  // B's first call is not queued behind A's backlog.
  expect(Math.min(...b) - Math.min(...a)).toBeLessThan(1000);
  for (const times of [a, b]) {
    const first = Math.min(...times);
    // The server's first burst (docs/performance.md#quota-design: about 8 at once), then the rate exactly.
    const afterFirstSecond = times.filter((t) => t >= first + 1000);
    expect(maxInSecond(afterFirstSecond)).toBeLessThanOrEqual(RATE + 1);
    expect(maxInSecond(times)).toBeLessThanOrEqual(RATE + 8);
  }
  // A's 20 calls cannot all go out in the burst: at RATE/s they take at least (20 - 8 - RATE) / RATE s more.
  expect(Math.max(...a) - Math.min(...a)).toBeGreaterThanOrEqual(((20 - 8 - RATE) / RATE) * 1000 * 0.9);
}, 120_000);
