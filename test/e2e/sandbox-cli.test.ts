import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runSandboxCli } from '../../sandbox/cli';
import { ecoExamWorkflowId } from '../../src/shared/constants';
import { startExamHarness, uniqueId, type ExamHarness, startTestIngest } from '../support/exam-harness';
import { ROOT } from '../support/processes';

/**
 * The sandbox's CLI (sandbox/cli.ts): `push-event` sends 创建笔试 to a real ingest over HTTP, signed and encrypted
 * like Feishu, with a real worker and dev server behind it. `runSandboxCli` in-process, plus one spawned run.
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
