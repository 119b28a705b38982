/** Test helpers: a TestWorkflowEnvironment on the shared dev server (see global-setup.ts) and unique ids. */
import { randomBytes } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';

/** Connects to the server from TEMPORAL_TEST_ADDRESS; `env.teardown()` closes connections, not the server. */
export async function testEnv(): Promise<TestWorkflowEnvironment> {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) {
    throw new Error(
      'TEMPORAL_TEST_ADDRESS is not set: run the tests through jest (test/support/global-setup.ts starts a dev server) ' +
        'or set it to a running Temporal server, e.g. 127.0.0.1:7233.',
    );
  }
  const namespace = process.env.TEMPORAL_TEST_NAMESPACE || 'default';
  return TestWorkflowEnvironment.createFromExistingServer({ address, namespace });
}

/** `<prefix>-<12 hex chars>`, for task queues and exam ids. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}
