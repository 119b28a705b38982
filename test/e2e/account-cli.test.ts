import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli';
import { getCustomFieldsStatus } from '../../src/client';
import { accountEvent, startAccountStack, until, type AccountStack } from '../support/account-stack';
import { uniqueId } from '../support/exam-harness';
import { testPayloadKeys } from '../support/temporal';

/**
 * The ops CLI's account commands in-process against the dev server and a real worker (the sandbox as Feishu):
 * `papers --file`, `account` (keys only; values with --show-values), `custom-fields --file` with the removal guard.
 */
let s: AccountStack;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'feb-account-cli-'));
  s = await startAccountStack();
}, 120_000);
afterAll(async () => {
  await s?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdin: Readable.from([]),
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    env: {
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
      TEMPORAL_NAMESPACE: s.h.env.namespace ?? 'default',
      TEMPORAL_TASK_QUEUE: s.h.taskQueue,
      PAYLOAD_ENCRYPTION_KEYS: testPayloadKeys(),
    },
    cwd: dir,
  });
  return { code, stdout, stderr };
}

function file(name: string, body: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
}

describe('ops CLI: accounts', () => {
  it('papers --file publishes the list; account shows keys, and values only with --show-values', async () => {
    const accountId = uniqueId('acct');
    const VALUE = `cli-value-${uniqueId('v')}`;
    expect(await s.push(accountEvent({ accountId, customFields: [{ key: 'ord_id', value: VALUE }] }))).toBe(200);
    const published = await cli([
      'papers',
      accountId,
      '--file',
      file('papers.json', { paper_list: [{ id: 'p', name: 'P' }] }),
    ]);
    expect(published).toMatchObject({ code: 0, stderr: '' });
    expect(published.stdout).toContain('paper list #1 taken');
    await until(
      () => s.status(accountId),
      (view) => view.papers.status === 'synced',
    );
    const shown = await cli(['account', accountId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/custom fields\s+ord_id/);
    expect(shown.stdout).toMatch(/papers\s+synced \(1 paper\)/);
    expect(shown.stdout).not.toContain(VALUE);
    const json = await cli(['account', accountId, '--json']);
    expect(JSON.parse(json.stdout)).not.toHaveProperty('customFields');
    expect(json.stdout).not.toContain(VALUE);
    const values = await cli(['account', accountId, '--json', '--show-values']);
    expect(JSON.parse(values.stdout)).toMatchObject({ customFields: [{ key: 'ord_id', value: VALUE }] });
  });

  it('exit codes: 3 invalid list (field named), 4 unknown account, 2 unreadable file', async () => {
    const invalid = await cli([
      'papers',
      uniqueId('acct'),
      '--file',
      file('bad.json', { paper_list: [{ id: '', name: 'P' }] }),
    ]);
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toContain('paper_list.0.id: must not be empty');
    expect((await cli(['account', uniqueId('nobody')])).code).toBe(4);
    const notJson = await cli(['papers', uniqueId('acct'), '--file', file('not.json', '{')]);
    expect(notJson).toMatchObject({ code: 2 });
    expect(notJson.stderr).toContain('--file: the file is not valid JSON');
  });

  it('custom-fields --file; dropping a key: exit 7 naming it, then --confirm-removal', async () => {
    const tenant = uniqueId('tenant');
    const field = (key: string) => ({ key, name: { zh_cn: key }, is_required: false });
    const two = file('two.json', { custom_field_list: [field('a'), field('b')] });
    expect((await cli(['custom-fields', '--file', two, '--tenant-key', tenant])).code).toBe(0);
    await until(
      () => getCustomFieldsStatus(s.h.env.client, tenant),
      (view) => view.sync.status === 'synced',
    );
    const one = file('one.json', { custom_field_list: [field('a')] });
    const refused = await cli(['custom-fields', '--file', one, '--tenant-key', tenant]);
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain(': b.');
    const confirmed = await cli(['custom-fields', '--file', one, '--tenant-key', tenant, '--confirm-removal']);
    expect(confirmed).toMatchObject({ code: 0 });
    expect(confirmed.stdout).toContain('custom-field list #2 taken');
  });
});
