/**
 * `npx tsx bench/fairness-probe.ts [--keys 3] [--per-key 40] [--rate 5] [--partitions 1|default] [--no-fairness] [--unkeyed] [--max-seconds 90]`:
 * measures what the Temporal server's per-fairness-key rate limit really does before the product relies on it.
 * Its own dev server (matching.enableFairness=true unless --no-fairness), `keys` tenants × `perKey` activities at
 * once on one activity task queue, the per-key limit `rate` set by UpdateTaskQueueConfig (src/common/task-queue-quota.ts),
 * two activity worker processes. Prints, per key, calls per second over its run and the most in any 1 s.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { startDevServer } from '../scripts/dev-server';
import { resolveTemporalCli } from '../scripts/temporal-cli';
import { applyQueueQuota } from '../src/common/task-queue-quota';
import { maxInWindow, round, sleep, uniqueId } from './context';
import { optionValue } from './entry';

const arg = (argv: string[], name: string, fallback: string): string => optionValue(argv, name) ?? fallback;

async function runActivityWorker(address: string, taskQueue: string): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    activities: {
      probeCall: async (key: string): Promise<number> => {
        const at = Date.now();
        process.send?.({ key, at });
        return at;
      },
    },
  });
  process.on('message', () => worker.shutdown());
  process.send?.('ready');
  await worker.run();
  await connection.close();
}

type Call = { key: string; at: number };

function startChild(address: string, taskQueue: string, calls: Call[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', __filename, '--worker', address, taskQueue], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.on('message', (message: Call | 'ready') => {
      if (message === 'ready') resolve(child);
      else calls.push(message);
    });
    child.once('exit', (code) => reject(new Error(`probe worker exited early (${code})`)));
  });
}

async function main(argv: string[]): Promise<void> {
  const workerAt = argv.indexOf('--worker');
  if (workerAt >= 0) return runActivityWorker(argv[workerAt + 1]!, argv[workerAt + 2]!);
  const keys = Number(arg(argv, 'keys', '3'));
  const perKey = Number(arg(argv, 'per-key', '40'));
  const rate = Number(arg(argv, 'rate', '5'));
  const partitionsArg = arg(argv, 'partitions', '1');
  const partitions = partitionsArg === 'default' ? undefined : Number(partitionsArg);
  const fairness = !argv.includes('--no-fairness');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const server = await startDevServer({
    cliPath: await resolveTemporalCli(),
    fairness,
    taskQueuePartitions: partitions ?? 'server-default',
  });
  const children: ChildProcess[] = [];
  const calls: Call[] = [];
  try {
    const taskQueue = uniqueId('probe');
    const activityQueue = `${taskQueue}-calls`;
    const connection = await Connection.connect({ address: server.address });
    await applyQueueQuota(connection.workflowService, {
      namespace: 'default',
      identity: 'fairness-probe',
      taskQueue: activityQueue,
      perKeyPerSecond: rate,
    });
    children.push(await startChild(server.address, activityQueue, calls));
    children.push(await startChild(server.address, activityQueue, calls));
    const native = await NativeConnection.connect({ address: server.address });
    const worker = await Worker.create({
      connection: native,
      taskQueue,
      workflowsPath: require.resolve('./fairness-probe-workflow'),
    });
    const client = new Client({ connection });
    const names = Array.from({ length: keys }, (_, i) => `tenant-${i + 1}`);
    const started = Date.now();
    const handle = await client.workflow.start('fairnessProbeWorkflow', {
      taskQueue,
      workflowId: uniqueId('probe'),
      args: [{ taskQueue: activityQueue, keys: names, perKey, unkeyed: argv.includes('--unkeyed') }],
    });
    // Bounded: until every key's calls are done, or --max-seconds (default 90).
    const maxMs = Number(arg(argv, 'max-seconds', '90')) * 1000;
    await worker.runUntil(async () => {
      const deadline = Date.now() + maxMs;
      while (Date.now() < deadline && names.some((n) => calls.filter((c) => c.key === n).length < perKey)) {
        await sleep(200);
        if (argv.includes('--verbose')) console.error('calls so far', calls.length);
      }
      await handle.terminate('probe done').catch(() => undefined); // already done: fine
    });
    const summary = names.map((key) => {
      const at = calls.filter((c) => c.key === key).map((c) => c.at);
      const first = Math.min(...at);
      const last = Math.max(...at);
      const afterBurst = at.filter((t) => t >= first + 1000);
      return {
        key,
        calls: at.length,
        firstCallAfterMs: first - started,
        perSecond: round((at.length - 1) / ((last - first) / 1000), 2),
        perSecondAfterFirstSecond: round((afterBurst.length - 1) / ((last - first - 1000) / 1000), 2),
        max1s: maxInWindow(at, 1000),
        max1sAfterFirstSecond: maxInWindow(afterBurst, 1000),
        in500msFromFirst: at.filter((t) => t < first + 500).length,
      };
    });
    const all = calls.map((c) => c.at);
    const runSeconds = round((Date.now() - started) / 1000);
    console.log(
      JSON.stringify(
        {
          keys,
          perKey,
          rate,
          unkeyed: argv.includes('--unkeyed'),
          partitions: partitions ?? 'server default',
          fairness,
          workers: 2,
          summary,
          allMax1s: maxInWindow(all, 1000),
          runSeconds,
        },
        null,
        2,
      ),
    );
    await native.close();
    await connection.close();
  } finally {
    for (const child of children) child.send('stop');
    // Bounded: a worker that has not stopped in 5 s is killed (by its own pid).
    await Promise.all(
      children.map(
        (c) =>
          new Promise((resolve) => {
            if (c.exitCode !== null) return resolve(null);
            const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
            c.once('exit', () => {
              clearTimeout(timer);
              resolve(null);
            });
          }),
      ),
    );
    await server.stop();
  }
}

main(process.argv.slice(2)).then(
  // The SDK's runtime keeps the event loop alive: exit once done.
  () => process.exit(),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
