/** `account <accountId>`: the account (name, scope, usage, custom-field keys, paper sync); values only on request. */
import type { Command } from 'commander';
import { getAccount } from '../../client';
import { parseConfig } from '../../config';
import type { AccountView } from '../../common/account-types';
import type { Context } from '../context';
import { EXIT } from '../errors';
import type { Action } from '../program';
import { temporalConfigSchema, withTemporal } from '../temporal';
import { withAccountErrors } from './account-io';

interface AccountOptions {
  json?: boolean;
  showValues?: boolean;
}

export function accountCommand(program: Command, action: Action): void {
  program
    .command('account')
    .summary('show a bound account and its paper sync')
    .description(
      'Show an account: name, scope, usage, custom-field keys, paper sync. The custom-field values are customer data ' +
        '(possibly credentials): shown only with --show-values.',
    )
    .argument('<accountId>', "Feishu's account id")
    .option('--json', 'print as JSON')
    .option('--show-values', "also print the customer's custom-field values")
    .addHelpText('after', '\nExit 0 when found, 4 when there is no such account.')
    .action(action(account));
}

async function account(ctx: Context, accountId: string, options: AccountOptions): Promise<number> {
  const config = parseConfig(temporalConfigSchema, ctx.env());
  const view = await withTemporal(config, (client) => withAccountErrors(() => getAccount(client, accountId)));
  if (options.json) ctx.out(JSON.stringify(options.showValues ? view : withoutValues(view), null, 2));
  else for (const line of formatAccount(view, options.showValues === true)) ctx.out(line);
  return EXIT.ok;
}

function withoutValues(view: AccountView): Omit<AccountView, 'customFields'> {
  const { customFields: _values, ...rest } = view;
  return rest;
}

function formatAccount(view: AccountView, showValues: boolean): string[] {
  const papers = view.papers;
  const rows: Array<[string, string | number | boolean | undefined]> = [
    ['account', view.accountId],
    ['bound', view.bound],
    ['name', view.name],
    ['scope', view.scope],
    ['usage', view.usage?.join(', ')],
    ['tenant', view.tenantKey],
    ['custom fields', view.customFieldKeys.join(', ') || undefined],
    ...(showValues ? view.customFields.map((f): [string, string] => [`  ${f.key}`, f.value ?? '']) : []),
    ['exam system notified', view.examSystemNotified],
    [
      'papers',
      `${papers.status}${papers.count !== undefined ? ` (${papers.count} paper${papers.count === 1 ? '' : 's'})` : ''}`,
    ],
    ['attempts', papers.attempts],
    ['synced at', papers.syncedAt],
    ['last error', papers.lastError && `${papers.lastError.type}: ${papers.lastError.message}`],
  ];
  const shown = rows.filter((row): row is [string, string | number | boolean] => row[1] !== undefined);
  const width = Math.max(...shown.map(([name]) => name.length));
  return shown.map(([name, value]) => `${name.padEnd(width)}  ${String(value)}`);
}
