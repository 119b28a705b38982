/**
 * The ordering guarantees of an account's paper sync under the conditions that break naive senders, on the real dev
 * server with the sandbox as Feishu: a request that lands at Feishu after a newer one (the settle re-send repairs
 * it), and many lists over a long life (continue-as-new carries the state; every run's history replays).
 */
import { DefaultLogger, Worker } from '@temporalio/worker';
import { productDataConverter } from '../../src/codec';
import { ACCOUNT_WORKFLOW_TYPE, ecoAccountWorkflowId } from '../../src/common/constants';
import type { EcoAccountInput } from '../../src/common/account-schemas';
import { workflowBundle } from '../../src/worker/bundle';
import { papers, startAccountStack, until, type AccountStack } from '../support/account-stack';
import { uniqueId } from '../support/exam-harness';
import { testPayloadKeys } from '../support/temporal';

let s: AccountStack;
beforeAll(async () => {
  s = await startAccountStack(); // the Feishu client gives up on a request after 5 s
}, 120_000);
afterAll(async () => {
  await s?.stop();
});

async function startAccount(input: Omit<EcoAccountInput, 'accountId'>): Promise<string> {
  const accountId = uniqueId('acct');
  await s.h.env.client.workflow.start(ACCOUNT_WORKFLOW_TYPE, {
    workflowId: ecoAccountWorkflowId(accountId),
    taskQueue: s.h.taskQueue,
    args: [{ accountId, ...input }],
  });
  return accountId;
}
const firstIds = (accountId: string) =>
  s
    .paperRequests(accountId)
    .map((r) => (JSON.parse(r.rawBody) as { paper_list: Array<{ id: string }> }).paper_list[0]!.id);
const feishuList = (accountId: string) => s.h.sandbox.accounts.paperLists(accountId)[0]?.papers.map((p) => p.id);

it('an older request that lands after a newer list is overwritten by the settle re-send', async () => {
  const accountId = await startAccount({ settleDelay: 3000 });
  // Feishu holds list A for 6 s (it still applies it then); our request gives up after 5 s and is retried.
  s.h.sandbox.injectFault({ kind: 'hang', ms: 6000 });
  expect((await s.api('PUT', `/accounts/${accountId}/papers`, papers('A'))).status).toBe(202);
  await until(
    () => s.status(accountId),
    (view) => view.papers.lastError?.type === 'FeishuTimeoutError',
  );
  // While A is being retried, B replaces it and goes at once; A's first request is still held by Feishu.
  expect((await s.api('PUT', `/accounts/${accountId}/papers`, papers('B'))).status).toBe(202);
  await until(
    async () => firstIds(accountId),
    (ids) => ids.includes('B'),
  );
  // A lands after B: Feishu holds the older list for a moment…
  await until(
    async () => feishuList(accountId),
    (ids) => ids?.[0] === 'A',
    15_000,
  );
  // …until the settle re-send of B.
  const view = await until(
    async () => ({ ids: feishuList(accountId), status: await s.status(accountId) }),
    (v) => v.ids?.[0] === 'B' && v.status.papers.status === 'synced' && firstIds(accountId).length >= 3,
  );
  expect(view.status.papers).toMatchObject({ updates: 1, count: 1 });
  expect(firstIds(accountId)).toEqual(['A', 'B', 'B']);
}, 60_000);

it('continues as new every `sendsPerRun` sends, carrying the state; every run replays', async () => {
  const accountId = await startAccount({ sendsPerRun: 2 });
  for (const [n, id] of ['x1', 'x2', 'x3', 'x4', 'x5'].entries()) {
    expect((await s.api('PUT', `/accounts/${accountId}/papers`, papers(id))).status).toBe(202);
    await until(
      () => s.status(accountId),
      (view) => view.papers.status === 'synced' && view.papers.updates === n + 1,
    );
  }
  expect(firstIds(accountId)).toEqual(['x1', 'x2', 'x3', 'x4', 'x5']);
  const client = s.h.env.client;
  const query = `WorkflowId = "${ecoAccountWorkflowId(accountId)}"`;
  // 5 sends, 2 per run: 3 runs (visibility is eventually consistent).
  await until(
    async () => (await client.workflow.count(query)).count,
    (count) => count === 3,
  );
  const bundle = await workflowBundle(new DefaultLogger('WARN'));
  const dataConverter = productDataConverter(testPayloadKeys());
  let replayed = 0;
  for await (const run of client.workflow.list({ query })) {
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: bundle, dataConverter }, history, `replay-${run.runId}`);
    replayed += 1;
  }
  expect(replayed).toBe(3);
}, 90_000);
