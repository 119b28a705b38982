/** `custom-fields --file fields.json`: register the vendor's full custom-field list (scope 2). */
import type { Command } from 'commander';
import { registerCustomFields } from '../../client';
import { parseConfig } from '../../config';
import type { RegisterCustomFieldsBody } from '../../common/account-schemas';
import type { Context } from '../context';
import { EXIT } from '../errors';
import type { Action } from '../program';
import { temporalConfigSchema, withTemporal } from '../temporal';
import { readJsonFile, withAccountErrors } from './account-io';

interface CustomFieldsOptions {
  file: string;
  tenantKey?: string;
  confirmRemoval?: boolean;
}

export function customFieldsCommand(program: Command, action: Action): void {
  program
    .command('custom-fields')
    .summary("register the vendor's custom fields (scope 2)")
    .description(
      "Register the vendor's full custom-field list (the registerAccountCustomFields update; newest wins); the worker " +
        'sends it to Feishu (POST /open-apis/hire/v1/eco_account_custom_fields). A list that drops keys Feishu holds ' +
        'is refused unless --confirm-removal: Feishu never lets a deleted key be used again.',
    )
    .requiredOption(
      '--file <path>',
      'JSON file: { "custom_field_list": [{ "key", "name": { "zh_cn" }, "is_required" }] }',
    )
    .option('--tenant-key <tenant_key>', "store apps: the customer's tenant")
    .option('--confirm-removal', 'drop keys Feishu holds (irreversible there)')
    .addHelpText('after', '\nExit codes: 0 taken; 2 usage; 3 invalid list; 7 keys would be dropped; 1 anything else.')
    .action(action(customFields));
}

async function customFields(ctx: Context, options: CustomFieldsOptions): Promise<number> {
  const config = parseConfig(temporalConfigSchema, ctx.env());
  const file = readJsonFile(options.file) as RegisterCustomFieldsBody;
  const body = {
    ...file,
    ...(options.tenantKey !== undefined && { tenant_key: options.tenantKey }),
    ...(options.confirmRemoval && { confirm_removal: true }),
  };
  const taken = await withTemporal(config, (client) =>
    withAccountErrors(() => registerCustomFields(client, body, { taskQueue: config.TEMPORAL_TASK_QUEUE })),
  );
  ctx.out(`custom-field list #${taken.seq} taken (workflow ${taken.workflowId})`);
  return EXIT.ok;
}
