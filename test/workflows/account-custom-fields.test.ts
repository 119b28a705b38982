/**
 * PUT /account-custom-fields (→ ecoAccountCustomFieldsWorkflow → eco_account_custom_fields) and GET /accounts/:id over
 * real HTTP, with the sandbox as Feishu: the exact request, the removal guard (409 naming the keys unless
 * confirm_removal), and the account read with the customer's values (bearer only; 404 unknown).
 */
import { getCustomFieldsStatus } from '../../src/client';
import { accountEvent, papers, startAccountStack, until, type AccountStack } from '../support/account-stack';
import { uniqueId } from '../support/exam-harness';

let s: AccountStack;
beforeAll(async () => {
  s = await startAccountStack();
}, 120_000);
afterAll(async () => {
  await s?.stop();
});

const field = (key: string, extra: Record<string, unknown> = {}) => ({
  key,
  name: { zh_cn: `字段 ${key}`, en_us: `Field ${key}` },
  is_required: true,
  ...extra,
});
const fieldRequests = () => s.h.sandbox.requests.filter((r) => r.endpoint === 'eco_account_custom_fields');

describe('PUT /account-custom-fields', () => {
  // A tenant of its own: custom-field workflows are per tenant and the dev server is shared by the test files.
  const tenant = uniqueId('tenant');
  const status = () => getCustomFieldsStatus(s.h.env.client, tenant);
  const syncedSeq = (seq: number) =>
    until(status, (v) => v.sync.status === 'synced' && v.sync.updates === seq && !v.sync.pending);

  it('sends the exact request (scope 2, the full list) and shows the keys', async () => {
    const list = [
      field('ord_id', { description: { zh_cn: '订单号', en_us: 'the order number' } }),
      field('region', { is_required: false }),
    ];
    const res = await s.api('PUT', '/account-custom-fields', { custom_field_list: list, tenant_key: tenant });
    expect(res).toMatchObject({
      status: 202,
      json: { accepted: true, seq: 1, workflowId: `eco-account-custom-fields-${tenant}` },
    });
    const view = await syncedSeq(1);
    expect(view).toMatchObject({
      syncedKeys: ['ord_id', 'region'],
      keys: ['ord_id', 'region'],
      sync: { attempts: 1, count: 2 },
    });
    const [request, ...others] = fieldRequests();
    expect(others).toEqual([]);
    expect(request).toMatchObject({ method: 'POST', path: '/open-apis/hire/v1/eco_account_custom_fields' });
    expect(JSON.parse(request!.rawBody)).toEqual({ scope: 2, custom_field_list: list });
    expect(s.h.sandbox.accounts.customFieldLists(2)[0]?.fields.map((f) => f.key)).toEqual(['ord_id', 'region']);
  });

  it('refuses (409, naming the keys) a list that drops synced keys, unless confirm_removal', async () => {
    const dropped = await s.api('PUT', '/account-custom-fields', {
      custom_field_list: [field('ord_id')],
      tenant_key: tenant,
    });
    expect(dropped.status).toBe(409);
    expect(dropped.json).toMatchObject({ error: 'conflict', keys: ['region'] });
    expect(dropped.json.message).toContain('region');
    expect(dropped.json.message).toContain('confirm_removal');
    expect(fieldRequests()).toHaveLength(1);

    const added = await s.api('PUT', '/account-custom-fields', {
      custom_field_list: [field('ord_id'), field('region'), field('dept')],
      tenant_key: tenant,
    });
    expect(added).toMatchObject({ status: 202, json: { seq: 2 } });
    await syncedSeq(2);

    const confirmed = await s.api('PUT', '/account-custom-fields', {
      custom_field_list: [field('ord_id')],
      tenant_key: tenant,
      confirm_removal: true,
    });
    expect(confirmed).toMatchObject({ status: 202, json: { seq: 3 } });
    const view = await syncedSeq(3);
    expect(view.syncedKeys).toEqual(['ord_id']);
    expect(
      fieldRequests().map((r) => (JSON.parse(r.rawBody) as { custom_field_list: unknown[] }).custom_field_list.length),
    ).toEqual([2, 3, 1]);
  });

  it.each<[string, unknown, string]>([
    ['an empty list', { custom_field_list: [] }, 'custom_field_list: must hold at least one field'],
    ['a repeated key', { custom_field_list: [field('a'), field('a')] }, 'custom_field_list.1.key: duplicates'],
    [
      'no name',
      { custom_field_list: [{ key: 'a', name: {}, is_required: true }] },
      'custom_field_list.0.name: needs zh_cn or en_us',
    ],
    [
      'is_required missing',
      { custom_field_list: [{ key: 'a', name: { zh_cn: 'A' } }] },
      'custom_field_list.0.is_required',
    ],
    ['an unknown field', { custom_field_list: [field('a', { type: 1 })] }, 'custom_field_list.0: unknown field(s)'],
    [
      'a string description',
      { custom_field_list: [field('a', { description: 'x' })] },
      '0.description: must be an object',
    ],
  ])('%s → 400, nothing sent', async (_name, body, reason) => {
    const before = fieldRequests().length;
    const res = await s.api('PUT', '/account-custom-fields', { ...(body as object), tenant_key: tenant });
    expect(res).toMatchObject({ status: 400, json: { error: 'invalid' } });
    expect(res.json.message).toContain(reason);
    expect(fieldRequests()).toHaveLength(before);
  });
});

describe('GET /accounts/:accountId', () => {
  it('answers the account with the customer’s values (bearer only); 404 unknown; 400 for a bad id', async () => {
    const accountId = uniqueId('acct');
    const VALUE = `value-${uniqueId('v')}`;
    expect(await s.push(accountEvent({ accountId, customFields: [{ key: 'ord_id', value: VALUE }] }))).toBe(200);
    expect((await s.api('PUT', `/accounts/${accountId}/papers`, papers('p1', 'p2'))).status).toBe(202);
    const account = await until(
      () => s.api('GET', `/accounts/${accountId}`),
      (res) => res.status === 200 && (res.json.papers as { status?: string } | undefined)?.status === 'synced',
    );
    expect(account.json).toMatchObject({
      accountId,
      bound: true,
      name: '笔试账号 001',
      scope: 2,
      usage: [1, 2],
      customFieldKeys: ['ord_id'],
      customFields: [{ key: 'ord_id', value: VALUE }],
      papers: { status: 'synced', count: 2, attempts: 1 },
    });
    const noBearer = await s.api('GET', `/accounts/${accountId}`, undefined, null);
    expect(noBearer.status).toBe(401);
    expect(JSON.stringify(noBearer.json)).not.toContain(VALUE);
    expect((await s.api('GET', `/accounts/${accountId}`, undefined, 'not-the-token-0123456789')).status).toBe(401);
    const unknown = await s.api('GET', `/accounts/${uniqueId('nobody')}`);
    expect(unknown).toMatchObject({ status: 404, json: { error: 'not_found' } });
    expect((await s.api('GET', `/accounts/a%01b`)).status).toBe(400);
  });
});
