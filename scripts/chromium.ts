/**
 * Finds (or provisions) a working Chromium for the browser test (playwright-core drives it against the Temporal UI).
 *
 * Order: CHROMIUM_PATH, a Chromium/Chrome on PATH, the usual install locations, then — as root on Debian/Ubuntu —
 * `apt-get install chromium fonts-wqy-microhei` (the font so screenshots show Chinese), under a lock so parallel jest
 * workers do not race apt. Otherwise an error that names the exact command to run. Every candidate must answer
 * `--version` within a bounded time. Usage as a script: `npm run chromium` prints the path on stdout (progress on
 * stderr).
 */
import { readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { acquireDirLock } from './dir-lock';
import { appCacheDir } from './temporal-cli';
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

export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'] as const;
export const CHROMIUM_LOCATIONS = [
  '/usr/bin/chromium',
  '/usr/lib/chromium/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
] as const;
/** What the install step adds besides the browser package: a CJK font, so screenshots show Chinese. */
export const APT_PACKAGES = ['fonts-wqy-microhei'] as const;
const VERIFY_TIMEOUT_MS = 20_000;
const APT_UPDATE_TIMEOUT_MS = 5 * 60_000;
const APT_INSTALL_TIMEOUT_MS = 15 * 60_000;
const HEARTBEAT_MS = 30_000;
const LOCK_STALE_MS = APT_UPDATE_TIMEOUT_MS + APT_INSTALL_TIMEOUT_MS + 60_000;

/** Runs a command; resolves with stdout, rejects with a reason (timeout included). */
export type Exec = (
  cmd: string,
  args: readonly string[],
  opts: { env: NodeJS.ProcessEnv; timeoutMs: number },
) => Promise<string>;

/** The file-system questions resolveChromium asks (injected by the unit test). */
export interface ChromiumFs {
  isExecutable(path: string): Promise<boolean>;
  /** The file's text, or undefined when it cannot be read. */
  readText(path: string): Promise<string | undefined>;
}

export interface ResolveChromiumOptions {
  env?: NodeJS.ProcessEnv;
  log?: (msg: string) => void;
  exec?: Exec;
  fs?: ChromiumFs;
  /** The effective user id; the apt step runs only as root (0). Default: process.getuid(). */
  uid?: number;
  /** Step (d): install with apt-get. Default true. */
  allowInstall?: boolean;
}

/** Thrown when no step produced a working browser; `steps` holds what each step said. */
export class ChromiumNotFoundError extends Error {
  constructor(
    message: string,
    readonly steps: readonly string[],
  ) {
    super(message);
    this.name = 'ChromiumNotFoundError';
  }
}

interface Ctx {
  env: NodeJS.ProcessEnv;
  log: (msg: string) => void;
  exec: Exec;
  fs: ChromiumFs;
  uid: number | undefined;
}

export async function resolveChromium(options: ResolveChromiumOptions = {}): Promise<string> {
  const env = options.env ?? process.env;
  const ctx: Ctx = {
    env,
    log: options.log ?? logToStderr,
    exec: options.exec ?? execCommand,
    fs: options.fs ?? nodeFs,
    uid: options.uid ?? process.getuid?.(),
  };

  const explicit = env.CHROMIUM_PATH;
  if (explicit) return verifyExplicit(explicit, ctx);

  const steps: ProvisionStep<Ctx>[] = [
    { name: 'PATH', run: fromPath },
    { name: 'usual locations', run: fromLocations },
    { name: 'apt-get', run: options.allowInstall === false ? disabled : installWithApt },
  ];
  const found = await firstWorkingPath(steps, ctx);
  if ('path' in found) return found.path;
  const os = await readOsRelease(ctx);
  throw new ChromiumNotFoundError(notFoundMessage(os, found.notes), found.notes);
}

/** The exact command that installs what the test needs on this machine. */
export function installCommand(os: OsRelease | undefined): string {
  if (os && isDebianLike(os)) {
    return `sudo apt-get update && sudo apt-get install -y ${[aptBrowserPackage(os), ...APT_PACKAGES].join(' ')}`;
  }
  if (process.platform === 'darwin') return 'brew install --cask chromium';
  return 'install Chromium with your package manager';
}

function notFoundMessage(os: OsRelease | undefined, notes: readonly string[]): string {
  return [
    'No working Chromium found (the browser test drives it against the Temporal Web UI). Do one of:',
    `  - run: ${installCommand(os)}`,
    '  - or set CHROMIUM_PATH to a Chromium or Google Chrome binary.',
    'What each step said:',
    ...notes.map((note) => `  - ${note}`),
  ].join('\n');
}

// ---- (a) CHROMIUM_PATH ----

async function verifyExplicit(path: string, ctx: Ctx): Promise<string> {
  try {
    await verifyChromium(path, ctx);
    return path;
  } catch (err) {
    throw new Error(
      `CHROMIUM_PATH is set to "${path}" but "${path} --version" failed: ${errorText(err)}. ` +
        'Point CHROMIUM_PATH at a working Chromium binary or unset it.',
    );
  }
}

// ---- (b) PATH, (c) usual locations ----

async function fromPath(ctx: Ctx): Promise<StepResult> {
  const dirs = (ctx.env.PATH ?? '').split(delimiter).filter(Boolean);
  const candidates: string[] = [];
  for (const name of CHROMIUM_NAMES) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (await ctx.fs.isExecutable(candidate)) candidates.push(candidate);
    }
  }
  if (candidates.length === 0) return { note: `none of ${CHROMIUM_NAMES.join(', ')} on PATH` };
  return firstWorking(candidates, ctx);
}

async function fromLocations(ctx: Ctx): Promise<StepResult> {
  const candidates: string[] = [];
  for (const candidate of CHROMIUM_LOCATIONS) {
    if (await ctx.fs.isExecutable(candidate)) candidates.push(candidate);
  }
  if (candidates.length === 0) return { note: 'no Chromium in the usual locations' };
  return firstWorking(candidates, ctx);
}

async function firstWorking(candidates: readonly string[], ctx: Ctx): Promise<StepResult> {
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      await verifyChromium(candidate, ctx);
      return { path: candidate };
    } catch (err) {
      failures.push(`${candidate}: ${errorText(err)}`);
    }
  }
  return { note: `found but not working (${failures.join('; ')})` };
}

// ---- (d) apt-get, as root on Debian/Ubuntu ----

export interface OsRelease {
  id: string;
  idLike: readonly string[];
}

async function readOsRelease(ctx: Ctx): Promise<OsRelease | undefined> {
  const text = await ctx.fs.readText('/etc/os-release');
  return text === undefined ? undefined : parseOsRelease(text);
}

/** ID and ID_LIKE of an /etc/os-release text (quotes removed, lower-cased). */
export function parseOsRelease(text: string): OsRelease {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) fields.set(match[1]!, match[2]!.replace(/^["']|["']$/g, '').toLowerCase());
  }
  return { id: fields.get('ID') ?? '', idLike: (fields.get('ID_LIKE') ?? '').split(/\s+/).filter(Boolean) };
}

function isDebianLike(os: OsRelease): boolean {
  return [os.id, ...os.idLike].some((id) => id === 'debian' || id === 'ubuntu');
}

/** Debian ships `chromium`; Ubuntu names it `chromium-browser`. */
function aptBrowserPackage(os: OsRelease): string {
  return os.id === 'ubuntu' || (os.id !== 'debian' && os.idLike.includes('ubuntu')) ? 'chromium-browser' : 'chromium';
}

async function installWithApt(ctx: Ctx): Promise<StepResult> {
  const os = await readOsRelease(ctx);
  if (!os || !isDebianLike(os)) return { note: 'not Debian/Ubuntu (no apt install attempted)' };
  if (ctx.uid !== 0) return { note: 'not running as root (no apt install attempted)' };
  const lockDir = join(appCacheDir(ctx.env), 'chromium-install.lock');
  const release = await acquireDirLock(lockDir, {
    staleMs: LOCK_STALE_MS,
    onWait: () => ctx.log(`Another process is installing Chromium (lock ${lockDir}); waiting for it…`),
  });
  try {
    const installed = await fromLocations(ctx); // another process may have installed it while we waited
    if ('path' in installed) return installed;
    await runApt(ctx, [aptBrowserPackage(os), ...APT_PACKAGES]);
  } finally {
    await release();
  }
  const result = await fromLocations(ctx);
  if ('path' in result) return result;
  const onPath = await fromPath(ctx);
  return 'path' in onPath ? onPath : { note: `apt-get install finished but ${result.note}` };
}

async function runApt(ctx: Ctx, packages: readonly string[]): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...ctx.env, DEBIAN_FRONTEND: 'noninteractive' };
  ctx.log(`Installing ${packages.join(' ')} with apt-get (first time only, takes a few minutes)…`);
  const started = Date.now();
  const heartbeat = setInterval(
    () => ctx.log(`…still installing Chromium (${formatElapsed(Date.now() - started)} elapsed)`),
    HEARTBEAT_MS,
  );
  try {
    await ctx.exec('apt-get', ['update', '-qq'], { env, timeoutMs: APT_UPDATE_TIMEOUT_MS });
    await ctx.exec('apt-get', ['install', '-y', '-qq', ...packages], {
      env,
      timeoutMs: APT_INSTALL_TIMEOUT_MS,
    });
  } finally {
    clearInterval(heartbeat);
  }
  ctx.log(`Installed ${packages.join(' ')} in ${formatElapsed(Date.now() - started)}`);
}

// ---- helpers ----

/** Runs `<bin> --version`; resolves with its first line, rejects with a reason. */
async function verifyChromium(bin: string, ctx: Ctx): Promise<string> {
  const out = await ctx.exec(bin, ['--version'], { env: ctx.env, timeoutMs: VERIFY_TIMEOUT_MS });
  const line = out.trim().split('\n')[0] ?? '';
  if (!/chrom/i.test(line)) throw new Error(`unexpected \`--version\` output: ${JSON.stringify(out.trim())}`);
  return line;
}

const execCommand: Exec = (cmd, args, options) => runCommand(cmd, args, options);

const nodeFs: ChromiumFs = {
  isExecutable,
  async readText(file) {
    try {
      return await readFile(file, 'utf8');
    } catch {
      return undefined;
    }
  },
};

if (require.main === module) {
  resolveChromium().then(
    (path) => process.stdout.write(`${path}\n`),
    (err: unknown) => {
      process.stderr.write(`${errorText(err)}\n`);
      process.exitCode = 1;
    },
  );
}
