/**
 * Finds (or provisions) a working Temporal CLI binary for the dev server and the tests.
 *
 * Order: TEMPORAL_CLI_PATH, `temporal` on PATH, the cached Go build, a Go build of v1.5.1 into the cache, the SDK's own
 * download. Usage as a script: `tsx scripts/temporal-cli.ts` prints the path on stdout (progress on stderr).
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { acquireDirLock } from './dir-lock';
import {
  disabled,
  errorText,
  firstWorkingPath,
  formatElapsed,
  isExecutable,
  logToStderr,
  runCommand,
  type ProvisionStep,
  type StepResult,
} from './support/provision';

export const TEMPORAL_CLI_VERSION = '1.5.1';
const GO_PACKAGE = `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`;
const MIN_GO: readonly [number, number] = [1, 25];
const EXE_SUFFIX = process.platform === 'win32' ? '.exe' : '';
const VERIFY_TIMEOUT_MS = 20_000;
const BUILD_TIMEOUT_MS = 30 * 60_000;
const HEARTBEAT_MS = 30_000;
const LOCK_STALE_MS = BUILD_TIMEOUT_MS + 60_000;

export interface ResolveTemporalCliOptions {
  env?: NodeJS.ProcessEnv;
  log?: (msg: string) => void;
  /** Step (d): build v1.5.1 with a local Go toolchain. Default true. */
  allowBuild?: boolean;
  /** Step (e): let the SDK download the CLI from temporal.download. Default true. */
  allowDownload?: boolean;
}

/** Thrown when no step produced a working binary; `steps` holds what each step said. */
export class TemporalCliNotFoundError extends Error {
  constructor(
    message: string,
    readonly steps: readonly string[],
  ) {
    super(message);
    this.name = 'TemporalCliNotFoundError';
  }
}

interface Ctx {
  env: NodeJS.ProcessEnv;
  log: (msg: string) => void;
  cacheDir: string;
}

type Step = ProvisionStep<Ctx>;

/** `${XDG_CACHE_HOME || ~/.cache}/feishu-exam-bridge`. */
export function appCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache');
  return join(base, 'feishu-exam-bridge');
}

/** Where the Go build of the CLI lives (GOBIN). */
export function temporalCliCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(appCacheDir(env), `temporal-cli-${TEMPORAL_CLI_VERSION}`);
}

export async function resolveTemporalCli(options: ResolveTemporalCliOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const ctx: Ctx = { env, log: options.log ?? logToStderr, cacheDir: temporalCliCacheDir(env) };

  const explicit = env.TEMPORAL_CLI_PATH;
  if (explicit) return verifyExplicit(explicit, env);

  const steps: Step[] = [
    { name: 'PATH', run: fromPath },
    { name: 'cache', run: fromCache },
    { name: 'go build', run: options.allowBuild === false ? disabled : buildWithGo },
    { name: 'SDK download', run: options.allowDownload === false ? disabled : downloadWithSdk },
  ];
  const found = await firstWorkingPath(steps, ctx);
  if ('path' in found) return found.path;
  throw new TemporalCliNotFoundError(notFoundMessage(ctx.cacheDir, found.notes), found.notes);
}

function notFoundMessage(cacheDir: string, notes: readonly string[]): string {
  return [
    'No working Temporal CLI found (it runs the local dev server used by the tests). Do one of:',
    '  - set TEMPORAL_CLI_PATH to a `temporal` binary (v1.5.1 recommended);',
    '  - put `temporal` on PATH (https://docs.temporal.io/cli#install);',
    `  - install Go >= 1.25 (https://go.dev/dl/) and rerun: it builds CLI v${TEMPORAL_CLI_VERSION} once into ${cacheDir}.`,
    'What each step said:',
    ...notes.map((note) => `  - ${note}`),
  ].join('\n');
}

// ---- (a) TEMPORAL_CLI_PATH ----

async function verifyExplicit(path: string, env: NodeJS.ProcessEnv): Promise<string> {
  try {
    await verifyCli(path, env);
    return path;
  } catch (err) {
    throw new Error(
      `TEMPORAL_CLI_PATH is set to "${path}" but "${path} --version" failed: ${errorText(err)}. ` +
        'Point TEMPORAL_CLI_PATH at a working temporal binary or unset it.',
    );
  }
}

// ---- (b) PATH ----

async function fromPath(ctx: Ctx): Promise<StepResult> {
  const candidates = await findOnPath(`temporal${EXE_SUFFIX}`, ctx.env);
  if (candidates.length === 0) return { note: 'no `temporal` on PATH' };
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      await verifyCli(candidate, ctx.env);
      return { path: candidate };
    } catch (err) {
      failures.push(`${candidate}: ${errorText(err)}`);
    }
  }
  return { note: `\`temporal\` on PATH does not work (${failures.join('; ')})` };
}

// ---- (c) cache ----

async function fromCache(ctx: Ctx): Promise<StepResult> {
  const bin = cachedBinary(ctx);
  if (!(await isExecutable(bin))) return { note: `nothing cached at ${bin}` };
  try {
    await verifyCli(bin, ctx.env);
    return { path: bin };
  } catch (err) {
    return { note: `cached ${bin} does not work: ${errorText(err)}` };
  }
}

function cachedBinary(ctx: Ctx): string {
  return join(ctx.cacheDir, `temporal${EXE_SUFFIX}`);
}

// ---- (d) go install ----

async function buildWithGo(ctx: Ctx): Promise<StepResult> {
  const go = (await findOnPath(`go${EXE_SUFFIX}`, ctx.env))[0];
  if (!go) return { note: '`go` not found on PATH' };
  const goVersion = await readGoVersion(go, ctx.env);
  await mkdir(ctx.cacheDir, { recursive: true });
  const release = await acquireBuildLock(ctx);
  try {
    const built = await fromCache(ctx); // another process may have built it while we waited
    if ('path' in built) return built;
    await runGoInstall(go, goVersion, ctx);
  } finally {
    await release();
  }
  const result = await fromCache(ctx);
  return 'path' in result ? result : { note: `go install finished but ${result.note}` };
}

async function readGoVersion(go: string, env: NodeJS.ProcessEnv): Promise<[number, number]> {
  const out = await runCommand(go, ['version'], { env, timeoutMs: VERIFY_TIMEOUT_MS });
  const match = /go(\d+)\.(\d+)/.exec(out);
  if (!match) throw new Error(`cannot parse \`go version\` output: ${out.trim()}`);
  return [Number(match[1]), Number(match[2])];
}

function goIsRecentEnough([major, minor]: [number, number]): boolean {
  return major > MIN_GO[0] || (major === MIN_GO[0] && minor >= MIN_GO[1]);
}

async function runGoInstall(go: string, goVersion: [number, number], ctx: Ctx): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...ctx.env, CGO_ENABLED: '0', GOBIN: ctx.cacheDir };
  // v1.5.1 needs Go >= 1.25: pin the local toolchain when it is new enough, else let Go fetch a newer one.
  if (goIsRecentEnough(goVersion)) env.GOTOOLCHAIN = 'local';
  ctx.log(`Building the Temporal CLI v${TEMPORAL_CLI_VERSION} with Go (first time only, takes several minutes)…`);
  const started = Date.now();
  const heartbeat = setInterval(
    () => ctx.log(`…still building the Temporal CLI (${formatElapsed(Date.now() - started)} elapsed)`),
    HEARTBEAT_MS,
  );
  try {
    await runStreaming(go, ['install', GO_PACKAGE], env, BUILD_TIMEOUT_MS);
  } finally {
    clearInterval(heartbeat);
  }
  ctx.log(`Built the Temporal CLI in ${formatElapsed(Date.now() - started)} into ${ctx.cacheDir}`);
}

/** Runs a long command, keeping the tail of its output for the error message. */
function runStreaming(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    const tail: string[] = [];
    const keep = (chunk: Buffer): void => {
      tail.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      tail.splice(0, Math.max(0, tail.length - 20));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) return resolve();
      const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
      reject(new Error(`\`${cmd} ${args.join(' ')}\` ${how}:\n${tail.join('\n')}`));
    });
  });
}

// ---- build lock: a directory created atomically in the cache dir (scripts/dir-lock.ts) ----

function acquireBuildLock(ctx: Ctx): Promise<() => Promise<void>> {
  const lockDir = join(ctx.cacheDir, '.build.lock');
  return acquireDirLock(lockDir, {
    staleMs: LOCK_STALE_MS,
    onWait: () => ctx.log(`Another process is building the Temporal CLI (lock ${lockDir}); waiting for it…`),
  });
}

// ---- (e) SDK download ----

async function downloadWithSdk(ctx: Ctx): Promise<StepResult> {
  const downloadDir = join(appCacheDir(ctx.env), 'sdk-download');
  const existing = await findDownloaded(downloadDir, ctx.env);
  if (existing) return { path: existing };
  ctx.log(`Downloading the Temporal CLI through @temporalio/testing into ${downloadDir}…`);
  let failure: unknown;
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const testEnv = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir } },
    });
    await testEnv.teardown();
  } catch (err) {
    failure = err; // the download may have succeeded even if the server did not start in time
  }
  const downloaded = await findDownloaded(downloadDir, ctx.env);
  if (downloaded) return { path: downloaded };
  return { note: failure ? errorText(failure) : `no temporal binary found under ${downloadDir}` };
}

/** The SDK names its download `temporal-sdk-typescript-<version>` (or `temporal-<version>`). */
async function findDownloaded(dir: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  const candidates = names.filter((name) => name.startsWith('temporal') && !name.endsWith('.downloading')).sort();
  for (const name of candidates.reverse()) {
    const bin = join(dir, name);
    if (!(await isExecutable(bin))) continue;
    try {
      await verifyCli(bin, env);
      return bin;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

// ---- helpers ----

/** Runs `<bin> --version`; resolves with its first line, rejects with a reason. */
export async function verifyCli(bin: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const out = await runCommand(bin, ['--version'], { env, timeoutMs: VERIFY_TIMEOUT_MS });
  const line = out.trim().split('\n')[0] ?? '';
  if (!/version/i.test(line)) throw new Error(`unexpected \`--version\` output: ${JSON.stringify(out.trim())}`);
  return line;
}

async function findOnPath(name: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  const found: string[] = [];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) found.push(candidate);
  }
  return found;
}

if (require.main === module) {
  resolveTemporalCli().then(
    (path) => process.stdout.write(`${path}\n`, () => process.exit(0)), // the SDK runtime may hold the loop
    (err: unknown) => {
      process.stderr.write(`${errorText(err)}\n`);
      process.exit(1);
    },
  );
}
