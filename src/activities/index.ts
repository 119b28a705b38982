import { createNotifyExamSystem, type NotifyExamSystemDeps } from './notify-exam-system';
import { createSubmitLoginInfo, type SubmitLoginInfoDeps } from './submit-login-info';

export type { SubmitLoginInfoInput } from './submit-login-info';
export type { ExamCreatedNotification } from './notify-exam-system';

export interface ActivityDeps extends SubmitLoginInfoDeps {
  examSystem?: NotifyExamSystemDeps;
}

/** Every activity of the product, built from injected dependencies (no module-level clients, no process.env). */
export function createActivities(deps: ActivityDeps) {
  return {
    submitLoginInfo: createSubmitLoginInfo(deps),
    notifyExamSystem: createNotifyExamSystem(deps.examSystem ?? {}),
  };
}

export type Activities = ReturnType<typeof createActivities>;
