import { ecoExamWorkflowId } from '../../src/common/constants';
import { FeishuSandbox } from '../../sandbox/feishu-sandbox';
import type { ecoExamWorkflow } from '../../src/workflows/eco-exam-workflow';
import { ecoExamCreatedEvent, signedRequest } from '../support/feishu-events';
import { runEntry, type RunningProcess } from '../support/processes';
import { testEnv, testPayloadKeys, rawWorkflowViews, uniqueId } from '../support/temporal';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

/**
 * Secrets stay secret, checked on a full run of the real worker and ingest processes (DEBUG logs): a unique
 * password goes in through the arrangement API, and neither it nor the app secret, the tenant token, the Encrypt
 * Key, the verification token or the bearer secret appears in the raw history (`temporal workflow show -o json`,
 * no codec), in `describe`, in any log line of either process, or in the status answer.
 */
const APP_SECRET = `app-secret-${uniqueId('s')}`;
const KEY = `encrypt-key-${uniqueId('k')}`;
const TOKEN = `verification-${uniqueId('v')}`;
const BEARER = `bearer-${uniqueId('b')}-0123456789`;
const PASSWORD = `Pw!${uniqueId('unique')}`;
const taskQueue = uniqueId('tq-secrets');

let env: TestWorkflowEnvironment;
let sandbox: FeishuSandbox;
let worker: RunningProcess;
let ingest: RunningProcess;
let ingestUrl: string;

beforeAll(async () => {
  env = await testEnv();
  sandbox = await FeishuSandbox.start({ apps: [{ appId: 'cli_secret', appSecret: APP_SECRET, type: 'custom' }] });
  const common = {
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS ?? '',
    TEMPORAL_TASK_QUEUE: taskQueue,
    PAYLOAD_ENCRYPTION_KEYS: testPayloadKeys(),
    LOG_LEVEL: 'DEBUG',
  };
  worker = runEntry('src/worker.ts', {
    ...common,
    FEISHU_BASE_URL: sandbox.url,
    FEISHU_APP_ID: 'cli_secret',
    FEISHU_APP_SECRET: APP_SECRET,
    RESULT_TIMEOUT: '0', // the exam's workflow ends at `submitted`
  });
  ingest = runEntry('src/ingest/server.ts', {
    ...common,
    INGEST_PORT: '0',
    FEISHU_ENCRYPT_KEY: KEY,
    FEISHU_VERIFICATION_TOKEN: TOKEN,
    EXAM_SYSTEM_TOKEN: BEARER,
  });
  await Promise.all([worker.waitFor(/worker started/), ingest.waitFor(/ingest listening/)]);
  ingestUrl = /"url":"(http:[^"]+)"/.exec(ingest.output())![1]!;
}, 120_000);

afterAll(async () => {
  await Promise.all([worker?.stop(), ingest?.stop()]);
  await sandbox?.close();
  await env?.teardown();
});

describe('no secret anywhere', () => {
  it('keeps the password, app secret, tokens and keys out of history, describe, logs and status', async () => {
    const examId = uniqueId('sec').replace('sec-', '3');
    const { rawBody, headers } = signedRequest(ecoExamCreatedEvent({ examId, token: TOKEN }), { encryptKey: KEY });
    expect((await fetch(`${ingestUrl}/webhook/feishu`, { method: 'POST', body: rawBody, headers })).status).toBe(200);
    // One failed attempt first, so a failure (message, stack) is in the history too.
    sandbox.injectFault({ kind: 'error', httpStatus: 500, code: 1002001 }, { examId });
    const arranged = await fetch(`${ingestUrl}/exams/${examId}/arrangement`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BEARER}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        exam_login_info: { exam_url: 'https://exam.example/s', username: 'cand', password: PASSWORD },
      }),
    });
    expect(arranged.status).toBe(202);
    const result = await env.client.workflow.getHandle<typeof ecoExamWorkflow>(ecoExamWorkflowId(examId)).result();
    expect(result).toMatchObject({ status: 'submitted', attempts: 2 });

    const [accepted] = sandbox.acceptedLoginInfo(examId);
    expect(JSON.parse(accepted!.rawBody)).toMatchObject({ exam_login_info: { password: PASSWORD } }); // it did reach Feishu
    const tenantToken = accepted!.headers.authorization!.replace('Bearer ', '');

    const { history, describe } = await rawWorkflowViews(ecoExamWorkflowId(examId));
    expect(history).toContain('WORKFLOW_EXECUTION_COMPLETED'); // a real history, read without the codec
    expect(history).toContain(Buffer.from('binary/encrypted').toString('base64'));

    const status = await (
      await fetch(`${ingestUrl}/exams/${examId}`, { headers: { authorization: `Bearer ${BEARER}` } })
    ).text();
    expect(JSON.parse(status)).toMatchObject({ status: 'submitted' });

    const logs = worker.output() + ingest.output();
    expect(logs).toContain(examId); // the logs did talk about this exam
    const places = { history, describe, status, logs };
    const secrets = { PASSWORD, APP_SECRET, tenantToken, KEY, TOKEN, BEARER };
    for (const [place, text] of Object.entries(places)) {
      for (const [name, secret] of Object.entries(secrets)) {
        expect({ place, name, found: text.includes(secret) }).toEqual({ place, name, found: false });
      }
    }
  });
});
