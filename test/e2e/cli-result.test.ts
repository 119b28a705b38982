import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { arrangeExam, getExamStatus, startExam } from '../../src/client';
import { runCli } from '../../src/cli';
import { ecoExamWorkflowId } from '../../src/common/constants';
import { startExamHarness, uniqueId, type ExamHarness } from '../support/exam-harness';
import { testPayloadKeys } from '../support/temporal';
import { resultBody, scoresAtFeishu, waitUntil } from './result-flow-support';

/**
 * The ops CLI's `result` command and `list --result-status` against the real dev server, the real worker composition
 * (with a result phase: RESULT_TIMEOUT and RESULT_UPDATE_WINDOW of a minute) and the Feishu sandbox.
 */
let h: ExamHarness;
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'feb-cli-result-'));
  h = await startExamHarness({ settings: { resultTimeoutMs: 60_000, resultUpdateWindowMs: 60_000 } });
}, 120_000);
afterAll(async () => {
  await h?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

async function cli(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdin: Readable.from(stdin === undefined ? [] : [Buffer.from(stdin)]),
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
      TEMPORAL_NAMESPACE: h.env.namespace ?? 'default',
      PAYLOAD_ENCRYPTION_KEYS: testPayloadKeys(),
    },
    cwd: workDir,
  });
  return { code, stdout, stderr };
}

function file(name: string, content: string): string {
  const path = join(workDir, name);
  writeFileSync(path, content);
  return path;
}

/** An exam whose login info Feishu accepted: it waits for its result. */
async function awaitingExam(): Promise<string> {
  const examId = uniqueId('cr').replace('cr-', '7');
  await startExam(h.env.client, { examId }, { taskQueue: h.taskQueue });
  await arrangeExam(h.env.client, examId, { exam_login_info: { exam_url: 'https://exam.example/t/c' } });
  await waitUntil(
    () => getExamStatus(h.env.client, examId),
    (view) => view.result?.status === 'awaiting',
  );
  return examId;
}

describe('ops CLI: result and list --result-status', () => {
  let examId: string;
  beforeAll(async () => {
    examId = await awaitingExam();
  });

  it('result --file <path>: exit 0, Feishu gets the body', async () => {
    const run = await cli(['result', examId, '--file', file('r1.json', JSON.stringify(resultBody('61')))]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(new RegExp(`^result taken for ${examId} \\(workflow ${ecoExamWorkflowId(examId)}, `));
    await waitUntil(
      () => scoresAtFeishu(h.sandbox, examId, true),
      (scores) => scores.length === 1,
    );
    expect(JSON.parse(h.sandbox.acceptedResults(examId)[0]!.rawBody)).toEqual(resultBody('61'));
    const status = await waitUntil(
      () => cli(['status', examId]),
      (run) => /^result\s+submitted$/m.test(run.stdout),
    );
    expect(status.stdout).toMatch(/^results accepted\s+1$/m);
    expect(status.stdout).toMatch(/^result attempts\s+1$/m);
    for (const hidden of ['detail-61', 'Report 61', 'exam.example/report']) expect(status.stdout).not.toContain(hidden);
  });

  it('result --file - reads stdin; the newer result is the one Feishu keeps', async () => {
    const run = await cli(['result', examId, '--file', '-'], JSON.stringify({ result: '62' }));
    expect(run.code).toBe(0);
    await waitUntil(
      () => scoresAtFeishu(h.sandbox, examId, true),
      (scores) => scores.at(-1) === '62',
    );
  });

  it('list --result-status submitted (with --status submitted) includes the exam, with its result status', async () => {
    const listed = await waitUntil(
      () => cli(['list', '--status', 'submitted', '--result-status', 'submitted', '--limit', '1000', '--json']),
      (run) => run.stdout.includes(examId),
      15_000,
    );
    const rows = JSON.parse(listed.stdout) as Array<{ examId: string; examStatus: string; resultStatus: string }>;
    expect(rows.find((row) => row.examId === examId)).toMatchObject({
      examStatus: 'submitted',
      resultStatus: 'submitted',
    });
    expect(rows.every((row) => row.resultStatus === 'submitted' && row.examStatus === 'submitted')).toBe(true);
    const locked = await cli(['list', '--result-status', 'locked', '--limit', '1000', '--json']);
    expect((JSON.parse(locked.stdout) as Array<{ examId: string }>).map((row) => row.examId)).not.toContain(examId);
    const table = await cli(['list', '--result-status', 'submitted', '--limit', '1000']);
    expect(table.stdout).toMatch(new RegExp(`^${examId}\\s+submitted\\s+submitted\\s+RUNNING\\s+\\d{4}-`, 'm'));
  });

  it('an invalid result: exit 3 naming the field and why, before any connection', async () => {
    const numeric = await cli(['result', examId, '--file', file('bad.json', '{"result": 87}')]);
    expect(numeric.code).toBe(3);
    expect(numeric.stderr).toMatch(/^error: invalid result: result/);
    const notJson = await cli(['result', examId, '--file', '-'], '{"result":');
    expect([notJson.code, notJson.stderr]).toEqual([3, 'error: invalid result: (body): is not valid JSON\n']);
    const unknownField = await cli(['result', examId, '--file', '-'], '{"result":"1","secret_name":1}');
    expect(unknownField.code).toBe(3);
    expect(unknownField.stderr).not.toContain('secret_name');
    // Nothing reached Feishu from these.
    expect(scoresAtFeishu(h.sandbox, examId)).toEqual(['61', '62']);
  });

  it('an unreadable file or a missing --file: exit 2; an unknown exam: exit 4', async () => {
    const missing = await cli(['result', examId, '--file', join(workDir, 'no-such.json')]);
    expect([missing.code, missing.stderr]).toEqual([2, 'error: --file: cannot read it (ENOENT)\n']);
    expect((await cli(['result', examId])).code).toBe(2);
    const unknown = await cli(['result', '7000000000000000404', '--file', '-'], '{"result":"1"}');
    expect(unknown.code).toBe(4);
  });

  it('an exam whose marking is finished: `locked`, then exit 7 saying why; list --result-status locked', async () => {
    const lockedId = await awaitingExam();
    h.sandbox.setExamMarking(lockedId, 'finished');
    expect((await cli(['result', lockedId, '--file', '-'], '{"result":"70"}')).code).toBe(0);
    const ended = await h.env.client.workflow.getHandle(ecoExamWorkflowId(lockedId)).result();
    expect(ended).toMatchObject({ result: { status: 'locked' } });
    const refused = await cli(['result', lockedId, '--file', '-'], '{"result":"71"}');
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain(
      `exam ${lockedId} takes no result: the customer finished marking (Feishu 1002855)`,
    );
    const listed = await waitUntil(
      () => cli(['list', '--status', 'submitted', '--result-status', 'locked', '--limit', '1000']),
      (run) => run.stdout.includes(lockedId),
      15_000,
    );
    expect(listed.stdout).toMatch(new RegExp(`^${lockedId}\\s+submitted\\s+locked\\s+COMPLETED\\s`, 'm'));
  });

  it('a bad --result-status: exit 2 with the choices; result --help lists the exit codes', async () => {
    const bad = await cli(['list', '--result-status', 'done']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Allowed choices are awaiting, submitting, submitted, locked');
    const help = await cli(['result', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('7 the exam takes no result');
    expect((await cli(['--help'])).stdout).toContain('7  the exam takes no result');
  });
});
