import { createNotifyExamSystem, type NotifyExamSystemDeps } from './notify-exam-system';
import { createSubmitLoginInfo, type SubmitLoginInfoDeps } from './submit-login-info';
import { createSubmitExamResult, type SubmitExamResultDeps } from './submit-exam-result';
import { createWorkerSettings, type WorkerSettings } from './worker-settings';

export type { SubmitLoginInfoInput } from './submit-login-info';
export type { SubmitExamResultInput } from './submit-exam-result';
export type { ExamCreatedNotification } from './notify-exam-system';
export type { WorkerSettings } from './worker-settings';

export interface ActivityDeps extends Omit<SubmitLoginInfoDeps, 'feishu'> {
  feishu: SubmitLoginInfoDeps['feishu'] & SubmitExamResultDeps['feishu'];
  examSystem?: NotifyExamSystemDeps;
  /** RESULT_TIMEOUT / RESULT_UPDATE_WINDOW of this worker, handed to workflows by the workerSettings local activity. */
  workerSettings?: WorkerSettings;
}

/** Every activity of the product, built from injected dependencies (no module-level clients, no process.env). */
export function createActivities(deps: ActivityDeps) {
  return {
    submitLoginInfo: createSubmitLoginInfo(deps),
    submitExamResult: createSubmitExamResult(deps),
    notifyExamSystem: createNotifyExamSystem(deps.examSystem ?? {}),
    ...createWorkerSettings(deps.workerSettings ?? {}),
  };
}

export type Activities = ReturnType<typeof createActivities>;
