/**
 * The eco-exam papers API family (`/open-apis/hire/v1/eco_exam_papers...`, docs/feishu.md#papers): the vendor
 * publishes each account's papers; a customer can only create an exam with one of them.
 *   POST  /open-apis/hire/v1/eco_exam_papers                 eco_exam_papers               the list, full replacement
 *   PATCH /open-apis/hire/v1/eco_exam_papers/batch_update    eco_exam_papers_batch_update  existing ids, every field
 *   POST  /open-apis/hire/v1/eco_exam_papers/batch_delete    eco_exam_papers_batch_delete  unknown ids are ignored
 * Each is its own API for the quota and the request log; faults apply as to every Open API call.
 *
 * Sandbox choices where the docs are silent: `null` optional fields are absent; unknown fields are ignored; an id
 * longer than 255 characters is truncated (as the docs say) before anything else; `name` must not be empty;
 * `duration` and `question_count` are integers ≥ 0; `start_time`/`end_time` are digit strings; a list repeating an
 * id, an empty `paper_list` or `paper_id_list`, and a batch_update id the account does not have are 1002002.
 */
import { z } from 'zod';
import { parameterIllegal } from '../envelope';
import type { Reply } from '../http';
import type { EcoPaper } from '../eco-accounts';
import type { ApiCall, ApiRoute } from './api';
import { checkedBody, success, typeError } from './body-checks';
import { exactPath, tenantOfCall } from './account-support';

const MAX_ID_CHARS = 255;

/** The docs: ids longer than 255 characters are truncated (by character, not UTF-16 unit). */
export function truncatePaperId(id: string): string {
  const chars = Array.from(id);
  return chars.length > MAX_ID_CHARS ? chars.slice(0, MAX_ID_CHARS).join('') : id;
}

const paperId = z.string(typeError('a string')).min(1, { error: 'must not be empty' }).transform(truncatePaperId);
const count = z
  .number(typeError('an integer'))
  .int({ error: 'must be an integer' })
  .min(0, { error: 'must not be negative' })
  .nullish();
const millis = z
  .string(typeError('a string of digits'))
  .regex(/^\d{1,16}$/, { error: 'must be milliseconds since the epoch, as a string of digits' })
  .nullish();

const paperSchema = z
  .object(
    {
      id: paperId,
      name: z
        .string(typeError('a string'))
        .min(1, { error: 'must not be empty' })
        .refine((name) => Array.from(name).length <= 255, { error: 'must be at most 255 characters' }),
      duration: count,
      question_count: count,
      start_time: millis,
      end_time: millis,
    },
    typeError('an object'),
  )
  .superRefine((paper, ctx) => {
    if (paper.start_time && paper.end_time && Number(paper.start_time) >= Number(paper.end_time)) {
      ctx.addIssue({ code: 'custom', path: ['end_time'], message: 'must be after start_time' });
    }
  });

const accountId = z.string(typeError('a string')).min(1, { error: 'must not be empty' });

const paperListBodySchema = z.object(
  {
    account_id: accountId,
    paper_list: z
      .array(paperSchema, typeError('an array'))
      .min(1, { error: 'must list at least one paper' })
      .superRefine((papers, ctx) => {
        const seen = new Set<string>();
        papers.forEach((paper, index) => {
          if (seen.has(paper.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: 'repeats an id' });
          seen.add(paper.id);
        });
      }),
  },
  typeError('a JSON object'),
);

const paperDeleteBodySchema = z.object(
  {
    account_id: accountId,
    paper_id_list: z.array(paperId, typeError('an array')).min(1, { error: 'must list at least one paper id' }),
  },
  typeError('a JSON object'),
);

type ParsedPaper = z.infer<typeof paperSchema>;

/** The paper as Feishu keeps it: absent and null optional fields are left out. */
function storedPaper(paper: ParsedPaper): EcoPaper {
  const stored: EcoPaper = { id: paper.id, name: paper.name };
  if (paper.duration != null) stored.duration = paper.duration;
  if (paper.question_count != null) stored.question_count = paper.question_count;
  if (paper.start_time != null) stored.start_time = paper.start_time;
  if (paper.end_time != null) stored.end_time = paper.end_time;
  return stored;
}

/** 创建试卷列表: the account's list becomes exactly this one. */
function createPapers(call: ApiCall): Reply {
  const checked = checkedBody(call, paperListBodySchema);
  if ('reply' in checked) return checked.reply;
  const { account_id: account, paper_list: papers } = checked.body;
  call.accounts.setPapers(tenantOfCall(call), account, papers.map(storedPaper));
  return success();
}

/** 更新试卷列表: each listed paper replaces the account's paper with its id, every field; unknown ids are refused. */
function updatePapers(call: ApiCall): Reply {
  const checked = checkedBody(call, paperListBodySchema);
  if ('reply' in checked) return checked.reply;
  const { account_id: account, paper_list: papers } = checked.body;
  const tenant = tenantOfCall(call);
  const current = call.accounts.papers(tenant, account);
  const known = new Set(current.map((paper) => paper.id));
  const unknown = papers.flatMap((paper, index) =>
    known.has(paper.id) ? [] : [{ field: `paper_list.${index}.id`, description: 'is not a paper of this account' }],
  );
  if (unknown.length > 0) return parameterIllegal(call.record.response.logId, unknown);
  const updates = new Map(papers.map((paper) => [paper.id, storedPaper(paper)]));
  call.accounts.setPapers(
    tenant,
    account,
    current.map((paper) => updates.get(paper.id) ?? paper),
  );
  return success();
}

/** 删除试卷列表: the listed ids leave the account's list; ids it does not have are ignored. */
function deletePapers(call: ApiCall): Reply {
  const checked = checkedBody(call, paperDeleteBodySchema);
  if ('reply' in checked) return checked.reply;
  const { account_id: account, paper_id_list: ids } = checked.body;
  const tenant = tenantOfCall(call);
  const gone = new Set(ids);
  call.accounts.setPapers(
    tenant,
    account,
    call.accounts.papers(tenant, account).filter((paper) => !gone.has(paper.id)),
  );
  return success();
}

const PAPERS_PATH = '/open-apis/hire/v1/eco_exam_papers';

export const ecoExamPaperApis = [
  { endpoint: 'eco_exam_papers', method: 'POST', match: exactPath(PAPERS_PATH), handle: createPapers },
  {
    endpoint: 'eco_exam_papers_batch_update',
    method: 'PATCH',
    match: exactPath(`${PAPERS_PATH}/batch_update`),
    handle: updatePapers,
  },
  {
    endpoint: 'eco_exam_papers_batch_delete',
    method: 'POST',
    match: exactPath(`${PAPERS_PATH}/batch_delete`),
    handle: deletePapers,
  },
] as const satisfies readonly ApiRoute[];
