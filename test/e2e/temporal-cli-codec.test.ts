import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { arrangeExam, startExam } from '../../src/client';
import { runCodecServer } from '../../src/codec-server/server';
import { codecServerConfigSchema, parseConfig } from '../../src/config';
import { ecoExamWorkflowId } from '../../src/common/constants';
import type { ecoExamWorkflow } from '../../src/workflows/eco-exam-workflow';
import { startExamHarness, uniqueId, type ExamHarness } from '../support/exam-harness';
import { testPayloadKeys, testTemporalCli } from '../support/temporal';

/**
 * Issue 10.5: the README's commands, run with the provisioned `temporal` CLI through a running codec server against a
 * real exam: `temporal workflow query --name examStatus` (the CLI sends its empty query arguments as `{}`, which the
 * codec server once refused with 400) and `temporal workflow show`, both with --codec-endpoint and --codec-auth.
 */
const run = promisify(execFile);
const b64 = (text: string) => Buffer.from(text).toString('base64');
const CODEC_TOKEN = `codec-${uniqueId('t')}-0123456789`;
const PASSWORD = `Pw!${uniqueId('cli-codec')}`;
let h: ExamHarness;
let codec: { url: string; close(): Promise<void> };
let examId: string;

beforeAll(async () => {
  h = await startExamHarness();
  codec = await runCodecServer(
    parseConfig(codecServerConfigSchema, {
      PAYLOAD_ENCRYPTION_KEYS: testPayloadKeys(),
      CODEC_SERVER_TOKEN: CODEC_TOKEN,
      CODEC_SERVER_HOST: '127.0.0.1',
      CODEC_SERVER_PORT: '0',
      LOG_LEVEL: 'ERROR',
    }),
  );
  examId = uniqueId('cli-codec');
  await startExam(h.env.client, { examId, paperId: 'paper-cli', tenantKey: 'tenant-cli' }, { taskQueue: h.taskQueue });
  await arrangeExam(h.env.client, examId, {
    result: 0,
    msg: 'success',
    exam_login_info: { exam_url: 'https://exam.example/cli', username: 'candidate', password: PASSWORD },
  });
  const result = await h.env.client.workflow.getHandle<typeof ecoExamWorkflow>(ecoExamWorkflowId(examId)).result();
  expect(result).toMatchObject({ status: 'submitted' });
}, 120_000);

afterAll(async () => {
  await codec?.close();
  await h?.stop();
});

/** `temporal <args>` against the test server, through the codec server (bounded by a timeout). */
async function temporal(args: string[]): Promise<string> {
  const { stdout } = await run(
    testTemporalCli(),
    [
      ...args,
      '--address',
      process.env.TEMPORAL_TEST_ADDRESS ?? '',
      '--namespace',
      h.env.namespace ?? 'default',
      '--codec-endpoint',
      codec.url,
      '--codec-auth',
      `Bearer ${CODEC_TOKEN}`,
    ],
    { timeout: 60_000, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' } },
  );
  return stdout;
}

describe('temporal CLI through the codec server', () => {
  it('workflow query --name examStatus decodes the status, without the password', async () => {
    const out = await temporal(['workflow', 'query', '-w', ecoExamWorkflowId(examId), '--name', 'examStatus']);
    expect(out).toContain(examId);
    expect(out).toContain('submitted');
    expect(out).not.toContain(PASSWORD);

    const json = await temporal([
      'workflow',
      'query',
      '-w',
      ecoExamWorkflowId(examId),
      '--name',
      'examStatus',
      '-o',
      'json',
    ]);
    expect(JSON.parse(json)).toMatchObject({ queryResult: [{ examId, status: 'submitted' }] });
    expect(json).not.toContain(PASSWORD);
  });

  it('workflow show decodes the history: every payload json/plain again, the exam input readable', async () => {
    const out = await temporal(['workflow', 'show', '-w', ecoExamWorkflowId(examId), '-o', 'json']);
    const history = JSON.parse(out) as { events: Array<Record<string, unknown>> };
    expect(out).toContain('WORKFLOW_EXECUTION_COMPLETED');
    // The raw history holds binary/encrypted payloads only; through the codec they are the product's JSON again.
    expect(out).not.toContain(b64('binary/encrypted'));
    const started = history.events[0]!.workflowExecutionStartedEventAttributes as {
      input: { payloads: Array<{ metadata: { encoding: string }; data: string }> };
    };
    const [input] = started.input.payloads;
    expect(input!.metadata.encoding).toBe(b64('json/plain'));
    expect(JSON.parse(Buffer.from(input!.data, 'base64').toString())).toMatchObject({ examId, paperId: 'paper-cli' });
  });
});
