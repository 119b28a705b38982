/**
 * A cross-process lock: a directory created atomically (mkdir), holding the owner's pid. A lock whose owner died, or
 * older than `staleMs`, is taken over. Used so that parallel jest workers do not run the same install twice.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface DirLockOptions {
  /** A lock older than this is considered abandoned. */
  staleMs: number;
  /** Called once when the lock is held by someone else and we start waiting. */
  onWait?: () => void;
  /** Poll interval while waiting. Default 1000 ms. */
  pollMs?: number;
}

/** Waits for the lock at `lockDir`, then resolves with its release function. */
export async function acquireDirLock(lockDir: string, options: DirLockOptions): Promise<() => Promise<void>> {
  await mkdir(dirname(lockDir), { recursive: true });
  let announced = false;
  for (;;) {
    try {
      await mkdir(lockDir);
      await writeFile(join(lockDir, 'owner'), `${process.pid}\n`);
      return () => rm(lockDir, { recursive: true, force: true });
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
    if (await isStaleLock(lockDir, options.staleMs)) {
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) options.onWait?.();
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 1000));
  }
}

async function isStaleLock(lockDir: string, staleMs: number): Promise<boolean> {
  try {
    const info = await stat(lockDir);
    if (Date.now() - info.mtimeMs > staleMs) return true;
    const pid = Number((await readFile(join(lockDir, 'owner'), 'utf8')).trim());
    return Number.isInteger(pid) && pid > 0 && !processAlive(pid);
  } catch {
    return false; // lock vanished or owner not written yet: retry
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return !isErrno(err, 'ESRCH');
  }
}

// Structural check: under jest, Node's errors come from another realm and fail `instanceof Error`.
function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
