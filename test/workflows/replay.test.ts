import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { installCapturingRuntime } from '../support/exam-harness';
import { FIXTURE_PAYLOAD_KEYS } from '../support/temporal';
import { productDataConverter } from '../../src/codec';
import { workflowBundle as productWorkflowBundle } from '../../src/worker/bundle';

/**
 * Determinism guard: histories recorded from real runs (RECORD_HISTORIES=1 npm test -- test/workflows), with their
 * payloads encrypted under FIXTURE_PAYLOAD_KEYS, replay against today's workflow code and data converter. A change that would break running workflows fails here; see README "Changing the
 * workflow" for patched().
 */
const dir = join(__dirname, '..', 'fixtures', 'histories');
/** Exams in flight under the first release (before the result phase): they must finish under today's code. */
const FIRST_RELEASE = 'first-release';
const fixtures = [
  ...readdirSync(dir).filter((name) => name.endsWith('.json')),
  ...readdirSync(join(dir, FIRST_RELEASE))
    .filter((name) => name.endsWith('.json'))
    .map((name) => `${FIRST_RELEASE}/${name}`),
];
let workflowBundle: WorkflowBundleOption;

beforeAll(async () => {
  installCapturingRuntime();
  workflowBundle = await productWorkflowBundle(new DefaultLogger('WARN'));
}, 60_000);

describe('recorded histories replay without nondeterminism', () => {
  it('has fixtures for every workflow path', () => {
    expect(fixtures.sort()).toEqual(
      expect.arrayContaining([
        'arranged-by-update.json',
        'expired.json',
        'invalid-then-valid.json',
        'notified.json',
        'rejected.json',
        'retried.json',
        'submitted.json',
        'worker-settings-expired.json',
        'result-submitted.json',
        'result-locked.json',
        'result-settle-resend.json',
        'result-continued-as-new.json',
        'result-held-before-arrangement.json',
        'first-release/awaiting-arrangement-open.json',
        'first-release/retrying-login-info-open.json',
        'first-release/submitted-closed.json',
      ]),
    );
  });

  it.each(fixtures)('%s', async (name) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(dir, name), 'utf8')));
    const dataConverter = productDataConverter(FIXTURE_PAYLOAD_KEYS);
    await expect(
      Worker.runReplayHistory({ workflowBundle, dataConverter }, history, `replay-${name}`),
    ).resolves.toBeUndefined();
  });
});
