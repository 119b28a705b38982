import { Worker, type InjectedSinks, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities, type ActivityDeps } from '../activities';
import {
  customFieldsTaskQueue,
  examPapersTaskQueue,
  loginInfoTaskQueue,
  updateResultTaskQueue,
} from '../common/constants';
import { EXAM_METRICS_SINK, noopExamMetrics, type ExamMetrics, type ExamMetricsSinks } from '../common/metrics';
import { workflowBundle } from './bundle';
import { applyQueueQuota, perKeyCallsPerSecond, QUEUE_WIDE_CALLS_PER_SECOND } from '../common/task-queue-quota';

/**
 * THE composition of the product's workers, used by the worker entry (src/worker.ts), the test harness and the
 * bench: the same task queues, activities and limits everywhere, only the dependencies differ.
 */

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityDeps;
  /**
   * Calls per second of each Feishu API for ONE tenant (fairness key), enforced by the Temporal server for all
   * workers together: set at start on each Feishu API's task queue with UpdateTaskQueueConfig (the server needs
   * `matching.enableFairness=true`; docs/performance.md#quota-design). The last worker to start sets it: give every
   * worker the same one. Unset: no server-side limit is set or changed.
   */
  callsPerSecond?: number;
  /**
   * Calls per second of each Feishu API for all tenants together (queue-wide, all workers). A custom app has one
   * tenant: give it `callsPerSecond`, which then holds even on a server without fairness. Default: a 1000/s guard.
   */
  queueCallsPerSecond?: number;
  /** ms */
  shutdownGraceTime?: number;
  maxCachedWorkflows?: number;
  identity?: string;
  /** The product's data converter (src/codec): payloads encrypted, failures encoded. */
  dataConverter?: DataConverter;
  /** Default: `workflowBundle()` (src/worker/bundle.ts). */
  workflowBundle?: WorkflowBundleOption;
  /** Where the workflows' status changes are counted (src/metrics); default: nowhere. */
  examMetrics?: ExamMetrics;
}

/**
 * The sinks the workflows report to (src/common/metrics.ts): run in the worker process, outside the sandbox, and
 * never during replay, so an exam's transition is counted once however often its history is replayed.
 */
export function examMetricsSinks(metrics: ExamMetrics = noopExamMetrics): InjectedSinks<ExamMetricsSinks> {
  return {
    [EXAM_METRICS_SINK]: {
      statusTransition: { fn: (_info, status) => metrics.statusTransition(status), callDuringReplay: false },
    },
  };
}

/**
 * The product's workers on one connection: the main one (workflows and every other activity) on `taskQueue`,
 * and one per Feishu API with its own quota — submitLoginInfo on `<taskQueue>-login-info`, submitExamResult on
 * `<taskQueue>-update-result`, syncExamPapers on `<taskQueue>-exam-papers`, syncAccountCustomFields on
 * `<taskQueue>-custom-fields` — each under its own server-side rate limit per tenant (fairness key), so nothing
 * else spends that quota and one tenant's backlog does not hold back another's.
 */
export async function createWorkers(options: CreateWorkerOptions): Promise<Worker[]> {
  const activities = createActivities(options.activities);
  const common = {
    connection: options.connection,
    namespace: options.namespace,
    shutdownGraceTime: options.shutdownGraceTime ?? 30_000,
    ...(options.dataConverter && { dataConverter: options.dataConverter }),
    // The native layer rejects explicit `undefined`s: pass only what is set.
    ...(options.identity !== undefined && { identity: options.identity }),
  };
  const { submitLoginInfo, submitExamResult, syncExamPapers, syncAccountCustomFields, ...otherActivities } = activities;
  const main = await Worker.create({
    ...common,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle ?? (await workflowBundle()),
    activities: otherActivities,
    sinks: examMetricsSinks(options.examMetrics),
    ...(options.maxCachedWorkflows !== undefined && { maxCachedWorkflows: options.maxCachedWorkflows }),
  });
  const feishuQueues = {
    [loginInfoTaskQueue(options.taskQueue)]: { submitLoginInfo },
    // Each Feishu API has its own quota per tenant: its own queue and server-side limits.
    [updateResultTaskQueue(options.taskQueue)]: { submitExamResult },
    [examPapersTaskQueue(options.taskQueue)]: { syncExamPapers },
    [customFieldsTaskQueue(options.taskQueue)]: { syncAccountCustomFields },
  };
  const feishuWorkers: Worker[] = [];
  for (const [taskQueue, queueActivities] of Object.entries(feishuQueues)) {
    if (options.callsPerSecond !== undefined) {
      await applyQueueQuota(options.connection.workflowService, {
        namespace: options.namespace,
        identity: options.identity ?? 'feishu-exam-bridge-worker',
        taskQueue,
        // A store app's tenants are held by the per-key rate alone: keep their first minute under the quota too.
        perKeyPerSecond:
          options.queueCallsPerSecond === undefined
            ? perKeyCallsPerSecond(options.callsPerSecond)
            : options.callsPerSecond,
        queuePerSecond: options.queueCallsPerSecond ?? QUEUE_WIDE_CALLS_PER_SECOND,
      });
    }
    feishuWorkers.push(await Worker.create({ ...common, taskQueue, activities: queueActivities }));
  }
  return [main, ...feishuWorkers];
}

/** Runs the workers until SIGINT/SIGTERM (the Runtime's shutdown signals) or until one fails; then stops all. */
export async function runWorkers(workers: Worker[]): Promise<void> {
  try {
    await Promise.all(workers.map((worker) => worker.run()));
  } catch (err) {
    for (const worker of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    throw err;
  }
}
