import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, bundleWorkflowCode, type Logger, type WorkflowBundleOption } from '@temporalio/worker';

/**
 * THE workflow bundle of the product (src/workflows with the failure converter the product's data converter names),
 * for the worker entry, the test harness, the replay test and the bench. A package build may leave a pre-built
 * bundle next to the compiled code (`dist/workflow-bundle.js`); the worker then loads it instead of running webpack at
 * start. Without one (a checkout run through tsx), the bundle is built once per process.
 */

/** Where a build puts the pre-built bundle: `dist/workflow-bundle.js` beside `dist/worker/`. */
export const PREBUILT_BUNDLE_PATH = join(__dirname, '..', 'workflow-bundle.js');

export function bundleOptions() {
  return {
    workflowsPath: require.resolve('../workflows'),
    failureConverterPath: require.resolve('../codec/failure-converter'),
  };
}

let built: Promise<WorkflowBundleOption> | undefined;

/** The pre-built bundle when there is one, else the bundle built (once per process) from the sources. */
export function workflowBundle(logger: Logger = new DefaultLogger('WARN')): Promise<WorkflowBundleOption> {
  if (existsSync(PREBUILT_BUNDLE_PATH)) return Promise.resolve({ codePath: PREBUILT_BUNDLE_PATH });
  built ??= bundleWorkflowCode({ ...bundleOptions(), logger }).catch((err: unknown) => {
    built = undefined; // let a later call try again
    throw err;
  });
  return built;
}
