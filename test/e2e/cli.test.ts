import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { parseEnv } from 'node:util';
import { pushExamCreated } from '../../sandbox/event-pusher';
import { parseEnvSimple, runCli } from '../../src/cli';
import { ecoExamWorkflowId } from '../../src/common/constants';
import type { ExamStatusView } from '../../src/common/types';
import type { ecoExamWorkflow } from '../../src/workflows/eco-exam-workflow';
import { startExamHarness, uniqueId, type ExamHarness, startTestIngest } from '../support/exam-harness';
import { ROOT } from '../support/processes';
import { testPayloadKeys } from '../support/temporal';

/**
 * The ops CLI (src/cli) against the real dev server, a real worker, the Feishu sandbox and a real ingest over HTTP:
 * `runCli` in-process with captured output, plus one spawned run of the package's bin. Exams arrive as Feishu sends
 * them, through the sandbox's event pusher (its push-event command: test/e2e/sandbox-cli.test.ts).
 */
const TOKEN = 'v-token-cli';
const KEY = 'encrypt-key-cli';
const BEARER = 'exam-system-token-cli-0123456789';
const PASSWORD = 'cli-pass-4711-secret';

let h: ExamHarness;
let ingest: { url: string; close(): Promise<void> };
/** The CLI's working directory: empty, so no developer's .data/local.env is picked up. */
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'feb-cli-'));
  h = await startExamHarness();
  ingest = await startTestIngest(h, {
    FEISHU_VERIFICATION_TOKEN: TOKEN,
    FEISHU_ENCRYPT_KEY: KEY,
    EXAM_SYSTEM_TOKEN: BEARER,
  });
}, 120_000);
afterAll(async () => {
  await ingest?.close();
  await h?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

/** What an operator's environment holds: Temporal and the payload keys. */
function cliEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
    TEMPORAL_NAMESPACE: h.env.namespace ?? 'default',
    PAYLOAD_ENCRYPTION_KEYS: testPayloadKeys(),
    ...overrides,
  };
}

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; stdin?: string; cwd?: string } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdin: Readable.from(options.stdin === undefined ? [] : [Buffer.from(options.stdin)]),
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: options.env ?? cliEnv(),
    cwd: options.cwd ?? workDir,
  });
  return { code, stdout, stderr };
}

async function runsOf(examId: string): Promise<number> {
  return (await h.env.client.workflow.count(`WorkflowId = "${ecoExamWorkflowId(examId)}"`)).count;
}

/** Visibility is eventually consistent: retries `fn` until `ok` or the timeout, then returns the last value. */
async function eventually<T>(fn: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("ops CLI: an exam from Feishu's event to submitted", () => {
  const examId = `7${Date.now()}${String(randomInt(100_000)).padStart(5, '0')}`; // 19 digits, like Feishu's

  it("the exam arrives as Feishu sends it (the sandbox's event pusher): one workflow", async () => {
    const pushed = await pushExamCreated({
      webhookUrl: `${ingest.url}/webhook/feishu`,
      verificationToken: TOKEN,
      encryptKey: KEY,
      examId,
      tenantKey: 'tenant-cli',
    });
    expect(pushed.deliveries.map((delivery) => delivery.status)).toEqual([200]);
    expect(await runsOf(examId)).toBe(1);
  });

  it('status: awaiting_arrangement, as lines and as JSON', async () => {
    const run = await cli(['status', examId]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^status\s+awaiting_arrangement$/m);
    expect(run.stdout).toMatch(/^attempts\s+0$/m);
    expect(run.stdout).toMatch(/^tenant\s+tenant-cli$/m);
    expect(run.stdout).toMatch(/^deadline\s+\d{4}-\d\d-\d\dT/m);

    const json = await cli(['status', examId, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ examId, status: 'awaiting_arrangement', attempts: 0 });
  });

  it('arrange --password-stdin: exit 0, Feishu gets the password, the output never shows it', async () => {
    const run = await cli(
      ['arrange', examId, '--url', 'https://exam.example/t/cli', '--username', 'cand', '--password-stdin'],
      { stdin: `${PASSWORD}\n` },
    );
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(
      new RegExp(`^arranged ${examId} \\(workflow ${ecoExamWorkflowId(examId)}, run \\S+\\)$`, 'm'),
    );

    const result = await h.env.client.workflow.getHandle<typeof ecoExamWorkflow>(ecoExamWorkflowId(examId)).result();
    expect(result).toMatchObject({ status: 'submitted', attempts: 1 });
    const [request, ...more] = h.sandbox.loginInfoRequests(examId);
    expect(more).toEqual([]);
    expect(JSON.parse(request?.rawBody ?? '{}')).toEqual({
      exam_login_info: { exam_url: 'https://exam.example/t/cli', username: 'cand', password: PASSWORD },
    });
    expect(run.stdout + run.stderr).not.toContain(PASSWORD);
  });

  it('status after: submitted, credentials hidden', async () => {
    const run = await cli(['status', examId]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^status\s+submitted$/m);
    expect(run.stdout).toMatch(/^attempts\s+1$/m);
    expect(run.stdout).toMatch(/^submitted at\s+\d{4}-/m);
    expect(run.stdout).toMatch(/^credentials\s+yes \(hidden\)$/m);

    const json = await cli(['status', examId, '--json']);
    const view = JSON.parse(json.stdout) as ExamStatusView;
    expect(view).toMatchObject({ examId, status: 'submitted', attempts: 1, hasCredentials: true });
    expect(run.stdout + json.stdout).not.toContain(PASSWORD);
  });

  it('list --status submitted includes the exam (table and JSON)', async () => {
    const table = await eventually(
      () => cli(['list', '--status', 'submitted', '--limit', '1000']),
      (run) => run.stdout.includes(examId),
    );
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^EXAM ID\s+STATUS\s+RESULT\s+EXECUTION\s+STARTED$/);
    // No result phase in this file's worker (RESULT_TIMEOUT=0): no ExamResultStatus.
    expect(table.stdout).toMatch(new RegExp(`^${examId}\\s+submitted\\s+-\\s+COMPLETED\\s+\\d{4}-`, 'm'));

    const json = await cli(['list', '--status', 'submitted', '--limit', '1000', '--json']);
    const rows = JSON.parse(json.stdout) as Array<{ examId: string; examStatus: string }>;
    expect(rows.find((row) => row.examId === examId)).toMatchObject({ examStatus: 'submitted' });
    expect(rows.every((row) => row.examStatus === 'submitted')).toBe(true);

    const waiting = await cli(['list', '--status', 'awaiting_arrangement', '--limit', '1000', '--json']);
    expect((JSON.parse(waiting.stdout) as Array<{ examId: string }>).map((row) => row.examId)).not.toContain(examId);
  });

  it('arrange on the ended exam: exit 5, saying how it ended', async () => {
    const run = await cli(['arrange', examId, '--url', 'https://exam.example/t/again']);
    expect(run.code).toBe(5);
    expect(run.stderr).toContain(`exam ${examId} has already ended (submitted)`);
    expect(h.sandbox.loginInfoRequests(examId)).toHaveLength(1);
  });
});

describe('ops CLI: failures and exit codes', () => {
  it('arrange of an unknown exam: exit 4', async () => {
    const run = await cli(['arrange', uniqueId('nope'), '--url', 'https://exam.example/x']);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/no exam nope-/);
  });

  it('status of an unknown exam: exit 4', async () => {
    expect((await cli(['status', uniqueId('nope')])).code).toBe(4);
  });

  it('arrange with a relative --url: exit 3 naming exam_login_info.exam_url', async () => {
    const run = await cli(['arrange', uniqueId('rel'), '--url', '/t/relative']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('exam_login_info.exam_url');
    expect(run.stderr).toContain('absolute http(s) URL');
  });

  it('refuses a password given as an argument without echoing it: exit 2', async () => {
    for (const args of [['--password', PASSWORD], [`--password=${PASSWORD}`]]) {
      const run = await cli(['arrange', uniqueId('pw'), '--url', 'https://exam.example/x', ...args]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--password-stdin');
      expect(run.stdout + run.stderr).not.toContain(PASSWORD);
    }
  });

  it('status without PAYLOAD_ENCRYPTION_KEYS: exit 2 naming it', async () => {
    const run = await cli(['status', '7000000000000000001'], { env: cliEnv({ PAYLOAD_ENCRYPTION_KEYS: undefined }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('PAYLOAD_ENCRYPTION_KEYS: is required but not set');
  });

  it('a bad --status value, an unknown command, a missing option: exit 2', async () => {
    const badStatus = await cli(['list', '--status', 'done']);
    expect(badStatus.code).toBe(2);
    expect(badStatus.stderr).toContain('Allowed choices are awaiting_arrangement');

    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    // Sending Feishu events is the sandbox's job (sandbox/cli.ts), not the product's.
    expect((await cli(['push-event'])).stderr).toContain("unknown command 'push-event'");

    expect((await cli(['arrange', '7000000000000000002'])).code).toBe(2); // --url is required
    expect((await cli(['status', 'not an id'])).code).toBe(2);
  });

  it('--help on the program and on each command: exit 0, on stdout', async () => {
    const program = await cli(['--help']);
    expect(program.code).toBe(0);
    for (const command of ['arrange', 'result', 'status', 'list']) {
      expect(program.stdout).toContain(command);
      const help = await cli([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: feishu-exam-bridge ${command}`);
    }
    expect((await cli(['arrange', '--help'])).stdout).toContain('never taken as an argument');
  });
});

describe('ops CLI: settings from dotenv files', () => {
  it('--env-file fills in what the environment lacks; the environment wins', async () => {
    const file = join(workDir, 'ops.env');
    writeFileSync(file, `# ops settings\nPAYLOAD_ENCRYPTION_KEYS=${testPayloadKeys()}\nTEMPORAL_ADDRESS=127.0.0.1:1\n`);
    const env = cliEnv({ PAYLOAD_ENCRYPTION_KEYS: undefined });
    const run = await cli(['--env-file', 'ops.env', 'status', uniqueId('envfile')], { env });
    expect(run.code).toBe(4); // reached Temporal (the real TEMPORAL_ADDRESS) with the file's keys: not found
    expect((await cli(['--env-file', 'missing.env', 'list'], { env })).code).toBe(2);
  });

  it('loads .data/local.env of the current directory by default (what npm start writes)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feb-cli-local-'));
    try {
      mkdirSync(join(dir, '.data'));
      writeFileSync(join(dir, '.data', 'local.env'), `PAYLOAD_ENCRYPTION_KEYS=${testPayloadKeys()}\n`);
      const env = cliEnv({ PAYLOAD_ENCRYPTION_KEYS: undefined });
      expect((await cli(['list', '--limit', '1'], { env, cwd: dir })).code).toBe(0);
      expect((await cli(['list', '--limit', '1'], { env, cwd: workDir })).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the fallback parser for Node < 20.12 agrees with node:util parseEnv', () => {
    const text = [
      '# a comment',
      'export A=1',
      'B = two words  ',
      'C="quoted # not a comment"',
      "D='single'",
      'E=value # comment',
      'F=k1:abc+/=,k2:x==',
      'G=',
      '',
    ].join('\n');
    expect(parseEnvSimple(text)).toEqual(parseEnv(text));
  });
});

describe('the package bin', () => {
  it('bin/feishu-exam-bridge.js --help: exit 0, lists the three commands', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'feishu-exam-bridge.js'), '--help'], {
      cwd: workDir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain('Usage: feishu-exam-bridge');
    for (const command of ['arrange', 'status', 'list']) expect(stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(stdout).not.toContain('push-event');
  }, 60_000);
});
