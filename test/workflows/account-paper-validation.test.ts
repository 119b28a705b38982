/**
 * A corpus of invalid paper lists, each answered 400 with the field and the reason by PUT /accounts/:accountId/papers,
 * with nothing sent to Feishu and no workflow started. Plus the store-app rule: an unseen account needs tenant_key.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { ecoAccountCustomFieldsWorkflowId, ecoAccountWorkflowId } from '../../src/common/constants';
import { TOKEN, papers, startAccountStack, type AccountStack } from '../support/account-stack';
import { appTicketEvent } from '../support/feishu-events';
import { uniqueId } from '../support/exam-harness';

let s: AccountStack;
beforeAll(async () => {
  s = await startAccountStack({ appType: 'store' });
  // Feishu answers a resend request by pushing the ticket to the app's request URL.
  s.h.sandbox.onAppTicketResend = (appId) => {
    const ticket = uniqueId('ticket');
    s.h.sandbox.provideAppTicket(appId, ticket);
    void s.push(appTicketEvent({ appId, ticket, token: TOKEN }));
  };
}, 120_000);
afterAll(async () => {
  await s?.stop();
});

const paper = (extra: Record<string, unknown>) => ({ paper_list: [{ id: 'p', name: 'P', ...extra }] });
const CORPUS: Array<[string, unknown, string]> = [
  ['no paper_list', {}, 'paper_list: '],
  ['paper_list not an array', { paper_list: { id: 'p' } }, 'paper_list: must be an array'],
  ['an empty list', { paper_list: [] }, 'paper_list: must hold at least one paper'],
  ['an empty id', paper({ id: '' }), 'paper_list.0.id: must not be empty'],
  ['a blank id', paper({ id: '   ' }), 'paper_list.0.id: must not be blank'],
  ['an id of 256 characters', paper({ id: 'x'.repeat(256) }), 'paper_list.0.id: must be at most 255 characters'],
  ['a name of 256 characters', paper({ name: 'n'.repeat(256) }), 'paper_list.0.name: must be at most 255'],
  ['no name', { paper_list: [{ id: 'p' }] }, 'paper_list.0.name: is required'],
  ['a control character', paper({ name: 'a\u0007b' }), 'paper_list.0.name: must not contain control characters'],
  [
    'a repeated id',
    {
      paper_list: [
        { id: 'd', name: 'A' },
        { id: 'd', name: 'B' },
      ],
    },
    'paper_list.1.id: duplicates',
  ],
  ['a negative duration', paper({ duration: -1 }), 'paper_list.0.duration: must not be negative'],
  ['a fractional duration', paper({ duration: 1.5 }), 'paper_list.0.duration: must be an integer'],
  ['a string question_count', paper({ question_count: '3' }), 'paper_list.0.question_count: must be an integer'],
  ['a numeric start_time', paper({ start_time: 1700000000000 }), 'paper_list.0.start_time: must be a string'],
  ['a non-digit end_time', paper({ end_time: '17e11' }), 'paper_list.0.end_time: must be a string of 1–15 digits'],
  [
    'start after end',
    paper({ start_time: '2000', end_time: '1000' }),
    'paper_list.0.end_time: must be after start_time',
  ],
  ['start equal to end', paper({ start_time: '1000', end_time: '1000' }), 'paper_list.0.end_time: must be after'],
  ['an unknown paper field', paper({ score: 1 }), 'paper_list.0: unknown field(s)'],
  ['an unknown top-level field', { ...papers('p'), extra: true }, '(body): unknown field(s)'],
  ['an empty tenant_key', { ...papers('p'), tenant_key: '' }, 'tenant_key: must not be empty'],
  ['a list that is a string', { paper_list: 'p1,p2' }, 'paper_list: must be an array'],
];

describe('PUT /accounts/:accountId/papers refuses invalid lists', () => {
  it.each(CORPUS)('%s → 400 naming the field and the reason, nothing sent', async (_name, body, reason) => {
    const accountId = uniqueId('acct');
    const res = await s.api('PUT', `/accounts/${accountId}/papers`, { tenant_key: 'tenant-a', ...(body as object) });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'invalid' });
    expect(res.json.message).toContain(reason);
    expect(s.paperRequests(accountId)).toEqual([]);
    await expect(s.h.env.client.workflow.getHandle(ecoAccountWorkflowId(accountId)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );
  });

  it('answers 400 to a body that is not JSON, 415 to one that is not declared JSON, 401 without the bearer', async () => {
    const accountId = uniqueId('acct');
    expect((await s.api('PUT', `/accounts/${accountId}/papers`, '{"paper_list": [')).status).toBe(400);
    const plain = await fetch(`${s.ingestUrl}/accounts/${accountId}/papers`, {
      method: 'PUT',
      headers: { authorization: 'Bearer exam-system-token-accounts-0123456789', 'content-type': 'text/plain' },
      body: JSON.stringify(papers('p')),
    });
    expect(plain.status).toBe(415);
    expect((await s.api('PUT', `/accounts/${accountId}/papers`, papers('p'), null)).status).toBe(401);
    expect((await s.api('PUT', `/accounts/${accountId}/papers`, papers('p'), 'wrong-token-0123456789')).status).toBe(
      401,
    );
    expect(s.paperRequests(accountId)).toEqual([]);
  });

  it('store app: an unseen account without tenant_key → 400; with it, the tenant’s token is used', async () => {
    const accountId = uniqueId('acct');
    const refused = await s.api('PUT', `/accounts/${accountId}/papers`, papers('p'));
    expect(refused).toMatchObject({ status: 400, json: { error: 'invalid' } });
    expect(refused.json.message).toContain('tenant_key: is required');
    const taken = await s.api('PUT', `/accounts/${accountId}/papers`, { ...papers('p'), tenant_key: 'tenant-42' });
    expect(taken.status).toBe(202);
    const deadline = Date.now() + 30_000;
    while (s.paperRequests(accountId).every((r) => r.response.code !== 0) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const accepted = s.paperRequests(accountId).find((r) => r.response.code === 0);
    expect(accepted?.tenantKey).toBe('tenant-42');
    // Seen now: a later update needs no tenant_key (the account keeps its tenant).
    expect((await s.api('PUT', `/accounts/${accountId}/papers`, papers('q'))).status).toBe(202);
  });

  it('store app: a custom-field list without tenant_key → 400, nothing started', async () => {
    const list = { custom_field_list: [{ key: 'k', name: { zh_cn: 'K' }, is_required: true }] };
    const refused = await s.api('PUT', '/account-custom-fields', list);
    expect(refused).toMatchObject({ status: 400, json: { error: 'invalid' } });
    expect(refused.json.message).toContain('tenant_key: is required for the custom fields of a store app');
    await expect(
      s.h.env.client.workflow.getHandle(ecoAccountCustomFieldsWorkflowId(undefined)).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});
