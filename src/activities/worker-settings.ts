import { msToNumber } from '@temporalio/common/lib/time';
import { DEFAULT_ARRANGEMENT_TIMEOUT } from '../shared/constants';
import type { WorkerSettings } from '../shared/types';

/** The worker's configuration that governs every exam (an explicit value in the workflow input wins). */
export interface WorkerSettingsDeps {
  /** ARRANGEMENT_TIMEOUT in ms; default 7 days. */
  arrangementTimeoutMs?: number;
}

/**
 * Builds the `workerSettings` local activity: ecoExamWorkflow asks it, once at its start, for the settings its input
 * leaves unset, so that an exam started by any door (ingest, client helper, Temporal CLI) follows the worker's
 * configuration. Its answer is recorded in the history: a replay, or another worker, keeps it.
 * RESULT_TIMEOUT and RESULT_UPDATE_WINDOW join here when the result phase comes.
 */
export function createWorkerSettings(deps: WorkerSettingsDeps) {
  const settings: WorkerSettings = {
    arrangementTimeoutMs: deps.arrangementTimeoutMs ?? msToNumber(DEFAULT_ARRANGEMENT_TIMEOUT),
  };
  return async function workerSettings(): Promise<WorkerSettings> {
    return { ...settings };
  };
}
