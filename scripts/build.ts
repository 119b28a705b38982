/**
 * `npm run build`: the runnable package in `dist/`, from a clean folder.
 *
 * 1. `dist/` removed (no file of an older build or of another tsconfig survives into a package);
 * 2. `tsc -p tsconfig.build.json`: `src/` compiled to `dist/` with its `.d.ts`;
 * 3. the workflow bundle, built from the compiled `dist/workflows` with the failure converter the worker uses
 *    (`buildStampedBundle` of src/worker/bundle.ts, loaded from `dist/`), written to `dist/workflow-bundle.js`, stamped
 *    with the `@temporalio/workflow` version it was built with. The worker (dist/worker.js) loads it instead of running
 *    webpack at start.
 *
 * A build tool (it needs TypeScript and tsx, dev dependencies): not shipped; the package runs without it.
 */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type * as BundleModule from '../src/worker/bundle';

const ROOT = resolve(__dirname, '..');
const DIST = join(ROOT, 'dist');

function log(msg: string): void {
  process.stderr.write(`[build] ${msg}\n`);
}

async function main(): Promise<void> {
  const started = Date.now();
  rmSync(DIST, { recursive: true, force: true });

  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${tsc.status ?? tsc.signal})`);
  log(`compiled src/ to dist/ in ${((Date.now() - started) / 1000).toFixed(1)}s`);

  // The compiled module, so that the bundle is made of exactly the JavaScript the package ships.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a path known only once tsc has run
  const bundle = require(join(DIST, 'worker', 'bundle.js')) as typeof BundleModule;
  const bundleStarted = Date.now();
  writeFileSync(bundle.PREBUILT_BUNDLE_PATH, await bundle.buildStampedBundle());
  log(
    `workflow bundle (@temporalio/workflow ${bundle.workflowSdkVersion()}) written to ` +
      `${relative(ROOT, bundle.PREBUILT_BUNDLE_PATH)} in ${((Date.now() - bundleStarted) / 1000).toFixed(1)}s`,
  );
}

main().catch((err: unknown) => {
  log(`failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
