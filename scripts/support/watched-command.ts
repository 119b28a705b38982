/**
 * A long-running native program (PostgreSQL, the Temporal server) started like the dev server is
 * (scripts/dev-server.ts): under scripts/support/parent-watchdog.js, in its own process group, so it never outlives
 * this process, even SIGKILLed. Its output goes to a log file.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ServerOutput, ServerProcess } from '../dev-server';

const WATCHDOG = join(__dirname, 'parent-watchdog.js');

export interface WatchedCommand {
  /** The program's own pid (as the watchdog reports it; -1 if it never ran). */
  pid: Promise<number>;
  /** Its watchdog and process group. */
  process: ServerProcess;
  /** The last `lines` lines of its log, for error messages. */
  tail(lines?: number): Promise<string>;
}

export function startWatched(command: string, args: readonly string[], logFile: string, cwd?: string): WatchedCommand {
  const output = new ServerOutput(logFile);
  const child = spawn(process.execPath, [WATCHDOG, command, ...args], {
    detached: true,
    cwd,
    stdio: ['ignore', ...output.stdio(), 'ipc'],
  });
  output.attach(child);
  const proc = new ServerProcess(child);
  // Long lines (a Go stack trace in a JSON log line) are cut: the message is what helps.
  const tail = async (lines = 30) =>
    (await output.tail(lines))
      .split('\n')
      .map((line) => (line.length > 600 ? `${line.slice(0, 600)}…` : line))
      .join('\n');
  return { pid: proc.serverPid, process: proc, tail };
}
