import { Worker, type InjectedSinks, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities, type ActivityDeps } from '../activities';
import {
  customFieldsTaskQueue,
  examPapersTaskQueue,
  loginInfoTaskQueue,
  updateResultTaskQueue,
} from '../shared/constants';
import { EXAM_METRICS_SINK, noopExamMetrics, type ExamMetrics, type ExamMetricsSinks } from '../shared/metrics';
import { workflowBundle } from './bundle';

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
   * submitLoginInfo starts per second on its task queue, enforced by the Temporal server for all workers together
   * (the last poller's value wins, so give every worker the same one).
   */
  callsPerSecond?: number;
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
 * The sinks the workflows report to (src/shared/metrics.ts): run in the worker process, outside the sandbox, and
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
 * `<taskQueue>-custom-fields` — each under its own server-side rate limit, so nothing else spends that quota.
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
  const feishu = await Worker.create({
    ...common,
    taskQueue: loginInfoTaskQueue(options.taskQueue),
    activities: { submitLoginInfo },
    ...(options.callsPerSecond !== undefined && { maxTaskQueueActivitiesPerSecond: options.callsPerSecond }),
  });
  // update_result has its own Feishu quota: its own queue and server-side rate limit.
  const results = await Worker.create({
    ...common,
    taskQueue: updateResultTaskQueue(options.taskQueue),
    activities: { submitExamResult },
    ...(options.callsPerSecond !== undefined && { maxTaskQueueActivitiesPerSecond: options.callsPerSecond }),
  });
  // eco_exam_papers and eco_account_custom_fields: each its own Feishu quota, so each its own queue and rate limit.
  const papers = await Worker.create({
    ...common,
    taskQueue: examPapersTaskQueue(options.taskQueue),
    activities: { syncExamPapers },
    ...(options.callsPerSecond !== undefined && { maxTaskQueueActivitiesPerSecond: options.callsPerSecond }),
  });
  const customFields = await Worker.create({
    ...common,
    taskQueue: customFieldsTaskQueue(options.taskQueue),
    activities: { syncAccountCustomFields },
    ...(options.callsPerSecond !== undefined && { maxTaskQueueActivitiesPerSecond: options.callsPerSecond }),
  });
  return [main, feishu, results, papers, customFields];
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
