import { createSubmitLoginInfo, type SubmitLoginInfoDeps } from './submit-login-info';

export type { SubmitLoginInfoInput } from './submit-login-info';

export type ActivityDeps = SubmitLoginInfoDeps;

/** Every activity of the product, built from injected dependencies (no module-level clients, no process.env). */
export function createActivities(deps: ActivityDeps) {
  return {
    submitLoginInfo: createSubmitLoginInfo(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
