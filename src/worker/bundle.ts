import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, bundleWorkflowCode, type Logger, type WorkflowBundleOption } from '@temporalio/worker';

/**
 * THE workflow bundle of the product (src/workflows with the failure converter the product's data converter names),
 * for the worker entry, the test harness, the replay test, the bench and the package build. A package build
 * (`npm run build`, scripts/build.ts) leaves a pre-built bundle next to the compiled code (`dist/workflow-bundle.js`);
 * the worker then loads it instead of running webpack at start. Without one (a checkout run through tsx), or when the
 * one found was built with another version of the Temporal SDK than the one installed, the bundle is built once per
 * process.
 */

/** Where a build puts the pre-built bundle: `dist/workflow-bundle.js` beside `dist/worker/`. */
export const PREBUILT_BUNDLE_PATH = join(__dirname, '..', 'workflow-bundle.js');

/** The first line of a pre-built bundle: which `@temporalio/workflow` it was built with. */
const STAMP_PREFIX = '// feishu-exam-bridge workflow bundle, @temporalio/workflow ';

export function bundleOptions() {
  return {
    workflowsPath: require.resolve('../workflows'),
    failureConverterPath: require.resolve('../codec/failure-converter'),
    // Evaluated once per V8 context and shared by its workflows, not once per workflow: the schema getters (and zod),
    // so each schema is built once per worker thread (src/common/lazy-schema.ts).
    preloadModules: [
      require.resolve('../common/lazy-schemas'),
      require.resolve('../common/lazy-result-schemas'),
      require.resolve('../common/lazy-account-schemas'),
      require.resolve('../workflows/legacy-schemas'),
    ],
  };
}

/** The installed `@temporalio/workflow` version: the one a bundle must be built with. */
export function workflowSdkVersion(): string {
  return (JSON.parse(readFileSync(require.resolve('@temporalio/workflow/package.json'), 'utf8')) as { version: string })
    .version;
}

/** The bundle's code with its stamp line, as `npm run build` writes it to PREBUILT_BUNDLE_PATH. */
export async function buildStampedBundle(logger: Logger = new DefaultLogger('WARN')): Promise<string> {
  const { code } = await bundleWorkflowCode({ ...bundleOptions(), logger });
  return `${STAMP_PREFIX}${workflowSdkVersion()}\n${code}`;
}

/** The SDK version a pre-built bundle's stamp names, or undefined for a file without a stamp. */
export function prebuiltBundleSdkVersion(path: string = PREBUILT_BUNDLE_PATH): string | undefined {
  const firstLine = readFileSync(path, 'utf8').slice(0, 200).split('\n', 1)[0] ?? '';
  return firstLine.startsWith(STAMP_PREFIX) ? firstLine.slice(STAMP_PREFIX.length).trim() : undefined;
}

let built: Promise<WorkflowBundleOption> | undefined;

/** The pre-built bundle when there is one of the installed SDK version, else the bundle built (once per process). */
export function workflowBundle(logger: Logger = new DefaultLogger('WARN')): Promise<WorkflowBundleOption> {
  if (existsSync(PREBUILT_BUNDLE_PATH)) {
    const bundled = prebuiltBundleSdkVersion();
    const installed = workflowSdkVersion();
    if (bundled === installed) return Promise.resolve({ codePath: PREBUILT_BUNDLE_PATH });
    logger.warn('the pre-built workflow bundle does not match the installed Temporal SDK: bundling at start', {
      bundle: PREBUILT_BUNDLE_PATH,
      bundledWith: bundled ?? 'unknown',
      installed,
    });
  }
  built ??= bundleWorkflowCode({ ...bundleOptions(), logger }).catch((err: unknown) => {
    built = undefined; // let a later call try again
    throw err;
  });
  return built;
}
