/**
 * 回传笔试结果: `POST /open-apis/hire/v1/eco_exams/:exam_id/update_result` (docs/feishu.md#update_result). Body
 * `{ result: string, result_time?: string, report_list?: [{ name, url, answer_time? }], detail_list?: [{ id?, name,
 * result }] }`, times in milliseconds as strings. Each accepted call replaces the exam's result; once the customer
 * has finished marking (setExamMarking / `PUT /_sandbox/exams/:examId/marking`), 400 / 1002855.
 *
 * Sandbox choices where the docs are silent (besides those of ./body-checks.ts): a time must be digits only; any
 * exam id is accepted (Feishu's check that the exam exists is not modelled).
 */
import { z } from 'zod';
import { CODE, errorReply } from '../envelope';
import type { Reply } from '../http';
import { examIdPath, type ApiCall, type ApiRoute } from './api';
import { checkJsonBody, optionalString, typeError } from './body-checks';

const requiredString = z.string(typeError('a string'));
const optionalMs = optionalString.refine((value) => value == null || /^\d+$/.test(value), {
  error: 'must be a time in milliseconds (a string of digits)',
});

/** The documented body: `result` required; lists of reports and per-part details optional. */
const updateResultBodySchema = z.object(
  {
    result: requiredString,
    result_time: optionalMs,
    report_list: z
      .array(
        z.object({ name: requiredString, url: requiredString, answer_time: optionalMs }, typeError('an object')),
        typeError('an array'),
      )
      .nullish(),
    detail_list: z
      .array(
        z.object({ id: optionalString, name: requiredString, result: requiredString }, typeError('an object')),
        typeError('an array'),
      )
      .nullish(),
  },
  typeError('a JSON object'),
);

/** Content type → body → marking state → success. */
function acceptUpdateResult(call: ApiCall): Reply {
  const refused = checkJsonBody(call, updateResultBodySchema);
  if (refused) return refused;
  const { record, markingState } = call;
  if (markingState(record.examId ?? '') === 'finished') {
    return errorReply(400, record.response.logId, CODE.markingFinished);
  }
  return { kind: 'json', status: 200, body: { code: 0, msg: 'success', data: {} } };
}

export const updateResult = {
  endpoint: 'update_result',
  method: 'POST',
  match: examIdPath(/^\/open-apis\/hire\/v1\/eco_exams\/([^/]+)\/update_result$/),
  handle: acceptUpdateResult,
} as const satisfies ApiRoute<'update_result'>;
