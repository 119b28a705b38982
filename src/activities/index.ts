import { createNotifyExamSystem, type NotifyExamSystemDeps } from './notify-exam-system';
import { createSubmitLoginInfo, type SubmitLoginInfoDeps } from './submit-login-info';
import { createSubmitExamResult, type SubmitExamResultDeps } from './submit-exam-result';
import { createWorkerSettings, type WorkerSettingsDeps } from './worker-settings';

export type { SubmitLoginInfoInput } from './submit-login-info';
export type { SubmitExamResultInput } from './submit-exam-result';
export type { ExamCreatedNotification } from './notify-exam-system';
export type { WorkerSettingsDeps } from './worker-settings';

export interface ActivityDeps extends Omit<SubmitLoginInfoDeps, 'feishu'> {
  feishu: SubmitLoginInfoDeps['feishu'] & SubmitExamResultDeps['feishu'];
  examSystem?: NotifyExamSystemDeps;
  /** The worker's settings for exams whose input leaves them unset (ARRANGEMENT_TIMEOUT…). */
  settings?: WorkerSettingsDeps;
}

/** Every activity of the product, built from injected dependencies (no module-level clients, no process.env). */
export function createActivities(deps: ActivityDeps) {
  return {
    submitLoginInfo: createSubmitLoginInfo(deps),
    submitExamResult: createSubmitExamResult(deps),
    notifyExamSystem: createNotifyExamSystem(deps.examSystem ?? {}),
    workerSettings: createWorkerSettings(deps.settings ?? {}),
  };
}

export type Activities = ReturnType<typeof createActivities>;
