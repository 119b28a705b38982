import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { adminRoutes } from '../../sandbox/admin';
import { runSandboxCli } from '../../sandbox/cli';
import { FeishuSandbox } from '../../sandbox/feishu-sandbox';
import { ecoExamWorkflowId } from '../../src/common/constants';
import { startExamHarness, uniqueId, type ExamHarness, startTestIngest } from '../support/exam-harness';
import { ROOT } from '../support/processes';

/**
 * The sandbox's CLI (sandbox/cli.ts): `push-event` sends 创建笔试 to a real ingest over HTTP, signed and encrypted
 * like Feishu, with a real worker and dev server behind it, and takes a paper the sandbox has for `--account-id`;
 * `push-account-event` sends hire.eco_account.created_v1 without ever printing custom-field values. `runSandboxCli`
 * in-process, plus one spawned run.
 */
const TOKEN = 'v-token-sandbox-cli';
const KEY = 'encrypt-key-sandbox-cli';

let h: ExamHarness;
let ingest: { url: string; close(): Promise<void> };
/** The CLI's working directory: empty, so no developer's .data/local.env is picked up. */
let workDir: string;

beforeAll(async () => {
  workDir = mkdtempSync(join(tmpdir(), 'feb-sandbox-cli-'));
  h = await startExamHarness();
  ingest = await startTestIngest(h, {
    FEISHU_VERIFICATION_TOKEN: TOKEN,
    FEISHU_ENCRYPT_KEY: KEY,
    EXAM_SYSTEM_TOKEN: 'exam-system-token-sandbox-cli-0123',
  });
}, 120_000);
afterAll(async () => {
  await ingest?.close();
  await h?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

/** What Feishu's side needs: the event secrets and where the ingest is. */
function sandboxEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { FEISHU_VERIFICATION_TOKEN: TOKEN, FEISHU_ENCRYPT_KEY: KEY, INGEST_URL: ingest.url, ...overrides };
}

async function sandboxCli(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runSandboxCli(args, {
    stdin: Readable.from([]),
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    env: options.env ?? sandboxEnv(),
    cwd: options.cwd ?? workDir,
  });
  return { code, stdout, stderr };
}

async function runsOf(examId: string): Promise<number> {
  return (await h.env.client.workflow.count(`WorkflowId = "${ecoExamWorkflowId(examId)}"`)).count;
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('sandbox CLI: push-event', () => {
  it('2 deliveries, 2 at once, both acknowledged, one workflow', async () => {
    const run = await sandboxCli(['push-event', '--deliveries', '2', '--concurrent', '2', '--tenant-key', 'tenant-s']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const examId = /^exam (\S+)/m.exec(run.stdout)?.[1] ?? '';
    expect(examId).toMatch(/^7\d{18}$/); // the default: a fresh numeric-looking id
    expect(run.stdout).toContain(`workflow ${ecoExamWorkflowId(examId)}`);
    expect(run.stdout).toMatch(/^event \S+$/m);
    expect(run.stdout).toMatch(/^delivery 1: 200 in \d+ ms$/m);
    expect(run.stdout).toMatch(/^delivery 2: 200 in \d+ ms$/m);
    expect(await runsOf(examId)).toBe(1);
  });

  it("reads the local stack's .data/local.env by default", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feb-sandbox-cli-local-'));
    try {
      mkdirSync(join(dir, '.data'));
      const lines = [`FEISHU_VERIFICATION_TOKEN=${TOKEN}`, `FEISHU_ENCRYPT_KEY=${KEY}`, `INGEST_URL=${ingest.url}`];
      writeFileSync(join(dir, '.data', 'local.env'), `${lines.join('\n')}\n`);
      const examId = uniqueId('local').replace('local-', '5');
      const run = await sandboxCli(['push-event', '--exam-id', examId], { env: {}, cwd: dir });
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(await runsOf(examId)).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exit 1 with the answer when the ingest refuses the event', async () => {
    const examId = uniqueId('refused').replace('refused-', '6');
    const run = await sandboxCli(['push-event', '--exam-id', examId], {
      env: sandboxEnv({ FEISHU_VERIFICATION_TOKEN: 'not-the-token' }),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^delivery 1: 401 in \d+ ms: .*unauthorized/m);
    expect(run.stderr).toContain('1 of 1 deliveries were not acknowledged');
    expect(await runsOf(examId)).toBe(0);
  });

  it('exit 1 with a clear message when the ingest is unreachable', async () => {
    const port = await closedPort();
    const run = await sandboxCli(['push-event', '--ingest-url', `http://127.0.0.1:${port}`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach the ingest at http://127.0.0.1:${port}/webhook/feishu (ECONNREFUSED)`);
  });

  it('without FEISHU_VERIFICATION_TOKEN: exit 2 naming it', async () => {
    const run = await sandboxCli(['push-event'], { env: sandboxEnv({ FEISHU_VERIFICATION_TOKEN: undefined }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('FEISHU_VERIFICATION_TOKEN: is required but not set');
  });

  it('bad options and unknown commands: exit 2; --help: exit 0, on stdout', async () => {
    expect((await sandboxCli(['push-event', '--deliveries', '0'])).code).toBe(2);
    expect((await sandboxCli(['push-event', '--ingest-url', 'ftp://x'])).code).toBe(2);
    expect((await sandboxCli(['arrange'])).code).toBe(2);
    const program = await sandboxCli(['--help']);
    expect(program.code).toBe(0);
    expect(program.stdout).toMatch(/^ {2}push-event /m);
    const help = await sandboxCli(['push-event', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: feishu-sandbox push-event');
  });

  it('runs as a process (npm run sandbox:push-event): --help, exit 0', async () => {
    const tsx = join(ROOT, 'node_modules', '.bin', 'tsx');
    const child = spawn(tsx, [join(ROOT, 'sandbox', 'cli.ts'), 'push-event', '--help'], {
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
    expect(stdout).toContain('Usage: feishu-sandbox push-event');
  }, 60_000);
});

describe('sandbox CLI: push-event with an account', () => {
  let sandbox: FeishuSandbox;
  beforeAll(async () => {
    const started: FeishuSandbox = await FeishuSandbox.start({ extraRoutes: adminRoutes(() => started) });
    sandbox = started;
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  async function publish(accountId: string, paperIds: string[]): Promise<void> {
    const tokenAnswer = await fetch(`${sandbox.url}/open-apis/auth/v3/tenant_access_token/internal`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ app_id: 'cli_sandbox', app_secret: 'sandbox-secret' }),
    });
    const { tenant_access_token: token } = (await tokenAnswer.json()) as { tenant_access_token: string };
    const answer = await fetch(`${sandbox.url}/open-apis/hire/v1/eco_exam_papers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ account_id: accountId, paper_list: paperIds.map((id) => ({ id, name: id })) }),
    });
    expect(await answer.json()).toMatchObject({ code: 0 });
  }

  it('uses a paper published for the account (SANDBOX_URL): one workflow, the paper printed', async () => {
    await publish('acc-cli-papers', ['paper-cli-1', 'paper-cli-2']);
    const examId = uniqueId('papers').replace('papers-', '4');
    const run = await sandboxCli(['push-event', '--exam-id', examId, '--account-id', 'acc-cli-papers'], {
      env: sandboxEnv({ SANDBOX_URL: sandbox.url }),
    });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^paper paper-cli-1$/m);
    expect(await runsOf(examId)).toBe(1);
  });

  it('refuses (exit 1, nothing sent) when no paper is published for the account', async () => {
    const examId = uniqueId('nopaper').replace('nopaper-', '3');
    const run = await sandboxCli([
      'push-event',
      '--exam-id',
      examId,
      '--account-id',
      'acc-cli-none',
      '--sandbox-url',
      sandbox.url,
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('no paper is published for account acc-cli-none');
    expect(run.stdout).toBe('');
    expect(await runsOf(examId)).toBe(0);
    // --sandbox-url alone: the docs' example account, which published nothing here.
    const docsAccount = await sandboxCli(['push-event', '--exam-id', examId, '--sandbox-url', sandbox.url]);
    expect(docsAccount.code).toBe(1);
    expect(docsAccount.stderr).toContain('no paper is published for account 7147998241542539527');
    expect(await runsOf(examId)).toBe(0);
  });

  it('an account without a sandbox to ask: exit 2 naming --sandbox-url and SANDBOX_URL', async () => {
    const run = await sandboxCli(['push-event', '--account-id', 'acc-cli-none']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--account-id needs the sandbox');
    expect(run.stderr).toContain('SANDBOX_URL');
  });
});

describe('sandbox CLI: push-account-event', () => {
  const SECRET_VALUES = ['cust-val-7233333', 'cust-val-east'];

  it('sends the account event, acknowledged; prints the keys of the custom fields, never their values', async () => {
    const run = await sandboxCli([
      'push-account-event',
      '--account-id',
      'acc-cli-bound',
      '--account-name',
      '笔试账号',
      '--scope',
      '2',
      '--usage',
      '1',
      '--usage',
      '2',
      '--custom-field',
      `ord_id=${SECRET_VALUES[0]}`,
      '--custom-field',
      `region=${SECRET_VALUES[1]}`,
      '--tenant-key',
      'tenant-cli',
      '--deliveries',
      '2',
      '--concurrent',
      '2',
    ]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^account acc-cli-bound$/m);
    expect(run.stdout).toMatch(/^event \S+$/m);
    expect(run.stdout).toMatch(/^custom fields: ord_id, region$/m);
    expect(run.stdout).toMatch(/^delivery 1: 200 in \d+ ms$/m);
    expect(run.stdout).toMatch(/^delivery 2: 200 in \d+ ms$/m);
    for (const value of SECRET_VALUES) expect(run.stdout + run.stderr).not.toContain(value);
  });

  it('a refused delivery: exit 1 with the answer, still no values', async () => {
    const run = await sandboxCli(['push-account-event', '--custom-field', `ord_id=${SECRET_VALUES[0]}`], {
      env: sandboxEnv({ FEISHU_VERIFICATION_TOKEN: 'not-the-token' }),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^delivery 1: 401 in \d+ ms: .*unauthorized/m);
    expect(run.stdout + run.stderr).not.toContain(SECRET_VALUES[0]);
  });

  it('bad options: exit 2, a malformed custom field named by position and never echoed', async () => {
    const malformed = await sandboxCli(['push-account-event', '--custom-field', `ord_id:${SECRET_VALUES[0]}`]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('--custom-field #1: must be key=value with a non-empty key');
    expect(malformed.stdout + malformed.stderr).not.toContain(SECRET_VALUES[0]);
    const repeated = await sandboxCli(['push-account-event', '--custom-field', 'k=a', '--custom-field', 'k=b']);
    expect([repeated.code, repeated.stderr]).toEqual([2, 'error: --custom-field #2: repeats the key k\n']);
    expect((await sandboxCli(['push-account-event', '--scope', '3'])).code).toBe(2);
    expect((await sandboxCli(['push-account-event', '--usage', '0'])).code).toBe(2);
    const unreachable = await sandboxCli([
      'push-account-event',
      '--ingest-url',
      `http://127.0.0.1:${await closedPort()}`,
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('(ECONNREFUSED)');
    const help = await sandboxCli(['push-account-event', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: feishu-sandbox push-account-event');
    expect((await sandboxCli(['--help'])).stdout).toMatch(/^ {2}push-account-event /m);
  });
});
