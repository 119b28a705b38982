import { msToNumber } from '@temporalio/common/lib/time';
import { DEFAULT_ARRANGEMENT_TIMEOUT } from '../common/constants';
import type { WorkerSettings } from '../common/types';

/** The worker's configuration that governs every exam (an explicit value in the workflow input wins), in ms. */
export interface WorkerSettingsDeps {
  /** ARRANGEMENT_TIMEOUT; default 7 days. */
  arrangementTimeoutMs?: number;
  /** RESULT_TIMEOUT (0 = no result phase); undefined = the workflow's default. */
  resultTimeoutMs?: number;
  /** RESULT_UPDATE_WINDOW; undefined = the workflow's default. */
  resultUpdateWindowMs?: number;
}

/**
 * Builds the `workerSettings` local activity: ecoExamWorkflow asks it for the settings its input leaves unset — at
 * its start (ARRANGEMENT_TIMEOUT) and when its result phase begins (RESULT_TIMEOUT, RESULT_UPDATE_WINDOW) — so that
 * an exam started by any door (ingest, client helper, Temporal CLI) follows the worker's configuration. Each answer
 * is recorded in the history: a replay, or another worker, keeps it.
 */
export function createWorkerSettings(deps: WorkerSettingsDeps) {
  const settings: WorkerSettings = {
    arrangementTimeoutMs: deps.arrangementTimeoutMs ?? msToNumber(DEFAULT_ARRANGEMENT_TIMEOUT),
    ...(deps.resultTimeoutMs !== undefined && { resultTimeoutMs: deps.resultTimeoutMs }),
    ...(deps.resultUpdateWindowMs !== undefined && { resultUpdateWindowMs: deps.resultUpdateWindowMs }),
  };
  return async function workerSettings(): Promise<WorkerSettings> {
    return { ...settings };
  };
}
