/**
 * The sandbox's account custom fields API over real HTTP (docs/feishu.md#custom-fields): create is a full
 * replacement per scope, batch_update needs existing keys, batch_delete is irreversible and leaves at least one
 * field; the admin read shows current and deleted keys; the validation corpus.
 */
import type { FeishuSandbox } from '../../sandbox/feishu-sandbox';
import {
  FIELDS_DELETE_PATH,
  FIELDS_PATH,
  FIELDS_UPDATE_PATH,
  SUCCESS_TEXT,
  admin,
  callApi,
  sharedAdminSandbox,
  violatedFields,
} from './accounts-support';
import { tenantToken } from './support';

const ORD_ID = { key: 'ord_id', name: { zh_cn: '订单号', en_us: 'Order id' }, is_required: true };
const REGION = {
  key: 'region',
  name: { zh_cn: '区域' },
  is_required: false,
  description: { zh_cn: '考试区域', en_us: null },
};
const STORED_REGION = {
  key: 'region',
  name: { zh_cn: '区域' },
  is_required: false,
  description: { zh_cn: '考试区域' },
};

describe('sandbox eco_account_custom_fields', () => {
  const shared = sharedAdminSandbox();
  let sandbox: FeishuSandbox;
  let token: string;
  beforeEach(async () => {
    sandbox = shared.sandbox;
    token = await tenantToken(sandbox);
  });

  async function fieldsOf(scope: 1 | 2): Promise<unknown> {
    const answer = await admin(sandbox, `/custom-fields?scope=${scope}`);
    expect(answer.status).toBe(200);
    return answer.json;
  }

  it('create replaces the scope’s fields whole, each scope on its own', async () => {
    const first = await callApi(sandbox, FIELDS_PATH, token, { scope: 2, custom_field_list: [ORD_ID, REGION] });
    expect([first.status, first.text]).toEqual([200, SUCCESS_TEXT]);
    await callApi(sandbox, FIELDS_PATH, token, { scope: 1, custom_field_list: [ORD_ID] });
    expect(await fieldsOf(2)).toEqual({
      scope: 2,
      lists: [{ appId: 'cli_sandbox', tenantKey: null, fields: [ORD_ID, STORED_REGION], deletedKeys: [] }],
    });

    expect((await callApi(sandbox, FIELDS_PATH, token, { scope: 2, custom_field_list: [REGION] })).json.code).toBe(0);
    expect(sandbox.accounts.customFieldLists(2)[0]?.fields).toEqual([STORED_REGION]);
    expect(sandbox.accounts.customFieldLists(1)[0]?.fields).toEqual([ORD_ID]);
    // A key dropped by a replacement was not deleted: it can come back.
    expect((await callApi(sandbox, FIELDS_PATH, token, { scope: 2, custom_field_list: [ORD_ID] })).json.code).toBe(0);
    expect(sandbox.requests.at(-1)?.endpoint).toBe('eco_account_custom_fields');
  });

  it('batch_update replaces existing keys (keeping is_required, which has no effect there) and refuses others', async () => {
    await callApi(sandbox, FIELDS_PATH, token, { scope: 2, custom_field_list: [ORD_ID, REGION] });
    const updated = await callApi(sandbox, FIELDS_UPDATE_PATH, token, {
      scope: 2,
      custom_field_list: [{ key: 'ord_id', name: { en_us: 'Order' }, is_required: false }],
    });
    expect([updated.status, updated.text]).toEqual([200, SUCCESS_TEXT]);
    expect(sandbox.accounts.customFieldLists(2)[0]?.fields).toEqual([
      { key: 'ord_id', name: { en_us: 'Order' }, is_required: true },
      STORED_REGION,
    ]);

    const unknown = await callApi(sandbox, FIELDS_UPDATE_PATH, token, {
      scope: 2,
      custom_field_list: [REGION, { ...ORD_ID, key: 'nope' }],
    });
    expect([unknown.status, unknown.json.code, violatedFields(unknown)]).toEqual([
      400,
      1002002,
      ['custom_field_list.1.key'],
    ]);
    const otherScope = await callApi(sandbox, FIELDS_UPDATE_PATH, token, { scope: 1, custom_field_list: [REGION] });
    expect(violatedFields(otherScope)).toEqual(['custom_field_list.0.key']);
    expect(sandbox.accounts.customFieldLists(2)[0]?.fields).toHaveLength(2);
    expect(sandbox.requests.at(-1)?.endpoint).toBe('eco_account_custom_fields_batch_update');
  });

  it('batch_delete is irreversible: a deleted key is never reusable, by create or update', async () => {
    await callApi(sandbox, FIELDS_PATH, token, { scope: 2, custom_field_list: [ORD_ID, REGION] });
    const deleted = await callApi(sandbox, FIELDS_DELETE_PATH, token, {
      scope: 2,
      custom_field_key_list: ['region', 'never-existed'],
    });
    expect([deleted.status, deleted.text]).toEqual([200, SUCCESS_TEXT]);
    expect(await fieldsOf(2)).toEqual({
      scope: 2,
      lists: [{ appId: 'cli_sandbox', tenantKey: null, fields: [ORD_ID], deletedKeys: ['region'] }],
    });

    const recreate = await callApi(sandbox, FIELDS_PATH, token, { scope: 2, custom_field_list: [ORD_ID, REGION] });
    expect([recreate.status, recreate.json.code, violatedFields(recreate)]).toEqual([
      400,
      1002002,
      ['custom_field_list.1.key'],
    ]);
    const reupdate = await callApi(sandbox, FIELDS_UPDATE_PATH, token, { scope: 2, custom_field_list: [REGION] });
    expect(violatedFields(reupdate)).toEqual(['custom_field_list.0.key']);
    expect(JSON.stringify(reupdate.json)).toContain('can never be used again');
    // The other scope never deleted it.
    expect((await callApi(sandbox, FIELDS_PATH, token, { scope: 1, custom_field_list: [REGION] })).json.code).toBe(0);
    expect(sandbox.accounts.customFieldLists(2)[0]?.fields).toEqual([ORD_ID]);
    expect(sandbox.requests.at(-1)?.endpoint).toBe('eco_account_custom_fields');
  });

  it('batch_delete leaves at least one field; without a key list it deletes nothing', async () => {
    await callApi(sandbox, FIELDS_PATH, token, { scope: 2, custom_field_list: [ORD_ID, REGION] });
    const all = await callApi(sandbox, FIELDS_DELETE_PATH, token, {
      scope: 2,
      custom_field_key_list: ['ord_id', 'region'],
    });
    expect([all.status, all.json.code, violatedFields(all)]).toEqual([400, 1002002, ['custom_field_key_list']]);
    expect((await callApi(sandbox, FIELDS_DELETE_PATH, token, { scope: 2 })).json.code).toBe(0);
    expect(sandbox.accounts.customFieldLists(2)[0]).toMatchObject({ fields: [ORD_ID, STORED_REGION], deletedKeys: [] });
    expect(sandbox.requests.at(-1)?.endpoint).toBe('eco_account_custom_fields_batch_delete');
  });

  const corpus: Array<[string, string, unknown, string]> = [
    ['create', FIELDS_PATH, 'null', '(body)'],
    ['create', FIELDS_PATH, { custom_field_list: [ORD_ID] }, 'scope'],
    ['create', FIELDS_PATH, { scope: 3, custom_field_list: [ORD_ID] }, 'scope'],
    ['create', FIELDS_PATH, { scope: '2', custom_field_list: [ORD_ID] }, 'scope'],
    ['create', FIELDS_PATH, { scope: 2 }, 'custom_field_list'],
    ['create', FIELDS_PATH, { scope: 2, custom_field_list: [] }, 'custom_field_list'],
    ['create', FIELDS_PATH, { scope: 2, custom_field_list: [{ ...ORD_ID, key: '' }] }, 'custom_field_list.0.key'],
    ['create', FIELDS_PATH, { scope: 2, custom_field_list: [{ ...ORD_ID, key: 5 }] }, 'custom_field_list.0.key'],
    ['create', FIELDS_PATH, { scope: 2, custom_field_list: [ORD_ID, ORD_ID] }, 'custom_field_list.1.key'],
    ['create', FIELDS_PATH, { scope: 2, custom_field_list: [{ ...ORD_ID, name: {} }] }, 'custom_field_list.0.name'],
    ['create', FIELDS_PATH, { scope: 2, custom_field_list: [{ ...ORD_ID, name: 'x' }] }, 'custom_field_list.0.name'],
    [
      'create',
      FIELDS_PATH,
      { scope: 2, custom_field_list: [{ ...ORD_ID, name: { zh_cn: 1 } }] },
      'custom_field_list.0.name.zh_cn',
    ],
    [
      'create',
      FIELDS_PATH,
      { scope: 2, custom_field_list: [{ key: 'k', name: { zh_cn: 'n' } }] },
      'custom_field_list.0.is_required',
    ],
    [
      'create',
      FIELDS_PATH,
      { scope: 2, custom_field_list: [{ ...ORD_ID, is_required: 'yes' }] },
      'custom_field_list.0.is_required',
    ],
    [
      'create',
      FIELDS_PATH,
      { scope: 2, custom_field_list: [{ ...ORD_ID, description: 'd' }] },
      'custom_field_list.0.description',
    ],
    [
      'update',
      FIELDS_UPDATE_PATH,
      { scope: 2, custom_field_list: [{ key: 'ord_id', is_required: true }] },
      'custom_field_list.0.name',
    ],
    ['delete', FIELDS_DELETE_PATH, { custom_field_key_list: ['ord_id'] }, 'scope'],
    ['delete', FIELDS_DELETE_PATH, { scope: 2, custom_field_key_list: 'ord_id' }, 'custom_field_key_list'],
    ['delete', FIELDS_DELETE_PATH, { scope: 2, custom_field_key_list: [''] }, 'custom_field_key_list.0'],
  ];

  it.each(corpus.map(([operation, path, body, field]) => ({ operation, path, body, field })))(
    '$operation refuses a bad body with 400 / 1002002 naming $field',
    async ({ path, body, field }) => {
      await callApi(sandbox, FIELDS_PATH, token, { scope: 2, custom_field_list: [ORD_ID] });
      const answer = await callApi(sandbox, path, token, body);
      expect([answer.status, answer.json.code, answer.json.msg]).toEqual([400, 1002002, 'Parameter illegal']);
      expect(violatedFields(answer)).toEqual([field]);
      expect(sandbox.accounts.customFieldLists(2)[0]).toEqual(expect.objectContaining({ fields: [ORD_ID] }));
    },
  );

  it('admin read needs scope 1 or 2', async () => {
    const missing = await admin(sandbox, '/custom-fields');
    expect([missing.status, missing.json.message]).toEqual([400, 'scope: must be 1 or 2 (?scope=2)']);
    expect((await admin(sandbox, '/custom-fields?scope=2')).json).toEqual({ scope: 2, lists: [] });
  });
});
