/**
 * Helpers of the account-level API tests (papers, custom fields): a shared sandbox with the admin API wired, and
 * calls with a Bearer token.
 */
import { adminRoutes } from '../../sandbox/admin';
import { FeishuSandbox } from '../../sandbox/feishu-sandbox';
import { JSON_TYPE, send, type Answer } from './support';

export const PAPERS_PATH = '/open-apis/hire/v1/eco_exam_papers';
export const PAPERS_UPDATE_PATH = `${PAPERS_PATH}/batch_update`;
export const PAPERS_DELETE_PATH = `${PAPERS_PATH}/batch_delete`;
export const FIELDS_PATH = '/open-apis/hire/v1/eco_account_custom_fields';
export const FIELDS_UPDATE_PATH = `${FIELDS_PATH}/batch_update`;
export const FIELDS_DELETE_PATH = `${FIELDS_PATH}/batch_delete`;

export const SUCCESS_TEXT = '{"code":0,"msg":"success","data":{}}';

/** An Open API call with the token: POST unless the path is a batch_update (PATCH). */
export function callApi(sandbox: FeishuSandbox, path: string, token: string, body: unknown): Promise<Answer> {
  const method = path.endsWith('/batch_update') ? 'PATCH' : 'POST';
  return send(sandbox, path, body, { authorization: `Bearer ${token}`, 'content-type': JSON_TYPE }, method);
}

export async function admin(sandbox: FeishuSandbox, path: string): Promise<Answer> {
  return send(sandbox, `/_sandbox${path}`, undefined, {}, 'GET');
}

/** One sandbox with the admin API for the file: reset before each case, closed at the end. */
export function sharedAdminSandbox(): { readonly sandbox: FeishuSandbox } {
  let sandbox: FeishuSandbox | undefined;
  beforeAll(async () => {
    const started: FeishuSandbox = await FeishuSandbox.start({ extraRoutes: adminRoutes(() => started) });
    sandbox = started;
  });
  afterAll(async () => {
    await sandbox?.close();
  });
  beforeEach(() => sandbox?.reset());
  return {
    get sandbox(): FeishuSandbox {
      if (!sandbox) throw new Error('the shared sandbox is not started yet');
      return sandbox;
    },
  };
}

/** The field names of a 1002002 answer's `error.field_violations`. */
export function violatedFields(answer: Answer): string[] {
  const error = answer.json.error as { field_violations?: Array<{ field: string }> } | undefined;
  return (error?.field_violations ?? []).map((violation) => violation.field);
}
