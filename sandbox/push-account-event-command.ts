/**
 * The sandbox's `push-account-event` command: Feishu's `hire.eco_account.created_v1` — a customer bound the vendor's
 * account — sent to an ingest exactly as Feishu would (encrypted and signed like push-event), reporting each
 * delivery. The custom fields' values are customer data: only their keys are ever printed.
 */
import { InvalidArgumentError, type Command } from 'commander';
import type { Context } from '../src/cli/context';
import { CliError, EXIT } from '../src/cli/errors';
import type { Action } from '../src/cli/program';
import { parseConfig } from '../src/config';
import { pushAccountCreated, type AccountPushResult } from './event-pusher';
import type { EcoAccountCustomFieldValue } from './feishu-events';
import {
  deliveryOptions,
  ingestUnreachable,
  pushConfigSchema,
  reportDeliveries,
  timedFetch,
  webhookUrlFor,
  type DeliveryFlags,
} from './push-command-support';

const PUSH_ACCOUNT_EVENT_HELP = `
Exit 0 when every delivery was acknowledged (2xx); 1 when one was not (its answer is printed) or the ingest is
unreachable; 2 for a bad option. The account id, event id and the custom fields' keys (never their values) are
printed first.

Example:
  npm run sandbox:push-account-event -- --account-id 6931286400470354183 --usage 1 --usage 2 \\
    --custom-field ord_id=7233333 --custom-field region=east`;

interface PushAccountEventFlags extends DeliveryFlags {
  accountId?: string;
  accountName?: string;
  scope?: number;
  usage?: number[];
  /** Raw `key=value` strings: checked in the action, so a malformed one is never echoed back by commander. */
  customField?: string[];
  tenantKey?: string;
}

export function pushAccountEventCommand(program: Command, action: Action): void {
  const command = program
    .command('push-account-event')
    .summary('send an account-bound event (hire.eco_account.created_v1) to the ingest, like Feishu')
    .description(
      'Send a hire.eco_account.created_v1 event — a customer bound the vendor’s account — to the ingest exactly as ' +
        'Feishu would (encrypted with FEISHU_ENCRYPT_KEY and signed, plain when unset, with FEISHU_VERIFICATION_TOKEN) ' +
        "and report each delivery's HTTP status and time. Redeliveries reuse the event id.",
    )
    .option('--account-id <id>', 'eco account id (default: the docs’ example 6931286400470354183)')
    .option('--account-name <name>', 'account name (default: the docs’ example)')
    .option('--scope <n>', 'the account’s scope: 1 背调 (background check), 2 笔试 (exam); default 2', parseScope)
    .option('--usage <n>', 'a usage: 1 社招 (experienced), 2 校招 (campus); repeatable (default: 1)', collectUsage)
    .option(
      '--custom-field <key=value>',
      'an account custom field the customer filled in; repeatable (default: the docs’ ord_id); values are never printed',
      collectRaw,
    )
    .option('--tenant-key <key>', 'tenant_key of the event header (the customer’s tenant)');
  deliveryOptions(command).addHelpText('after', PUSH_ACCOUNT_EVENT_HELP).action(action(pushAccountEvent));
}

function parseScope(value: string): number {
  if (value !== '1' && value !== '2') throw new InvalidArgumentError('must be 1 (背调) or 2 (笔试)');
  return Number(value);
}

function collectUsage(value: string, previous: number[] = []): number[] {
  if (value !== '1' && value !== '2') throw new InvalidArgumentError('must be 1 (社招) or 2 (校招)');
  return [...previous, Number(value)];
}

function collectRaw(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `key=value` pairs; a malformed one is named by its position, never shown (it may hold customer data). */
function customFieldsOf(raw: readonly string[]): EcoAccountCustomFieldValue[] {
  const keys = new Set<string>();
  return raw.map((pair, index) => {
    const at = pair.indexOf('=');
    const key = at > 0 ? pair.slice(0, at).trim() : '';
    if (key === '') {
      throw new CliError(EXIT.usage, `--custom-field #${index + 1}: must be key=value with a non-empty key`);
    }
    if (keys.has(key)) throw new CliError(EXIT.usage, `--custom-field #${index + 1}: repeats the key ${key}`);
    keys.add(key);
    return { key, value: pair.slice(at + 1) };
  });
}

async function pushAccountEvent(ctx: Context, flags: PushAccountEventFlags): Promise<number> {
  const customFields = flags.customField === undefined ? undefined : customFieldsOf(flags.customField);
  const config = parseConfig(pushConfigSchema, ctx.env());
  const webhookUrl = webhookUrlFor(flags, config);
  let result: AccountPushResult;
  try {
    result = await pushAccountCreated({
      webhookUrl,
      verificationToken: config.FEISHU_VERIFICATION_TOKEN,
      encryptKey: config.FEISHU_ENCRYPT_KEY,
      accountId: flags.accountId,
      accountName: flags.accountName,
      scope: flags.scope,
      usageList: flags.usage,
      customFields,
      tenantKey: flags.tenantKey,
      deliveries: flags.deliveries,
      concurrent: flags.concurrent,
      fetch: timedFetch,
    });
  } catch (err) {
    throw ingestUnreachable(webhookUrl, err);
  }
  ctx.out(`account ${result.accountId}`);
  ctx.out(`event ${result.eventId}`);
  const keys = (customFields ?? []).map((field) => field.key);
  ctx.out(`custom fields: ${customFields === undefined ? 'the docs’ example (ord_id)' : keys.join(', ') || 'none'}`);
  return reportDeliveries(ctx, result.deliveries);
}
