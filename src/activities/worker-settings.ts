/**
 * The worker's settings that govern every exam (RESULT_TIMEOUT, RESULT_UPDATE_WINDOW), handed to the workflow by a
 * local activity at the start of its result phase, so exams started by any caller follow the worker's environment.
 * An explicit value in the workflow input wins. Milliseconds; undefined = the workflow's default.
 */
export interface WorkerSettings {
  resultTimeoutMs?: number;
  resultUpdateWindowMs?: number;
}

export function createWorkerSettings(settings: WorkerSettings) {
  const snapshot: WorkerSettings = { ...settings };
  return {
    workerSettings: async (): Promise<WorkerSettings> => ({ ...snapshot }),
  };
}
