/**
 * The package as a vendor installs it: `npm pack` (whose `prepack` runs `npm run build`: dist/ and the pre-built
 * workflow bundle), the tarball installed with production dependencies only into an empty project, and the installed
 * worker and ingest run by plain node against the tests' Temporal dev server and a Feishu sandbox: a 创建笔试 event and
 * an arrangement through the ingest over HTTP end with the login_info at the sandbox. Then `npx feishu-exam-bridge`.
 *
 * The build runs HERE, in a temporary copy of the checkout (its node_modules linked), never in the checkout's own
 * dist/ (which bin/feishu-exam-bridge.js and other test files may be using at the same time): so this file needs
 * nothing built beforehand and passes on a fresh clone. It takes about a minute on an idle machine (build ~20 s,
 * install ~15 s with a warm npm cache, a few minutes with a cold one: @temporalio/core-bridge is ~140 MB).
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushExamCreated } from '../../sandbox/event-pusher';
import { FeishuSandbox } from '../../sandbox/feishu-sandbox';
import { spawnEntry, type RunningEntry } from '../../scripts/support/child-process';
import { runCommand } from '../../scripts/support/provision';
import { ROOT } from '../support/processes';
import { testPayloadKeys, uniqueId } from '../support/temporal';

const NAME = 'feishu-exam-bridge';
/** Not part of a checkout (or not of a fresh clone): left out of the copy that is built and packed. */
const NOT_COPIED = new Set(['node_modules', '.git', 'dist', 'coverage', 'test-artifacts', '.data']);
/** Dev dependencies that must not reach a production install, nor be needed by it. */
const DEV_ONLY = ['tsx', 'ts-node', 'typescript', 'jest', 'ts-jest', '@temporalio/testing', 'eslint'];
const TOKEN = 'v-token-package';
const ENCRYPT_KEY = 'encrypt-key-package';
const BEARER = 'exam-system-token-package-0123456789';

let work: string;
/** The empty project the tarball is installed into, and the installed package in it. */
let app: string;
let installed: string;
const timings: string[] = [];

async function timed<T>(label: string, run: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await run();
  timings.push(`${label} ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return result;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'feishu-exam-bridge-package-'));
  const checkout = join(work, 'checkout');
  cpSync(ROOT, checkout, { recursive: true, filter: (src) => !NOT_COPIED.has(src.slice(ROOT.length + 1)) });
  symlinkSync(join(ROOT, 'node_modules'), join(checkout, 'node_modules'), 'dir');
  const packDir = join(work, 'pack');
  mkdirSync(packDir);
  // The whole environment: npm needs its cache and configuration.
  const env = { ...process.env };
  await timed('npm pack (with the build)', () =>
    runCommand('npm', ['pack', '--pack-destination', packDir], { env, cwd: checkout, timeoutMs: 300_000 }),
  );
  const tarballs = readdirSync(packDir).filter((file) => file.endsWith('.tgz'));
  expect(tarballs).toHaveLength(1);

  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'package-e2e-app', private: true }));
  const tarball = join(packDir, tarballs[0]!);
  await timed('npm install --omit=dev', () =>
    runCommand('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', tarball], {
      env,
      cwd: app,
      timeoutMs: 480_000,
    }),
  );
  installed = join(app, 'node_modules', NAME);
}, 840_000);

afterAll(() => {
  process.stderr.write(`[package test] ${timings.join(', ')}\n`);
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A built entry of the installed package, run by plain node from the app's folder. */
function runInstalled(entry: string, env: Record<string, string>): RunningEntry {
  return spawnEntry(join(installed, entry), { name: entry, env, typescript: false, cwd: app });
}

async function stopped(entry: RunningEntry): Promise<void> {
  const { code, signal } = await entry.stop('SIGTERM', 20_000);
  expect({ entry: entry.name, code, signal }).toEqual({ entry: entry.name, code: 0, signal: null });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('the packed package, installed with production dependencies only', () => {
  it('holds dist/ with its declarations and the stamped workflow bundle, bin/, docs and .env.example; no sources', () => {
    const top = readdirSync(installed).sort();
    expect(top).toEqual(expect.arrayContaining(['README.md', 'bin', 'dist', 'docs', '.env.example', 'package.json']));
    for (const absent of ['src', 'test', 'sandbox', 'scripts', 'bench', 'tsconfig.json', 'jest.config.ts']) {
      expect(top).not.toContain(absent);
    }
    for (const file of ['index.js', 'index.d.ts', 'worker.js', 'ingest/server.js', 'codec-server/server.js']) {
      expect(existsSync(join(installed, 'dist', file))).toBe(true);
    }
    expect(existsSync(join(installed, 'dist', 'workflow-bundle.js'))).toBe(true);
    for (const name of DEV_ONLY)
      expect({ name, installed: existsSync(join(app, 'node_modules', name)) }).toEqual({
        name,
        installed: false,
      });
  });

  it('its worker loads the pre-built bundle, stamped with the installed SDK version', async () => {
    const probe = `const b = require(${JSON.stringify(join(installed, 'dist', 'worker', 'bundle.js'))});
      b.workflowBundle().then((o) => console.log(JSON.stringify({ o, stamp: b.prebuiltBundleSdkVersion(), sdk: b.workflowSdkVersion() })));`;
    const out = await runCommand(process.execPath, ['-e', probe], {
      env: { PATH: process.env.PATH ?? '' },
      cwd: app,
      timeoutMs: 30_000,
    });
    const { o, stamp, sdk } = JSON.parse(out) as { o: { codePath?: string }; stamp: string; sdk: string };
    expect(o).toEqual({ codePath: join(installed, 'dist', 'workflow-bundle.js') });
    expect(stamp).toBe(sdk);
    expect(sdk).toBe('1.24.0');
  });

  it('a pre-built bundle of another SDK version is not loaded: the worker bundles at start, without dev tools', async () => {
    // Inside the app's node_modules, so that the copy resolves the installed dependencies as the package does.
    const copy = join(app, 'node_modules', 'stale-bundle-copy', 'dist');
    cpSync(join(installed, 'dist'), copy, { recursive: true });
    const bundlePath = join(copy, 'workflow-bundle.js');
    const code = readFileSync(bundlePath, 'utf8');
    writeFileSync(bundlePath, code.replace(/^(\/\/ .*@temporalio\/workflow )\S+/, '$10.0.0-other'));
    const probe = `const b = require(${JSON.stringify(join(copy, 'worker', 'bundle.js'))});
      const warnings = [];
      const logger = { log() {}, trace() {}, debug() {}, info() {}, error() {}, warn: (m, a) => warnings.push([m, a]) };
      b.workflowBundle(logger).then((o) => console.log(JSON.stringify({ keys: Object.keys(o), warnings })));`;
    const out = await runCommand(process.execPath, ['-e', probe], {
      env: { PATH: process.env.PATH ?? '' },
      cwd: app,
      timeoutMs: 120_000,
    });
    const { keys, warnings } = JSON.parse(out) as { keys: string[]; warnings: Array<[string, Record<string, string>]> };
    expect(keys).toContain('code'); // built now, from the compiled dist/workflows
    expect(keys).not.toContain('codePath');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]![1]).toMatchObject({ bundledWith: '0.0.0-other', installed: '1.24.0' });
  }, 150_000);

  it('public API and subpath exports resolve by the package name', async () => {
    const probe = `const m = require('${NAME}'); const c = require('${NAME}/codec'); const w = require('${NAME}/worker');
      console.log([typeof m.startExam, typeof m.arrangeExam, typeof c.productDataConverter, typeof w.runWorker].join(' '));`;
    const out = await runCommand(process.execPath, ['-e', probe], {
      env: { PATH: process.env.PATH ?? '' },
      cwd: app,
      timeoutMs: 30_000,
    });
    expect(out.trim()).toBe('function function function function');
  });

  it('`npx feishu-exam-bridge --help` runs the installed CLI', async () => {
    const out = await runCommand('npx', ['--no-install', NAME, '--help'], {
      env: process.env,
      cwd: app,
      timeoutMs: 60_000,
    });
    expect(out).toContain(`Usage: ${NAME}`);
    for (const command of ['arrange', 'status', 'list']) expect(out).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it('the installed codec server encrypts and decrypts a payload', async () => {
    const codecToken = 'codec-token-package-0123456789';
    const codec = runInstalled('dist/codec-server/server.js', {
      CODEC_SERVER_TOKEN: codecToken,
      CODEC_SERVER_PORT: '0',
      PAYLOAD_ENCRYPTION_KEYS: testPayloadKeys(),
    });
    try {
      await codec.waitFor(/codec server listening/, 30_000);
      const url = /codec server listening.*?(http:\/\/127\.0\.0\.1:\d+\/codec)/.exec(codec.output())?.[1];
      expect(url).toBeDefined();
      const call = async (path: string, body: unknown) => {
        const res = await fetch(`${url}/${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${codecToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(10_000),
        });
        expect(res.status).toBe(200);
        return (await res.json()) as { payloads: Array<{ metadata: Record<string, string>; data: string }> };
      };
      const plain = {
        metadata: { encoding: Buffer.from('json/plain').toString('base64') },
        data: Buffer.from('{"password":"codec-pass"}').toString('base64'),
      };
      const encoded = await call('encode', { payloads: [plain] });
      expect(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
      expect(await call('decode', encoded)).toEqual({ payloads: [plain] });
    } finally {
      await stopped(codec);
    }
  });

  it('the installed worker and ingest take a Feishu event and an arrangement to the login_info at Feishu', async () => {
    const sandbox = await FeishuSandbox.start();
    const temporal = {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS ?? '',
      TEMPORAL_NAMESPACE: process.env.TEMPORAL_TEST_NAMESPACE ?? 'default',
      TEMPORAL_TASK_QUEUE: uniqueId('tq-package'),
      PAYLOAD_ENCRYPTION_KEYS: testPayloadKeys(),
    };
    const worker = runInstalled('dist/worker.js', {
      ...temporal,
      FEISHU_BASE_URL: sandbox.url,
      FEISHU_APP_ID: 'cli_sandbox',
      FEISHU_APP_SECRET: 'sandbox-secret',
      WORKER_SHUTDOWN_GRACE: '2s',
      RESULT_TIMEOUT: '0',
    });
    const ingest = runInstalled('dist/ingest/server.js', {
      ...temporal,
      INGEST_HOST: '127.0.0.1',
      INGEST_PORT: '0',
      INGEST_TEMPORAL_DEADLINE_MS: '10000',
      FEISHU_VERIFICATION_TOKEN: TOKEN,
      FEISHU_ENCRYPT_KEY: ENCRYPT_KEY,
      EXAM_SYSTEM_TOKEN: BEARER,
    });
    try {
      await Promise.all([worker.waitFor(/worker started/, 60_000), ingest.waitFor(/ingest listening/, 60_000)]);
      const url = /ingest listening.*?(http:\/\/127\.0\.0\.1:\d+)/.exec(ingest.output())?.[1];
      expect(url).toBeDefined();
      const examId = uniqueId('pkg');
      const pushed = await pushExamCreated({
        examId,
        webhookUrl: `${url}/webhook/feishu`,
        verificationToken: TOKEN,
        encryptKey: ENCRYPT_KEY,
      });
      expect(pushed.deliveries.map((d) => d.status)).toEqual([200]);

      const body = {
        result: 0,
        msg: 'success',
        exam_login_info: { exam_url: 'https://exam.example/p', username: 'cand', password: 'package-pass-913' },
      };
      const api = (path: string, init: RequestInit = {}) =>
        fetch(`${url}${path}`, {
          ...init,
          headers: { authorization: `Bearer ${BEARER}`, 'content-type': 'application/json' },
          signal: AbortSignal.timeout(15_000),
        });
      const arranged = await api(`/exams/${examId}/arrangement`, { method: 'POST', body: JSON.stringify(body) });
      expect(arranged.status).toBe(202);

      const accepted = await until('the login_info at the sandbox', async () => {
        const requests = sandbox.acceptedLoginInfo(examId);
        return requests.length > 0 ? requests : undefined;
      });
      expect(accepted).toHaveLength(1);
      expect(JSON.parse(accepted[0]!.rawBody)).toEqual(body);
      const status = await until('status submitted', async () => {
        const view = (await (await api(`/exams/${examId}`)).json()) as { status?: string };
        return view.status === 'submitted' ? view : undefined;
      });
      expect(status).toMatchObject({ examId, status: 'submitted', attempts: 1 });
    } finally {
      await Promise.all([stopped(worker), stopped(ingest)]);
      await sandbox.close();
    }
    expect(worker.output()).toContain('worker stopped');
    for (const output of [worker.output(), ingest.output()]) expect(output).not.toContain('package-pass-913');
  }, 150_000);
});
