/**
 * The sandbox's papers API over real HTTP (docs/feishu.md#papers): 创建试卷列表 replaces the account's list, batch_update
 * edits existing ids only (every field), batch_delete ignores unknown ids; state per app × tenant; the admin read; the
 * validation corpus; the request log's endpoint names.
 */
import type { FeishuSandbox } from '../../sandbox/feishu-sandbox';
import {
  PAPERS_DELETE_PATH,
  PAPERS_PATH,
  PAPERS_UPDATE_PATH,
  SUCCESS_TEXT,
  admin,
  callApi,
  sharedAdminSandbox,
  violatedFields,
} from './accounts-support';
import { JSON_TYPE, STORE_APPS, appAccessToken, send, storeTenantToken, tenantToken, withSandbox } from './support';

const ACCOUNT = '7147998241542539527';
const PAPER_A = {
  id: 'paper-a',
  name: 'Java 基础',
  duration: 60,
  question_count: 20,
  start_time: '1700000000000',
  end_time: '1800000000000',
};
const PAPER_B = { id: 'paper-b', name: 'Go 进阶' };

describe('sandbox eco_exam_papers', () => {
  const shared = sharedAdminSandbox();
  let sandbox: FeishuSandbox;
  let token: string;
  beforeEach(async () => {
    sandbox = shared.sandbox;
    token = await tenantToken(sandbox);
  });

  async function papersOf(accountId = ACCOUNT): Promise<unknown> {
    const answer = await admin(sandbox, `/accounts/${encodeURIComponent(accountId)}/papers`);
    expect(answer.status).toBe(200);
    return answer.json;
  }

  it('create keeps exactly the last list for the account (full replacement) and answers the documented success', async () => {
    const first = await callApi(sandbox, PAPERS_PATH, token, { account_id: ACCOUNT, paper_list: [PAPER_A, PAPER_B] });
    expect([first.status, first.text]).toEqual([200, SUCCESS_TEXT]);
    expect(first.headers.get('content-type')).toBe(JSON_TYPE);
    expect(await papersOf()).toEqual({
      accountId: ACCOUNT,
      lists: [{ appId: 'cli_sandbox', tenantKey: null, papers: [PAPER_A, PAPER_B] }],
    });

    const second = await callApi(sandbox, PAPERS_PATH, token, {
      account_id: ACCOUNT,
      paper_list: [{ id: 'paper-c', name: 'C', duration: null }],
    });
    expect(second.json.code).toBe(0);
    expect(await papersOf()).toEqual({
      accountId: ACCOUNT,
      lists: [{ appId: 'cli_sandbox', tenantKey: null, papers: [{ id: 'paper-c', name: 'C' }] }],
    });
    expect(await papersOf('another-account')).toEqual({ accountId: 'another-account', lists: [] });
    expect(sandbox.requests.map((request) => request.endpoint)).toEqual([
      'tenant_token_internal',
      'eco_exam_papers',
      'eco_exam_papers',
    ]);
  });

  it('truncates an id longer than 255 characters, as the docs say', async () => {
    const long = 'x'.repeat(300);
    expect(
      (await callApi(sandbox, PAPERS_PATH, token, { account_id: ACCOUNT, paper_list: [{ id: long, name: 'n' }] })).json
        .code,
    ).toBe(0);
    expect(sandbox.accounts.paperLists(ACCOUNT)[0]?.papers).toEqual([{ id: 'x'.repeat(255), name: 'n' }]);
  });

  it('batch_update replaces every field of existing ids only and keeps the rest of the list', async () => {
    await callApi(sandbox, PAPERS_PATH, token, { account_id: ACCOUNT, paper_list: [PAPER_A, PAPER_B] });
    const updated = await callApi(sandbox, PAPERS_UPDATE_PATH, token, {
      account_id: ACCOUNT,
      paper_list: [{ id: 'paper-a', name: 'Java 基础 v2' }],
    });
    expect([updated.status, updated.text]).toEqual([200, SUCCESS_TEXT]);
    expect(sandbox.accounts.paperLists(ACCOUNT)[0]?.papers).toEqual([{ id: 'paper-a', name: 'Java 基础 v2' }, PAPER_B]);

    const unknown = await callApi(sandbox, PAPERS_UPDATE_PATH, token, {
      account_id: ACCOUNT,
      paper_list: [
        { id: 'paper-b', name: 'B2' },
        { id: 'paper-z', name: 'Z' },
      ],
    });
    expect([unknown.status, unknown.json.code]).toEqual([400, 1002002]);
    expect(violatedFields(unknown)).toEqual(['paper_list.1.id']);
    expect(sandbox.accounts.paperLists(ACCOUNT)[0]?.papers).toEqual([{ id: 'paper-a', name: 'Java 基础 v2' }, PAPER_B]);

    const noAccount = await callApi(sandbox, PAPERS_UPDATE_PATH, token, {
      account_id: 'nobody',
      paper_list: [PAPER_A],
    });
    expect(violatedFields(noAccount)).toEqual(['paper_list.0.id']);
    expect(sandbox.requests.at(-1)?.endpoint).toBe('eco_exam_papers_batch_update');
  });

  it('batch_delete removes the listed ids and ignores unknown ones', async () => {
    await callApi(sandbox, PAPERS_PATH, token, { account_id: ACCOUNT, paper_list: [PAPER_A, PAPER_B] });
    const deleted = await callApi(sandbox, PAPERS_DELETE_PATH, token, {
      account_id: ACCOUNT,
      paper_id_list: ['paper-a', 'no-such-paper'],
    });
    expect([deleted.status, deleted.text]).toEqual([200, SUCCESS_TEXT]);
    expect(sandbox.accounts.paperLists(ACCOUNT)[0]?.papers).toEqual([PAPER_B]);
    const unknownAccount = await callApi(sandbox, PAPERS_DELETE_PATH, token, {
      account_id: 'nobody',
      paper_id_list: ['x'],
    });
    expect(unknownAccount.json.code).toBe(0);
    expect(sandbox.requests.at(-1)?.endpoint).toBe('eco_exam_papers_batch_delete');
  });

  it('needs the Bearer token and routes only the documented methods', async () => {
    const anonymous = await send(sandbox, PAPERS_PATH, { account_id: ACCOUNT, paper_list: [PAPER_A] });
    expect([anonymous.status, anonymous.json.code]).toEqual([400, 99991661]);
    const wrongMethod = await send(
      sandbox,
      PAPERS_UPDATE_PATH,
      { account_id: ACCOUNT, paper_list: [PAPER_A] },
      {
        authorization: `Bearer ${token}`,
        'content-type': JSON_TYPE,
      },
    );
    expect([wrongMethod.status, wrongMethod.text]).toEqual([404, '404 page not found']);
    expect(sandbox.accounts.paperLists(ACCOUNT)).toEqual([]);
  });

  const corpus: Array<[string, string, unknown, string]> = [
    ['create', PAPERS_PATH, [], '(body)'],
    ['create', PAPERS_PATH, { paper_list: [PAPER_A] }, 'account_id'],
    ['create', PAPERS_PATH, { account_id: '', paper_list: [PAPER_A] }, 'account_id'],
    ['create', PAPERS_PATH, { account_id: 7, paper_list: [PAPER_A] }, 'account_id'],
    ['create', PAPERS_PATH, { account_id: ACCOUNT }, 'paper_list'],
    ['create', PAPERS_PATH, { account_id: ACCOUNT, paper_list: [] }, 'paper_list'],
    ['create', PAPERS_PATH, { account_id: ACCOUNT, paper_list: {} }, 'paper_list'],
    ['create', PAPERS_PATH, { account_id: ACCOUNT, paper_list: ['paper-a'] }, 'paper_list.0'],
    ['create', PAPERS_PATH, { account_id: ACCOUNT, paper_list: [{ name: 'n' }] }, 'paper_list.0.id'],
    ['create', PAPERS_PATH, { account_id: ACCOUNT, paper_list: [{ id: '', name: 'n' }] }, 'paper_list.0.id'],
    ['create', PAPERS_PATH, { account_id: ACCOUNT, paper_list: [{ id: 'p' }] }, 'paper_list.0.name'],
    [
      'create',
      PAPERS_PATH,
      { account_id: ACCOUNT, paper_list: [{ id: 'p', name: 'n'.repeat(256) }] },
      'paper_list.0.name',
    ],
    [
      'create',
      PAPERS_PATH,
      { account_id: ACCOUNT, paper_list: [{ id: 'p', name: 'n', duration: 1.5 }] },
      'paper_list.0.duration',
    ],
    [
      'create',
      PAPERS_PATH,
      { account_id: ACCOUNT, paper_list: [{ id: 'p', name: 'n', duration: '60' }] },
      'paper_list.0.duration',
    ],
    [
      'create',
      PAPERS_PATH,
      { account_id: ACCOUNT, paper_list: [{ id: 'p', name: 'n', question_count: -1 }] },
      'paper_list.0.question_count',
    ],
    [
      'create',
      PAPERS_PATH,
      { account_id: ACCOUNT, paper_list: [{ id: 'p', name: 'n', start_time: 1700000000000 }] },
      'paper_list.0.start_time',
    ],
    [
      'create',
      PAPERS_PATH,
      { account_id: ACCOUNT, paper_list: [{ id: 'p', name: 'n', end_time: '2026-01-01' }] },
      'paper_list.0.end_time',
    ],
    [
      'create',
      PAPERS_PATH,
      { account_id: ACCOUNT, paper_list: [{ id: 'p', name: 'n', start_time: '2', end_time: '2' }] },
      'paper_list.0.end_time',
    ],
    [
      'create',
      PAPERS_PATH,
      { account_id: ACCOUNT, paper_list: [PAPER_A, { ...PAPER_B, id: 'paper-a' }] },
      'paper_list.1.id',
    ],
    ['update', PAPERS_UPDATE_PATH, { account_id: ACCOUNT, paper_list: [{ id: 'paper-a' }] }, 'paper_list.0.name'],
    ['delete', PAPERS_DELETE_PATH, { account_id: ACCOUNT }, 'paper_id_list'],
    ['delete', PAPERS_DELETE_PATH, { account_id: ACCOUNT, paper_id_list: [] }, 'paper_id_list'],
    ['delete', PAPERS_DELETE_PATH, { account_id: ACCOUNT, paper_id_list: [1] }, 'paper_id_list.0'],
    ['delete', PAPERS_DELETE_PATH, { paper_id_list: ['paper-a'] }, 'account_id'],
  ];

  it.each(corpus.map(([operation, path, body, field]) => ({ operation, path, body, field })))(
    '$operation refuses a bad body with 400 / 1002002 naming $field',
    async ({ path, body, field }) => {
      await callApi(sandbox, PAPERS_PATH, token, { account_id: ACCOUNT, paper_list: [PAPER_A] });
      const answer = await callApi(sandbox, path, token, body);
      expect([answer.status, answer.json.code, answer.json.msg]).toEqual([400, 1002002, 'Parameter illegal']);
      expect(violatedFields(answer)).toEqual([field]);
      expect(sandbox.accounts.paperLists(ACCOUNT)[0]?.papers).toEqual([PAPER_A]);
    },
  );

  it('refuses a body that is not JSON, or sent with another content type, naming what is wrong', async () => {
    const notJson = await callApi(sandbox, PAPERS_PATH, token, '{"account_id":');
    expect(violatedFields(notJson)).toEqual(['(body)']);
    const form = await send(
      sandbox,
      PAPERS_PATH,
      { account_id: ACCOUNT, paper_list: [PAPER_A] },
      {
        authorization: `Bearer ${token}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
    );
    expect([form.json.code, violatedFields(form)]).toEqual([1002002, ['Content-Type']]);
  });

  it('never echoes values in its violations', async () => {
    const answer = await callApi(sandbox, PAPERS_PATH, token, {
      account_id: ACCOUNT,
      paper_list: [{ id: 'p', name: 'n', start_time: 'SECRET-VALUE' }],
    });
    expect(answer.text).not.toContain('SECRET-VALUE');
  });

  it('admin read filters by app and tenant and refuses bad percent-encoding', async () => {
    await callApi(sandbox, PAPERS_PATH, token, { account_id: 'a/b', paper_list: [PAPER_B] });
    expect((await admin(sandbox, '/accounts/a%2Fb/papers?appId=cli_sandbox')).json).toMatchObject({
      accountId: 'a/b',
      lists: [{ papers: [PAPER_B] }],
    });
    expect((await admin(sandbox, '/accounts/a%2Fb/papers?appId=cli_other')).json.lists).toEqual([]);
    expect((await admin(sandbox, '/accounts/%E0%A4%A/papers')).status).toBe(400);
  });
});

describe('sandbox eco_exam_papers per tenant', () => {
  it('keeps each tenant of a store app its own lists', async () => {
    await withSandbox({ apps: STORE_APPS }, async (store) => {
      store.provideAppTicket('cli_store', 'ticket-1');
      const appToken = String((await appAccessToken(store, 'ticket-1')).json.app_access_token);
      const tokenA = await storeTenantToken(store, appToken, 'tenant-a');
      const tokenB = await storeTenantToken(store, appToken, 'tenant-b');
      await callApi(store, PAPERS_PATH, tokenA, { account_id: ACCOUNT, paper_list: [PAPER_A] });
      await callApi(store, PAPERS_PATH, tokenB, { account_id: ACCOUNT, paper_list: [PAPER_B] });
      expect(store.accounts.paperLists(ACCOUNT, { tenantKey: 'tenant-a' })).toEqual([
        { appId: 'cli_store', tenantKey: 'tenant-a', papers: [PAPER_A] },
      ]);
      expect(store.accounts.paperLists(ACCOUNT, { tenantKey: 'tenant-b' })[0]?.papers).toEqual([PAPER_B]);
    });
  });
});
