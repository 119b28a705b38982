import { defineSearchAttributeKey } from '@temporalio/common';

/**
 * The product's custom search attributes (all Keyword). They are stored unencrypted by Temporal: ids and a status,
 * never personal data or secrets.
 */
export const ExamIdKey = defineSearchAttributeKey('ExamId', 'KEYWORD');
export const ExamStatusKey = defineSearchAttributeKey('ExamStatus', 'KEYWORD');
export const FeishuTenantKeyKey = defineSearchAttributeKey('FeishuTenantKey', 'KEYWORD');
export const ExamAccountIdKey = defineSearchAttributeKey('ExamAccountId', 'KEYWORD');
/** Set once login info is accepted (src/common/constants.ts EXAM_RESULT_STATUSES). */
export const ExamResultStatusKey = defineSearchAttributeKey('ExamResultStatus', 'KEYWORD');

export const SEARCH_ATTRIBUTE_KEYS = [
  ExamIdKey,
  ExamStatusKey,
  FeishuTenantKeyKey,
  ExamAccountIdKey,
  ExamResultStatusKey,
] as const;

/** `Name=Keyword` pairs for `temporal server start-dev --search-attribute` and `operator search-attribute create`. */
export const SEARCH_ATTRIBUTES_FOR_CLI: Record<string, 'Keyword'> = Object.fromEntries(
  SEARCH_ATTRIBUTE_KEYS.map((key) => [key.name, 'Keyword']),
);
