import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { findFreePort } from '../../scripts/dev-server';
import { productDataConverter } from '../../src/codec';
import { getExamStatus } from '../../src/client';
import { pushExamCreated } from '../../sandbox/event-pusher';
import { spawnEntry } from '../../scripts/support/child-process';
import { uniqueId } from '../support/temporal';

/**
 * `npm start` as a user runs it: everything comes up on the configured ports, an exam goes through (event pusher →
 * ingest → worker → sandbox), Ctrl-C (SIGINT) stops every process it started, a restart keeps the exam, and a
 * supervisor killed outright (SIGKILL, no handler runs) still leaves no process behind — the Temporal dev server
 * included (scripts/support/parent-watchdog.js).
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
  // No IPC channel: the stack is started as from a terminal.
  const stack = spawnEntry('scripts/start.ts', {
    name: 'npm start',
    env: { LOCAL_DATA_DIR: dataDir, ...ports },
    ipc: false,
  });
  return { ...stack, ready: stack.waitFor(/local stack is ready/, 150_000) };
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

function stackPids(): Record<string, number> {
  return (JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as { pids: Record<string, number> }).pids;
}

/** The processes of `pids` still alive after up to `ms` (polled). */
async function survivors(pids: Record<string, number>, ms: number): Promise<string[]> {
  const deadline = Date.now() + ms;
  let left = Object.keys(pids).filter((name) => alive(pids[name]!));
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    left = left.filter((name) => alive(pids[name]!));
  }
  return left;
}

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
    const pids = stackPids();
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

    first.process.kill('SIGINT');
    expect((await first.exited).code).toBe(0);
    expect(first.output()).toContain('local stack stopped.');
    for (const [name, pid] of Object.entries(pids)) expect({ name, alive: alive(pid) }).toEqual({ name, alive: false });

    const second = startStack();
    await second.ready;
    expect(second.output()).not.toContain('WARNING: generated');
    expect((await examStatus(localEnv(), examId)).status).toBe('submitted');

    // Killed outright: the node children stop through their IPC channel, the Go dev server through its watchdog.
    const secondPids = stackPids();
    expect(secondPids.temporal).not.toBe(pids.temporal);
    second.process.kill('SIGKILL');
    expect((await second.exited).signal).toBe('SIGKILL');
    expect(await survivors(secondPids, 20_000)).toEqual([]);
  }, 240_000);
});
