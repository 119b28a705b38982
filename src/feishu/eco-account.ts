import { describeZodError } from '../common/schemas';
import {
  accountIdSchema,
  customFieldListSchema,
  paperListSchema,
  type CustomField,
  type Paper,
} from '../common/account-schemas';
import { EXAM_ACCOUNT_SCOPE } from '../common/account-constants';
import { FEISHU_PATHS, feishuPath } from './url';

/**
 * 创建试卷列表 (POST /open-apis/hire/v1/eco_exam_papers) and 创建账号自定义字段 (POST
 * /open-apis/hire/v1/eco_account_custom_fields): both full replacements, Feishu keeps the last list. Bodies are checked
 * here, before any request; the calls go through FeishuClient's one path (token, 429 gate and pacer per API × tenant).
 * Neither path has a parameter: account and paper ids travel in the body and can never change the path.
 */
export const EXAM_PAPERS_ENDPOINT = 'eco_exam_papers';
export const CUSTOM_FIELDS_ENDPOINT = 'eco_account_custom_fields';

/** Thrown before any request when a list is invalid; names the field and why, never the value. */
export class InvalidAccountListError extends Error {
  constructor(
    readonly failureType: 'InvalidPaperList' | 'InvalidCustomFieldList',
    readonly reason: string,
  ) {
    super(`invalid ${failureType === 'InvalidPaperList' ? 'paper' : 'custom-field'} list: ${reason}`);
    this.name = 'InvalidAccountListError';
  }
}

export interface FeishuRequest<B> {
  path: string;
  body: B;
}

export function examPapersRequest(
  accountId: string,
  paperList: Paper[],
): FeishuRequest<{ account_id: string; paper_list: Paper[] }> {
  const id = accountIdSchema.safeParse(accountId);
  if (!id.success) throw new InvalidAccountListError('InvalidPaperList', `account_id: ${describeZodError(id.error)}`);
  const list = paperListSchema.safeParse(paperList);
  if (!list.success) throw new InvalidAccountListError('InvalidPaperList', prefixed('paper_list', list.error));
  return { path: feishuPath(FEISHU_PATHS.examPapers, {}), body: { account_id: id.data, paper_list: list.data } };
}

export function accountCustomFieldsRequest(
  fields: CustomField[],
): FeishuRequest<{ scope: number; custom_field_list: CustomField[] }> {
  const list = customFieldListSchema.safeParse(fields);
  if (!list.success) {
    throw new InvalidAccountListError('InvalidCustomFieldList', prefixed('custom_field_list', list.error));
  }
  return {
    path: feishuPath(FEISHU_PATHS.accountCustomFields, {}),
    body: { scope: EXAM_ACCOUNT_SCOPE, custom_field_list: list.data },
  };
}

function prefixed(field: string, error: Parameters<typeof describeZodError>[0]): string {
  return describeZodError(error)
    .split('; ')
    .map((line) => (line.startsWith('(body)') ? line.replace('(body)', field) : `${field}.${line}`))
    .join('; ');
}
