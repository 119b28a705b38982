/**
 * The built package the bench runs its worker from, as production does (`node dist/worker.js`, docs/deployment.md):
 * `dist/` with the pre-built, version-stamped workflow bundle `dist/workflow-bundle.js` (scripts/build.ts). A fresh
 * clone has no `dist/`, and a `dist/` older than the sources would measure stale code: in both cases the bench runs
 * `npm run build` first (about 10 s) and says so.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { prebuiltBundleSdkVersion, workflowSdkVersion } from '../src/worker/bundle';

const ROOT = join(__dirname, '..');
export const BUILT_WORKER = join(ROOT, 'dist', 'worker.js');
const BUILT_BUNDLE = join(ROOT, 'dist', 'workflow-bundle.js');

/** Newest modification time (ms) of any file under `dir`. */
function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Why `dist/` cannot be used as it is, or undefined when it is current. */
function staleReason(): string | undefined {
  if (!existsSync(BUILT_WORKER) || !existsSync(BUILT_BUNDLE)) return 'no dist/ (a fresh clone)';
  if (prebuiltBundleSdkVersion(BUILT_BUNDLE) !== workflowSdkVersion()) return 'the bundle names another SDK version';
  if (newestMtimeMs(join(ROOT, 'src')) > statSync(BUILT_BUNDLE).mtimeMs) return 'src/ changed since the last build';
  return undefined;
}

/** Builds the package unless `dist/` is current; returns what it did (for the log). */
export function ensureBuiltPackage(log: (line: string) => void): 'built' | 'up to date' {
  const reason = staleReason();
  if (reason === undefined) return 'up to date';
  log(`${reason}: running npm run build (the worker runs from dist/ with its pre-built workflow bundle)`);
  const build = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), 'scripts/build.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status ?? build.signal})`);
  const after = staleReason();
  if (after !== undefined) throw new Error(`after npm run build: ${after}`);
  return 'built';
}
