/**
 * What the provisioning scripts share (scripts/temporal-cli.ts, scripts/chromium.ts): ordered steps where the first
 * that yields a working binary wins and each other one leaves a note for the how-to message, a bounded command
 * runner, an executable check, and the small formatting helpers of their progress lines.
 */
import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';

export type StepResult = { path: string } | { note: string };
export interface ProvisionStep<C> {
  name: string;
  run: (ctx: C) => Promise<StepResult>;
}

/** Runs the steps in order: the first path wins; otherwise every step's note (`name: why`), for the error message. */
export async function firstWorkingPath<C>(
  steps: readonly ProvisionStep<C>[],
  ctx: C,
): Promise<{ path: string } | { notes: string[] }> {
  const notes: string[] = [];
  for (const step of steps) {
    let result: StepResult;
    try {
      result = await step.run(ctx);
    } catch (err) {
      result = { note: errorText(err) };
    }
    if ('path' in result) return result;
    notes.push(`${step.name}: ${result.note}`);
  }
  return { notes };
}

/** A step switched off by an option. */
export async function disabled(): Promise<StepResult> {
  return { note: 'disabled' };
}

/** Runs a command with a timeout; resolves with its stdout, rejects with the last lines of its stderr. */
export function runCommand(
  cmd: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; timeoutMs: number; cwd?: string },
): Promise<string> {
  const { env, timeoutMs, cwd } = options;
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      [...args],
      { env, cwd, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const detail = stderr.trim().split('\n').slice(-3).join(' ');
        reject(new Error(err.killed ? `timed out after ${timeoutMs} ms` : `${err.message.trim()} ${detail}`.trim()));
      },
    );
  });
}

export async function isExecutable(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// Structural check: under jest, Node's errors come from another realm and fail `instanceof Error`.
export function errorText(err: unknown): string {
  const message = typeof err === 'object' && err !== null ? (err as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(err);
}

export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export function logToStderr(msg: string): void {
  process.stderr.write(`${msg}\n`);
}
