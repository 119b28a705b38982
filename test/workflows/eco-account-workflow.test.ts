/**
 * ecoAccountWorkflow end to end over real HTTP: the account-bound event (signed, encrypted) through the real ingest,
 * paper lists through PUT /accounts/:accountId/papers, the sandbox as Feishu, a real worker on the dev server.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ecoAccountWorkflowId } from '../../src/common/constants';
import { ExamAccountIdKey } from '../../src/common/search-attributes';
import { publishExamPapers } from '../../src/workflows/account-definitions';
import { accountEvent, papers, startAccountStack, until, type AccountStack } from '../support/account-stack';
import { uniqueId } from '../support/exam-harness';

let s: AccountStack;
beforeAll(async () => {
  s = await startAccountStack();
}, 120_000);
afterAll(async () => {
  await s?.stop();
});
afterEach(() => s.h.sandbox.clearFaults());

const handle = (accountId: string) => s.h.env.client.workflow.getHandle(ecoAccountWorkflowId(accountId));
const synced = (accountId: string, count: number) =>
  until(
    () => s.status(accountId),
    (view) => view.papers.status === 'synced' && view.papers.count === count && !view.papers.pending,
  );

describe('the account-bound event', () => {
  it('starts one workflow, also when delivered 4 times (2 at once); the status holds keys, never values', async () => {
    const accountId = uniqueId('acct');
    const event = accountEvent({ accountId, customFields: [{ key: 'ord_id', value: 'V-7233333' }] });
    expect(await Promise.all([s.push(event), s.push(event)])).toEqual([200, 200]);
    expect(await s.push(event)).toBe(200);
    expect(await s.push(event)).toBe(200);

    const view = await until(
      () => s.status(accountId),
      (v) => v.bound,
    );
    expect(view).toMatchObject({ accountId, bound: true, name: '笔试账号 001', scope: 2, usage: [1, 2] });
    expect(view.customFieldKeys).toEqual(['ord_id']);
    expect(JSON.stringify(view)).not.toContain('V-7233333');
    expect(view.papers).toMatchObject({ status: 'none', updates: 0 });

    const description = await handle(accountId).describe();
    const history = await handle(accountId).fetchHistory();
    const events = history.events ?? [];
    expect(events.filter((e) => e.workflowExecutionStartedEventAttributes)).toHaveLength(1);
    // The first run, never continued: the redeliveries changed nothing.
    expect(events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? '').toBe('');
    expect(description.runId).toBe(events[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId);
    expect(description.typedSearchAttributes.get(ExamAccountIdKey)).toBe(accountId);
  });

  it('scope 1 (background checks) is acknowledged and starts nothing', async () => {
    const accountId = uniqueId('acct');
    expect(await s.push(accountEvent({ accountId, scope: 1 }))).toBe(200);
    await expect(handle(accountId).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('an account id that cannot name a workflow → 400 naming the field, nothing started', async () => {
    expect(await s.push(accountEvent({ accountId: 'a'.repeat(256) }))).toBe(400);
    expect(await s.push(accountEvent({ accountId: 'a\u0001b' }))).toBe(400);
    await expect(handle('a'.repeat(256)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('reaches an account first seen through papers: the account is recorded, the papers stay', async () => {
    const accountId = uniqueId('acct');
    expect((await s.api('PUT', `/accounts/${accountId}/papers`, papers('p1'))).status).toBe(202);
    await synced(accountId, 1);
    expect((await s.status(accountId)).bound).toBe(false);
    expect(await s.push(accountEvent({ accountId }))).toBe(200);
    const view = await until(
      () => s.status(accountId),
      (v) => v.bound,
    );
    expect(view).toMatchObject({
      name: '笔试账号 001',
      customFieldKeys: ['ord_id'],
      papers: { status: 'synced', count: 1 },
    });
    expect(s.paperRequests(accountId)).toHaveLength(1);
  });
});

describe('papers', () => {
  it('PUT → the exact Feishu request, then `synced`', async () => {
    const accountId = uniqueId('acct');
    const list = {
      paper_list: [
        {
          id: 'p-1',
          name: '笔试 A',
          duration: 90,
          question_count: 40,
          start_time: '1700000000000',
          end_time: '1700003600000',
        },
        { id: 'p-2', name: 'Paper B' },
      ],
    };
    const res = await s.api('PUT', `/accounts/${accountId}/papers`, list);
    expect(res).toMatchObject({
      status: 202,
      json: { accepted: true, seq: 1, accountId, workflowId: `eco-account-${accountId}` },
    });
    const view = await synced(accountId, 2);
    expect(view.papers).toMatchObject({ attempts: 1, updates: 1, invalidUpdates: 0 });
    const [request, ...others] = s.paperRequests(accountId);
    expect(others).toEqual([]);
    expect(request).toMatchObject({ method: 'POST', path: '/open-apis/hire/v1/eco_exam_papers' });
    expect(JSON.parse(request!.rawBody)).toEqual({ account_id: accountId, ...list });
    expect(request!.headers.authorization).toMatch(/^Bearer t-/);
    expect(request!.headers['content-type']).toMatch(/^application\/json/);
    expect(s.h.sandbox.accounts.paperLists(accountId)[0]?.papers.map((p) => p.id)).toEqual(['p-1', 'p-2']);
  });

  it('three lists while Feishu is slow: the newest is the final list, never an older after a newer', async () => {
    const accountId = uniqueId('acct');
    s.h.sandbox.injectFault({ kind: 'hang', ms: 1500 });
    expect((await s.api('PUT', `/accounts/${accountId}/papers`, papers('a'))).status).toBe(202);
    await until(
      async () => s.paperRequests(accountId).length,
      (n) => n === 1,
    );
    expect((await s.api('PUT', `/accounts/${accountId}/papers`, papers('b', 'b2'))).json.seq).toBe(2);
    expect((await s.api('PUT', `/accounts/${accountId}/papers`, papers('c', 'c2', 'c3'))).json.seq).toBe(3);
    await synced(accountId, 3);
    const sent = s
      .paperRequests(accountId)
      .map((r) => (JSON.parse(r.rawBody) as { paper_list: Array<{ id: string }> }).paper_list[0]!.id);
    expect(sent).toEqual(['a', 'c']); // b was replaced before it was sent
    expect(s.h.sandbox.accounts.paperLists(accountId)[0]?.papers.map((p) => p.id)).toEqual(['c', 'c2', 'c3']);
  });

  it('1002001 twice → synced after 3 calls, the retries visible meanwhile', async () => {
    const accountId = uniqueId('acct');
    s.h.sandbox.injectFault({ kind: 'error', httpStatus: 500, code: 1002001 }, { times: 2 });
    expect((await s.api('PUT', `/accounts/${accountId}/papers`, papers('x'))).status).toBe(202);
    const retrying = await until(
      () => s.status(accountId),
      (v) => v.papers.lastError !== undefined || v.papers.status === 'synced',
    );
    if (retrying.papers.status !== 'synced') expect(retrying.papers.lastError).toMatchObject({ code: 1002001 });
    const view = await synced(accountId, 1);
    expect(view.papers).toMatchObject({ attempts: 3, updates: 1 });
    expect(view.papers.lastError).toBeUndefined();
    expect(s.paperRequests(accountId).map((r) => r.response.code)).toEqual([1002001, 1002001, 0]);
  });

  it('a permanent refusal stops at once and shows in the status', async () => {
    const accountId = uniqueId('acct');
    s.h.sandbox.injectFault({ kind: 'error', httpStatus: 400, code: 1002002 });
    expect((await s.api('PUT', `/accounts/${accountId}/papers`, papers('x'))).status).toBe(202);
    const view = await until(
      () => s.status(accountId),
      (v) => v.papers.status === 'rejected',
    );
    expect(view.papers).toMatchObject({ attempts: 1, lastError: { type: 'FeishuRejectedError', code: 1002002 } });
    expect(s.paperRequests(accountId)).toHaveLength(1);
  });

  it('the update validator refuses an invalid list with the field and reason, and records nothing', async () => {
    const accountId = uniqueId('acct');
    expect((await s.api('PUT', `/accounts/${accountId}/papers`, papers('ok'))).status).toBe(202);
    await synced(accountId, 1);
    const before = (await handle(accountId).fetchHistory()).events?.length ?? 0;
    const refused = await handle(accountId)
      .executeUpdate(publishExamPapers, { args: [{ paper_list: [{ id: 'a', name: 'A', duration: -1 }] }] })
      .catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (refused as WorkflowUpdateFailedError).cause as ApplicationFailure;
    expect(cause.type).toBe('InvalidPaperList');
    expect(cause.message).toContain('paper_list.0.duration: must not be negative');
    const after = (await handle(accountId).fetchHistory()).events ?? [];
    expect(after.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)).toHaveLength(1);
    expect(after.length).toBeGreaterThanOrEqual(before);
  });
});
