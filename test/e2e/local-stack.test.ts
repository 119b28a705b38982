import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { findFreePort } from '../../scripts/dev-server';
import { productDataConverter } from '../../src/codec';
import { getExamStatus } from '../../src/client';
import { pushExamCreated } from '../../sandbox/event-pusher';
import { ROOT } from '../support/processes';
import { uniqueId } from '../support/temporal';

/**
 * `npm start` as a user runs it: everything comes up on the configured ports, an exam goes through (event pusher →
 * ingest → worker → sandbox), Ctrl-C (SIGINT) stops every process it started, and a restart keeps the exam.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'feb-stack-'));
let ports: Record<string, string>;

beforeAll(async () => {
  const names = ['TEMPORAL_PORT', 'TEMPORAL_UI_PORT', 'INGEST_PORT', 'CODEC_SERVER_PORT', 'SANDBOX_PORT'];
  ports = {};
  for (const name of names) ports[name] = String(await findFreePort());
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function startStack() {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), join(ROOT, 'scripts/start.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOCAL_DATA_DIR: dataDir, ...ports },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const ready = new Promise<void>((done, fail) => {
    const timer = setInterval(() => {
      if (output.includes('local stack is ready')) {
        clearInterval(timer);
        done();
      }
    }, 100);
    void exited.then(() => {
      clearInterval(timer);
      fail(new Error(`npm start exited early:\n${output.slice(-3000)}`));
    });
  });
  return { child, ready, exited, output: () => output };
}

function localEnv(): Record<string, string> {
  return Object.fromEntries(
    readFileSync(join(dataDir, 'local.env'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function examStatus(env: Record<string, string>, examId: string) {
  const connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  try {
    const client = new Client({ connection, dataConverter: productDataConverter(env.PAYLOAD_ENCRYPTION_KEYS!) });
    return await getExamStatus(client, examId);
  } finally {
    await connection.close();
  }
}

describe('npm start', () => {
  it('runs the whole flow, stops every process on Ctrl-C, and keeps exams across a restart', async () => {
    const first = startStack();
    await first.ready;
    expect(first.output()).toContain('WARNING: generated a payload encryption key');
    const env = localEnv();
    const { pids } = JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as { pids: Record<string, number> };
    expect(Object.keys(pids).sort()).toEqual(['codec', 'ingest', 'sandbox', 'temporal', 'worker']);

    const examId = uniqueId('s').replace('s-', '2');
    const pushed = await pushExamCreated({
      webhookUrl: `${env.INGEST_URL}/webhook/feishu`,
      verificationToken: env.FEISHU_VERIFICATION_TOKEN!,
      encryptKey: env.FEISHU_ENCRYPT_KEY,
      examId,
      deliveries: 2,
    });
    expect(pushed.deliveries.map((d) => d.status)).toEqual([200, 200]);
    const arranged = await fetch(`${env.INGEST_URL}/exams/${examId}/arrangement`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.EXAM_SYSTEM_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        exam_login_info: { exam_url: 'https://exam.example/local', username: 'u', password: 'local-pw-1' },
      }),
    });
    expect(arranged.status).toBe(202);
    let log: { requests: Array<{ response: { code?: number }; body: { exam_login_info?: { password?: string } } }> } = {
      requests: [],
    };
    for (let i = 0; i < 100 && !log.requests.some((r) => r.response.code === 0); i++) {
      await new Promise((r) => setTimeout(r, 200));
      log = (await (await fetch(`${env.SANDBOX_URL}/_sandbox/requests?examId=${examId}`)).json()) as typeof log;
    }
    expect(log.requests.map((r) => r.response.code)).toEqual([0]);
    expect(log.requests[0]!.body.exam_login_info?.password).toBe('[redacted]'); // the request log hides it
    expect((await examStatus(env, examId)).status).toBe('submitted');

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('local stack stopped.');
    for (const [name, pid] of Object.entries(pids)) expect({ name, alive: alive(pid) }).toEqual({ name, alive: false });

    const second = startStack();
    await second.ready;
    expect(second.output()).not.toContain('WARNING: generated');
    expect((await examStatus(localEnv(), examId)).status).toBe('submitted');
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 180_000);
});
