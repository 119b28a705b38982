import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signNotification } from '../../src/activities/notify-exam-system';
import { ecoAccountWorkflowId } from '../../src/common/constants';
import { accountStatus } from '../../src/workflows/account-definitions';
import { FeishuSandbox } from '../../sandbox/feishu-sandbox';
import { KEY, TOKEN, accountEvent, papers, until } from '../support/account-stack';
import { signedRequest } from '../support/feishu-events';
import { runEntry, type RunningProcess } from '../support/processes';
import { testEnv, testPayloadKeys, rawWorkflowViews, uniqueId } from '../support/temporal';

/**
 * The account side on the real worker and ingest processes (DEBUG logs): the customer's custom-field values reach the
 * exam system (signed `account.bound`) and GET /accounts, and nowhere else — not the raw history (no codec), describe,
 * the accountStatus query, nor any log line of either process; and a worker SIGKILLed while Feishu holds the paper
 * request is replaced and the list ends synced.
 */
const BEARER = `bearer-${uniqueId('b')}-0123456789`;
const NOTIFY_SECRET = `notify-secret-${uniqueId('n')}`;
const VALUE = `cf-value-${uniqueId('secret')}`;
const taskQueue = uniqueId('tq-accounts');

let env: TestWorkflowEnvironment;
let sandbox: FeishuSandbox;
let examSystem: Server;
const notifications: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
const workers: RunningProcess[] = [];
let ingest: RunningProcess;
let ingestUrl: string;
let workerEnv: Record<string, string>;

async function startWorker(): Promise<RunningProcess> {
  const worker = runEntry('src/worker.ts', workerEnv);
  workers.push(worker);
  await worker.waitFor(/worker started/);
  return worker;
}

beforeAll(async () => {
  env = await testEnv();
  sandbox = await FeishuSandbox.start({
    apps: [{ appId: 'cli_accounts', appSecret: 'accounts-secret', type: 'custom' }],
  });
  examSystem = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      notifications.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => examSystem.listen(0, '127.0.0.1', resolve));
  const examSystemUrl = `http://127.0.0.1:${(examSystem.address() as AddressInfo).port}/notify`;
  const common = {
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS ?? '',
    TEMPORAL_TASK_QUEUE: taskQueue,
    PAYLOAD_ENCRYPTION_KEYS: testPayloadKeys(),
    LOG_LEVEL: 'DEBUG',
    EXAM_SYSTEM_WEBHOOK_URL: examSystemUrl,
  };
  workerEnv = {
    ...common,
    FEISHU_BASE_URL: sandbox.url,
    FEISHU_APP_ID: 'cli_accounts',
    FEISHU_APP_SECRET: 'accounts-secret',
    FEISHU_REQUEST_TIMEOUT_MS: '10000',
    EXAM_SYSTEM_WEBHOOK_SECRET: NOTIFY_SECRET,
  };
  ingest = runEntry('src/ingest/server.ts', {
    ...common,
    INGEST_PORT: '0',
    FEISHU_ENCRYPT_KEY: KEY,
    FEISHU_VERIFICATION_TOKEN: TOKEN,
    EXAM_SYSTEM_TOKEN: BEARER,
  });
  await Promise.all([startWorker(), ingest.waitFor(/ingest listening/)]);
  ingestUrl = /"url":"(http:[^"]+)"/.exec(ingest.output())![1]!;
}, 120_000);

afterAll(async () => {
  await Promise.all([...workers.map((worker) => worker.stop()), ingest?.stop()]);
  await new Promise((resolve) => examSystem?.close(resolve));
  await sandbox?.close();
  await env?.teardown();
});

const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${ingestUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${BEARER}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, text: await res.text() };
};
const status = (accountId: string) =>
  env.client.workflow.getHandle(ecoAccountWorkflowId(accountId)).query(accountStatus);

describe('accounts on the real processes', () => {
  it('the custom-field values reach the exam system and GET only: not history, describe, query or logs', async () => {
    const accountId = uniqueId('acct');
    const event = accountEvent({ accountId, customFields: [{ key: 'ord_id', value: VALUE }] });
    const { rawBody, headers } = signedRequest(event, { encryptKey: KEY });
    expect((await fetch(`${ingestUrl}/webhook/feishu`, { method: 'POST', body: rawBody, headers })).status).toBe(200);
    expect((await api('PUT', `/accounts/${accountId}/papers`, papers('p1'))).status).toBe(202);
    const view = await until(
      () => status(accountId),
      (v) => v.papers.status === 'synced' && v.examSystemNotified === true,
    );
    expect(view.customFieldKeys).toEqual(['ord_id']);

    const [notification, ...more] = notifications.filter((n) => n.body.includes(accountId));
    expect(more).toEqual([]);
    const eventId = (event.header as { event_id: string }).event_id;
    expect(notification!.headers['x-exam-bridge-delivery']).toBe(
      `${ecoAccountWorkflowId(accountId)}/account-bound-${eventId}`,
    );
    const timestamp = String(notification!.headers[TIMESTAMP_HEADER]);
    expect(notification!.headers[SIGNATURE_HEADER]).toBe(
      signNotification(NOTIFY_SECRET, timestamp, notification!.body),
    );
    expect(JSON.parse(notification!.body)).toMatchObject({
      type: 'account.bound',
      accountId,
      name: '笔试账号 001',
      usage: [1, 2],
      customFields: [{ key: 'ord_id', value: VALUE }],
    });
    const account = await api('GET', `/accounts/${accountId}`);
    expect(JSON.parse(account.text)).toMatchObject({ customFields: [{ key: 'ord_id', value: VALUE }] });

    const { history, describe } = await rawWorkflowViews(ecoAccountWorkflowId(accountId));
    expect(history).toContain('WORKFLOW_EXECUTION_STARTED'); // a real history, read without the codec
    expect(history).toContain(Buffer.from('binary/encrypted').toString('base64'));
    const logs = workers.map((worker) => worker.output()).join('') + ingest.output();
    expect(logs).toContain(accountId); // the logs did talk about this account
    const places = { history, describe, query: JSON.stringify(view), logs };
    for (const [place, text] of Object.entries(places)) {
      expect({ place, found: text.includes(VALUE) }).toEqual({ place, found: false });
    }
  });

  it('a worker killed while Feishu holds the paper request: a new worker finishes, the list ends synced', async () => {
    const accountId = uniqueId('acct');
    const paperCalls = () =>
      sandbox.requests.filter(
        (r) => r.endpoint === 'eco_exam_papers' && (r.body as { account_id?: string }).account_id === accountId,
      );
    sandbox.injectFault({ kind: 'hang', ms: 3000 });
    expect((await api('PUT', `/accounts/${accountId}/papers`, papers('k1', 'k2'))).status).toBe(202);
    await until(
      async () => paperCalls().length,
      (n) => n === 1,
    );
    const exit = await workers[workers.length - 1]!.stop('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    await startWorker();
    // The heartbeat timeout (20 s) frees the attempt; the new worker's attempt is answered at once.
    const view = await until(
      () => status(accountId),
      (v) => v.papers.status === 'synced',
      60_000,
    );
    expect(view.papers).toMatchObject({ updates: 1, count: 2 });
    expect(view.papers.attempts).toBeGreaterThanOrEqual(2);
    expect(sandbox.accounts.paperLists(accountId)[0]?.papers.map((p) => p.id)).toEqual(['k1', 'k2']);
    expect(paperCalls().filter((r) => r.response.code === 0).length).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
