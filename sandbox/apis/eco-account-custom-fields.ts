/**
 * The account custom fields API family (`/open-apis/hire/v1/eco_account_custom_fields...`,
 * docs/feishu.md#custom-fields): the fields a customer fills in when binding the vendor's account, per scope (1 背调,
 * 2 笔试); their values come back in `hire.eco_account.created_v1`.
 *   POST  /open-apis/hire/v1/eco_account_custom_fields               eco_account_custom_fields               full replacement
 *   PATCH /open-apis/hire/v1/eco_account_custom_fields/batch_update  eco_account_custom_fields_batch_update  existing keys
 *   POST  /open-apis/hire/v1/eco_account_custom_fields/batch_delete  eco_account_custom_fields_batch_delete  irreversible
 * Each is its own API for the quota and the request log; faults apply as to every Open API call.
 *
 * The docs' rules: `key` is unique per scope; a deleted key can never be used again (create or update with it is
 * 1002002); batch_delete leaves at least one field. Sandbox choices where the docs are silent: `null` optional fields
 * are absent; unknown fields are ignored; `name` needs a non-empty zh_cn or en_us; an empty `custom_field_list` is
 * 1002002; batch_update keeps the old `is_required` ("no effect yet", the docs say); batch_delete without
 * `custom_field_key_list` (or with an empty one) deletes nothing, and ignores keys the scope does not have.
 */
import { z } from 'zod';
import { parameterIllegal, type FieldViolation } from '../envelope';
import type { Reply } from '../http';
import type { EcoCustomField, I18nText } from '../eco-accounts';
import type { ApiCall, ApiRoute } from './api';
import { exactPath, tenantOfCall } from './account-support';
import { checkedBody, success, typeError } from './body-checks';

const optionalText = z.string(typeError('a string')).nullish();
const i18nText = z.object({ zh_cn: optionalText, en_us: optionalText }, typeError('an object'));

const customFieldSchema = z.object(
  {
    key: z.string(typeError('a string')).min(1, { error: 'must not be empty' }),
    name: i18nText.refine((name) => Boolean(name.zh_cn) || Boolean(name.en_us), {
      error: 'needs zh_cn or en_us',
    }),
    is_required: z.boolean(typeError('a boolean')),
    description: i18nText.nullish(),
  },
  typeError('an object'),
);

const scopeSchema = z.union([z.literal(1), z.literal(2)], {
  error: (issue) => (issue.input === undefined ? 'is required' : 'must be 1 or 2'),
});

const fieldListBodySchema = z.object(
  {
    scope: scopeSchema,
    custom_field_list: z
      .array(customFieldSchema, typeError('an array'))
      .min(1, { error: 'must list at least one custom field' })
      .superRefine((fields, ctx) => {
        const seen = new Set<string>();
        fields.forEach((field, index) => {
          if (seen.has(field.key)) ctx.addIssue({ code: 'custom', path: [index, 'key'], message: 'repeats a key' });
          seen.add(field.key);
        });
      }),
  },
  typeError('a JSON object'),
);

const fieldDeleteBodySchema = z.object(
  {
    scope: scopeSchema,
    custom_field_key_list: z
      .array(z.string(typeError('a string')).min(1, { error: 'must not be empty' }), typeError('an array'))
      .nullish(),
  },
  typeError('a JSON object'),
);

type ParsedField = z.infer<typeof customFieldSchema>;

function storedText(text: z.infer<typeof i18nText>): I18nText {
  return {
    ...(text.zh_cn != null && { zh_cn: text.zh_cn }),
    ...(text.en_us != null && { en_us: text.en_us }),
  };
}

/** The field as Feishu keeps it: absent and null optional fields are left out. */
function storedField(field: ParsedField): EcoCustomField {
  return {
    key: field.key,
    name: storedText(field.name),
    is_required: field.is_required,
    ...(field.description != null && { description: storedText(field.description) }),
  };
}

function deletedKeyViolations(fields: readonly ParsedField[], deleted: ReadonlySet<string>): FieldViolation[] {
  return fields.flatMap((field, index) =>
    deleted.has(field.key)
      ? [{ field: `custom_field_list.${index}.key`, description: 'was deleted and can never be used again' }]
      : [],
  );
}

/** 创建账号自定义字段: the scope's fields become exactly these; a deleted key is refused. */
function createFields(call: ApiCall): Reply {
  const checked = checkedBody(call, fieldListBodySchema);
  if ('reply' in checked) return checked.reply;
  const { scope, custom_field_list: fields } = checked.body;
  const tenant = tenantOfCall(call);
  const violations = deletedKeyViolations(fields, call.accounts.deletedKeys(tenant, scope));
  if (violations.length > 0) return parameterIllegal(call.record.response.logId, violations);
  call.accounts.setFields(tenant, scope, fields.map(storedField));
  return success();
}

/** 更新账号自定义字段: each listed field replaces the scope's field with its key; other keys are refused. */
function updateFields(call: ApiCall): Reply {
  const checked = checkedBody(call, fieldListBodySchema);
  if ('reply' in checked) return checked.reply;
  const { scope, custom_field_list: fields } = checked.body;
  const tenant = tenantOfCall(call);
  const deleted = call.accounts.deletedKeys(tenant, scope);
  const current = call.accounts.fields(tenant, scope);
  const known = new Set(current.map((field) => field.key));
  const violations = [
    ...deletedKeyViolations(fields, deleted),
    ...fields.flatMap((field, index) =>
      known.has(field.key) || deleted.has(field.key)
        ? []
        : [{ field: `custom_field_list.${index}.key`, description: 'is not a custom field of this scope' }],
    ),
  ];
  if (violations.length > 0) return parameterIllegal(call.record.response.logId, violations);
  const updates = new Map(fields.map((field) => [field.key, storedField(field)]));
  call.accounts.setFields(
    tenant,
    scope,
    current.map((field) => {
      const update = updates.get(field.key);
      return update ? { ...update, is_required: field.is_required } : field;
    }),
  );
  return success();
}

/** 删除账号自定义字段: the scope's listed fields are gone for good; at least one field must remain. */
function deleteFields(call: ApiCall): Reply {
  const checked = checkedBody(call, fieldDeleteBodySchema);
  if ('reply' in checked) return checked.reply;
  const { scope, custom_field_key_list: keys } = checked.body;
  const tenant = tenantOfCall(call);
  const current = call.accounts.fields(tenant, scope);
  const listed = new Set(keys ?? []);
  const gone = new Set(current.filter((field) => listed.has(field.key)).map((field) => field.key));
  if (gone.size > 0 && gone.size === current.length) {
    return parameterIllegal(call.record.response.logId, [
      { field: 'custom_field_key_list', description: 'would delete every custom field: at least one must remain' },
    ]);
  }
  call.accounts.deleteFields(tenant, scope, gone);
  return success();
}

const FIELDS_PATH = '/open-apis/hire/v1/eco_account_custom_fields';

export const ecoAccountCustomFieldApis = [
  { endpoint: 'eco_account_custom_fields', method: 'POST', match: exactPath(FIELDS_PATH), handle: createFields },
  {
    endpoint: 'eco_account_custom_fields_batch_update',
    method: 'PATCH',
    match: exactPath(`${FIELDS_PATH}/batch_update`),
    handle: updateFields,
  },
  {
    endpoint: 'eco_account_custom_fields_batch_delete',
    method: 'POST',
    match: exactPath(`${FIELDS_PATH}/batch_delete`),
    handle: deleteFields,
  },
] as const satisfies readonly ApiRoute[];
