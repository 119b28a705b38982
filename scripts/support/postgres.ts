/**
 * A throw-away PostgreSQL cluster for scripts/production-check.ts: Debian's `postgresql` package (installed with
 * apt-get when missing and running as root), `initdb` into a data dir of our own, the server on a free loopback port
 * with password authentication, run as the `postgres` user when this process is root (PostgreSQL refuses root).
 * It never touches a system cluster. Started under the parent watchdog, so it never outlives this process.
 */
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appCacheDir } from '../temporal-cli';
import { acquireDirLock } from '../dir-lock';
import { findFreePort } from '../dev-server';
import { errorText, isExecutable, runCommand } from './provision';
import { startWatched, type WatchedCommand } from './watched-command';

const USER = 'temporal';
const APT_TIMEOUT_MS = 15 * 60_000;
const INITDB_TIMEOUT_MS = 120_000;
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 30_000;

export interface Postgres {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The server's major version, e.g. "15". */
  version: string;
  /** Fast shutdown (SIGINT), then the process group is stopped. */
  stop(): Promise<void>;
}

interface RunAs {
  /** Prefix that runs a command as the `postgres` user, empty when not root. */
  prefix: string[];
  uid?: number;
  gid?: number;
}

/** Finds the PostgreSQL server binaries (initdb, postgres, pg_isready), installing the package if needed and allowed. */
export async function findPostgresBinDir(log: (msg: string) => void): Promise<string> {
  const found = await searchBinDir();
  if (found) return found;
  if (process.getuid?.() !== 0 || !(await isExecutable('/usr/bin/apt-get'))) {
    throw new Error(
      'PostgreSQL server binaries (initdb, postgres) not found. Install them, e.g. on Debian/Ubuntu: ' +
        '`sudo apt-get update && sudo apt-get install -y postgresql`, then rerun.',
    );
  }
  const release = await acquireDirLock(join(appCacheDir(), '.apt-postgresql.lock'), {
    staleMs: APT_TIMEOUT_MS * 2,
    onWait: () => log('Another process is installing PostgreSQL; waiting for it…'),
  });
  try {
    const again = await searchBinDir();
    if (again) return again;
    log('Installing PostgreSQL with apt-get (first time only)…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await runCommand('apt-get', ['update', '-qq'], { env, timeoutMs: APT_TIMEOUT_MS });
    await runCommand('apt-get', ['install', '-y', '-qq', 'postgresql'], { env, timeoutMs: APT_TIMEOUT_MS });
  } finally {
    await release();
  }
  const installed = await searchBinDir();
  if (!installed) throw new Error('apt-get install postgresql finished but initdb is still not found');
  return installed;
}

/** Debian keeps them in /usr/lib/postgresql/<major>/bin (the newest wins); elsewhere they are on PATH. */
async function searchBinDir(): Promise<string | undefined> {
  const debian = '/usr/lib/postgresql';
  let majors: string[] = [];
  try {
    majors = (await readdir(debian)).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  } catch {
    // not Debian-like
  }
  const candidates = [
    ...majors.map((major) => join(debian, major, 'bin')),
    ...(process.env.PATH ?? '').split(':').filter(Boolean),
  ];
  for (const dir of candidates) {
    if ((await isExecutable(join(dir, 'initdb'))) && (await isExecutable(join(dir, 'postgres')))) return dir;
  }
  return undefined;
}

async function runAsPostgres(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return { prefix: [] };
  const env = process.env;
  const uid = Number((await runCommand('id', ['-u', 'postgres'], { env, timeoutMs: 10_000 })).trim());
  const gid = Number((await runCommand('id', ['-g', 'postgres'], { env, timeoutMs: 10_000 })).trim());
  return {
    prefix: ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--'],
    uid,
    gid,
  };
}

function asPostgres(runAs: RunAs, bin: string, args: string[]): [string, string[]] {
  const [first, ...rest] = [...runAs.prefix, bin, ...args];
  return [first!, rest];
}

/**
 * `initdb` into `<temp dir>/data` (superuser `temporal` with a random password; scram-sha-256 over TCP), then starts
 * the server on 127.0.0.1:<free port> with its socket in `baseDir`, and waits until it accepts connections.
 */
export async function startPostgres(log: (msg: string) => void): Promise<Postgres> {
  const binDir = await findPostgresBinDir(log);
  const runAs = await runAsPostgres();
  // Its own temp dir (the postgres user must reach it), removed on stop.
  const baseDir = await mkdtemp(join(tmpdir(), 'feb-postgres-'));
  try {
    return await initAndStart(binDir, runAs, baseDir);
  } catch (err) {
    await rm(baseDir, { recursive: true, force: true });
    throw err;
  }
}

async function initAndStart(binDir: string, runAs: RunAs, baseDir: string): Promise<Postgres> {
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(baseDir, 'pwfile');
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (runAs.uid !== undefined && runAs.gid !== undefined) {
    await chown(baseDir, runAs.uid, runAs.gid);
    await chown(pwfile, runAs.uid, runAs.gid);
  }
  await chmod(baseDir, 0o700);
  const dataDir = join(baseDir, 'data');
  const [initdb, initdbArgs] = asPostgres(runAs, join(binDir, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    USER,
    `--pwfile=${pwfile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  await runCommand(initdb, initdbArgs, { env: { ...process.env, LC_ALL: 'C' }, timeoutMs: INITDB_TIMEOUT_MS }).catch(
    (err: unknown) => {
      throw new Error(`initdb failed: ${errorText(err)}`);
    },
  );
  const port = await findFreePort();
  const postgresArgs = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-k',
    baseDir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'max_connections=200',
  ];
  const [postgres, args] = asPostgres(runAs, join(binDir, 'postgres'), postgresArgs);
  const server = startWatched(postgres, args, join(baseDir, 'postgres.log'), baseDir);
  try {
    await waitUntilReady(binDir, port, server);
  } catch (err) {
    await server.process.stop();
    throw new Error(`PostgreSQL did not start: ${errorText(err)}\n${await server.tail()}`);
  }
  const version = (await runCommand(join(binDir, 'postgres'), ['--version'], { env: process.env, timeoutMs: 10_000 }))
    .replace(/^.*\s(\d+)(\.\d+)*.*$/s, '$1')
    .trim();
  const stop = async () => {
    await stopPostgres(server);
    await rm(baseDir, { recursive: true, force: true });
  };
  return { host: '127.0.0.1', port, user: USER, password, version, stop };
}

async function waitUntilReady(binDir: string, port: number, server: WatchedCommand): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = '';
  while (Date.now() < deadline) {
    if (server.process.exitInfo) throw new Error('the postgres process exited');
    try {
      await runCommand(join(binDir, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-t', '2'], {
        env: process.env,
        timeoutMs: 5_000,
      });
      return;
    } catch (err) {
      last = errorText(err);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`not accepting connections after ${READY_TIMEOUT_MS} ms (${last})`);
}

/** SIGINT is PostgreSQL's fast shutdown: it ends the sessions, writes a checkpoint and exits. */
async function stopPostgres(server: WatchedCommand): Promise<void> {
  const pid = await server.pid;
  if (pid > 0 && !server.process.exitInfo) {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      // already gone
    }
    await Promise.race([server.process.exited, new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS))]);
  }
  await server.process.stop();
}
