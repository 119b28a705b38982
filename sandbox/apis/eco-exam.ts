/**
 * The eco-exam API family (`/open-apis/hire/v1/eco_exams/...`): `login_info`, where the exam system's login details go
 * back to Feishu, and `update_result` (./update-result.ts), where the exam's result does.
 *
 * Sandbox choices where the docs are silent (besides those of ./body-checks.ts): a closed exam (setExamState) gets
 * 400 / 1002851 at login_info.
 */
import { z } from 'zod';
import { CODE, errorReply } from '../envelope';
import type { Reply } from '../http';
import { examIdPath, type ApiCall, type ApiRoute } from './api';
import { checkJsonBody, optionalString, typeError } from './body-checks';
import { updateResult } from './update-result';

/** The documented body: exam_login_info.exam_url required, everything else optional. */
const loginInfoBodySchema = z.object(
  {
    result: z.number(typeError('an integer')).int({ error: 'must be an integer' }).nullish(),
    msg: optionalString,
    exam_login_info: z.object(
      { exam_url: z.string(typeError('a string')), username: optionalString, password: optionalString },
      typeError('an object'),
    ),
  },
  typeError('a JSON object'),
);

/** Content type → body → exam state → success. */
function acceptLoginInfo(call: ApiCall): Reply {
  const refused = checkJsonBody(call, loginInfoBodySchema);
  if (refused) return refused;
  const { record, examState } = call;
  if (examState(record.examId ?? '') === 'closed')
    return errorReply(400, record.response.logId, CODE.examStateAbnormal);
  return { kind: 'json', status: 200, body: { code: 0, msg: 'SUCCESS', data: {} } };
}

const loginInfo = {
  endpoint: 'login_info',
  method: 'POST',
  match: examIdPath(/^\/open-apis\/hire\/v1\/eco_exams\/([^/]+)\/login_info$/),
  handle: acceptLoginInfo,
} as const satisfies ApiRoute<'login_info'>;

export const ecoExamApis = [loginInfo, updateResult] as const;
