/**
 * THE child processes of the local stack, chaos, the bench and the tests: run a TypeScript entry of this repository in
 * one node process (tsx's CJS hook, no wrapper process), collect its output, wait for a ready line, stop it with
 * SIGTERM and SIGKILL after a grace time. Nothing is left behind: an IPC channel lets the child notice that this
 * process died, even SIGKILLed (runMain in src/entry.ts), and whatever still runs when this process exits is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface EntryOptions {
  /** For messages and log prefixes; default: the entry path. */
  name?: string;
  /** The child's whole environment, plus PATH and HOME of this one. */
  env: Record<string, string>;
  /** Each complete line of stdout and stderr, as it comes. */
  onLine?: (line: string) => void;
  /** An IPC channel, so that an entry run by runMain stops when this process dies. Default true. */
  ipc?: boolean;
  /** Characters of output kept (the most recent). Default 1 MB. */
  keepOutput?: number;
  /** false: a JavaScript entry (e.g. of a built, installed package) run by plain node, without tsx. Default true. */
  typescript?: boolean;
  /** The working directory. Default ROOT. */
  cwd?: string;
}

export interface RunningEntry {
  name: string;
  pid: number;
  process: ChildProcess;
  /** stdout and stderr as they came (the last `keepOutput` characters). */
  output(): string;
  /** Resolves once the output matches `pattern`; rejects on timeout or when the process exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<ExitInfo>;
  /** `signal` (default SIGTERM), SIGKILL after `graceMs` (default 15 s); resolves with the exit. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<ExitInfo>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killLeftovers(): void {
  for (const child of running) child.kill('SIGKILL');
}

/** Starts `node --require tsx/cjs <ROOT>/<entry>` (`node <entry>` with `typescript: false`; entry may be absolute). */
export function spawnEntry(entry: string, options: EntryOptions): RunningEntry {
  const name = options.name ?? entry;
  const keep = options.keepOutput ?? 1_000_000;
  const script = resolve(ROOT, entry);
  const args = options.typescript === false ? [script] : ['--require', require.resolve('tsx/cjs'), script];
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', ...(options.ipc === false ? [] : ['ipc' as const])],
  });
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  running.add(child);
  if (!exitHookInstalled) {
    process.once('exit', killLeftovers);
    exitHookInstalled = true;
  }
  // This process's own lifetime is not tied to the channel: only the child watches it.
  child.channel?.unref();

  let output = '';
  const listeners = new Set<() => void>();
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-keep);
      if (options.onLine) {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.length > 0) options.onLine(line);
      }
      for (const listener of listeners) listener();
    });
  }
  // 'close': the process has exited and its output is read to the end.
  const exited = new Promise<ExitInfo>((done) =>
    child.once('close', (code, signal) => {
      running.delete(child);
      done({ code, signal });
    }),
  );
  const isRunning = () => child.exitCode === null && child.signalCode === null;
  const tail = () => output.slice(-4000);

  return {
    name,
    pid: child.pid,
    process: child,
    output: () => output,
    exited,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolveWait, reject) => {
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        const check = () => {
          if (!pattern.test(output)) return;
          cleanup();
          resolveWait();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${name}: no ${pattern} within ${timeoutMs} ms; output:\n${tail()}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then((exit) => {
          if (!listeners.has(check)) return;
          cleanup();
          reject(new Error(`${name} exited (${describeExit(exit)}) before ${pattern}; output:\n${tail()}`));
        });
        check();
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 15_000) {
      if (isRunning()) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** `spawnEntry`, then wait for `ready`; if it does not come within `timeoutMs`, the process is killed. */
export async function startEntry(
  entry: string,
  options: EntryOptions & { ready: RegExp; timeoutMs?: number },
): Promise<RunningEntry> {
  const child = spawnEntry(entry, options);
  try {
    await child.waitFor(options.ready, options.timeoutMs ?? 120_000);
    return child;
  } catch (err) {
    await child.stop('SIGKILL');
    throw err;
  }
}

export function describeExit(exit: ExitInfo): string {
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}
