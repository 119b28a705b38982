/**
 * The event pusher's account side (sandbox/event-pusher.ts): hire.eco_account.created_v1 signed and encrypted like
 * 创建笔试, read back through the product's own webhook pipeline (src/ingest/webhook/pipeline.ts); and a created-exam
 * event that must use a paper published in the sandbox for its account.
 */
import { createServer, type Server } from 'node:http';
import { adminRoutes } from '../../sandbox/admin';
import { pushAccountCreated, pushExamCreated } from '../../sandbox/event-pusher';
import { FeishuSandbox } from '../../sandbox/feishu-sandbox';
import { PaperNotPublishedError } from '../../sandbox/published-papers';
import { processWebhook, type WebhookRequest } from '../../src/ingest/webhook/pipeline';
import { PAPERS_PATH, callApi } from './accounts-support';
import { tenantToken } from './support';

const TOKEN = 'v-token-pusher-accounts';
const KEY = 'encrypt-key-pusher-accounts';

/** A webhook that keeps each request as the pipeline sees it and answers 200. */
async function captureWebhook(): Promise<{ url: string; requests: WebhookRequest[]; close(): Promise<void> }> {
  const requests: WebhookRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const header = (name: string) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      requests.push({
        body: Buffer.concat(chunks),
        headers: {
          contentType: header('content-type'),
          timestamp: header('x-lark-request-timestamp'),
          nonce: header('x-lark-request-nonce'),
          signature: header('x-lark-signature'),
        },
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}/webhook/feishu`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let webhook: Awaited<ReturnType<typeof captureWebhook>>;
let sandbox: FeishuSandbox;
beforeAll(async () => {
  webhook = await captureWebhook();
  const started: FeishuSandbox = await FeishuSandbox.start({ extraRoutes: adminRoutes(() => started) });
  sandbox = started;
});
afterAll(async () => {
  await webhook?.close();
  await sandbox?.close();
});
beforeEach(() => {
  webhook.requests.length = 0;
  sandbox.reset();
});

/** The product's verdict on a captured request, with the ingest's settings (no Encrypt Key: plain events). */
const verdictOf = (request: WebhookRequest, encryptKey?: string) =>
  processWebhook(request, { verificationToken: TOKEN, ...(encryptKey !== undefined && { encryptKey }) }, Date.now());

describe('pushAccountCreated', () => {
  it('sends hire.eco_account.created_v1 signed and encrypted; the pipeline reads back exactly the fields given', async () => {
    const result = await pushAccountCreated({
      webhookUrl: webhook.url,
      verificationToken: TOKEN,
      encryptKey: KEY,
      accountId: 'acc-bound-1',
      accountName: '笔试账号 A',
      scope: 2,
      usageList: [1, 2],
      customFields: [
        { key: 'ord_id', value: 'customer-secret-7233333' },
        { key: 'region', value: 'east' },
      ],
      tenantKey: 'tenant-42',
      deliveries: 3,
      concurrent: 2,
    });
    expect(result.accountId).toBe('acc-bound-1');
    expect(result.deliveries.map((delivery) => delivery.status)).toEqual([200, 200, 200]);
    expect(webhook.requests).toHaveLength(3);
    for (const request of webhook.requests) {
      expect(request.body.toString('utf8')).toMatch(/^\{"encrypt":"[^"]+"\}$/);
      expect(request.body.toString('utf8')).not.toContain('customer-secret-7233333');
      expect(request.headers.signature).toMatch(/^[0-9a-f]{64}$/);
      expect(verdictOf(request, KEY)).toEqual({
        kind: 'event',
        event: {
          kind: 'eco_account_created',
          eventId: result.eventId,
          token: TOKEN,
          tenantKey: 'tenant-42',
          appId: 'cli_test_app',
          createTime: expect.stringMatching(/^\d+$/),
          account: {
            scope: 2,
            accountId: 'acc-bound-1',
            accountName: '笔试账号 A',
            usageList: [1, 2],
            customFields: [
              { key: 'ord_id', value: 'customer-secret-7233333' },
              { key: 'region', value: 'east' },
            ],
          },
        },
      });
    }
    // A wrong key does not verify: the signature really covers the bytes.
    expect(verdictOf(webhook.requests[0]!, 'another-key')).toMatchObject({ kind: 'refusal' });
  });

  it('defaults to the docs’ example and goes out plain without an Encrypt Key', async () => {
    const result = await pushAccountCreated({ webhookUrl: webhook.url, verificationToken: TOKEN });
    expect(result.accountId).toBe('6931286400470354183');
    const [request] = webhook.requests;
    expect(JSON.parse(request!.body.toString('utf8'))).toMatchObject({
      schema: '2.0',
      header: { event_type: 'hire.eco_account.created_v1' },
    });
    expect(verdictOf(request!)).toMatchObject({
      kind: 'event',
      event: {
        kind: 'eco_account_created',
        account: {
          scope: 2,
          accountId: '6931286400470354183',
          accountName: '背调账号 001',
          usageList: [1],
          customFields: [{ key: 'ord_id', value: '7233333' }],
        },
      },
    });
  });
});

describe('pushExamCreated with a sandbox', () => {
  async function publish(accountId: string, ids: string[]): Promise<void> {
    const token = await tenantToken(sandbox);
    const answer = await callApi(sandbox, PAPERS_PATH, token, {
      account_id: accountId,
      paper_list: ids.map((id) => ({ id, name: `Paper ${id}` })),
    });
    expect(answer.json.code).toBe(0);
  }

  const examOf = (request: WebhookRequest | undefined, encryptKey?: string) => {
    const verdict = request && verdictOf(request, encryptKey);
    if (verdict?.kind !== 'event' || verdict.event.kind !== 'eco_exam_created') throw new Error('not an exam event');
    return verdict.event.exam;
  };

  it('uses a paper published for the account', async () => {
    await publish('acc-papers', ['paper-x', 'paper-y']);
    const result = await pushExamCreated({
      webhookUrl: webhook.url,
      verificationToken: TOKEN,
      encryptKey: KEY,
      examId: '7000000000000000101',
      accountId: 'acc-papers',
      sandboxUrl: sandbox.url,
    });
    expect(result.paperId).toBe('paper-x');
    expect(examOf(webhook.requests[0], KEY)).toMatchObject({ accountId: 'acc-papers', paperId: 'paper-x' });

    const chosen = await pushExamCreated({
      webhookUrl: webhook.url,
      verificationToken: TOKEN,
      encryptKey: KEY,
      examId: '7000000000000000102',
      accountId: 'acc-papers',
      paperId: 'paper-y',
      sandboxUrl: sandbox.url,
    });
    expect(chosen.paperId).toBe('paper-y');
    expect(examOf(webhook.requests[1], KEY)).toMatchObject({ paperId: 'paper-y' });
  });

  it('refuses, sending nothing, when no paper (or not that paper) was published for the account', async () => {
    const push = (extra: { accountId?: string; paperId?: string; sandboxUrl?: string; tenantKey?: string }) =>
      pushExamCreated({ webhookUrl: webhook.url, verificationToken: TOKEN, examId: '7000000000000000103', ...extra });
    await expect(push({ accountId: 'acc-none', sandboxUrl: sandbox.url })).rejects.toThrow(
      new PaperNotPublishedError(
        'no paper is published for account acc-none: Feishu lets a customer create an exam only with a published ' +
          'paper; publish one first (POST /open-apis/hire/v1/eco_exam_papers)',
      ),
    );
    await publish('acc-one', ['paper-1']);
    await expect(push({ accountId: 'acc-one', paperId: 'paper-2', sandboxUrl: sandbox.url })).rejects.toThrow(
      'paper paper-2 is not published for account acc-one',
    );
    await expect(push({ accountId: 'acc-one', sandboxUrl: sandbox.url, tenantKey: 'other' })).rejects.toThrow(
      PaperNotPublishedError,
    );
    await expect(push({ accountId: 'acc-one' })).rejects.toThrow(/give the sandbox's URL/);
    expect(webhook.requests).toHaveLength(0);
  });

  it('without an account keeps the docs’ defaults (no sandbox needed)', async () => {
    const result = await pushExamCreated({
      webhookUrl: webhook.url,
      verificationToken: TOKEN,
      examId: '7000000000000000104',
    });
    expect(result.paperId).toBeUndefined();
    expect(examOf(webhook.requests[0])).toMatchObject({ accountId: '7147998241542539527', paperId: 'paper001' });
  });
});
