/**
 * feishuRateHoldsWorkflow (src/workflows/rate-holds-workflow.ts) on the real dev server, through the store the workers
 * use (src/client/rate-holds.ts): the latest end wins per API × tenant, ended holds are pruned, a malformed hold is
 * dropped, the memo the workers read agrees with the query, and continue-as-new keeps the holds.
 */
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { productDataConverter } from '../../src/codec';
import { TemporalRateHolds } from '../../src/client/rate-holds';
import { workflowBundle } from '../../src/worker/bundle';
import {
  activeHolds,
  feishuRateHolds,
  feishuRateLimited,
  MAX_RATE_HOLDS,
  mergeHold,
  rateHoldsWorkflowId,
  type RateHold,
} from '../../src/workflows/rate-holds-workflow';
import { testEnv, testPayloadKeys, uniqueId } from '../support/temporal';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueId('tq-holds');

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  env = await testEnv();
  worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: await workflowBundle(new DefaultLogger('WARN')),
    dataConverter: productDataConverter(testPayloadKeys()),
  });
  running = worker.run();
}, 120_000);
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

const never = new AbortController().signal;
const byKey = (holds: RateHold[]) =>
  [...holds].sort((a, b) => `${a.api}${a.tenant}`.localeCompare(`${b.api}${b.tenant}`));

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('mergeHold', () => {
  it('keeps the latest end per key, drops ended ones, and keeps at most MAX_RATE_HOLDS (those that end last)', () => {
    const now = 1_000_000;
    let holds: RateHold[] = [];
    holds = mergeHold(holds, { api: 'login_info', tenant: 'a', untilMs: now + 5000 }, now);
    holds = mergeHold(holds, { api: 'login_info', tenant: 'a', untilMs: now + 1000 }, now);
    holds = mergeHold(holds, { api: 'update_result', tenant: 'a', untilMs: now + 100 }, now);
    expect(holds).toEqual([
      { api: 'login_info', tenant: 'a', untilMs: now + 5000 },
      { api: 'update_result', tenant: 'a', untilMs: now + 100 },
    ]);
    expect(mergeHold(holds, { api: 'login_info', tenant: 'b', untilMs: now + 2000 }, now + 100)).toEqual([
      { api: 'login_info', tenant: 'a', untilMs: now + 5000 },
      { api: 'login_info', tenant: 'b', untilMs: now + 2000 },
    ]);
    for (let i = 0; i < MAX_RATE_HOLDS + 10; i++) {
      holds = mergeHold(holds, { api: 'login_info', tenant: `t${i}`, untilMs: now + 10_000 + i }, now);
    }
    expect(holds).toHaveLength(MAX_RATE_HOLDS);
    expect(holds.at(-1)?.untilMs).toBe(now + 10_000 + 10);
    expect(activeHolds(holds, now + 10_000 + MAX_RATE_HOLDS + 9)).toHaveLength(0);
  });
});

describe('feishuRateHoldsWorkflow', () => {
  it('latest wins, ended holds pruned, malformed dropped; the memo the workers read agrees with the query', async () => {
    const store = new TemporalRateHolds(env.client, taskQueue);
    const handle = env.client.workflow.getHandle(rateHoldsWorkflowId(taskQueue));
    expect(await store.read(never)).toEqual([]); // no workflow yet: no holds
    const now = Date.now();
    const long = { api: 'login_info', tenant: 'aaaa', untilMs: now + 60_000 };
    await store.publish(long, never); // starts it
    await store.publish({ ...long, untilMs: now + 30_000 }, never); // ends earlier: ignored
    const short = { api: 'update_result', tenant: 'aaaa', untilMs: now + 300 };
    await store.publish(short, never);
    await handle.signal(feishuRateLimited, { api: '', tenant: 'aaaa', untilMs: now + 1000 });
    await handle.signal(feishuRateLimited, { api: 'login_info', tenant: 'bbbb', untilMs: now + 24 * 3600_000 });
    const other = { api: 'login_info', tenant: 'cccc', untilMs: now + 20_000 };
    await store.publish(other, never);
    expect(byKey(await handle.query(feishuRateHolds))).toEqual(byKey([long, other, short]));
    // The short hold has ended by now; the next signal prunes it (from the query and the memo).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, now + 400 - Date.now())));
    const third = { api: 'custom_fields', tenant: 'dddd', untilMs: Date.now() + 20_000 };
    await store.publish(third, never);
    const expected = byKey([long, other, third]);
    expect(byKey(await handle.query(feishuRateHolds))).toEqual(expected);
    const read = await until(
      () => store.read(never),
      (holds) => holds.some((hold) => hold.tenant === 'dddd'),
    );
    expect(byKey(read)).toEqual(expected);
    expect((await handle.describe()).status.name).toBe('RUNNING');
  }, 60_000);

  it('continues as new after 500 signals and keeps its holds (and its memo)', async () => {
    const queue = `${taskQueue}-can`;
    const local = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: queue,
      workflowBundle: await workflowBundle(new DefaultLogger('WARN')),
      dataConverter: productDataConverter(testPayloadKeys()),
    });
    const store = new TemporalRateHolds(env.client, queue);
    await local.runUntil(async () => {
      const long = { api: 'login_info', tenant: 'aaaa', untilMs: Date.now() + 120_000 };
      await store.publish(long, never);
      const handle = env.client.workflow.getHandle(rateHoldsWorkflowId(queue));
      const firstRun = (await handle.describe()).runId;
      for (let batch = 0; batch < 10; batch++) {
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            handle.signal(feishuRateLimited, { api: 'update_result', tenant: `t${i}`, untilMs: Date.now() + 500 }),
          ),
        );
      }
      const description = await until(
        () => handle.describe(),
        (d) => d.runId !== firstRun,
      );
      expect(description.runId).not.toBe(firstRun);
      expect(await handle.query(feishuRateHolds)).toContainEqual(long);
      expect(await store.read(never)).toContainEqual(long);
    });
  }, 90_000);
});
