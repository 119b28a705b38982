import { createNotifyExamSystem, type NotifyExamSystemDeps } from './notify-exam-system';
import { createSubmitLoginInfo, type SubmitLoginInfoDeps } from './submit-login-info';
import { createSubmitExamResult, type SubmitExamResultDeps } from './submit-exam-result';
import { createWorkerSettings, type WorkerSettingsDeps } from './worker-settings';
import { createSyncAccountCustomFields, createSyncExamPapers, type SyncAccountDeps } from './sync-account';

export type { SubmitLoginInfoInput } from './submit-login-info';
export type { SubmitExamResultInput } from './submit-exam-result';
export type { ExamCreatedNotification, AccountBoundNotification } from './notify-exam-system';
export type { SyncExamPapersInput, SyncAccountCustomFieldsInput } from './sync-account';
export type { WorkerSettingsDeps } from './worker-settings';

export interface ActivityDeps extends Omit<SubmitLoginInfoDeps, 'feishu'> {
  /** The account APIs are optional so that exam-only test doubles need not fake them (a call then fails clearly). */
  feishu: SubmitLoginInfoDeps['feishu'] & SubmitExamResultDeps['feishu'] & Partial<SyncAccountDeps['feishu']>;
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
    syncExamPapers: createSyncExamPapers(deps),
    syncAccountCustomFields: createSyncAccountCustomFields(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
