/**
 * Starts and stops a `temporal server start-dev` process (its own process group) and waits until it answers gRPC and
 * lists every requested search attribute. The server runs under scripts/support/parent-watchdog.js, which stops it
 * when this process dies, even SIGKILLed: a dev server never outlives the tests, the bench or `npm start`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { Connection } from '@temporalio/client';
import { findFreePort, reachableHost } from '../src/common/listen';

export { findFreePort };

export interface DevServerOptions {
  cliPath: string;
  /** Default '127.0.0.1'. */
  ip?: string;
  /** Default: a free port. */
  port?: number;
  /** Serve the Web UI on this port (implies headless: false). */
  uiPort?: number;
  /** Default true unless uiPort is given. */
  headless?: boolean;
  /** SQLite file; default in-memory (lost when the process ends). */
  dbFilename?: string;
  /**
   * SQLite pragmas (`--sqlite-pragma NAME=VALUE`), e.g. `SQLITE_WAL` for a `dbFilename`: see `SQLITE_WAL`'s comment.
   */
  sqlitePragmas?: string[];
  /** Default 'default'. */
  namespace?: string;
  /** Name → type, e.g. { ExamId: 'Keyword' }. */
  searchAttributes?: Record<string, string>;
  uiCodecEndpoint?: string;
  extraArgs?: string[];
  /** Default 120 000. */
  startupTimeoutMs?: number;
  log?: (msg: string) => void;
  /** Append the server's stdout/stderr here; otherwise the last lines are kept in memory. */
  logFile?: string;
  /**
   * Task queue fairness (`matching.enableFairness`): per-fairness-key rate limits, on which the product's per-tenant
   * Feishu quota rests (docs/performance.md#quota-design). Default true.
   */
  fairness?: boolean;
  /**
   * Read/write partitions of every task queue; default 1: a per-key rate is enforced per partition, so with the
   * server's default of 4 a key's rate is split over partitions and no longer exact. 'server-default' keeps 4.
   */
  taskQueuePartitions?: number | 'server-default';
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  /** The Temporal CLI's process. */
  pid: number;
  /** Its watchdog's, the leader of the process group. */
  watchdogPid: number;
  stop(): Promise<void>;
}

const WATCHDOG = join(__dirname, 'support', 'parent-watchdog.js');

const RING_LINES = 200;
const TAIL_LINES_IN_ERRORS = 40;
const POLL_MS = 250;
const KILL_AFTER_MS = 10_000;

type ExitInfo = { code: number | null; signal: NodeJS.Signals | null; error?: Error };

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const namespace = options.namespace ?? 'default';
  const headless = options.headless ?? options.uiPort === undefined;
  const port = options.port ?? (await findFreePort(ip));
  const uiPort = headless ? undefined : (options.uiPort ?? (await findFreePort(ip)));
  const args = await buildArgs(options, { ip, port, uiPort, namespace });
  const output = new ServerOutput(options.logFile);
  const started = Date.now();

  const child = spawn(process.execPath, [WATCHDOG, options.cliPath, ...args], {
    detached: true,
    stdio: ['ignore', ...output.stdio(), 'ipc'],
  });
  output.attach(child);
  const proc = new ServerProcess(child);
  const host = reachableHost(ip);
  const address = `${host}:${port}`;
  try {
    const deadline = started + (options.startupTimeoutMs ?? 120_000);
    await waitUntilReady(proc, address, namespace, Object.keys(options.searchAttributes ?? {}), deadline);
  } catch (err) {
    await proc.stop();
    const reason = errorText(err);
    const tail = await output.tail(TAIL_LINES_IN_ERRORS);
    throw new Error(
      `Temporal dev server failed to start: ${reason}\ncommand: ${options.cliPath} ${args.join(' ')}\n${tail}`,
    );
  }
  const uiUrl = uiPort === undefined ? undefined : `http://${host}:${uiPort}`;
  const pid = await proc.serverPid;
  options.log?.(`Temporal dev server ready at ${address} (pid ${pid}) in ${Date.now() - started} ms`);
  return { address, namespace, uiUrl, pid, watchdogPid: proc.pid, stop: () => proc.stop() };
}

async function buildArgs(
  options: DevServerOptions,
  resolved: { ip: string; port: number; uiPort: number | undefined; namespace: string },
): Promise<string[]> {
  const args = ['server', 'start-dev', '--ip', resolved.ip, '--port', String(resolved.port)];
  args.push('--http-port', String(await findFreePort(resolved.ip)));
  args.push('--metrics-port', String(await findFreePort(resolved.ip)));
  // `default` always exists; a repeated one is harmless but noisy.
  if (resolved.namespace !== 'default') args.push('--namespace', resolved.namespace);
  args.push(...(resolved.uiPort === undefined ? ['--headless'] : ['--ui-port', String(resolved.uiPort)]));
  if (options.dbFilename) args.push('--db-filename', options.dbFilename);
  for (const pragma of options.sqlitePragmas ?? []) args.push('--sqlite-pragma', pragma);
  args.push('--log-level', 'warn');
  args.push('--dynamic-config-value', 'frontend.enableServerVersionCheck=false');
  args.push('--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=true');
  args.push(...fairnessArgs(options));
  for (const [name, type] of Object.entries(options.searchAttributes ?? {})) {
    args.push('--search-attribute', `${name}=${type}`);
  }
  if (options.uiCodecEndpoint) args.push('--ui-codec-endpoint', options.uiCodecEndpoint);
  args.push(...(options.extraArgs ?? []));
  return args;
}

/**
 * Write-ahead logging with `synchronous=NORMAL`, for a server with a `dbFilename`. SQLite's documentation
 * (https://www.sqlite.org/pragma.html#pragma_synchronous, https://www.sqlite.org/wal.html): "Transactions are durable
 * across application crashes regardless of the synchronous setting or journal mode"; in WAL mode NORMAL syncs only at
 * checkpoints, keeps the database consistent after a power loss or OS crash, and may roll back the last commits then
 * (FULL syncs each commit and keeps them; OFF may corrupt the database on an OS crash or power loss). An in-memory
 * server (no `dbFilename`) keeps nothing across a crash of its process.
 */
export const SQLITE_WAL = ['journal_mode=WAL', 'synchronous=NORMAL'] as const;

/** The dynamic config the product's per-tenant quota needs (docs/performance.md#quota-design). */
export function fairnessArgs(options: Pick<DevServerOptions, 'fairness' | 'taskQueuePartitions'>): string[] {
  const args: string[] = [];
  if (options.fairness ?? true) args.push('--dynamic-config-value', 'matching.enableFairness=true');
  const partitions = options.taskQueuePartitions ?? 1;
  if (partitions !== 'server-default') {
    args.push('--dynamic-config-value', `matching.numTaskqueueReadPartitions=${partitions}`);
    args.push('--dynamic-config-value', `matching.numTaskqueueWritePartitions=${partitions}`);
  }
  return args;
}

// ---- readiness ----

async function waitUntilReady(
  proc: ServerProcess,
  address: string,
  namespace: string,
  searchAttributes: string[],
  deadline: number,
): Promise<void> {
  let lastProblem = 'not reachable yet';
  while (Date.now() < deadline) {
    if (proc.exitInfo) throw new Error(`the process exited early (${describeExit(proc.exitInfo)})`);
    const problem = await Promise.race([
      probe(address, namespace, searchAttributes, deadline),
      proc.exited.then(() => ''),
    ]);
    if (problem === undefined) return;
    if (problem) lastProblem = problem;
    await sleep(POLL_MS);
  }
  throw new Error(`not ready before the start-up timeout (last check: ${lastProblem})`);
}

/** One readiness check; undefined when ready, else what is missing. */
async function probe(
  address: string,
  namespace: string,
  searchAttributes: string[],
  deadline: number,
): Promise<string | undefined> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: '2s' });
    const conn = connection;
    const rpcDeadline = Math.min(deadline, Date.now() + 2000);
    await conn.withDeadline(rpcDeadline, () => conn.workflowService.getSystemInfo({}));
    const listed = await conn.withDeadline(rpcDeadline, () => conn.operatorService.listSearchAttributes({ namespace }));
    const missing = searchAttributes.filter((name) => !(name in (listed.customAttributes ?? {})));
    return missing.length === 0 ? undefined : `search attributes not listed yet: ${missing.join(', ')}`;
  } catch (err) {
    return errorText(err);
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

// ---- process lifetime ----

/** Tracks the watchdog's exit and stops its whole process group (SIGTERM, then SIGKILL). */
export class ServerProcess {
  /** The watchdog's pid (the group's). */
  readonly pid: number;
  /** The Temporal CLI's pid, as the watchdog reports it. */
  readonly serverPid: Promise<number>;
  readonly exited: Promise<ExitInfo>;
  exitInfo: ExitInfo | undefined;
  private stopping: Promise<void> | undefined;
  private readonly killOnParentExit = (): void => this.signalGroup('SIGKILL');

  constructor(private readonly child: ChildProcess) {
    this.exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
    }).then((info: ExitInfo) => {
      this.exitInfo = info;
      process.removeListener('exit', this.killOnParentExit);
      return info;
    });
    this.pid = child.pid ?? -1;
    this.serverPid = new Promise<number>((resolve) => {
      child.once('message', (message: { pid?: unknown }) =>
        resolve(typeof message.pid === 'number' ? message.pid : -1),
      );
      void this.exited.then(() => resolve(-1));
    });
    // Only the watchdog watches the channel: it must not keep this process alive.
    child.channel?.unref();
    if (child.pid !== undefined) process.once('exit', this.killOnParentExit);
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (!this.exitInfo) {
      this.signalGroup('SIGTERM');
      const timer = setTimeout(() => this.signalGroup('SIGKILL'), KILL_AFTER_MS);
      await this.exited;
      clearTimeout(timer);
    }
    this.signalGroup('SIGKILL'); // anything left in the group
  }

  private signalGroup(signal: NodeJS.Signals): void {
    if (this.pid <= 0) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // ESRCH: the group is gone
    }
  }
}

function describeExit(info: ExitInfo): string {
  if (info.error) return info.error.message;
  return info.signal ? `signal ${info.signal}` : `exit code ${info.code}`;
}

// ---- output: a log file or a ring buffer ----

export class ServerOutput {
  private readonly lines: string[] = [];
  private partial = '';
  private fd: number | undefined;

  constructor(private readonly logFile: string | undefined) {}

  stdio(): ['pipe', 'pipe'] | [number, number] {
    if (!this.logFile) return ['pipe', 'pipe'];
    this.fd = openSync(this.logFile, 'a');
    return [this.fd, this.fd];
  }

  attach(child: ChildProcess): void {
    if (this.fd !== undefined) {
      closeSync(this.fd); // the child holds its own copy
      this.fd = undefined;
      return;
    }
    child.stdout?.on('data', (chunk: Buffer) => this.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.push(chunk));
  }

  async tail(count: number): Promise<string> {
    const lines = this.logFile ? await readTail(this.logFile) : [...this.lines, this.partial];
    const last = lines.filter(Boolean).slice(-count);
    const source = this.logFile ? `last lines of ${this.logFile}` : 'last lines of output';
    return last.length ? `${source}:\n${last.join('\n')}` : `(${source}: none)`;
  }

  private push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    this.lines.splice(0, Math.max(0, this.lines.length - RING_LINES));
  }
}

async function readTail(file: string, maxBytes = 64 * 1024): Promise<string[]> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, maxBytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString('utf8').split('\n');
    } finally {
      await handle.close();
    }
  } catch {
    return [];
  }
}

/** Structural: under jest, errors may come from another realm and fail `instanceof Error`. */
function errorText(err: unknown): string {
  const message = typeof err === 'object' && err !== null ? (err as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(err);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
